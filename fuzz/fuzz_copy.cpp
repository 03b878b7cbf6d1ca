// libFuzzer harness for copy_into: random dtype pairs (either byte order), random layouts on both sides
// (C, F, permuted, gapped, negative, zero and unaligned strides, broadcasting, source and destination in
// one buffer), compared element by element with a reference read through load_scalar. Only what NumPy
// defines is compared: out-of-range float-to-integer results and NaN payloads are left alone.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "fuzz_input.h"
#include "ndbridge/copy.h"
#include "ndbridge/scalar.h"

using namespace ndbridge;
using namespace ndbridge::fuzz;

namespace {

struct Layout {
    Dims strides;
    std::int64_t base = 0;   // offset of element (0, ..., 0) in the buffer
    std::int64_t bytes = 0;  // buffer bytes the layout needs
};

// Destinations get layouts whose elements never overlap (compact, permuted, gapped, reversed);
// sources may also get arbitrary strides, zero and not multiples of the item size.
Layout make_layout(Input& in, const Dims& shape, std::int64_t itemsize, bool any_strides) {
    Layout l;
    l.strides.resize(shape.size());
    if (any_strides && in.below(4) == 0) {
        for (auto& s : l.strides) s = in.in_range(-2 * itemsize - 1, 2 * itemsize + 1);
    } else {
        std::vector<std::size_t> order(shape.size());
        for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
        const std::uint32_t kind = in.below(3);
        if (kind == 1) std::reverse(order.begin(), order.end());
        if (kind == 2)
            for (std::size_t i = order.size(); i > 1; --i)
                std::swap(order[i - 1], order[in.below(static_cast<std::uint32_t>(i))]);
        std::int64_t step = itemsize * (1 + in.below(2)) + (in.below(4) == 0 ? 1 : 0);
        for (std::size_t k = order.size(); k-- > 0;) {
            const std::size_t d = order[k];
            l.strides[d] = in.below(4) == 0 ? -step : step;
            step *= std::max<std::int64_t>(shape[d], 1);
        }
    }
    const WideExtent e = wide_extent(shape, l.strides, itemsize);
    l.base = static_cast<std::int64_t>(-e.low) + in.below(static_cast<std::uint32_t>(itemsize));
    l.bytes = l.base + static_cast<std::int64_t>(e.high);
    return l;
}

// A value as a number: integers exactly, reals and complex as double.
struct Number {
    bool integral = false;
    Int128 i = 0;
    double re = 0, im = 0;
};
std::optional<Number> as_number(const Scalar& s) {
    Number n;
    if (const bool* b = std::get_if<bool>(&s))
        n = {true, *b ? 1 : 0, 0, 0};
    else if (const auto* i = std::get_if<std::int64_t>(&s))
        n = {true, *i, 0, 0};
    else if (const auto* u = std::get_if<std::uint64_t>(&s))
        n = {true, *u, 0, 0};
    else if (const auto* d = std::get_if<double>(&s))
        n.re = *d;
    else if (const auto* c = std::get_if<std::complex<double>>(&s))
        n.re = c->real(), n.im = c->imag();
    else
        return std::nullopt;
    return n;
}

// Explicit mantissa bits, smallest normal and largest finite value of each floating target.
struct FloatFormat {
    int mantissa;
    double min_normal, max;
    bool has_inf;
};
FloatFormat float_format(ScalarType t) {
    switch (t) {
        case ScalarType::float16: return {10, std::ldexp(1.0, -14), 65504.0, true};
        case ScalarType::bfloat16: return {7, std::ldexp(1.0, -126), 3.3895313892515355e38, true};
        case ScalarType::float32:
        case ScalarType::complex64: return {23, std::ldexp(1.0, -126), 3.4028234663852886e38, true};
        case ScalarType::float8_e4m3fn: return {3, std::ldexp(1.0, -6), 448.0, false};
        case ScalarType::float8_e5m2: return {2, std::ldexp(1.0, -14), 57344.0, true};
        default: return {52, 2.2250738585072014e-308, 1.7976931348623157e308, true};
    }
}

// True when `got` is a correct rounding of the real `x` into format `f` (or when NumPy leaves it open).
bool float_matches(double x, double got, const FloatFormat& f) {
    if (std::isnan(x)) return std::isnan(got);
    if (std::isinf(x)) return !f.has_inf || got == x;
    const double ax = std::fabs(x);
    if (x == 0) return got == 0;
    if (ax < f.min_normal || ax > f.max) return true;  // subnormal or overflowing: rounding modes differ
    return std::fabs(got - x) <= ax * std::ldexp(1.0, -f.mantissa);
}

Int128 wrap_to(Int128 v, int bits, bool is_signed) {
    const Int128 modulus = static_cast<Int128>(1) << bits;
    Int128 r = v % modulus;
    if (r < 0) r += modulus;
    if (is_signed && r >= modulus / 2) r -= modulus;
    return r;
}

bool numeric_matches(DType to, const Number& v, const Scalar& got_scalar) {
    const std::optional<Number> got = as_number(got_scalar);
    NDB_FUZZ_CHECK(got.has_value());
    switch (to.kind()) {
        case DTypeKind::boolean: return got->i == (v.integral ? v.i != 0 : (v.re != 0 || v.im != 0));
        case DTypeKind::signed_int:
        case DTypeKind::unsigned_int: {
            const int bits = static_cast<int>(to.itemsize() * 8);
            const bool is_signed = to.kind() == DTypeKind::signed_int;
            if (v.integral) return got->i == wrap_to(v.i, bits, is_signed);
            if (!std::isfinite(v.re) || std::fabs(v.re) >= 1.8e19) return true;
            const auto t = static_cast<Int128>(std::trunc(v.re));
            if (t != wrap_to(t, bits, is_signed)) return true;  // out of the target's range: platform-defined
            return got->i == t;
        }
        case DTypeKind::floating:
        case DTypeKind::complex: {
            const FloatFormat f = float_format(to.type());
            const double re = v.integral ? static_cast<double>(v.i) : v.re;
            // Integers beyond 2**53 are not exact as doubles here: a tolerance check still applies.
            if (!float_matches(re, got->re, f)) return false;
            return to.kind() != DTypeKind::complex || float_matches(v.integral ? 0.0 : v.im, got->im, f);
        }
        default: return true;
    }
}

std::u32string as_text(const Scalar& s) {
    if (const auto* u = std::get_if<std::u32string>(&s)) return *u;
    std::u32string out;
    for (char c : std::get<std::string>(s)) out.push_back(static_cast<unsigned char>(c));
    return out;
}

bool ascii(const std::u32string& s) {
    return std::all_of(s.begin(), s.end(), [](char32_t c) { return c < 0x80; });
}

bool is_string(DType d) { return d.kind() == DTypeKind::bytes || d.kind() == DTypeKind::unicode; }
bool is_time(DType d) { return d.kind() == DTypeKind::datetime || d.kind() == DTypeKind::timedelta; }

// Whether `got` (read from the destination) is what copying `src` from `from` into `to` must give.
bool value_matches(DType from, DType to, const Scalar& src, const Scalar& got) {
    if (from.is_numeric() && to.is_numeric()) {
        const std::optional<Number> v = as_number(src);
        NDB_FUZZ_CHECK(v.has_value());
        // load_scalar rounds long double to double: integers past 2**53 are then not what was stored.
        const bool extended = from.type() == ScalarType::longdouble || from.type() == ScalarType::clongdouble;
        if (extended && to.is_integer() && std::fabs(v->re) >= 9007199254740992.0) return true;
        if (extended && to.kind() == DTypeKind::boolean && v->re == 0 && v->im == 0)
            return true;  // may be a tiny nonzero
        if (from.is_complex() && !to.is_complex() && to.kind() != DTypeKind::boolean) {
            Number real = *v;  // complex to real keeps the real part
            real.im = 0;
            return numeric_matches(to, real, got);
        }
        return numeric_matches(to, *v, got);
    }
    if (is_time(from) && is_time(to)) {
        if (from.kind() != to.kind() || from.unit() != to.unit()) return true;  // unit conversion: not modelled here
        return std::get<TimeCount>(got).count == std::get<TimeCount>(src).count;
    }
    if (is_time(from) && to.type() == ScalarType::int64)
        return std::get<std::int64_t>(got) == std::get<TimeCount>(src).count;
    if (from.type() == ScalarType::int64 && is_time(to))
        return std::get<TimeCount>(got).count == std::get<std::int64_t>(src);
    if (is_string(from) && is_string(to)) {
        const std::u32string text = as_text(src);
        if (!ascii(text)) return true;  // non-ASCII into bytes is refused; bytes >= 0x80 into unicode not modelled
        std::u32string expected = text.substr(0, static_cast<std::size_t>(to.length()));
        while (!expected.empty() && expected.back() == 0) expected.pop_back();
        return as_text(got) == expected;
    }
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    Input in(data, size);
    const DType from = pick_dtype(in), to = pick_dtype(in);
    Dims dst_shape(in.below(5));
    for (auto& e : dst_shape) e = in.in_range(0, 4);
    // The source broadcasts: leading axes dropped, some extents 1.
    Dims src_shape(dst_shape.begin() + in.below(static_cast<std::uint32_t>(dst_shape.size()) + 1), dst_shape.end());
    for (auto& e : src_shape)
        if (in.below(4) == 0) e = 1;
    const Layout src_layout = make_layout(in, src_shape, from.itemsize(), true);
    const Layout dst_layout = make_layout(in, dst_shape, to.itemsize(), false);
    const bool shared = in.below(4) == 0;  // source and destination in one buffer, maybe overlapping
    const std::int64_t src_bytes = shared ? std::max(src_layout.bytes, dst_layout.bytes) : src_layout.bytes;
    std::vector<std::byte> src_buffer = filled_buffer(in, static_cast<std::size_t>(src_bytes));
    if (from.type() == ScalarType::bool_) keep_bools_valid(src_buffer);
    std::vector<std::byte> own_dst_buffer(shared ? 0 : static_cast<std::size_t>(dst_layout.bytes));
    std::byte* dst_memory = shared ? src_buffer.data() : own_dst_buffer.data();
    const Array src = Array::wrap(src_buffer.data() + src_layout.base, from, src_shape, src_layout.strides,
                                  Device::cpu(), false, nullptr);
    const Array dst =
        Array::wrap(dst_memory + dst_layout.base, to, dst_shape, dst_layout.strides, Device::cpu(), false, nullptr);

    // The reference: every destination element's source value, read before anything is written.
    std::vector<Scalar> expected;
    bool non_ascii = false;
    const std::size_t lead = dst_shape.size() - src_shape.size();
    for_each_index(dst_shape, [&](const Dims& index) {
        Dims s(index.begin() + static_cast<std::ptrdiff_t>(lead), index.end());
        for (std::size_t d = 0; d < s.size(); ++d)
            if (src_shape[d] == 1) s[d] = 0;
        expected.push_back(load_scalar(from, src.data() + offset_of(s, src.strides())));
        if (is_string(from)) non_ascii = non_ascii || !ascii(as_text(expected.back()));
    });
    const std::vector<std::byte> before(dst_memory, dst_memory + (shared ? src_buffer.size() : own_dst_buffer.size()));
    try {
        copy_into(dst, src);
    } catch (const Error& e) {
        if (!can_convert(from, to)) {
            NDB_FUZZ_CHECK(std::equal(before.begin(), before.end(), dst_memory));  // refused before writing
            return 0;
        }
        NDB_FUZZ_CHECK(is_string(from) && is_string(to) && non_ascii);
        return 0;
    }
    NDB_FUZZ_CHECK(can_convert(from, to));
    std::size_t k = 0;
    for_each_index(dst_shape, [&](const Dims& index) {
        const Scalar got = load_scalar(to, dst.data() + offset_of(index, dst.strides()));
        if (!value_matches(from, to, expected[k], got)) {
            std::fprintf(stderr, "copy_into %s -> %s: element %zu differs from the reference\n", describe(from).c_str(),
                         describe(to).c_str(), k);
            violated("copy_into value");
        }
        ++k;
    });
    return 0;
}
