// The copy/cast engine. copy_into plans the iteration once (broadcast, drop extent-1 axes, order the
// axes by the destination's strides, merge axes that are contiguous in both arrays), then runs one
// inner kernel over each innermost run. The kernel is chosen once per call: a numeric cast loop from
// the table (with a small stack buffer for byte swapping), a datetime unit conversion, or a string
// copy. Nothing is written until every check that can fail has passed.
#include "ndbridge/copy.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <functional>
#include <numeric>
#include <vector>

#include "kernels/cast_table.h"
#include "ndbridge/error.h"

namespace ndbridge {
namespace {

// ---------------------------------------------------------------------------------------------- plan

struct Axis {
    std::int64_t extent;
    std::int64_t dst_stride;
    std::int64_t src_stride;
};

// src's strides seen with dst's shape: NumPy broadcasting (align right; extent 1 repeats with stride 0).
Dims broadcast_strides(const Array& src, const Dims& dst_shape) {
    const auto nd = dst_shape.size();
    const auto ns = src.shape().size();
    if (ns > nd)
        fail(ErrorKind::value, "could not broadcast input array from shape ", shape_string(src.shape()), " into shape ",
             shape_string(dst_shape));
    Dims strides(nd, 0);
    for (std::size_t k = 0; k < ns; ++k) {
        const std::size_t si = ns - 1 - k, di = nd - 1 - k;
        if (src.shape()[si] == dst_shape[di]) strides[di] = src.strides()[si];
        else if (src.shape()[si] == 1) strides[di] = 0;
        else
            fail(ErrorKind::value, "could not broadcast input array from shape ", shape_string(src.shape()), " into shape ",
                 shape_string(dst_shape));
    }
    return strides;
}

// The axes to iterate, outermost first, innermost last, merged where both arrays allow.
std::vector<Axis> plan_axes(const Array& dst, const Dims& src_strides) {
    std::vector<Axis> axes;
    for (std::size_t i = 0; i < dst.shape().size(); ++i)
        if (dst.shape()[i] != 1) axes.push_back({dst.shape()[i], dst.strides()[i], src_strides[i]});
    // Destination memory order (|stride| descending), so writes stream; ties keep axis order.
    std::stable_sort(axes.begin(), axes.end(), [](const Axis& a, const Axis& b) {
        return std::llabs(a.dst_stride) > std::llabs(b.dst_stride);
    });
    std::vector<Axis> merged;
    for (const Axis& a : axes) {
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

// Calls run(dst, src, n, dst_stride, src_stride) for every innermost run of the plan.
template <class Run>
void for_each_run(const std::vector<Axis>& axes, std::byte* dst, const std::byte* src, Run&& run) {
    if (axes.empty()) {
        run(dst, src, 1, 0, 0);
        return;
    }
    const Axis inner = axes.back();
    const std::size_t outer_n = axes.size() - 1;
    std::array<std::int64_t, kMaxNdim> counter{};
    while (true) {
        run(dst, src, inner.extent, inner.dst_stride, inner.src_stride);
        std::size_t k = outer_n;
        while (k > 0) {
            --k;
            dst += axes[k].dst_stride;
            src += axes[k].src_stride;
            if (++counter[k] < axes[k].extent) break;
            dst -= axes[k].dst_stride * axes[k].extent;
            src -= axes[k].src_stride * axes[k].extent;
            counter[k] = 0;
            if (k == 0) return;
        }
        if (outer_n == 0) return;
    }
}

// ---------------------------------------------------------------------------------------------- kernels

void swap_units(std::byte* p, std::int64_t nbytes, std::int64_t unit) {
    for (std::int64_t g = 0; g < nbytes; g += unit) std::reverse(p + g, p + g + unit);
}

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
                for (std::int64_t i = 0; i < m; ++i) std::memcpy(in + i * src_size, s + i * ss, static_cast<std::size_t>(src_size));
                swap_units(in, m * src_size, src_unit);
                loop_src = in;
                loop_ss = src_size;
            }
            if (dst_swap) {
                loop(loop_src, loop_ss, out, dst_size, m);
                swap_units(out, m * dst_size, dst_unit);
                for (std::int64_t i = 0; i < m; ++i) std::memcpy(d + i * ds, out + i * dst_size, static_cast<std::size_t>(dst_size));
            } else {
                loop(loop_src, loop_ss, d, ds, m);
            }
        }
    }
};

