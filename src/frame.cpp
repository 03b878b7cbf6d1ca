// The fused column pass behind ndb.from_dataframe and the Arrow readers (ndbridge/frame.h). Every column
// source is cast, null-handled and written into its place in the output in one pass, block of rows by
// block of rows, so that a C-order result is written once while its rows sit in cache. The element
// conversions are the copy engine's cast loops; this file only decides where each element goes.
#include "ndbridge/frame.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <optional>
#include <vector>

#include "frame_tuning.h"
#include "kernels/byteswap.h"
#include "kernels/cast.h"
#include "kernels/cast_table.h"
#include "kernels/raw_copy.h"
#include "kernels/time.h"
#include "kernels/transpose.h"
#include "ndbridge/copy.h"
#include "ndbridge/error.h"
#include "ndbridge/threads.h"
#include "parallel.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#include <xmmintrin.h>
#endif

namespace ndbridge {
namespace {

// Elements handled at a time: the stage for byte swaps and unit changes, and the missing flags, stay in L1.
constexpr std::int64_t kChunk = 512;
// Output bytes per block of rows of one column, in a column-contiguous result: a unit of threaded work.
constexpr std::int64_t kBlockBytes = 48 * 1024;
constexpr std::int64_t kMaxItem = 32;

// Results that have a value meaning "missing": NaN for floating and complex, NaT for time types.
bool can_hold_missing(DType t) noexcept { return t.is_floating() || t.is_complex() || t.is_time(); }

bool has_missing_info(const ColumnSource& s, DType) noexcept {
    return s.validity_bits != nullptr || s.missing_bytes != nullptr || s.missing_sentinel.has_value() ||
           (s.nan_is_missing && (s.dtype.is_floating() || s.dtype.is_complex()));
}

// How one source's elements become result elements: an optional trip through the stage (byte swap,
// then a change of time unit on int64 counts), then one cast loop from the copy engine's table.
struct SourcePlan {
    const ColumnSource* source = nullptr;
    kernels::CastLoop loop = nullptr;
    std::optional<kernels::TimeConverter> time;
    bool stage = false;
    bool swap = false;
    bool missing_info = false;
    // Only NaN marks missing values and the policy writes NaN there: the cast already wrote it.
    bool nan_only = false;
};

SourcePlan plan_source(const ColumnSource& s, DType to) {
    const DType from = s.dtype;
    SourcePlan p;
    p.source = &s;
    p.swap = !from.is_native();
    p.missing_info = has_missing_info(s, to);
    p.nan_only = p.missing_info && s.validity_bits == nullptr && s.missing_bytes == nullptr && !s.missing_sentinel;
    const bool numeric_pair = from.is_numeric() && to.is_numeric();
    const bool time_pair = from.is_time() && to.is_time() && can_convert(from, to);
    const bool time_to_number = from.is_time() && to.is_numeric();
    const bool integer_to_time = from.is_integer() && to.is_time();
    if (!numeric_pair && !time_pair && !time_to_number && !integer_to_time)
        fail(ErrorKind::type, "column '", s.name, "' of dtype ", describe(from), " cannot be written into a ",
             describe(to),
             " result (numbers convert to numbers; datetime and timedelta columns to their own kind or "
             "to numbers as counts since the epoch)");
    if (from.is_time()) {
        DType target = to;
        if (time_to_number) {
            const TimeUnit unit = s.count_unit.value_or(from.unit());
            target = from.kind() == DTypeKind::datetime ? DType::datetime64(unit) : DType::timedelta64(unit);
        }
        kernels::TimeConverter conv(from, target);
        if (!conv.identity()) p.time = conv;
    }
    p.stage = p.swap || p.time.has_value();
    const ScalarType s_type = from.is_time() ? ScalarType::int64 : from.type();
    const ScalarType d_type = to.is_time() ? ScalarType::int64 : to.type();
    p.loop = kernels::numeric_cast_loop(s_type, d_type);
    return p;
}

// Sets flags[i] (0/1) for the elements [begin, begin + n) of `s` that are missing; returns how many are.
std::int64_t find_missing(const ColumnSource& s, std::int64_t begin, std::int64_t n, std::uint8_t* flags) {
    std::fill(flags, flags + n, std::uint8_t{0});
    if (s.validity_bits != nullptr) {
        for (std::int64_t i = 0; i < n; ++i) {
            const std::int64_t bit = begin + i + s.validity_bit_offset;
            flags[i] |= static_cast<std::uint8_t>(((s.validity_bits[bit >> 3] >> (bit & 7)) & 1) ^ 1);
        }
    }
    if (s.missing_bytes != nullptr)
        for (std::int64_t i = 0; i < n; ++i) flags[i] |= static_cast<std::uint8_t>(s.missing_bytes[begin + i] != 0);
    const std::byte* data = s.data + begin * s.stride;
    const bool swap = !s.dtype.is_native();
    const std::int64_t item = s.dtype.itemsize();
    if (s.missing_sentinel) {
        const std::int64_t sentinel = *s.missing_sentinel;
        const auto mark = [&]<class I>(std::type_identity<I>) {
            for (std::int64_t i = 0; i < n; ++i)
                flags[i] |= static_cast<std::uint8_t>(
                    static_cast<std::int64_t>(kernels::load_swapped<I>(data + i * s.stride, swap)) == sentinel);
        };
        switch (item) {
            case 1: mark(std::type_identity<std::int8_t>{}); break;
            case 2: mark(std::type_identity<std::int16_t>{}); break;
            case 4: mark(std::type_identity<std::int32_t>{}); break;
            default: mark(std::type_identity<std::int64_t>{}); break;
        }
    }
    if (s.nan_is_missing && (s.dtype.is_floating() || s.dtype.is_complex())) {
        kernels::visit_numeric(s.dtype.type(), [&]<class C>(std::type_identity<C>) {
            if constexpr (kernels::is_float_v<C> || kernels::is_complex<C>::value) {
                const auto is_nan = [](const C& v) {
                    if constexpr (kernels::is_complex<C>::value)
                        return v.real() != v.real() || v.imag() != v.imag();
                    else if constexpr (kernels::is_narrow<C>::value)
                        return std::isnan(kernels::narrow_to_double(v));
                    else
                        return v != v;
                };
                if (swap) {
                    for (std::int64_t i = 0; i < n; ++i)
                        flags[i] |= static_cast<std::uint8_t>(
                            is_nan(kernels::load_swapped<C>(data + i * s.stride, true, s.dtype.swap_unit())));
                } else {
                    for (std::int64_t i = 0; i < n; ++i) {
                        C v;
                        std::memcpy(&v, data + i * s.stride, sizeof(C));
                        flags[i] |= static_cast<std::uint8_t>(is_nan(v));
                    }
                }
            }
        });
    }
    std::int64_t count = 0;
    for (std::int64_t i = 0; i < n; ++i) count += flags[i];
    return count;
}

std::int64_t count_missing(const ColumnSource& s) {
    std::array<std::uint8_t, kChunk> flags;
    std::int64_t count = 0;
    for (std::int64_t i = 0; i < s.length; i += kChunk)
        count += find_missing(s, i, std::min(kChunk, s.length - i), flags.data());
    return count;
}

const char* plural(std::int64_t n) { return n == 1 ? " missing value" : " missing values"; }

// The missing-value counts the policy forbids, per output column, checked before anything is written.
void check_policy(std::span<const ColumnSource> sources, const std::vector<SourcePlan>& plans, const NullOptions& nulls,
                  DType to, std::int64_t columns) {
    const bool forbidden =
        nulls.policy == NullPolicy::raise ||
        ((nulls.policy == NullPolicy::nan_or_raise || nulls.policy == NullPolicy::nan) && !can_hold_missing(to));
    if (!forbidden) return;
    std::vector<std::int64_t> missing(static_cast<std::size_t>(columns), 0);
    for (const SourcePlan& p : plans)
        if (p.missing_info) missing[static_cast<std::size_t>(p.source->column)] += count_missing(*p.source);
    for (const ColumnSource& s : sources) {
        const std::int64_t n = missing[static_cast<std::size_t>(s.column)];
        if (n == 0) continue;
        if (nulls.policy == NullPolicy::raise)
            fail(ErrorKind::value, "column '", s.name, "' has ", n, plural(n), " and the null policy is to raise");
        fail(ErrorKind::value, "column '", s.name, "' has ", n, plural(n), ", which a result of dtype ", describe(to),
             " cannot hold as NaN; fill them with a number, ask for a mask, or choose a floating dtype");
    }
}

// The bytes written where a value is missing, when the policy writes one.
std::optional<std::array<std::byte, kMaxItem>> missing_value(const NullOptions& nulls, DType to) {
    std::array<std::byte, kMaxItem> bytes{};
    const ScalarType d_type = to.is_time() ? ScalarType::int64 : to.type();
    double value = std::numeric_limits<double>::quiet_NaN();
    if (nulls.policy == NullPolicy::fill) {
        value = nulls.fill;
    } else if (nulls.policy == NullPolicy::raise || !can_hold_missing(to)) {
        return std::nullopt;  // nothing missing reaches the write (raise), or the source's value stays (mask)
    } else if (to.is_time()) {
        const std::int64_t nat = std::numeric_limits<std::int64_t>::min();
        std::memcpy(bytes.data(), &nat, sizeof nat);
        return bytes;
    }
    kernels::numeric_cast_loop(ScalarType::float64, d_type)(reinterpret_cast<const std::byte*>(&value), 8, bytes.data(),
                                                            to.itemsize(), 1);
    return bytes;
}

struct Target {
    std::byte* data;
    std::int64_t row_stride, col_stride, item;
    std::byte* mask;
    std::int64_t mask_row_stride, mask_col_stride;
};

// What a missing value turns into on the way out: the bytes written over it (none under "mask" for
// results that cannot hold NaN, and under "raise") and whether that is the NaN the cast already wrote.
struct MissingWrite {
    const std::optional<std::array<std::byte, kMaxItem>>& fill;
    bool fill_is_nan;
};

// Writes value = flag ? fill : value over a contiguous run and, when `mask` is given, mask = flag (0/1):
// one select per element in one pass, so that scattered missing values cost no branches. A flag is any
// nonzero byte (pandas' masks are bools; other producers may use other nonzero bytes).
template <class Unit>
void select_missing_as(std::byte* values, const std::uint8_t* flags, std::int64_t n, const std::byte* fill,
                       std::uint8_t* mask) {
    Unit v{};
    if (fill != nullptr) std::memcpy(&v, fill, sizeof(Unit));
    for (std::int64_t k = 0; k < n; ++k) {
        const bool missing = flags[k] != 0;
        if (fill != nullptr) {
            Unit x;
            std::memcpy(&x, values + k * static_cast<std::int64_t>(sizeof(Unit)), sizeof(Unit));
            x = missing ? v : x;
            std::memcpy(values + k * static_cast<std::int64_t>(sizeof(Unit)), &x, sizeof(Unit));
        }
        if (mask != nullptr) mask[k] = static_cast<std::uint8_t>(missing);
    }
}

void select_missing(std::byte* values, const std::uint8_t* flags, std::int64_t n, std::int64_t item,
                    const std::byte* fill, std::uint8_t* mask) {
    switch (item) {
        case 1: return select_missing_as<std::uint8_t>(values, flags, n, fill, mask);
        case 2: return select_missing_as<std::uint16_t>(values, flags, n, fill, mask);
        case 4: return select_missing_as<std::uint32_t>(values, flags, n, fill, mask);
        case 8: return select_missing_as<std::uint64_t>(values, flags, n, fill, mask);
        default:
            for (std::int64_t k = 0; k < n; ++k) {
                if (fill != nullptr && flags[k] != 0)
                    std::memcpy(values + k * item, fill, static_cast<std::size_t>(item));
                if (mask != nullptr) mask[k] = static_cast<std::uint8_t>(flags[k] != 0);
            }
    }
}

// Source elements [begin, begin + n) (n <= kChunk) cast into the contiguous run `values` (items of the
// result), missing ones replaced by the policy's value, and their flags written to `mask` (0/1 bytes,
// contiguous) when it is given. Everything stays in L1: the cast runs at the copy engine's vector width,
// then one select pass writes values and mask together.
void convert_run(const SourcePlan& p, std::int64_t begin, std::int64_t n, std::byte* values, std::int64_t item,
                 std::uint8_t* mask, const MissingWrite& missing) {
    const ColumnSource& s = *p.source;
    const std::int64_t source_item = s.dtype.itemsize();
    const std::byte* src = s.data + begin * s.stride;
    std::int64_t src_stride = s.stride;
    alignas(64) std::array<std::byte, kChunk * 8> stage;
    if (p.stage) {
        kernels::raw_copy(stage.data(), source_item, src, s.stride, n, source_item);
        if (p.swap) kernels::swap_units(stage.data(), n * source_item, s.dtype.swap_unit());
        if (p.time) {
            for (std::int64_t k = 0; k < n; ++k) {
                std::int64_t v;
                std::memcpy(&v, stage.data() + k * 8, 8);
                v = (*p.time)(v);
                std::memcpy(stage.data() + k * 8, &v, 8);
            }
        }
        src = stage.data();
        src_stride = source_item;
    }
    p.loop(src, src_stride, values, item, n);
    if (!p.missing_info) {
        if (mask != nullptr) std::memset(mask, 0, static_cast<std::size_t>(n));
        return;
    }
    const bool write_fill = missing.fill && !(p.nan_only && missing.fill_is_nan);
    if (mask == nullptr && !write_fill) return;
    // pandas' nullable columns: their own mask bytes are the flags, read in place.
    const bool bytes_only = s.missing_bytes != nullptr && s.validity_bits == nullptr && !s.missing_sentinel &&
                            !(s.nan_is_missing && (s.dtype.is_floating() || s.dtype.is_complex()));
    std::array<std::uint8_t, kChunk> own_flags;
    const std::uint8_t* flags = s.missing_bytes + begin;
    if (!bytes_only) {
        find_missing(s, begin, n, own_flags.data());
        flags = own_flags.data();
    }
    select_missing(values, flags, n, item, write_fill ? missing.fill->data() : nullptr, mask);
}

// The rows of a source that fall in output rows [r0, r1), as indices within the source.
struct SourceRows {
    std::int64_t begin, end;
};
SourceRows rows_within(const ColumnSource& s, std::int64_t r0, std::int64_t r1) {
    return {std::max(r0, s.row_offset) - s.row_offset, std::min(r1, s.row_offset + s.length) - s.row_offset};
}

// A source's rows written straight into their place: converted in place where the result's column is
// contiguous (order="F", or one column), else through a contiguous run stored at the result's stride.
void write_rows_direct(const SourcePlan& p, std::int64_t begin, std::int64_t end, const Target& t,
                       const MissingWrite& missing) {
    const ColumnSource& s = *p.source;
    alignas(64) std::array<std::byte, kChunk * kMaxItem> run;
    alignas(64) std::array<std::uint8_t, kChunk> mask_run;
    const bool in_place = t.row_stride == t.item;
    for (std::int64_t i = begin; i < end; i += kChunk) {
        const std::int64_t n = std::min(kChunk, end - i);
        const std::int64_t row = s.row_offset + i;
        std::byte* dst = t.data + row * t.row_stride + s.column * t.col_stride;
        std::uint8_t* mask = t.mask == nullptr ? nullptr : mask_run.data();
        convert_run(p, i, n, in_place ? dst : run.data(), t.item, mask, missing);
        if (!in_place) kernels::raw_copy(dst, t.row_stride, run.data(), t.item, n, t.item);
        if (mask != nullptr)
            kernels::raw_copy(t.mask + row * t.mask_row_stride + s.column * t.mask_col_stride, t.mask_row_stride,
                              reinterpret_cast<const std::byte*>(mask_run.data()), 1, n, 1);
    }
}

}  // namespace

std::atomic<std::int64_t>& detail::frame_stream_threshold() noexcept {
    static std::atomic<std::int64_t> bytes{kFrameStreamBytes};
    return bytes;
}

namespace {

// Row-major results: a tile of kTileRows rows by a group of columns is converted column by column into a
// column-major stage in L1 (contiguous runs: vector casts, one select pass), then transposed into the
// output row by row, so every output cache line is written whole, once, in address order, instead of
// once per column at a stride.
// 512 rows: each column's source is read in runs of several KiB, long enough for the hardware
// prefetcher (128-row runs over 16 columns ran 1.5x slower here); 32 KiB of stage: 16 float32 columns.
constexpr std::int64_t kTileRows = 512;
constexpr std::int64_t kStageBytes = 32 * 1024;

template <class Unit>
void transpose_out_as(std::byte* dst, std::int64_t row_stride, const std::int64_t* col_offsets, std::int64_t cols,
                      const std::byte* stage, std::int64_t rows) {
    const std::int64_t pitch = kTileRows * static_cast<std::int64_t>(sizeof(Unit));
    for (std::int64_t j = 0; j < rows; ++j) {
        std::byte* row = dst + j * row_stride;
        const std::byte* from = stage + j * static_cast<std::int64_t>(sizeof(Unit));
        for (std::int64_t k = 0; k < cols; ++k) std::memcpy(row + col_offsets[k], from + k * pitch, sizeof(Unit));
    }
}

// Writes `rows` rows of `cols` staged columns; col_offsets[k] is column k's byte offset in a row. With
// `stream`, rows of adjacent columns go out through non-temporal stores where they are 16-byte aligned;
// the caller fences before the output is read.
void transpose_out(std::byte* dst, std::int64_t row_stride, const std::int64_t* col_offsets, std::int64_t cols,
                   const std::byte* stage, std::int64_t rows, std::int64_t item, bool stream) {
    std::int64_t rows_done = 0, cols_done = 0;
#if defined(__SSE2__)
    const std::int64_t edge = kernels::transpose_block_edge(item);
    bool adjacent = edge != 0;
    for (std::int64_t k = 1; k < cols && adjacent; ++k) adjacent = col_offsets[k] == col_offsets[0] + k * item;
    if (adjacent && rows >= edge && cols >= edge) {
        rows_done = rows / edge * edge;
        cols_done = cols / edge * edge;
        std::byte* first = dst + col_offsets[0];
        const bool aligned = reinterpret_cast<std::uintptr_t>(first) % 16 == 0 && row_stride % 16 == 0;
        const auto run = [&]<std::int64_t Item>(std::integral_constant<std::int64_t, Item>) {
            const std::int64_t pitch = kTileRows * Item;  // the stage's columns
            if (stream && aligned)
                kernels::transpose_blocks<Item, true>(first, row_stride, stage, pitch, rows_done, cols_done);
            else
                kernels::transpose_blocks<Item, false>(first, row_stride, stage, pitch, rows_done, cols_done);
        };
        switch (item) {
            case 1: run(std::integral_constant<std::int64_t, 1>{}); break;
            case 4: run(std::integral_constant<std::int64_t, 4>{}); break;
            default: run(std::integral_constant<std::int64_t, 8>{}); break;
        }
    }
#else
    (void)stream;
#endif
    // What the blocks left: the columns beyond the last whole block, then the rows below it.
    const auto rest = [&](std::byte* d, const std::int64_t* offsets, std::int64_t c, const std::byte* from,
                          std::int64_t r) {
        if (c <= 0 || r <= 0) return;
        switch (item) {
            case 1: return transpose_out_as<std::uint8_t>(d, row_stride, offsets, c, from, r);
            case 2: return transpose_out_as<std::uint16_t>(d, row_stride, offsets, c, from, r);
            case 4: return transpose_out_as<std::uint32_t>(d, row_stride, offsets, c, from, r);
            case 8: return transpose_out_as<std::uint64_t>(d, row_stride, offsets, c, from, r);
            default:
                for (std::int64_t j = 0; j < r; ++j)
                    for (std::int64_t k = 0; k < c; ++k)
                        std::memcpy(d + j * row_stride + offsets[k], from + (k * kTileRows + j) * item,
                                    static_cast<std::size_t>(item));
        }
    };
    rest(dst, col_offsets + cols_done, cols - cols_done, stage + cols_done * kTileRows * item, rows);
    rest(dst + rows_done * row_stride, col_offsets, cols_done, stage + rows_done * item, rows - rows_done);
}

void check_output(const Array& a, const char* role, std::optional<DType> dtype, const Array* shape_of) {
    if (a.ndim() != 2) fail(ErrorKind::value, "write_columns: the ", role, " must be 2-D, not ", a.ndim(), "-D");
    if (a.readonly()) fail(ErrorKind::value, "write_columns: the ", role, " is read-only");
    if (!a.device().host_accessible())
        fail(ErrorKind::value, "write_columns: the ", role, " is on device ", to_string(a.device()),
             "; columns are written in host memory only");
    if (!a.dtype().is_native() || a.itemsize() > kMaxItem)
        fail(ErrorKind::type, "write_columns: the ", role, " dtype ", describe(a.dtype()),
             " is not a native-order number or time type");
    if (dtype && a.dtype() != *dtype)
        fail(ErrorKind::type, "write_columns: the ", role, " must be bool, not ", describe(a.dtype()));
    if (shape_of != nullptr && a.shape() != shape_of->shape())
        fail(ErrorKind::value, "write_columns: the ", role, " has shape ", shape_string(a.shape()), ", the result ",
             shape_string(shape_of->shape()));
}

}  // namespace

void write_columns(std::span<const ColumnSource> sources, const NullOptions& nulls, const Array& out,
                   const Array* mask_out) {
    check_output(out, "result", std::nullopt, nullptr);
    if (!out.dtype().is_numeric() && !out.dtype().is_time())
        fail(ErrorKind::type, "write_columns: the result dtype ", describe(out.dtype()),
             " is not a number or time type");
    if (mask_out != nullptr) check_output(*mask_out, "mask", DType(ScalarType::bool_), &out);
    const std::int64_t rows = out.shape()[0], columns = out.shape()[1];
    const DType to = out.dtype();

    std::vector<SourcePlan> plans;
    plans.reserve(sources.size());
    std::vector<std::vector<std::size_t>> by_column(static_cast<std::size_t>(columns));
    std::int64_t source_bytes = 0;
    for (const ColumnSource& s : sources) {
        if (s.column < 0 || s.column >= columns)
            fail(ErrorKind::index, "write_columns: column '", s.name, "' goes to output column ", s.column,
                 ", outside 0..", columns - 1);
        if (s.length < 0 || s.row_offset < 0 || s.row_offset > rows - s.length)
            fail(ErrorKind::index, "write_columns: column '", s.name, "' has rows [", s.row_offset, ", ",
                 s.row_offset + s.length, "), outside the result's ", rows, " rows");
        if (s.data == nullptr && s.length > 0)
            fail(ErrorKind::value, "write_columns: column '", s.name, "' has no data for ", s.length, " rows");
        if (s.validity_bit_offset < 0)
            fail(ErrorKind::value, "write_columns: column '", s.name, "' has a negative validity bit offset ",
                 s.validity_bit_offset);
        if (s.length == 0) continue;
        plans.push_back(plan_source(s, to));
        by_column[static_cast<std::size_t>(s.column)].push_back(plans.size() - 1);
        source_bytes += s.length * (s.dtype.itemsize() + out.itemsize());
    }
    for (std::vector<std::size_t>& list : by_column) {
        std::sort(list.begin(), list.end(), [&](std::size_t a, std::size_t b) {
            return plans[a].source->row_offset < plans[b].source->row_offset;
        });
        for (std::size_t k = 1; k < list.size(); ++k) {
            const ColumnSource& prev = *plans[list[k - 1]].source;
            const ColumnSource& next = *plans[list[k]].source;
            if (next.row_offset < prev.row_offset + prev.length)
                fail(ErrorKind::value, "write_columns: two sources of column '", next.name, "' overlap at row ",
                     next.row_offset);
        }
    }
    check_policy(sources, plans, nulls, to, columns);
    const auto fill = missing_value(nulls, to);
    const bool fill_is_nan = fill && nulls.policy != NullPolicy::fill && !to.is_time();
    if (rows == 0 || columns == 0 || plans.empty()) return;

    const Target target{out.data(),
                        out.strides()[0],
                        out.strides()[1],
                        out.itemsize(),
                        mask_out == nullptr ? nullptr : mask_out->data(),
                        mask_out == nullptr ? 0 : mask_out->strides()[0],
                        mask_out == nullptr ? 0 : mask_out->strides()[1]};
    const MissingWrite missing{fill, fill_is_nan};
    const std::int64_t item = out.itemsize();
    const int wanted =
        static_cast<int>(std::clamp<std::int64_t>(source_bytes / detail::parallel_grain(), 1, get_num_threads()));
    // The sources of column `c` that reach into output rows [r0, r1): sorted and disjoint, so the first
    // that ends after r0, then onwards while they start before r1.
    const auto for_each_source = [&](std::int64_t c, std::int64_t r0, std::int64_t r1, const auto& body) {
        const std::vector<std::size_t>& list = by_column[static_cast<std::size_t>(c)];
        auto it = std::partition_point(list.begin(), list.end(), [&](std::size_t k) {
            return plans[k].source->row_offset + plans[k].source->length <= r0;
        });
        for (; it != list.end() && plans[*it].source->row_offset < r1; ++it) body(plans[*it]);
    };
    int used = 1;
    if (target.row_stride == item) {
        // Column-contiguous result: every run is converted straight into place, block of rows by block.
        const std::int64_t block_rows = std::max<std::int64_t>(kChunk, kBlockBytes / std::max<std::int64_t>(1, item));
        const std::int64_t blocks = (rows + block_rows - 1) / block_rows;
        used = detail::parallel_for(blocks, wanted, [&](std::int64_t first, std::int64_t last) {
            for (std::int64_t b = first; b < last; ++b) {
                const std::int64_t r0 = b * block_rows, r1 = std::min(rows, r0 + block_rows);
                for (std::int64_t c = 0; c < columns; ++c)
                    for_each_source(c, r0, r1, [&](const SourcePlan& p) {
                        const SourceRows in = rows_within(*p.source, r0, r1);
                        write_rows_direct(p, in.begin, in.end, target, missing);
                    });
            }
        });
    } else {
        const std::int64_t group = std::clamp<std::int64_t>(kStageBytes / (kTileRows * item), 1, columns);
        const std::int64_t tiles = (rows + kTileRows - 1) / kTileRows;
        const std::int64_t threshold = detail::frame_stream_threshold().load(std::memory_order_relaxed);
        const bool stream_values = rows * std::abs(target.row_stride) >= threshold;
        const bool stream_mask = target.mask != nullptr && rows * std::abs(target.mask_row_stride) >= threshold;
        used = detail::parallel_for(tiles, wanted, [&](std::int64_t first, std::int64_t last) {
            alignas(64) std::array<std::byte, kStageBytes> stage;
            alignas(64) std::array<std::uint8_t, kStageBytes> mask_stage;
            std::vector<std::int64_t> value_offsets(static_cast<std::size_t>(group));
            std::vector<std::int64_t> mask_offsets(static_cast<std::size_t>(group));
            for (std::int64_t tile = first; tile < last; ++tile) {
                const std::int64_t r0 = tile * kTileRows, r1 = std::min(rows, r0 + kTileRows);
                for (std::int64_t g0 = 0; g0 < columns; g0 += group) {
                    std::int64_t staged = 0;
                    for (std::int64_t c = g0; c < std::min(columns, g0 + group); ++c) {
                        std::int64_t covered = 0;
                        for_each_source(c, r0, r1, [&](const SourcePlan& p) {
                            const SourceRows in = rows_within(*p.source, r0, r1);
                            covered += in.end - in.begin;
                        });
                        if (covered != r1 - r0) {
                            // Rows no source covers are left as they are: this column is written in place.
                            for_each_source(c, r0, r1, [&](const SourcePlan& p) {
                                const SourceRows in = rows_within(*p.source, r0, r1);
                                write_rows_direct(p, in.begin, in.end, target, missing);
                            });
                            continue;
                        }
                        const auto k = static_cast<std::size_t>(staged);
                        for_each_source(c, r0, r1, [&](const SourcePlan& p) {
                            const SourceRows in = rows_within(*p.source, r0, r1);
                            const std::int64_t at = staged * kTileRows + p.source->row_offset + in.begin - r0;
                            convert_run(p, in.begin, in.end - in.begin, stage.data() + at * item, item,
                                        target.mask != nullptr ? mask_stage.data() + at : nullptr, missing);
                            // The next tile's rows of this source, asked for while the other columns convert.
                            const ColumnSource& ps = *p.source;
                            const std::int64_t ahead = std::min(ps.length, in.end + kTileRows);
                            const std::int64_t step =
                                std::max<std::int64_t>(1, 64 / std::max<std::int64_t>(1, ps.stride));
                            for (std::int64_t i = in.end; i < ahead; i += step)
                                __builtin_prefetch(ps.data + i * ps.stride);
                        });
                        value_offsets[k] = c * target.col_stride;
                        mask_offsets[k] = c * target.mask_col_stride;
                        ++staged;
                    }
                    transpose_out(target.data + r0 * target.row_stride, target.row_stride, value_offsets.data(), staged,
                                  stage.data(), r1 - r0, item, stream_values);
                    if (target.mask != nullptr)
                        transpose_out(target.mask + r0 * target.mask_row_stride, target.mask_row_stride,
                                      mask_offsets.data(), staged,
                                      reinterpret_cast<const std::byte*>(mask_stage.data()), r1 - r0, 1, stream_mask);
                }
            }
#if defined(__SSE2__)
            if (stream_values || stream_mask) _mm_sfence();  // streamed rows are visible before the pool joins
#endif
        });
    }
    detail::note_copy_threads(used);
}

}  // namespace ndbridge
