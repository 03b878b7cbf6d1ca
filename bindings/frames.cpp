// Frames in the binding: the fused column write that ndbridge._frames (the pandas reader) hands its
// columns to, and asarray's route for pandas objects. The reader decides which arrays describe each
// column; this file turns them into core ColumnSources and runs write_columns without the GIL.
#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>

#include "common.h"
#include "ndbridge/frame.h"
#include "ndbridge/layout.h"

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

// out= / mask_out= of _write_frame: memory the caller owns (ndbridge.dask passes each partition's rows of
// its one output). Written as given, never cast or reshaped, so every rule is checked here, and by the pass
// (policy, dtypes) before its first write: when _write_frame raises, out and mask_out are as they were.
Array given_output(nb::handle given, const char* role, DType dtype, std::int64_t rows, std::int64_t width,
                   bool one_dimensional) {
    Array a;
    if (nb::isinstance<Array>(given))
        a = nb::cast<Array>(given);
    else if (probe(given).kind == Kind::numpy_array)
        a = read_numpy(given);
    else
        fail(ErrorKind::type, role, " must be an ndb.Array or a numpy.ndarray, not ", py_type_name(given));
    if (a.dtype() != dtype)
        fail(ErrorKind::type, role, " has dtype ", describe(a.dtype()), ", the result ", describe(dtype), " (", role,
             " is written as it is, never cast)");
    Dims want{rows};
    if (!one_dimensional) want.push_back(width);
    if (a.shape() != want)
        fail(ErrorKind::value, role, " has shape ", shape_string(a.shape()), ", the result ", shape_string(want),
             one_dimensional ? " (rows)" : " (rows x columns)");
    if (a.readonly()) fail(ErrorKind::value, role, " is read-only");
    if (!a.device().host_accessible())
        fail(ErrorKind::value, role, " is on device ", to_string(a.device()), "; frames are written in host memory");
    for (int axis = 0; axis < a.ndim(); ++axis)
        if (a.shape()[static_cast<std::size_t>(axis)] > 1 && a.strides()[static_cast<std::size_t>(axis)] == 0)
            fail(ErrorKind::value, role, " has stride 0 on axis ", axis, " (a broadcast view): its elements alias");
    return one_dimensional ? a.expand_dims(1) : a;
}

struct ByteRange {
    std::uintptr_t low, high;
};

bool ranges_meet(ByteRange a, ByteRange b) { return a.low < b.high && b.low < a.high; }

std::string address(std::uintptr_t p) {
    char text[2 + 2 * sizeof p + 1];
    std::snprintf(text, sizeof text, "0x%llx", static_cast<unsigned long long>(p));
    return text;
}

ByteRange range_of(const Array& a) {
    const ByteExtent e = byte_extent(a.shape(), a.strides(), a.itemsize());
    const auto base = reinterpret_cast<std::uintptr_t>(a.data());
    return {base + static_cast<std::uintptr_t>(e.low), base + static_cast<std::uintptr_t>(e.high)};
}

// Refuses an output whose bytes a column is read from: the pass reads a column while writing other
// columns' rows, so the result would depend on the order of the work.
void check_apart(const Array& written, const char* role, std::span<const ColumnSource> sources) {
    if (written.size() == 0) return;
    const ByteRange w = range_of(written);
    const auto refuse = [&](const ColumnSource& s, const char* what, const std::byte* lo, const std::byte* hi) {
        const ByteRange r{reinterpret_cast<std::uintptr_t>(lo), reinterpret_cast<std::uintptr_t>(hi)};
        if (ranges_meet(w, r))
            fail(ErrorKind::value, role, " overlaps the ", what, " of column '", s.name, "' (", role, " spans bytes [",
                 address(w.low), ", ", address(w.high), "), the column [", address(r.low), ", ", address(r.high),
                 ")); ", role, " must not share memory with the columns written into it");
    };
    for (const ColumnSource& s : sources) {
        if (s.length == 0) continue;
        const std::int64_t last = (s.length - 1) * s.stride;
        const std::byte* lo = s.data + std::min<std::int64_t>(0, last);
        refuse(s, "values", lo, s.data + std::max<std::int64_t>(0, last) + s.dtype.itemsize());
        if (s.missing_bytes != nullptr) {
            const auto* m = reinterpret_cast<const std::byte*>(s.missing_bytes);
            refuse(s, "missing-value mask", m, m + s.length);
        }
        if (s.validity_bits != nullptr) {
            const auto* v = reinterpret_cast<const std::byte*>(s.validity_bits);
            refuse(s, "validity bitmap", v + s.validity_bit_offset / 8, v + (s.validity_bit_offset + s.length + 7) / 8);
        }
    }
}

