// Reading and writing single elements of every dtype, with NumPy's value rules for Python scalars.
#include "ndbridge/scalar.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "kernels/cast.h"
#include "kernels/float_formats.h"
#include "ndbridge/error.h"

namespace ndbridge {
namespace {

using kernels::BFloat16Format;
using kernels::Float16Format;
using kernels::Float8E4M3FNFormat;
using kernels::Float8E5M2Format;

// Copies `n` bytes, reversing each `unit`-byte group when the dtype is not in native order.
void copy_swapped(std::byte* dst, const std::byte* src, std::int64_t n, std::int64_t unit, bool swap) {
    if (!swap || unit == 1) {
        std::memcpy(dst, src, static_cast<std::size_t>(n));
        return;
    }
    for (std::int64_t g = 0; g < n; g += unit)
        for (std::int64_t b = 0; b < unit; ++b) dst[g + b] = src[g + unit - 1 - b];
}

template <class T>
T read_native(DType dtype, const std::byte* p) {
    T v;
    std::byte buf[sizeof(T)];
    copy_swapped(buf, p, sizeof(T), dtype.swap_unit(), !dtype.is_native());
    std::memcpy(&v, buf, sizeof(T));
    return v;
}

template <class T>
void write_native(DType dtype, std::byte* p, const T& v) {
    std::byte buf[sizeof(T)];
    std::memcpy(buf, &v, sizeof(T));
    copy_swapped(p, buf, sizeof(T), dtype.swap_unit(), !dtype.is_native());
}

const char* value_kind(const Scalar& v) {
    switch (v.index()) {
        case 0: return "bool";
        case 1: case 2: return "int";
        case 3: return "float";
        case 4: return "complex";
        case 5: return "time count";
        case 6: return "bytes";
        default: return "str";
    }
}

std::string value_text(const Scalar& v) {
    switch (v.index()) {
        case 0: return std::get<bool>(v) ? "True" : "False";
        case 1: return std::to_string(std::get<std::int64_t>(v));
        case 2: return std::to_string(std::get<std::uint64_t>(v));
        case 3: return detail::concat(std::get<double>(v));
        case 4: return detail::concat(std::get<std::complex<double>>(v));
        case 5: return std::to_string(std::get<TimeCount>(v).count);
        default: return value_kind(v);
    }
}

// Integer store: the value must fit the target's range. Floats truncate toward zero first.
template <class T>
T to_integer(DType dtype, const Scalar& value) {
    constexpr auto lo = std::numeric_limits<T>::min();
    constexpr auto hi = std::numeric_limits<T>::max();
    auto out_of_bounds = [&]() -> T {
        fail(ErrorKind::overflow, "Python ", value_kind(value), " ", value_text(value), " out of bounds for ", name(dtype),
             " (range ", +lo, " to ", +hi, ")");
    };
    switch (value.index()) {
        case 0: return static_cast<T>(std::get<bool>(value));
        case 1: {
            const auto v = std::get<std::int64_t>(value);
            if constexpr (std::is_signed_v<T>) {
                if (v < static_cast<std::int64_t>(lo) || v > static_cast<std::int64_t>(hi)) return out_of_bounds();
            } else {
                if (v < 0 || static_cast<std::uint64_t>(v) > static_cast<std::uint64_t>(hi)) return out_of_bounds();
            }
            return static_cast<T>(v);
        }
        case 2: {
            const auto v = std::get<std::uint64_t>(value);
            if (v > static_cast<std::uint64_t>(hi)) return out_of_bounds();
            return static_cast<T>(v);
        }
        case 3: {
            const double v = std::get<double>(value);
            if (std::isnan(v)) fail(ErrorKind::value, "cannot convert float NaN to integer dtype ", name(dtype));
            if (std::isinf(v)) fail(ErrorKind::overflow, "cannot convert float infinity to integer dtype ", name(dtype));
            const double t = std::trunc(v);
            // Both bounds are exact powers of two (or zero) in double, so these comparisons are exact.
            if (t < static_cast<double>(lo) || t >= static_cast<double>(hi) + 1.0) return out_of_bounds();
            return static_cast<T>(t);
        }
        case 4: fail(ErrorKind::type, "cannot store complex ", value_text(value), " in real dtype ", name(dtype));
        default: fail(ErrorKind::type, "cannot store a ", value_kind(value), " in dtype ", name(dtype));
    }
}

std::complex<double> to_complex(DType dtype, const Scalar& value) {
    switch (value.index()) {
        case 0: return std::get<bool>(value) ? 1.0 : 0.0;
        case 1: return static_cast<double>(std::get<std::int64_t>(value));
        case 2: return static_cast<double>(std::get<std::uint64_t>(value));
        case 3: return std::get<double>(value);
        case 4: return std::get<std::complex<double>>(value);
        default: fail(ErrorKind::type, "cannot store a ", value_kind(value), " in dtype ", name(dtype));
    }
}

double to_real(DType dtype, const Scalar& value) {
    if (value.index() == 4) fail(ErrorKind::type, "cannot store complex ", value_text(value), " in real dtype ", name(dtype));
    return to_complex(dtype, value).real();
}

long double to_long_double(DType dtype, const Scalar& value) {
    switch (value.index()) {
        case 1: return static_cast<long double>(std::get<std::int64_t>(value));
        case 2: return static_cast<long double>(std::get<std::uint64_t>(value));
        default: return to_real(dtype, value);
    }
}

// Rounds as the copy engine does (float16 once; bfloat16/float8 through float32), so a scalar store
// and an array cast of the same value agree.
template <class N>
void store_narrow(DType dtype, std::byte* p, const Scalar& value) {
    const std::uint32_t bits = kernels::narrow_from_double<N>(to_real(dtype, value)).bits;
    if (dtype.itemsize() == 1) {
        p[0] = static_cast<std::byte>(bits);
    } else {
        write_native<std::uint16_t>(dtype, p, static_cast<std::uint16_t>(bits));
    }
}

template <class Format>
double load_narrow(DType dtype, const std::byte* p) {
    if (dtype.itemsize() == 1) return Format::decode(static_cast<std::uint32_t>(p[0]));
    return Format::decode(read_native<std::uint16_t>(dtype, p));
}

}  // namespace

Scalar load_scalar(DType dtype, const std::byte* p) {
    switch (dtype.type()) {
        case ScalarType::bool_: return p[0] != std::byte{0};
        case ScalarType::int8: return std::int64_t{read_native<std::int8_t>(dtype, p)};
        case ScalarType::int16: return std::int64_t{read_native<std::int16_t>(dtype, p)};
        case ScalarType::int32: return std::int64_t{read_native<std::int32_t>(dtype, p)};
        case ScalarType::int64: return read_native<std::int64_t>(dtype, p);
        case ScalarType::uint8: return std::int64_t{read_native<std::uint8_t>(dtype, p)};
        case ScalarType::uint16: return std::int64_t{read_native<std::uint16_t>(dtype, p)};
        case ScalarType::uint32: return std::int64_t{read_native<std::uint32_t>(dtype, p)};
        case ScalarType::uint64: return read_native<std::uint64_t>(dtype, p);
        case ScalarType::float16: return load_narrow<Float16Format>(dtype, p);
        case ScalarType::bfloat16: return load_narrow<BFloat16Format>(dtype, p);
        case ScalarType::float8_e4m3fn: return load_narrow<Float8E4M3FNFormat>(dtype, p);
        case ScalarType::float8_e5m2: return load_narrow<Float8E5M2Format>(dtype, p);
        case ScalarType::float32: return double{read_native<float>(dtype, p)};
        case ScalarType::float64: return read_native<double>(dtype, p);
        case ScalarType::longdouble: return static_cast<double>(read_native<long double>(dtype, p));
        case ScalarType::complex64: {
            const auto c = read_native<std::complex<float>>(dtype, p);
            return std::complex<double>(c.real(), c.imag());
        }
        case ScalarType::complex128: return read_native<std::complex<double>>(dtype, p);
        case ScalarType::clongdouble: {
            const auto c = read_native<std::complex<long double>>(dtype, p);
            return std::complex<double>(static_cast<double>(c.real()), static_cast<double>(c.imag()));
        }
        case ScalarType::datetime64:
        case ScalarType::timedelta64: return TimeCount{read_native<std::int64_t>(dtype, p)};
        case ScalarType::bytes: {
            std::string s(reinterpret_cast<const char*>(p), static_cast<std::size_t>(dtype.length()));
            s.erase(s.find_last_not_of('\0') + 1);
            return s;
        }
        case ScalarType::unicode: {
            std::u32string s(static_cast<std::size_t>(dtype.length()), U'\0');
            for (std::int64_t i = 0; i < dtype.length(); ++i) s[static_cast<std::size_t>(i)] = read_native<char32_t>(dtype, p + 4 * i);
            const auto end = s.find_last_not_of(U'\0');
            s.erase(end == std::u32string::npos ? 0 : end + 1);
            return s;
        }
    }
    fail(ErrorKind::type, "unknown dtype");
}

void store_scalar(DType dtype, std::byte* p, const Scalar& value) {
    switch (dtype.type()) {
        case ScalarType::bool_: {
            bool b = false;
            switch (value.index()) {
                case 0: b = std::get<bool>(value); break;
                case 6: case 7: case 5: fail(ErrorKind::type, "cannot store a ", value_kind(value), " in dtype bool");
                default: b = to_complex(dtype, value) != std::complex<double>(0.0, 0.0);
            }
            p[0] = std::byte{b};
            return;
        }
        case ScalarType::int8: return write_native(dtype, p, to_integer<std::int8_t>(dtype, value));
        case ScalarType::int16: return write_native(dtype, p, to_integer<std::int16_t>(dtype, value));
        case ScalarType::int32: return write_native(dtype, p, to_integer<std::int32_t>(dtype, value));
        case ScalarType::int64: return write_native(dtype, p, to_integer<std::int64_t>(dtype, value));
        case ScalarType::uint8: return write_native(dtype, p, to_integer<std::uint8_t>(dtype, value));
        case ScalarType::uint16: return write_native(dtype, p, to_integer<std::uint16_t>(dtype, value));
        case ScalarType::uint32: return write_native(dtype, p, to_integer<std::uint32_t>(dtype, value));
        case ScalarType::uint64: return write_native(dtype, p, to_integer<std::uint64_t>(dtype, value));
        case ScalarType::float16: return store_narrow<kernels::Half>(dtype, p, value);
        case ScalarType::bfloat16: return store_narrow<kernels::BFloat16>(dtype, p, value);
        case ScalarType::float8_e4m3fn: return store_narrow<kernels::Float8E4M3FN>(dtype, p, value);
        case ScalarType::float8_e5m2: return store_narrow<kernels::Float8E5M2>(dtype, p, value);
        // int -> float32 rounds once (through long double, which holds every int64/uint64 exactly).
        case ScalarType::float32: return write_native(dtype, p, static_cast<float>(to_long_double(dtype, value)));
        case ScalarType::float64: return write_native(dtype, p, static_cast<double>(to_long_double(dtype, value)));
        case ScalarType::longdouble: return write_native(dtype, p, to_long_double(dtype, value));
        case ScalarType::complex64: {
            const auto c = to_complex(dtype, value);
            return write_native(dtype, p, std::complex<float>(static_cast<float>(c.real()), static_cast<float>(c.imag())));
        }
        case ScalarType::complex128: return write_native(dtype, p, to_complex(dtype, value));
        case ScalarType::clongdouble: {
            const auto c = to_complex(dtype, value);
            return write_native(dtype, p, std::complex<long double>(c.real(), c.imag()));
        }
        case ScalarType::datetime64:
        case ScalarType::timedelta64: {
            std::int64_t count = 0;
            if (const auto* t = std::get_if<TimeCount>(&value)) count = t->count;
            else if (const auto* i = std::get_if<std::int64_t>(&value)) count = *i;
            else fail(ErrorKind::type, "cannot store a ", value_kind(value), " in dtype ", name(dtype), " (expected an integer count or NaT)");
            return write_native(dtype, p, count);
        }
        case ScalarType::bytes: {
            const auto* s = std::get_if<std::string>(&value);
            if (s == nullptr) fail(ErrorKind::type, "cannot store a ", value_kind(value), " in dtype ", name(dtype), " (expected bytes)");
            const auto n = static_cast<std::size_t>(dtype.length());
            std::memset(p, 0, n);
            std::memcpy(p, s->data(), std::min(n, s->size()));
            return;
        }
        case ScalarType::unicode: {
            const auto* s = std::get_if<std::u32string>(&value);
            if (s == nullptr) fail(ErrorKind::type, "cannot store a ", value_kind(value), " in dtype ", name(dtype), " (expected str)");
            for (std::int64_t i = 0; i < dtype.length(); ++i) {
                const auto k = static_cast<std::size_t>(i);
                write_native<char32_t>(dtype, p + 4 * i, k < s->size() ? (*s)[k] : U'\0');
            }
            return;
        }
    }
    fail(ErrorKind::type, "unknown dtype");
}

void fill(const Array& dst, const Scalar& value) {
    if (dst.readonly()) fail(ErrorKind::value, "assignment destination is read-only");
    if (!dst.device().host_accessible())
        fail(ErrorKind::value, "cannot write to an array on device ", to_string(dst.device()), " from the host");
    // Convert once into a scratch element; a bad value fails here, before anything is written.
    std::vector<std::byte> item(static_cast<std::size_t>(dst.itemsize()));
    store_scalar(dst.dtype(), item.data(), value);
    if (dst.size() == 0) return;
    const int nd = dst.ndim();
    std::vector<std::int64_t> counter(static_cast<std::size_t>(nd), 0);
    std::byte* p = dst.data();
    const auto n = static_cast<std::size_t>(dst.itemsize());
    for (std::int64_t k = 0; k < dst.size(); ++k) {
        std::memcpy(p, item.data(), n);
        for (int d = nd - 1; d >= 0; --d) {
            const auto ud = static_cast<std::size_t>(d);
            p += dst.strides()[ud];
            if (++counter[ud] < dst.shape()[ud]) break;
            p -= dst.strides()[ud] * dst.shape()[ud];
            counter[ud] = 0;
        }
    }
}

}  // namespace ndbridge
