// The copy/cast engine. copy_into plans the iteration once (broadcast, drop extent-1 axes, order the
// axes by the destination's strides, merge axes that are contiguous in both arrays), then runs one
// inner kernel over each innermost run. The kernel is chosen once per call: a numeric cast loop from
// the table (with a small stack buffer for byte swapping), a datetime unit conversion, or a string
// copy. Nothing is written until every check that can fail has passed.
#include "ndbridge/copy.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <numeric>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include "kernels/byteswap.h"
#include "kernels/cast_table.h"
#include "kernels/dtype_traits.h"
#include "kernels/raw_copy.h"
#include "kernels/strings.h"
#include "kernels/time.h"
#include "kernels/transpose.h"
#include "ndbridge/error.h"
#include "ndbridge/threads.h"
#include "parallel.h"

namespace ndbridge {
namespace {

// ---------------------------------------------------------------------------------------------- plan

struct Axis {
    std::int64_t extent;
    std::int64_t dst_stride;
    std::int64_t src_stride;
};

// The planned axes: at most kMaxNdim, kept on the stack, so planning a small copy allocates nothing.
class Axes {
public:
    void push_back(const Axis& a) noexcept { axes_[size_++] = a; }
    std::size_t size() const noexcept { return size_; }
    bool empty() const noexcept { return size_ == 0; }
    Axis& operator[](std::size_t k) noexcept { return axes_[k]; }
    const Axis& operator[](std::size_t k) const noexcept { return axes_[k]; }
    Axis& back() noexcept { return axes_[size_ - 1]; }
    const Axis& back() const noexcept { return axes_[size_ - 1]; }

private:
    std::array<Axis, kMaxNdim> axes_;
    std::size_t size_ = 0;
};
using Strides = std::array<std::int64_t, kMaxNdim>;

// src's strides seen with dst's shape: NumPy broadcasting (align right; extent 1 repeats with stride 0).
Strides broadcast_strides(const Array& src, const Dims& dst_shape) {
    const auto nd = dst_shape.size();
    const auto ns = src.shape().size();
    if (ns > nd)
        fail(ErrorKind::value, "could not broadcast input array from shape ", shape_string(src.shape()), " into shape ",
             shape_string(dst_shape));
    Strides strides;  // only the first nd entries are read: left uninitialised beyond them (no 512-byte fill)
    for (std::size_t k = ns; k < nd; ++k) strides[nd - 1 - k] = 0;
    for (std::size_t k = 0; k < ns; ++k) {
        const std::size_t si = ns - 1 - k, di = nd - 1 - k;
        if (src.shape()[si] == dst_shape[di])
            strides[di] = src.strides()[si];
        else if (src.shape()[si] == 1)
            strides[di] = 0;
        else
            fail(ErrorKind::value, "could not broadcast input array from shape ", shape_string(src.shape()),
                 " into shape ", shape_string(dst_shape));
    }
    return strides;
}

// The axes to iterate, outermost first, innermost last, merged where both arrays allow.
Axes plan_axes(const Array& dst, const Strides& src_strides) {
    Axes axes;
    for (std::size_t i = 0; i < dst.shape().size(); ++i) {
        if (dst.shape()[i] == 1) continue;
        // Destination memory order (|stride| descending), so writes stream; ties keep axis order (an
        // insertion sort: stable, and without the buffer std::stable_sort allocates).
        const Axis a{dst.shape()[i], dst.strides()[i], src_strides[i]};
        axes.push_back(a);
        std::size_t k = axes.size() - 1;
        for (; k > 0 && std::llabs(axes[k - 1].dst_stride) < std::llabs(a.dst_stride); --k) axes[k] = axes[k - 1];
        axes[k] = a;
    }
    Axes merged;
    for (std::size_t i = 0; i < axes.size(); ++i) {
        const Axis& a = axes[i];
        if (!merged.empty()) {
            Axis& outer = merged.back();
            if (outer.dst_stride == a.dst_stride * a.extent && outer.src_stride == a.src_stride * a.extent) {
                outer = {outer.extent * a.extent, a.dst_stride, a.src_stride};
                continue;
            }
        }
        merged.push_back(a);
    }
    return merged;
}

// Calls run(dst, src, n, dst_stride, src_stride) for the elements [begin, end) of the plan, numbered in
// iteration order (innermost fastest), one call per (part of an) innermost run.
template <class Run>
void for_each_run(const Axes& axes, std::byte* dst, const std::byte* src, std::int64_t begin, std::int64_t end,
                  const Run& run) {
    if (begin >= end) return;
    if (axes.empty()) {
        run(dst, src, 1, 0, 0);
        return;
    }
    const std::size_t nd = axes.size();
    if (nd == 1) {  // one run (a contiguous array's plan): no counters to keep
        run(dst + begin * axes[0].dst_stride, src + begin * axes[0].src_stride, end - begin, axes[0].dst_stride,
            axes[0].src_stride);
        return;
    }
    std::array<std::int64_t, kMaxNdim> counter;  // the first nd entries are set below: no 512-byte fill
    std::int64_t rest = begin;
    for (std::size_t k = nd; k-- > 0;) {
        counter[k] = rest % axes[k].extent;
        rest /= axes[k].extent;
        dst += counter[k] * axes[k].dst_stride;
        src += counter[k] * axes[k].src_stride;
    }
    const Axis inner = axes.back();
    std::int64_t todo = end - begin;
    while (true) {
        const std::int64_t n = std::min(inner.extent - counter[nd - 1], todo);
        run(dst, src, n, inner.dst_stride, inner.src_stride);
        todo -= n;
        if (todo == 0) return;
        dst -= counter[nd - 1] * inner.dst_stride;  // back to the run's start, then step the outer axes
        src -= counter[nd - 1] * inner.src_stride;
        counter[nd - 1] = 0;
        std::size_t k = nd - 1;
        while (k > 0) {
            --k;
            dst += axes[k].dst_stride;
            src += axes[k].src_stride;
            if (++counter[k] < axes[k].extent) break;
            dst -= axes[k].dst_stride * axes[k].extent;
            src -= axes[k].src_stride * axes[k].extent;
            counter[k] = 0;
        }
    }
}

// ---------------------------------------------------------------------------------------------- tiles

// A transpose-like copy (the source's fastest axis is not the destination's innermost one) walked run
// by run reads one element per source cache line and evicts the line before its neighbours are needed.
// It is done in tiles instead: `rows` is the source's fastest axis, `cols` the destination's innermost
// axis. A tile's source bytes are first gathered, transposed, into a small stack buffer (each source
// line read once, whole), then every tile row is converted from the buffer with the ordinary run
// kernel (cast, byte swap, time units, strings) into a contiguous destination run. Reading whole
// lines and writing whole runs has no power-of-two cliff: no line is reused after other lines that
// map to the same cache set were touched.
constexpr std::int64_t kStageBytes = 8192;  // the staging buffer: with a tile's destination rows, well inside L1
constexpr std::int64_t kMaxTileItem = 64;   // larger items are whole cache lines already

struct TilePlan {
    std::vector<Axis> outer;  // the other axes, outermost first
    Axis rows, cols;
    std::int64_t tile_rows, tile_cols;  // elements per tile along rows and cols
    std::int64_t row_tiles, col_tiles;  // tiles along rows and cols
    std::int64_t tiles;                 // total, over the outer axes too
};

std::optional<TilePlan> plan_tiles(const Axes& axes, std::int64_t src_item) {
    if (axes.size() < 2 || src_item > kMaxTileItem) return std::nullopt;
    const Axis& inner = axes.back();
    std::size_t fastest = axes.size() - 1;
    for (std::size_t k = 0; k + 1 < axes.size(); ++k)
        if (std::llabs(axes[k].src_stride) < std::llabs(axes[fastest].src_stride)) fastest = k;
    if (fastest == axes.size() - 1 || inner.extent < 2) return std::nullopt;
    TilePlan t;
    for (std::size_t k = 0; k + 1 < axes.size(); ++k)
        if (k != fastest) t.outer.push_back(axes[k]);
    t.rows = axes[fastest];
    t.cols = inner;
    // Rows per tile: 256 bytes of source per gathered line (four cache lines); columns fill the buffer.
    t.tile_rows = std::clamp<std::int64_t>(256 / src_item, 4, 64);
    t.tile_cols = std::clamp<std::int64_t>(kStageBytes / (t.tile_rows * src_item), 4, 256);
    t.row_tiles = (t.rows.extent + t.tile_rows - 1) / t.tile_rows;
    t.col_tiles = (t.cols.extent + t.tile_cols - 1) / t.tile_cols;
    t.tiles = t.row_tiles * t.col_tiles;
    for (const Axis& a : t.outer) t.tiles *= a.extent;
    return t;
}

// Gathers a tile into the stage, transposed: stage row j, item i <- source line i (lines `line_stride`
// apart), item j (items `item_stride` apart), for j < nj and i < ni. Lines of contiguous items go through
// register blocks; what the blocks leave (and strided or reversed lines) one item at a time.
void gather_tile(std::byte* stage, std::int64_t pitch, const std::byte* src, std::int64_t line_stride,
                 std::int64_t item_stride, std::int64_t nj, std::int64_t ni, std::int64_t item) {
    std::int64_t bj = 0, bi = 0;  // rows and lines done in blocks
#if defined(__SSE2__)
    if (const std::int64_t edge = kernels::transpose_block_edge(item);
        edge != 0 && item_stride == item && nj >= edge && ni >= edge) {
        bj = nj / edge * edge;
        bi = ni / edge * edge;
        switch (item) {
            case 1: kernels::transpose_blocks<1, false>(stage, pitch, src, line_stride, bj, bi); break;
            case 4: kernels::transpose_blocks<4, false>(stage, pitch, src, line_stride, bj, bi); break;
            default: kernels::transpose_blocks<8, false>(stage, pitch, src, line_stride, bj, bi); break;
        }
    }
#endif
    for (std::int64_t i = 0; i < ni; ++i) {
        const std::int64_t from = i < bi ? bj : 0;  // the lines the blocks covered have only their tail left
        kernels::raw_copy(stage + from * pitch + i * item, pitch, src + i * line_stride + from * item_stride,
                          item_stride, nj - from, item);
    }
}

// Runs `run` over the tiles [begin, end) of the plan, numbered with the column tile fastest.
template <class Run>
void for_each_tile(const TilePlan& t, std::byte* dst, const std::byte* src, std::int64_t item, std::int64_t begin,
                   std::int64_t end, const Run& run) {
    alignas(64) std::byte stage[kStageBytes];
    const std::int64_t pitch = t.tile_cols * item;  // bytes per staged tile row
    for (std::int64_t tile = begin; tile < end; ++tile) {
        std::int64_t rest = tile;
        const std::int64_t i0 = rest % t.col_tiles * t.tile_cols;
        rest /= t.col_tiles;
        const std::int64_t j0 = rest % t.row_tiles * t.tile_rows;
        rest /= t.row_tiles;
        std::byte* d = dst + i0 * t.cols.dst_stride + j0 * t.rows.dst_stride;
        const std::byte* s = src + i0 * t.cols.src_stride + j0 * t.rows.src_stride;
        for (std::size_t k = t.outer.size(); k-- > 0;) {
            const std::int64_t idx = rest % t.outer[k].extent;
            rest /= t.outer[k].extent;
            d += idx * t.outer[k].dst_stride;
            s += idx * t.outer[k].src_stride;
        }
        const std::int64_t ni = std::min(t.tile_cols, t.cols.extent - i0);
        const std::int64_t nj = std::min(t.tile_rows, t.rows.extent - j0);
        gather_tile(stage, pitch, s, t.cols.src_stride, t.rows.src_stride, nj, ni, item);
        for (std::int64_t j = 0; j < nj; ++j)
            run(d + j * t.rows.dst_stride, stage + j * pitch, ni, t.cols.dst_stride, item);
    }
}

// Runs `run` over every element of the plan (in tiles for transposes), split across the pool when the
// work is large enough.
template <class Run>
void run_plan(const Axes& axes, const Array& dst, const Array& src, int threads, const Run& run) {
    const std::int64_t size = dst.size();
    const std::int64_t bytes = size * (dst.itemsize() + src.itemsize());
    const int wanted = static_cast<int>(std::clamp<std::int64_t>(bytes / detail::parallel_grain(), 1, threads));
    int used = 1;
    const std::optional<TilePlan> tiles = plan_tiles(axes, src.itemsize());
    if (wanted == 1) {  // the pool's job (a std::function and a lock) costs more than a small copy
        if (tiles)
            for_each_tile(*tiles, dst.data(), src.data(), src.itemsize(), 0, tiles->tiles, run);
        else
            for_each_run(axes, dst.data(), src.data(), 0, size, run);
    } else if (tiles) {
        used = detail::parallel_for(tiles->tiles, wanted, [&](std::int64_t begin, std::int64_t end) {
            for_each_tile(*tiles, dst.data(), src.data(), src.itemsize(), begin, end, run);
        });
    } else {
        used = detail::parallel_for(size, wanted, [&](std::int64_t begin, std::int64_t end) {
            for_each_run(axes, dst.data(), src.data(), begin, end, run);
        });
    }
    detail::note_copy_threads(used);
}

// ---------------------------------------------------------------------------------------------- kernels

// A numeric cast of one run. Non-native data passes through a stack buffer of kBlock elements, so a
// byte swap and a cast still read and write each element once.
struct NumericKernel {
    kernels::CastLoop loop;
    std::int64_t src_size, dst_size, src_unit, dst_unit;
    bool src_swap, dst_swap;