// The spec list as the core's sources, with the arrays that hold their memory (`keep`) and the bytes the
// pass moves.
std::int64_t column_sources(nb::list columns, DType to, std::vector<Array>& keep, std::vector<ColumnSource>& sources) {
    keep.reserve(2 * columns.size());
    sources.reserve(columns.size());
    std::int64_t bytes = 0;
    for (std::size_t k = 0; k < columns.size(); ++k)
        append_column(columns[k], static_cast<std::int64_t>(k), keep, sources);
    for (const ColumnSource& s : sources) bytes += s.length * (s.dtype.itemsize() + to.itemsize());
    return bytes;
}

// _write_frame with out= (and mask_out= for nulls="mask"): the columns written into the caller's memory.
nb::tuple write_frame_into(nb::list columns, nb::handle dtype, std::int64_t rows, bool one_dimensional,
                           nb::handle nulls, double fill, bool want_mask, nb::handle out_given, nb::handle mask_given) {
    const DType to = dtype_from_object(dtype);
    const NullOptions policy = parse_nulls(nulls, fill);
    if (want_mask != !mask_given.is_none())
        fail(ErrorKind::value, want_mask ? "nulls='mask' with out= needs mask_out= for the mask"
                                         : "mask_out= is given, but nulls is not 'mask'");
    const auto width = static_cast<std::int64_t>(columns.size());
    const Array out = given_output(out_given, "out", to, rows, width, one_dimensional);
    std::optional<Array> mask;
    if (want_mask) {
        mask = given_output(mask_given, "mask_out", DType(ScalarType::bool_), rows, width, one_dimensional);
        if (out.size() != 0 && ranges_meet(range_of(out), range_of(*mask)))
            fail(ErrorKind::value, "mask_out overlaps out; the values and the mask need memory of their own");
    }
    std::vector<Array> keep;
    std::vector<ColumnSource> sources;
    const std::int64_t bytes = column_sources(columns, to, keep, sources);
    check_apart(out, "out", sources);
    if (mask) check_apart(*mask, "mask_out", sources);
    copying(bytes, [&] { write_columns(sources, policy, out, mask ? &*mask : nullptr); });
    return nb::make_tuple(out_given, want_mask ? nb::borrow(mask_given) : nb::none());
}

// _write_frame(columns, dtype, rows, one_dimensional, order, nulls, fill, want_mask, out=None, mask_out=None)
// -> (values, mask | None): new arrays, or out and mask_out themselves when given.
nb::tuple write_frame(nb::list columns, nb::handle dtype, std::int64_t rows, bool one_dimensional, nb::handle order,
                      nb::handle nulls, double fill, bool want_mask, nb::handle out_given, nb::handle mask_given) {
    return named("from_dataframe", [&] {
        if (!out_given.is_none())
            return write_frame_into(columns, dtype, rows, one_dimensional, nulls, fill, want_mask, out_given,
                                    mask_given);
        if (!mask_given.is_none()) fail(ErrorKind::value, "mask_out= is given without out=");
        const DType to = dtype_from_object(dtype);
        MemoryOrder layout = parse_order(order);
        if (layout != MemoryOrder::F) layout = MemoryOrder::C;  // new memory: K and A have no source order here
        const NullOptions policy = parse_nulls(nulls, fill);
        std::vector<Array> keep;
        std::vector<ColumnSource> sources;
        const std::int64_t bytes = column_sources(columns, to, keep, sources);
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
          nb::arg("out").none() = nb::none(), nb::arg("mask_out").none() = nb::none(),
          "The fused column pass (ndbridge._frames' back end): every column spec cast, null-handled and written "
          "into its place in one new array, or into out= (and mask_out=), checked before anything is written.");
}

}  // namespace ndbridge::python
