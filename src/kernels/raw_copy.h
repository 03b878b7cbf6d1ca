// Element copies without conversion (source and destination of the same dtype and byte order): whole
// items moved as bytes, so NaN payloads, padding and any dtype (time counts, strings) pass unchanged.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels/simd_cast.h"

namespace ndbridge::kernels {

template <std::size_t Size>
void raw_copy_fixed(std::byte* dst, std::int64_t ds, const std::byte* src, std::int64_t ss, std::int64_t n) noexcept {
    for (std::int64_t i = 0; i < n; ++i) std::memcpy(dst + i * ds, src + i * ss, Size);
}

/// Copies `n` items of `size` bytes from src (stride ss) to dst (stride ds); strides in bytes, any alignment.
inline void raw_copy(std::byte* dst, std::int64_t ds, const std::byte* src, std::int64_t ss, std::int64_t n,
                     std::int64_t size) noexcept {
    if (ds == size && ss == size) {
        const auto bytes = static_cast<std::size_t>(n * size);
        if (!simd_copy_bytes(dst, src, bytes)) std::memcpy(dst, src, bytes);
        return;
    }
    switch (size) {
        case 1: return raw_copy_fixed<1>(dst, ds, src, ss, n);
        case 2: return raw_copy_fixed<2>(dst, ds, src, ss, n);
        case 4: return raw_copy_fixed<4>(dst, ds, src, ss, n);
        case 8: return raw_copy_fixed<8>(dst, ds, src, ss, n);
        case 16: return raw_copy_fixed<16>(dst, ds, src, ss, n);
        default:
            for (std::int64_t i = 0; i < n; ++i)
                std::memcpy(dst + i * ds, src + i * ss, static_cast<std::size_t>(size));
    }
}

}  // namespace ndbridge::kernels