    static constexpr std::int64_t kBlock = 256;
    static constexpr std::int64_t kMaxItem = 32;

    void operator()(std::byte* dst, const std::byte* src, std::int64_t n, std::int64_t ds, std::int64_t ss) const {
        if (!src_swap && !dst_swap) {
            loop(src, ss, dst, ds, n);
            return;
        }
        alignas(64) std::byte in[kBlock * kMaxItem];
        alignas(64) std::byte out[kBlock * kMaxItem];
        for (std::int64_t done = 0; done < n; done += kBlock) {
            const std::int64_t m = std::min(kBlock, n - done);
            const std::byte* s = src + done * ss;
            std::byte* d = dst + done * ds;
            const std::byte* loop_src = s;
            std::int64_t loop_ss = ss;
            if (src_swap) {
                for (std::int64_t i = 0; i < m; ++i)
                    std::memcpy(in + i * src_size, s + i * ss, static_cast<std::size_t>(src_size));
                kernels::swap_units(in, m * src_size, src_unit);
                loop_src = in;
                loop_ss = src_size;
            }
            if (dst_swap) {
                loop(loop_src, loop_ss, out, dst_size, m);
                kernels::swap_units(out, m * dst_size, dst_unit);
                for (std::int64_t i = 0; i < m; ++i)
                    std::memcpy(d + i * ds, out + i * dst_size, static_cast<std::size_t>(dst_size));
            } else {
                loop(loop_src, loop_ss, d, ds, m);
            }
        }
    }
};

// Counts the float elements whose conversion to integer type `to` is not their truncation (see
// InvalidCasts): a second pass over the source, after the cast, for float-to-integer casts only. The
// source goes through the numeric kernel into long double (exact for every source type) in blocks.
template <class I>
struct InvalidIntegerCount {
    NumericKernel to_long_double;
    std::atomic<std::int64_t>* count;

