// Default dtypes of Python scalars and sequences (see infer.h for the rules).
#include "ndbridge/infer.h"

#include <algorithm>

#include "ndbridge/error.h"

namespace ndbridge {
namespace {

// The complex type whose parts have the precision of float type `f` (float16/32 and narrower: complex64).
ScalarType complex_like(DType f) {
    switch (f.type()) {
        case ScalarType::float64: return ScalarType::complex128;
        case ScalarType::longdouble: return ScalarType::clongdouble;
        default: return ScalarType::complex64;
    }
}

}  // namespace

DType promote_types(DType a, DType b, Promotion rule) {
    if (rule == Promotion::torch) {
        const auto exact = [](DType d) { return d.is_integer() || d.kind() == DTypeKind::boolean; };
        if (exact(a) && (b.is_floating() || b.is_complex())) return b.with_native_order();
        if (exact(b) && (a.is_floating() || a.is_complex())) return a.with_native_order();
    }
    return promote_types(a, b);
}

void DTypeInference::add_int(std::int64_t value) noexcept {
    seen_int_ = true;
    most_negative_ = std::min(most_negative_, value);
}

void DTypeInference::add_big_uint(std::uint64_t value) noexcept {
    seen_int_ = true;
    largest_big_ = std::max(largest_big_, value);
}

void DTypeInference::add_typed(DType dtype) {
    typed_ = typed_ ? promote_types(*typed_, dtype) : dtype.with_native_order();
}

void DTypeInference::add_string(bool unicode, std::int64_t length) noexcept {
    (unicode ? seen_unicode_ : seen_bytes_) = true;
    string_length_ = std::max(string_length_, length);
}

bool DTypeInference::empty() const noexcept {
    return !seen_bool_ && !seen_int_ && !seen_float_ && !seen_complex_ && !typed_ && !seen_bytes_ && !seen_unicode_;
}

DType DTypeInference::result(DType default_float, Promotion rule) const {
    const bool python_numbers = seen_bool_ || seen_int_ || seen_float_ || seen_complex_;
    const bool numbers = python_numbers || (typed_ && typed_->is_numeric());
    const bool strings = seen_bytes_ || seen_unicode_ || (typed_ && typed_->is_string());
    if (seen_bytes_ && seen_unicode_)
        fail(ErrorKind::type,
             "the data mixes bytes and str; ndbridge does not guess an encoding "
             "(decode the bytes or encode the strings first)");
    if (numbers && strings)
        fail(ErrorKind::type,
             "the data mixes strings and numbers; ndbridge does not turn numbers into text or "
             "parse text into numbers (give dtype= and convert the strings first)");
    if (strings) {
        std::int64_t length = std::max<std::int64_t>(string_length_, 1);
        bool unicode = seen_unicode_;
        if (typed_) {
            length = std::max(length, typed_->length());
            unicode = unicode || typed_->kind() == DTypeKind::unicode;
        }
        return unicode ? DType::unicode(length) : DType::bytes(length);
    }
    // The Python scalars alone. Negatives beside integers >= 2**63 fit no integer dtype; they are an
    // error without typed elements and Python floats, which make the result floating (NumPy: float64).
    const bool both_signs = most_negative_ < 0 && largest_big_ != 0;
    DType python = ScalarType::bool_;
    if (seen_complex_) {
        python = complex_like(default_float);  // complex follows the default float (PyTorch)
    } else if (seen_float_) {
        python = default_float;
    } else if (seen_int_) {
        python = largest_big_ == 0 ? ScalarType::int64 : both_signs ? ScalarType::float64 : ScalarType::uint64;
    }
    if (!python_numbers) return typed_ ? *typed_ : DType(ScalarType::float64);  // empty: float64, as NumPy, PyTorch
    if (typed_) return promote_types(*typed_, python, rule);
    if (both_signs && !seen_float_ && !seen_complex_)
        fail(ErrorKind::overflow, "the integers ", most_negative_, " and ", largest_big_,
             " need both a signed type and uint64; no integer dtype holds both");
    return python;
}

}  // namespace ndbridge
