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

DType DTypeInference::result(DType default_float) const {
    const bool numbers = seen_bool_ || seen_int_ || seen_float_ || seen_complex_ || (typed_ && typed_->is_numeric());
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
    const bool integer_result =
        !seen_float_ && !seen_complex_ && (!typed_ || typed_->is_integer() || typed_->kind() == DTypeKind::boolean);
    if (integer_result && most_negative_ < 0 && largest_big_ != 0)
        fail(ErrorKind::overflow, "the integers ", most_negative_, " and ", largest_big_,
             " need both a signed type and uint64; no integer dtype holds both");
    if (typed_) {
        // Weak Python scalars: they raise the kind of the typed result, never its precision.
        DType t = *typed_;
        if (seen_complex_ && !t.is_complex()) {
            t = t.is_floating() ? DType(complex_like(t)) : DType(ScalarType::complex128);
        } else if (seen_float_ && !t.is_floating() && !t.is_complex()) {
            t = ScalarType::float64;
        } else if (seen_int_ && t.kind() == DTypeKind::boolean) {
            t = largest_big_ != 0 ? ScalarType::uint64 : ScalarType::int64;
        }
        return t;
    }
    if (seen_complex_) return complex_like(default_float);  // complex follows the default float (PyTorch)
    if (seen_float_) return default_float;
    if (seen_int_) return largest_big_ != 0 ? ScalarType::uint64 : ScalarType::int64;
    if (seen_bool_) return ScalarType::bool_;
    return ScalarType::float64;  // empty: NumPy's and PyTorch's choice
}

}  // namespace ndbridge
