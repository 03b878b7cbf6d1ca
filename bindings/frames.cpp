// Frames in the binding: the fused column write that ndbridge._frames (the pandas reader) hands its
// columns to, and asarray's route for pandas objects. The reader decides which arrays describe each
// column; this file turns them into core ColumnSources and runs write_columns without the GIL.
#include <memory>
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

// Arrow data read for a frame (arrow.cpp's ArrowFrame), held by a capsule while Python chooses columns.
constexpr const char* kArrowFrameCapsule = "ndbridge.arrow_frame";

void release_arrow_frame(PyObject* capsule) {
    delete static_cast<ArrowFrame*>(PyCapsule_GetPointer(capsule, kArrowFrameCapsule));
}

// _arrow_schema(obj) -> (holder, rows, tabular, [(name, dtype | None, dictionary, Arrow type)]): dtype is
// what the column reads as, None for columns that hold no numbers (strings, nested types).
nb::tuple arrow_schema(nb::handle obj) {
    auto frame = std::make_unique<ArrowFrame>(read_arrow_frame(obj, "from_dataframe"));
    nb::list columns;
    for (const ArrowColumn& c : frame->columns) {
        nb::object dtype = nb::none();
        try {
            dtype = nb::cast(arrow_column_dtype(c));
        } catch (const Error&) {  // not numbers: the reader names the column if it is chosen
        }
        columns.append(nb::make_tuple(c.name, dtype, c.indices.has_value(), c.format.description));
    }
    const std::int64_t rows = frame->rows;
    const bool tabular = frame->tabular;
    PyObject* capsule = PyCapsule_New(frame.get(), kArrowFrameCapsule, release_arrow_frame);
    if (capsule == nullptr) throw nb::python_error();
    frame.release();  // now the capsule's
    return nb::make_tuple(nb::steal(capsule), rows, tabular, columns);
}

// One column as the reader describes it, appended to `out` as ColumnSources (one per Arrow chunk):
// (name, values, missing_bytes | None, sentinel | None, nan_is_missing, count_unit | None) with NumPy
// arrays of equal length, or (name, Arrow holder, column index, None, False, count_unit | None).
void append_column(nb::handle spec, std::int64_t column, std::vector<Array>& keep, std::vector<ColumnSource>& out) {
    nb::tuple t = nb::borrow<nb::tuple>(spec);
    if (t.size() != 6) fail(ErrorKind::value, "a column spec has 6 fields, not ", t.size());
    const std::string name = nb::cast<std::string>(t[0]);
    std::optional<TimeUnit> count_unit;
    if (!t[5].is_none()) count_unit = parse_time_unit(nb::cast<std::string>(t[5]));
    if (PyCapsule_IsValid(t[1].ptr(), kArrowFrameCapsule)) {
        auto* frame = static_cast<ArrowFrame*>(PyCapsule_GetPointer(t[1].ptr(), kArrowFrameCapsule));
        const auto index = nb::cast<std::size_t>(t[2]);
        if (index >= frame->columns.size())
            fail(ErrorKind::index, "column '", name, "' is Arrow column ", index, " of ", frame->columns.size());
        const std::size_t chosen[1] = {index};
        for (ColumnSource s : frame->sources(chosen)) {
            s.name = name;
            s.column = column;
            s.count_unit = count_unit;
            out.push_back(std::move(s));
        }
        return;
    }
    ColumnSource s;
    s.name = name;
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
    s.count_unit = count_unit;
    out.push_back(std::move(s));
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
        for (std::size_t k = 0; k < columns.size(); ++k)
            append_column(columns[k], static_cast<std::int64_t>(k), keep, sources);
        for (const ColumnSource& s : sources) bytes += s.length * (s.dtype.itemsize() + to.itemsize());
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
    m.def("_arrow_schema", &arrow_schema, nb::arg("obj"),
          "Arrow data read for from_dataframe: (holder, rows, tabular, [(name, dtype, dictionary, Arrow type)]).");
    m.def("_write_frame", &write_frame, nb::arg("columns"), nb::arg("dtype"), nb::arg("rows"),
          nb::arg("one_dimensional"), nb::arg("order"), nb::arg("nulls").none(), nb::arg("fill"), nb::arg("want_mask"),
          "The fused column pass (ndbridge._frames' back end): every column spec cast, null-handled and written "
          "into its place in one new array.");
}

}  // namespace ndbridge::python