// ---- datetime / timedelta units

// Length of each linear unit in attoseconds; Y and M of a timedelta use NumPy's mean year
// (365.2425 days = 31556952 s) and month (1/12 of it). Index: TimeUnit.
__extension__ typedef __int128 i128;
constexpr i128 kAtto = 1000000000000000000LL;
i128 unit_length(TimeUnit u) {
    switch (u) {
        case TimeUnit::Y: return i128{31556952} * kAtto;
        case TimeUnit::M: return i128{2629746} * kAtto;
        case TimeUnit::W: return i128{604800} * kAtto;
        case TimeUnit::D: return i128{86400} * kAtto;
        case TimeUnit::h: return i128{3600} * kAtto;
        case TimeUnit::m: return i128{60} * kAtto;
        case TimeUnit::s: return kAtto;
        case TimeUnit::ms: return kAtto / 1000;
        case TimeUnit::us: return kAtto / 1000000;
        case TimeUnit::ns: return kAtto / 1000000000;
        case TimeUnit::ps: return 1000000;
        case TimeUnit::fs: return 1000;
        case TimeUnit::as: return 1;
        case TimeUnit::generic: return 0;
    }
    return 0;
}

i128 floor_div(i128 a, i128 b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

constexpr std::int64_t kNaT = INT64_MIN;

// Civil-calendar helpers in 128 bits: any int64 count of years, months or days fits without overflow.
i128 days_from_civil(i128 y, i128 m) {  // first day of month m (1..12) of year y
    y -= m <= 2;
    const i128 era = floor_div(y, 400);
    const i128 yoe = y - era * 400;
    const i128 doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5;
    const i128 doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void civil_from_days(i128 z, i128& y, i128& m) {
    z += 719468;
    const i128 era = floor_div(z, 146097);
    const i128 doe = z - era * 146097;
    const i128 yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const i128 doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const i128 mp = (5 * doy + 2) / 153;
    m = mp < 10 ? mp + 3 : mp - 9;
    y = yoe + era * 400 + (m <= 2);
}

// The factor between two linear units, reduced: the products below stay far inside 128 bits.
struct Ratio {
    i128 num = 1, den = 1;
};
Ratio unit_ratio(TimeUnit from, TimeUnit to) {
    const i128 a = unit_length(from), b = unit_length(to);
    i128 g = a, r = b;
    while (r != 0) {
        const i128 t = g % r;
        g = r;
        r = t;
    }
    return {a / g, b / g};
}

// floor(v * num / den); NaT when v * num would leave 2^126, which puts the result outside int64 too
// (a large `num` comes with a small `den`: the factors of NumPy's units are coprime after reduction).
std::int64_t scale_to_int64(i128 v, Ratio r) {
    const i128 limit = (static_cast<i128>(1) << 126) / r.num;
    if (v > limit || -v > limit) return kNaT;
    const i128 q = floor_div(v * r.num, r.den);
    return q <= INT64_MIN || q > INT64_MAX ? kNaT : static_cast<std::int64_t>(q);
}

// One value from unit `from` to unit `to`; NaT stays NaT, and a result outside int64 becomes NaT.
// Intermediates (months, days) are 128-bit, so only the result's range decides.
struct TimeConverter {
    bool calendar;  // datetime with Y or M on either side: months and years follow the calendar
    TimeUnit from, to;
    Ratio linear;     // from -> to, when neither is a calendar unit
    Ratio from_days;  // D -> to (calendar source, linear target)
    Ratio to_days;    // from -> D (linear source, calendar target)

    std::int64_t operator()(std::int64_t v) const {
        if (v == kNaT) return kNaT;
        if (from == to) return v;
        if (!calendar) return scale_to_int64(v, linear);
        const bool from_calendar = from == TimeUnit::Y || from == TimeUnit::M;
        const bool to_calendar = to == TimeUnit::Y || to == TimeUnit::M;
        if (from_calendar) {
            const i128 months = from == TimeUnit::Y ? static_cast<i128>(v) * 12 : static_cast<i128>(v);
            if (to_calendar) return scale_to_int64(months, to == TimeUnit::Y ? Ratio{1, 12} : Ratio{1, 1});
            const i128 year = floor_div(months, 12);
            const i128 days = days_from_civil(1970 + year, months - 12 * year + 1);
            return scale_to_int64(days, from_days);
        }
        // Linear source to Y or M: floor to days first (|v| * 7 at most: no overflow in 128 bits).
        const i128 days = floor_div(static_cast<i128>(v) * to_days.num, to_days.den);
        i128 y = 0, m = 0;
        civil_from_days(days, y, m);
        return scale_to_int64(to == TimeUnit::Y ? y - 1970 : (y - 1970) * 12 + (m - 1), Ratio{1, 1});
    }
};

std::int64_t load_i64(const std::byte* p, bool swap) {
    std::int64_t v;
    if (!swap) {
        std::memcpy(&v, p, 8);
    } else {
        std::byte b[8];
        for (int i = 0; i < 8; ++i) b[i] = p[7 - i];
        std::memcpy(&v, b, 8);
    }
    return v;
}

void store_i64(std::byte* p, std::int64_t v, bool swap) {
    std::memcpy(p, &v, 8);
    if (swap) std::reverse(p, p + 8);
}

// ---- strings

char32_t load_char(const std::byte* p, DType t, std::int64_t i) {
    if (t.kind() == DTypeKind::bytes) return static_cast<char32_t>(static_cast<unsigned char>(p[i]));
    char32_t c;
    std::byte b[4];
    std::memcpy(b, p + 4 * i, 4);
    if (!t.is_native()) std::reverse(b, b + 4);
    std::memcpy(&c, b, 4);
    return c;
}

void store_char(std::byte* p, DType t, std::int64_t i, char32_t c) {
    if (t.kind() == DTypeKind::bytes) {
        p[i] = static_cast<std::byte>(c);
        return;
    }
    std::byte b[4];
    std::memcpy(b, &c, 4);
    if (!t.is_native()) std::reverse(b, b + 4);
    std::memcpy(p + 4 * i, b, 4);
}

bool is_string(DType t) { return t.kind() == DTypeKind::bytes || t.kind() == DTypeKind::unicode; }
bool is_time(DType t) { return t.kind() == DTypeKind::datetime || t.kind() == DTypeKind::timedelta; }

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

bool can_convert(DType from, DType to) noexcept {
    if (from.is_numeric() && to.is_numeric()) return true;
    if (is_time(from) && is_time(to)) {
        if (from.kind() != to.kind()) return false;
        return from.unit() == to.unit() || from.unit() == TimeUnit::generic || to.unit() != TimeUnit::generic;
    }
    if (is_time(from) && to.is_integer()) return true;
    if (from.is_integer() && is_time(to)) return true;
    return is_string(from) && is_string(to);
}

void copy_into(const Array& dst, const Array& src) {
    if (dst.readonly()) fail(ErrorKind::value, "the destination is read-only");
    check_host(dst, "destination");
    check_host(src, "source");
    const DType from = src.dtype(), to = dst.dtype();
    if (!can_convert(from, to)) impossible(from, to);
    const Dims src_strides = broadcast_strides(src, dst.shape());
    if (dst.size() == 0) return;

    if (ranges_overlap(dst, src)) {
        if (dst.data() == src.data() && from == to && dst.shape() == src.shape() && dst.strides() == src.strides()) return;
        // The one temporary of the engine: a compact copy of the source, so no element is read after
        // it has been overwritten.
        Array tmp = Array::empty_like(src, from, MemoryOrder::K);
        copy_into(tmp, src);
        copy_into(dst, tmp);
        return;
    }
    const std::vector<Axis> axes = plan_axes(dst, src_strides);

    if (from.is_numeric() || to.is_numeric()) {
        // Numbers, or time <-> integer as raw int64 counts.
        const ScalarType s = is_time(from) ? ScalarType::int64 : from.type();
        const ScalarType d = is_time(to) ? ScalarType::int64 : to.type();
        const NumericKernel kernel{kernels::numeric_cast_loop(s, d), from.itemsize(), to.itemsize(),
                                   from.swap_unit(), to.swap_unit(), !from.is_native(), !to.is_native()};
        for_each_run(axes, dst.data(), src.data(), kernel);
        return;
    }
    if (is_time(from)) {
        const bool same = from.unit() == to.unit() || from.unit() == TimeUnit::generic;
        TimeConverter conv{};
        conv.from = from.unit();
        conv.to = to.unit();
        const bool calendar_unit = [](TimeUnit u) { return u == TimeUnit::Y || u == TimeUnit::M; }(from.unit()) ||
                                   to.unit() == TimeUnit::Y || to.unit() == TimeUnit::M;
        conv.calendar = !same && from.kind() == DTypeKind::datetime && calendar_unit;
        if (!same && !conv.calendar) conv.linear = unit_ratio(from.unit(), to.unit());
        if (conv.calendar) {
            conv.from_days = unit_ratio(TimeUnit::D, to.unit());
            conv.to_days = unit_ratio(from.unit(), TimeUnit::D);
        }
        const bool ss = !from.is_native(), ds = !to.is_native();
        for_each_run(axes, dst.data(), src.data(),
                     [&](std::byte* d, const std::byte* s, std::int64_t n, std::int64_t dstr, std::int64_t sstr) {
                         for (std::int64_t i = 0; i < n; ++i) {
                             const std::int64_t v = load_i64(s + i * sstr, ss);
                             store_i64(d + i * dstr, same ? v : conv(v), ds);
                         }
                     });
        return;
    }
    // Strings. Unicode to bytes (and bytes to unicode) needs ASCII: checked before anything is written.
    if (from.kind() != to.kind()) {
        const std::int64_t len = from.length();
        for_each_run(axes, dst.data(), src.data(),
                     [&](std::byte*, const std::byte* s, std::int64_t n, std::int64_t, std::int64_t sstr) {
                         for (std::int64_t i = 0; i < n; ++i)
                             for (std::int64_t c = 0; c < len; ++c) {
                                 const char32_t ch = load_char(s + i * sstr, from, c);
                                 if (ch > 0x7f)
                                     fail(ErrorKind::value, "cannot convert ", describe(from), " to ", describe(to),
                                          ": character U+", std::hex, static_cast<std::uint32_t>(ch), " is not ASCII");
                             }
                     });
    }
    const std::int64_t common = std::min(from.length(), to.length());
    for_each_run(axes, dst.data(), src.data(),
                 [&](std::byte* d, const std::byte* s, std::int64_t n, std::int64_t dstr, std::int64_t sstr) {
                     for (std::int64_t i = 0; i < n; ++i) {
                         const std::byte* se = s + i * sstr;
                         std::byte* de = d + i * dstr;
                         for (std::int64_t c = 0; c < common; ++c) store_char(de, to, c, load_char(se, from, c));
                         for (std::int64_t c = common; c < to.length(); ++c) store_char(de, to, c, U'\0');
                     }
                 });
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
    copy_into(out, src);
    return out;
}

Array astype(const Array& src, DType dtype, MemoryOrder order, bool force_copy) {
    if (!force_copy && src.dtype() == dtype && satisfies_order(src, order)) return src;
    if (!can_convert(src.dtype(), dtype)) impossible(src.dtype(), dtype);
    Array out = Array::empty_like(src, dtype, order);
    copy_into(out, src);
    return out;
}

}  // namespace ndbridge
