// Frames in the binding: the fused column write that ndbridge._frames (the pandas reader) hands its
// columns to, and asarray's route for pandas objects. The reader decides which arrays describe each
// column; this file turns them into core ColumnSources and runs write_columns without the GIL.
#include <string>
#include <vector>

#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>

#include "common.h"
#include "ndbridge/frame.h"

namespace ndbridge::python {
namespace {

NullOptions parse_nulls(nb::handle policy, double fill) {
    if (policy.is_none()) return {NullPolicy::nan_or_raise, 0.0};
    const std::string p = nb::cast<std::string>(policy);
    if (p == "raise") return {NullPolicy::raise, 0.0};
    if (p == "nan") return {NullPolicy::nan, 0.0};
    if (p == "mask") return {NullPolicy::mask, 0.0};
    if (p == "fill") return {NullPolicy::fill, fill};
    fail(ErrorKind::value, "nulls must be None, 'raise', 'nan', 'mask' or a number, not '", p, "'");
}

// One column as the reader describes it: (name, values, missing_bytes | None, sentinel | None,
// nan_is_missing, count_unit | None). `values` and the byte mask are NumPy arrays of equal length.
ColumnSource column_source(nb::handle spec, std::int64_t column, std::vector<Array>& keep) {
    nb::tuple t = nb::borrow<nb::tuple>(spec);
    if (t.size() != 6) fail(ErrorKind::value, "a column spec has 6 fields, not ", t.size());
    ColumnSource s;
    s.name = nb::cast<std::string>(t[0]);
    if (probe(t[1]).kind != Kind::numpy_array) fail(ErrorKind::type, "column '", s.name, "' values are no ndarray");
    const Array& values = keep.emplace_back(read_numpy(t[1]));
    if (values.ndim() != 1) fail(ErrorKind::value, "column '", s.name, "' values are ", values.ndim(), "-D");
    s.dtype = values.dtype();
    s.data = values.data();
    s.stride = values.strides()[0];
    s.length = values.shape()[0];
    s.column = column;
    if (!t[2].is_none()) {
        const Array& mask = keep.emplace_back(read_numpy(t[2]));
        if (mask.ndim() != 1 || mask.shape()[0] != s.length || mask.itemsize() != 1 ||
            (s.length > 1 && mask.strides()[0] != 1))
            fail(ErrorKind::value, "column '", s.name, "' has a missing-value mask that is not ", s.length,
                 " contiguous bytes");
        s.missing_bytes = reinterpret_cast<const std::uint8_t*>(mask.data());
    }
    if (!t[3].is_none()) s.missing_sentinel = nb::cast<std::int64_t>(t[3]);
    s.nan_is_missing = nb::cast<bool>(t[4]);
    if (!t[5].is_none()) s.count_unit = parse_time_unit(nb::cast<std::string>(t[5]));
    return s;
}

// _write_frame(columns, dtype, rows, one_dimensional, order, nulls, fill, want_mask) -> (values, mask | None)
nb::tuple write_frame(nb::list columns, nb::handle dtype, std::int64_t rows, bool one_dimensional, nb::handle order,
                      nb::handle nulls, double fill, bool want_mask) {
    return named("from_dataframe", [&] {
        const DType to = dtype_from_object(dtype);
        MemoryOrder layout = parse_order(order);
        if (layout != MemoryOrder::F) layout = MemoryOrder::C;  // new memory: K and A have no source order here
        const NullOptions policy = parse_nulls(nulls, fill);
        std::vector<Array> keep;
        keep.reserve(2 * columns.size());
        std::vector<ColumnSource> sources;
        sources.reserve(columns.size());
        std::int64_t bytes = 0;
        for (std::size_t k = 0; k < columns.size(); ++k) {
            sources.push_back(column_source(columns[k], static_cast<std::int64_t>(k), keep));
            bytes += sources.back().length * (sources.back().dtype.itemsize() + to.itemsize());
        }
        const Dims shape{rows, static_cast<std::int64_t>(columns.size())};
        Array out = Array::empty(to, shape, layout);
        std::optional<Array> mask;
        if (want_mask) mask = Array::empty(ScalarType::bool_, shape, layout);
        copying(bytes, [&] { write_columns(sources, policy, out, mask ? &*mask : nullptr); });
        if (one_dimensional) {
            const Dims flat{rows};
            out = out.reshape(flat);
            if (mask) mask = mask->reshape(flat);
        }
        return nb::make_tuple(nb::cast(std::move(out)), mask ? nb::cast(std::move(*mask)) : nb::none());
    });
}

}  // namespace

Array read_pandas(nb::handle obj, const ConversionRequest& req, bool& fresh) {
    nb::object frames = nb::module_::import_("ndbridge._frames");
    nb::object copy = nb::none();
    if (req.copy != CopyMode::if_needed) copy = nb::bool_(req.copy == CopyMode::always);
    nb::object dtype = req.dtype ? nb::cast(*req.dtype) : nb::none();
    nb::tuple result = nb::borrow<nb::tuple>(
        frames.attr("_asarray_pandas")(obj, dtype, copy, std::string(1, static_cast<char>(req.order))));
    fresh = nb::cast<bool>(result[1]);
    return nb::cast<Array>(result[0]);
}

nb::object pandas_from_numpy(nb::handle array) {
    return nb::module_::import_("ndbridge._frames").attr("to_pandas")(array, nb::arg("copy") = false);
}

void bind_frames(nb::module_& m) {
    m.def("_write_frame", &write_frame, nb::arg("columns"), nb::arg("dtype"), nb::arg("rows"),
          nb::arg("one_dimensional"), nb::arg("order"), nb::arg("nulls").none(), nb::arg("fill"), nb::arg("want_mask"),
          "The fused column pass (ndbridge._frames' back end): every column spec cast, null-handled and written "
          "into its place in one new array.");
}

}  // namespace ndbridge::python
