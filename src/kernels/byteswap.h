// Byte-order reversal of multi-byte units: the one routine every path (cast engine, scalar load/store,
// time counts, UCS-4 characters) uses to read or write data stored in the other byte order.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace ndbridge::kernels {

/// Reverses each `unit`-byte group of the `nbytes` bytes at `p`, in place.
inline void swap_units(std::byte* p, std::int64_t nbytes, std::int64_t unit) noexcept {
    if (unit <= 1) return;
    for (std::int64_t g = 0; g < nbytes; g += unit) std::reverse(p + g, p + g + unit);
}

/// Copies `nbytes` bytes, reversing each `unit`-byte group when `swap` (the buffers must not overlap).
inline void copy_swapped(std::byte* dst, const std::byte* src, std::int64_t nbytes, std::int64_t unit,
                         bool swap) noexcept {
    std::memcpy(dst, src, static_cast<std::size_t>(nbytes));
    if (swap) swap_units(dst, nbytes, unit);
}

/// A value of type T read from `p` (any alignment), swapped from the other byte order when `swap`.
template <class T>
T load_swapped(const std::byte* p, bool swap, std::int64_t unit = sizeof(T)) noexcept {
    std::byte b[sizeof(T)];
    copy_swapped(b, p, sizeof(T), unit, swap);
    T v;
    std::memcpy(&v, b, sizeof(T));
    return v;
}

/// Writes `v` to `p` (any alignment), in the other byte order when `swap`.
template <class T>
void store_swapped(std::byte* p, const T& v, bool swap, std::int64_t unit = sizeof(T)) noexcept {
    std::byte b[sizeof(T)];
    std::memcpy(b, &v, sizeof(T));
    copy_swapped(p, b, sizeof(T), unit, swap);
}

}  // namespace ndbridge::kernels
