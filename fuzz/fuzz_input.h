// Shared by the libFuzzer harnesses: reads typed values from the fuzzer's bytes, picks dtypes and builds
// strided layouts over buffers the harness owns, so that a harness states only what it checks.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <span>
#include <string_view>
#include <vector>

#include "ndbridge/array.h"
#include "ndbridge/dtype.h"
#include "ndbridge/error.h"

namespace ndbridge::fuzz {

/// 128-bit integers, so that the harnesses' reference arithmetic cannot overflow itself.
__extension__ typedef __int128 Int128;

/// Aborts with a message: libFuzzer records the input as a crash.
[[noreturn]] inline void violated(const char* what) {
    std::fprintf(stderr, "fuzz invariant violated: %s\n", what);
    std::abort();
}
#define NDB_FUZZ_CHECK(cond) ((cond) ? void(0) : ::ndbridge::fuzz::violated(#cond " at " __FILE__))

/// Consumes the fuzzer's bytes front to back; once they run out every read gives zero.
class Input {
public:
    Input(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}

    template <class T>
    T take() {
        T value{};
        const std::size_t n = std::min(sizeof(T), size_ - pos_);
        std::memcpy(&value, data_ + pos_, n);
        pos_ += n;
        return value;
    }
    /// A value in [0, bound); 0 when bound is 0.
    std::uint32_t below(std::uint32_t bound) { return bound == 0 ? 0 : take<std::uint32_t>() % bound; }
    std::int64_t in_range(std::int64_t low, std::int64_t high) {  // inclusive
        return low + static_cast<std::int64_t>(take<std::uint64_t>() % static_cast<std::uint64_t>(high - low + 1));
    }
    bool flag() { return (take<std::uint8_t>() & 1) != 0; }
    /// What is left, as raw bytes.
    std::string_view rest() {
        std::string_view all(reinterpret_cast<const char*>(data_ + pos_), size_ - pos_);
        pos_ = size_;
        return all;
    }
    std::size_t remaining() const { return size_ - pos_; }

private:
    const std::uint8_t* data_;
    std::size_t size_;
    std::size_t pos_ = 0;
};

inline constexpr ScalarType kAllTypes[] = {
    ScalarType::bool_,       ScalarType::int8,          ScalarType::int16,       ScalarType::int32,
    ScalarType::int64,       ScalarType::uint8,         ScalarType::uint16,      ScalarType::uint32,
    ScalarType::uint64,      ScalarType::float16,       ScalarType::bfloat16,    ScalarType::float32,
    ScalarType::float64,     ScalarType::longdouble,    ScalarType::complex64,   ScalarType::complex128,
    ScalarType::clongdouble, ScalarType::float8_e4m3fn, ScalarType::float8_e5m2, ScalarType::datetime64,
    ScalarType::timedelta64, ScalarType::bytes,         ScalarType::unicode,
};
static_assert(std::size(kAllTypes) == kScalarTypeCount);

/// Any dtype ndbridge holds, in either byte order, with a unit or a length where it has one.
inline DType pick_dtype(Input& in) {
    const ScalarType type = kAllTypes[in.below(kScalarTypeCount)];
    DType dtype = type;
    if (type == ScalarType::datetime64) dtype = DType::datetime64(static_cast<TimeUnit>(in.below(14)));
    if (type == ScalarType::timedelta64) dtype = DType::timedelta64(static_cast<TimeUnit>(in.below(14)));
    if (type == ScalarType::bytes) dtype = DType::bytes(1 + in.below(6));
    if (type == ScalarType::unicode) dtype = DType::unicode(1 + in.below(4));
    return dtype.with_native_order(!in.flag());
}

/// The lowest and highest byte offsets (exclusive) a layout touches, in 128-bit arithmetic so that the
/// reference itself cannot overflow; {0, 0} without elements.
struct WideExtent {
    Int128 low = 0;
    Int128 high = 0;
};
inline WideExtent wide_extent(const Dims& shape, const Dims& strides, std::int64_t itemsize) {
    WideExtent e;
    for (std::size_t i = 0; i < shape.size(); ++i)
        if (shape[i] == 0) return {};
    for (std::size_t i = 0; i < shape.size(); ++i) {
        const Int128 span = static_cast<Int128>(shape[i] - 1) * strides[i];
        (span < 0 ? e.low : e.high) += span;
    }
    e.high += itemsize;
    return e;
}

/// A buffer of exactly `size` bytes on the heap (so AddressSanitizer sees one byte past it), filled from
/// the input.
inline std::vector<std::byte> filled_buffer(Input& in, std::size_t size) {
    std::vector<std::byte> buffer(size);
    for (auto& b : buffer) b = static_cast<std::byte>(in.take<std::uint8_t>());
    return buffer;
}

/// Makes every byte 0 or 1. Casts of bool elements currently read the byte as a C++ bool, which is undefined
/// for other values (and gives 2 or 63 where NumPy gives 1): until the kernels read bool bytes as
/// integers, harnesses that cast bool data keep it valid so that they can find other faults.
inline void keep_bools_valid(std::span<std::byte> bytes) {
    for (auto& b : bytes) b &= std::byte{1};
}

/// Calls f(multi-index) for every index of `shape` in C order.
template <class F>
void for_each_index(const Dims& shape, F&& f) {
    for (std::int64_t e : shape)
        if (e == 0) return;
    Dims index(shape.size(), 0);
    while (true) {
        f(index);
        std::size_t d = shape.size();
        while (d > 0) {
            --d;
            if (++index[d] < shape[d]) break;
            index[d] = 0;
            if (d == 0) return;
        }
        if (shape.empty()) return;
    }
}

inline std::int64_t offset_of(const Dims& index, const Dims& strides) {
    std::int64_t offset = 0;
    for (std::size_t i = 0; i < index.size(); ++i) offset += index[i] * strides[i];
    return offset;
}

}  // namespace ndbridge::fuzz