    static bool invalid(long double v) noexcept {
        if (std::isnan(v)) return true;
        const long double t = std::trunc(v);
        // Negative values into unsigned types wrap through int64, as NumPy's and PyTorch's do: defined.
        const long double lo = std::is_unsigned_v<I>
                                   ? static_cast<long double>(std::numeric_limits<std::int64_t>::min())
                                   : static_cast<long double>(std::numeric_limits<I>::min());
        return t < lo || t > static_cast<long double>(std::numeric_limits<I>::max());
    }

    void operator()(std::byte*, const std::byte* src, std::int64_t n, std::int64_t, std::int64_t ss) const {
        constexpr std::int64_t kBlock = NumericKernel::kBlock;
        alignas(64) long double values[kBlock];
        std::int64_t found = 0;
        for (std::int64_t done = 0; done < n; done += kBlock) {
            const std::int64_t m = std::min(kBlock, n - done);
            to_long_double(reinterpret_cast<std::byte*>(values), src + done * ss, m,
                           static_cast<std::int64_t>(sizeof(long double)), ss);
            for (std::int64_t i = 0; i < m; ++i) found += invalid(values[i]) ? 1 : 0;
        }
        if (found != 0) count->fetch_add(found, std::memory_order_relaxed);
    }
};

thread_local InvalidCasts invalid_casts;

void count_invalid_integer_casts(const Axes& axes, const Array& dst, const Array& src, ScalarType from, int threads) {
    std::atomic<std::int64_t> count{0};
    const NumericKernel to_long_double{kernels::numeric_cast_loop(from, ScalarType::longdouble),
                                       src.itemsize(),
                                       static_cast<std::int64_t>(sizeof(long double)),
                                       src.dtype().swap_unit(),
                                       1,
                                       !src.dtype().is_native(),
                                       false};
    kernels::visit_numeric(dst.dtype().type(), [&](auto type) {
        using I = typename decltype(type)::type;
        if constexpr (std::is_integral_v<I> && !std::is_same_v<I, bool>)
            run_plan(axes, dst, src, threads, InvalidIntegerCount<I>{to_long_double, &count});
    });
    if (const std::int64_t found = count.load(); found != 0) {
        invalid_casts.count += found;
        invalid_casts.to = dst.dtype();
    }
}

void check_host(const Array& a, const char* role) {
    if (!a.device().host_accessible())
        fail(ErrorKind::value, "the ", role, " is on device ", to_string(a.device()),
             "; the copy engine reads and writes host memory only");
}

[[noreturn]] void impossible(DType from, DType to) {
    fail(ErrorKind::type, "cannot convert ", describe(from), " to ", describe(to),
         " (numbers, time types and strings convert only within their family; time types also to and from integers)");
}

bool ranges_overlap(const Array& a, const Array& b) {
    if (a.size() == 0 || b.size() == 0) return false;
    const ByteExtent ea = byte_extent(a.shape(), a.strides(), a.itemsize());
    const ByteExtent eb = byte_extent(b.shape(), b.strides(), b.itemsize());
    const auto a_lo = reinterpret_cast<std::uintptr_t>(a.data()) + static_cast<std::uintptr_t>(ea.low);
    const auto a_hi = reinterpret_cast<std::uintptr_t>(a.data()) + static_cast<std::uintptr_t>(ea.high);
    const auto b_lo = reinterpret_cast<std::uintptr_t>(b.data()) + static_cast<std::uintptr_t>(eb.low);
    const auto b_hi = reinterpret_cast<std::uintptr_t>(b.data()) + static_cast<std::uintptr_t>(eb.high);
    return a_lo < b_hi && b_lo < a_hi;
}

}  // namespace

InvalidCasts take_invalid_casts() noexcept { return std::exchange(invalid_casts, InvalidCasts{}); }

bool can_convert(DType from, DType to) noexcept {
    if (from.is_numeric() && to.is_numeric()) return true;
    if (from.is_time() && to.is_time()) {
        if (from.kind() != to.kind()) return false;
        return from.unit() == to.unit() || from.unit() == TimeUnit::generic || to.unit() != TimeUnit::generic;
    }
    if (from.is_time() && to.is_integer()) return true;
    if (from.is_integer() && to.is_time()) return true;
    return from.is_string() && to.is_string();
}

namespace {

// The copy itself, once every check on the two arrays has passed: the dtypes convert, `dst` is writable
// host memory that does not overlap `src`, and `src_strides` are src's strides seen with dst's shape.
void copy_checked(const Array& dst, const Array& src, const Strides& src_strides) {
    const DType from = src.dtype(), to = dst.dtype();
    const int threads = get_num_threads();
    if (dst.size() == 0) {
        detail::note_copy_threads(1);
        return;
    }
    const Axes axes = plan_axes(dst, src_strides);

    if (from == to) {  // any dtype, same byte order: items move as bytes
        const std::int64_t size = from.itemsize();
        run_plan(axes, dst, src, threads,
                 [size](std::byte* d, const std::byte* s, std::int64_t n, std::int64_t ds, std::int64_t ss) {
                     kernels::raw_copy(d, ds, s, ss, n, size);
                 });
        return;
    }
    if (from.is_numeric() || to.is_numeric()) {
        // Numbers, or time <-> integer as raw int64 counts.
        const ScalarType s = from.is_time() ? ScalarType::int64 : from.type();
        const ScalarType d = to.is_time() ? ScalarType::int64 : to.type();
        const NumericKernel kernel{kernels::numeric_cast_loop(s, d),
                                   from.itemsize(),
                                   to.itemsize(),
                                   from.swap_unit(),
                                   to.swap_unit(),
                                   !from.is_native(),
                                   !to.is_native()};
        run_plan(axes, dst, src, threads, kernel);
        if ((from.is_floating() || from.is_complex()) && to.is_integer())
            count_invalid_integer_casts(axes, dst, src, s, threads);
        return;
    }
    if (from.is_time()) {
        const kernels::TimeConverter conv(from, to);
        const bool ss = !from.is_native(), ds = !to.is_native();
        run_plan(axes, dst, src, threads,
                 [&](std::byte* d, const std::byte* s, std::int64_t n, std::int64_t dstr, std::int64_t sstr) {
                     for (std::int64_t i = 0; i < n; ++i)
                         kernels::store_swapped(d + i * dstr,
                                                conv(kernels::load_swapped<std::int64_t>(s + i * sstr, ss)), ds);
                 });
        return;
    }
    // Strings. Unicode to bytes (and bytes to unicode) needs ASCII: checked before anything is written.
    if (from.kind() != to.kind()) {
        run_plan(axes, dst, src, threads,
                 [&](std::byte*, const std::byte* s, std::int64_t n, std::int64_t, std::int64_t sstr) {
                     for (std::int64_t i = 0; i < n; ++i)
                         if (const char32_t ch = kernels::first_non_ascii(s + i * sstr, from))
                             fail(ErrorKind::value, "cannot convert ", describe(from), " to ", describe(to),
                                  ": character U+", std::hex, static_cast<std::uint32_t>(ch), " is not ASCII");
                 });
    }
    run_plan(axes, dst, src, threads,
             [&](std::byte* d, const std::byte* s, std::int64_t n, std::int64_t dstr, std::int64_t sstr) {
                 for (std::int64_t i = 0; i < n; ++i) kernels::copy_string(d + i * dstr, to, s + i * sstr, from);
             });
}

// Copies into an array just made by Array::empty_like(src, ...): same shape, new host memory, so the
// checks of copy_into (read-only, device, broadcast, overlap) cannot fail and are skipped; on a small
// copy they cost as much as the elements.
void copy_into_new(const Array& dst, const Array& src) {
    check_host(src, "source");
    Strides src_strides;  // only the first ndim entries are read
    std::copy(src.strides().begin(), src.strides().end(), src_strides.begin());
    copy_checked(dst, src, src_strides);
}

}  // namespace

void copy_into(const Array& dst, const Array& src) {
    if (dst.readonly()) fail(ErrorKind::value, "the destination is read-only");
    check_host(dst, "destination");
    check_host(src, "source");
    const DType from = src.dtype(), to = dst.dtype();
    if (!can_convert(from, to)) impossible(from, to);
    const Strides src_strides = broadcast_strides(src, dst.shape());
    if (dst.size() != 0 && ranges_overlap(dst, src)) {
        if (dst.data() == src.data() && from == to && dst.shape() == src.shape() && dst.strides() == src.strides())
            return;
        // The one temporary of the engine: a compact copy of the source, so no element is read after
        // it has been overwritten.
        Array tmp = Array::empty_like(src, from, MemoryOrder::K);
        copy_into_new(tmp, src);
        copy_into(dst, tmp);
        return;
    }
    copy_checked(dst, src, src_strides);
}

Array Array::copy(MemoryOrder order) const { return ndbridge::copy(*this, order); }

Array Array::astype(DType dtype, MemoryOrder order, bool force_copy) const {
    return ndbridge::astype(*this, dtype, order, force_copy);
}

bool satisfies_order(const Array& a, MemoryOrder order) noexcept {
    switch (order) {
        case MemoryOrder::C: return a.is_c_contiguous();
        case MemoryOrder::F: return a.is_f_contiguous();
        case MemoryOrder::A:  // NumPy's asarray: A asks for nothing unless a copy is made anyway
        case MemoryOrder::K: return true;
    }
    return false;
}

Array copy(const Array& src, MemoryOrder order) {
    Array out = Array::empty_like(src, src.dtype(), order);
    copy_into_new(out, src);
    return out;
}

Array copy_c_contiguous(const void* src, DType dtype, std::span<const std::int64_t> shape) {
    Array out = Array::empty(dtype, shape, MemoryOrder::C);
    const std::int64_t bytes = out.nbytes();
    if (2 * bytes >= detail::parallel_grain()) {
        // Large enough for the pool: the engine's plan, through a view of the source.
        const Array view = Array::wrap(const_cast<void*>(src), dtype, shape, {}, Device::cpu(), true, Owner());
        copy_into_new(out, view);
        return out;
    }
    // One run of bytes: no plan to make, and nothing the checks of copy_into could refuse.
    kernels::raw_copy(out.data(), 1, static_cast<const std::byte*>(src), 1, bytes, 1);
    detail::note_copy_threads(1);
    return out;
}

Array astype(const Array& src, DType dtype, MemoryOrder order, bool force_copy) {
    if (!force_copy && src.dtype() == dtype && satisfies_order(src, order)) return src;
    if (!can_convert(src.dtype(), dtype)) impossible(src.dtype(), dtype);
    Array out = Array::empty_like(src, dtype, order);
    copy_into_new(out, src);
    return out;
}

}  // namespace ndbridge
