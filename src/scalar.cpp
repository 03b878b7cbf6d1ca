// Reading and writing single elements of every dtype, with NumPy's value rules for Python scalars.
#include "ndbridge/scalar.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "kernels/byteswap.h"
#include "kernels/cast.h"
#include "kernels/dtype_traits.h"
#include "kernels/float_formats.h"
#include "kernels/strings.h"
#include "ndbridge/copy.h"
#include "ndbridge/error.h"

namespace ndbridge {
namespace {

template <class T>
T read_native(DType dtype, const std::byte* p) {
    return kernels::load_swapped<T>(p, !dtype.is_native(), dtype.swap_unit());
}

template <class T>
void write_native(DType dtype, std::byte* p, const T& v) {
    kernels::store_swapped<T>(p, v, !dtype.is_native(), dtype.swap_unit());
}

const char* value_kind(const Scalar& v) {
    switch (v.index()) {
        case 0: return "bool";
        case 1:
        case 2: return "int";
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
        fail(ErrorKind::overflow, "Python ", value_kind(value), " ", value_text(value), " out of bounds for ",
             name(dtype), " (range ", +lo, " to ", +hi, ")");
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
            if (std::isinf(v))
                fail(ErrorKind::overflow, "cannot convert float infinity to integer dtype ", name(dtype));
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
    if (value.index() == 4)
        fail(ErrorKind::type, "cannot store complex ", value_text(value), " in real dtype ", name(dtype));
    return to_complex(dtype, value).real();
}

long double to_long_double(DType dtype, const Scalar& value) {
    switch (value.index()) {
        case 1: return static_cast<long double>(std::get<std::int64_t>(value));
        case 2: return static_cast<long double>(std::get<std::uint64_t>(value));
        default: return to_real(dtype, value);
    }
}

// One numeric element of storage type T as the Python-facing value: integers as int64 (uint64 kept
// unsigned), real floats as double, complex as complex<double>.
template <class T>
Scalar load_number(DType dtype, const std::byte* p) {
    if constexpr (std::is_same_v<T, bool>) {
        return p[0] != std::byte{0};
    } else if constexpr (kernels::is_narrow<T>::value) {
        using Bits = decltype(T::bits);
        return T::format::decode(read_native<Bits>(dtype, p));
    } else if constexpr (std::is_same_v<T, std::uint64_t>) {
        return read_native<T>(dtype, p);
    } else if constexpr (std::is_integral_v<T>) {
        return static_cast<std::int64_t>(read_native<T>(dtype, p));
    } else if constexpr (kernels::is_complex<T>::value) {
        const T c = read_native<T>(dtype, p);
        return std::complex<double>(static_cast<double>(c.real()), static_cast<double>(c.imag()));
    } else {
        return static_cast<double>(read_native<T>(dtype, p));
    }
}

template <class T>
void store_number(DType dtype, std::byte* p, const Scalar& value) {
    if constexpr (std::is_same_v<T, bool>) {
        bool b = false;
        switch (value.index()) {
            case 0: b = std::get<bool>(value); break;
            case 6:
            case 7:
            case 5: fail(ErrorKind::type, "cannot store a ", value_kind(value), " in dtype bool");
            default: b = to_complex(dtype, value) != std::complex<double>(0.0, 0.0);
        }
        p[0] = std::byte{b};
    } else if constexpr (kernels::is_narrow<T>::value) {
        // Rounds as the copy engine does (float16 once; bfloat16/float8 through float32), so a scalar
        // store and an array cast of the same value agree.
        write_native(dtype, p, kernels::narrow_from_double<T>(to_real(dtype, value)).bits);
    } else if constexpr (std::is_integral_v<T>) {
        write_native(dtype, p, to_integer<T>(dtype, value));
    } else if constexpr (kernels::is_complex<T>::value) {
        using V = typename T::value_type;
        const auto c = to_complex(dtype, value);
        write_native(dtype, p, T(static_cast<V>(c.real()), static_cast<V>(c.imag())));
    } else {
        // int -> float32 rounds once (through long double, which holds every int64/uint64 exactly).
        write_native(dtype, p, static_cast<T>(to_long_double(dtype, value)));
    }
}

}  // namespace

Scalar load_scalar(DType dtype, const std::byte* p) {
    if (dtype.is_numeric())
        return kernels::visit_numeric(dtype.type(),
                                      [&]<class T>(std::type_identity<T>) { return load_number<T>(dtype, p); });
    switch (dtype.type()) {
        case ScalarType::datetime64:
        case ScalarType::timedelta64: return TimeCount{read_native<std::int64_t>(dtype, p)};
        case ScalarType::bytes: {
            std::string s(reinterpret_cast<const char*>(p), static_cast<std::size_t>(dtype.length()));
            s.erase(s.find_last_not_of('\0') + 1);
            return s;
        }
        case ScalarType::unicode: {
            std::u32string s(static_cast<std::size_t>(dtype.length()), U'\0');
            for (std::int64_t i = 0; i < dtype.length(); ++i)
                s[static_cast<std::size_t>(i)] = kernels::load_char(p, dtype, i);
            const auto end = s.find_last_not_of(U'\0');
            s.erase(end == std::u32string::npos ? 0 : end + 1);
            return s;
        }
        default: break;
    }
    fail(ErrorKind::type, "unknown dtype");
}

void store_scalar(DType dtype, std::byte* p, const Scalar& value) {
    if (dtype.is_numeric())
        return kernels::visit_numeric(dtype.type(),
                                      [&]<class T>(std::type_identity<T>) { store_number<T>(dtype, p, value); });
    switch (dtype.type()) {
        case ScalarType::datetime64:
        case ScalarType::timedelta64: {
            std::int64_t count = 0;
            if (const auto* t = std::get_if<TimeCount>(&value))
                count = t->count;
            else if (const auto* i = std::get_if<std::int64_t>(&value))
                count = *i;
            else
                fail(ErrorKind::type, "cannot store a ", value_kind(value), " in dtype ", name(dtype),
                     " (expected an integer count or NaT)");
            return write_native(dtype, p, count);
        }
        case ScalarType::bytes: {
            const auto* s = std::get_if<std::string>(&value);
            if (s == nullptr)
                fail(ErrorKind::type, "cannot store a ", value_kind(value), " in dtype ", name(dtype),
                     " (expected bytes)");
            const auto n = static_cast<std::size_t>(dtype.length());
            std::memset(p, 0, n);
            std::memcpy(p, s->data(), std::min(n, s->size()));
            return;
        }
        case ScalarType::unicode: {
            const auto* s = std::get_if<std::u32string>(&value);
            if (s == nullptr)
                fail(ErrorKind::type, "cannot store a ", value_kind(value), " in dtype ", name(dtype),
                     " (expected str)");
            for (std::int64_t i = 0; i < dtype.length(); ++i) {
                const auto k = static_cast<std::size_t>(i);
                kernels::store_char(p, dtype, i, k < s->size() ? (*s)[k] : U'\0');
            }
            return;
        }
        default: break;
    }
    fail(ErrorKind::type, "unknown dtype");
}

void fill(const Array& dst, const Scalar& value) {
    if (dst.readonly()) fail(ErrorKind::value, "assignment destination is read-only");
    if (!dst.device().host_accessible())
        fail(ErrorKind::value, "cannot write to an array on device ", to_string(dst.device()), " from the host");
    // Convert once into a 0-d array of dst's dtype (a bad value fails here, before anything is written),
    // then broadcast it with the copy engine.
    const Array item = Array::empty(dst.dtype(), {});
    store_scalar(dst.dtype(), item.data(), value);
    copy_into(dst, item);
}

}  // namespace ndbridge
