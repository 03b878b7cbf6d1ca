// Character-level access to fixed-length strings (NumPy "S<n>": one byte per character; "U<n>": UCS-4
// in either byte order) and the element copy between any two of them (truncate or NUL-pad).
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/byteswap.h"
#include "ndbridge/dtype.h"

namespace ndbridge::kernels {

/// Character `i` of the string element at `p`.
inline char32_t load_char(const std::byte* p, DType t, std::int64_t i) noexcept {
    if (t.kind() == DTypeKind::bytes) return static_cast<char32_t>(static_cast<unsigned char>(p[i]));
    return load_swapped<char32_t>(p + 4 * i, !t.is_native());
}

/// Writes character `i` of the string element at `p` (bytes keep the low 8 bits: callers check ASCII).
inline void store_char(std::byte* p, DType t, std::int64_t i, char32_t c) noexcept {
    if (t.kind() == DTypeKind::bytes) {
        p[i] = static_cast<std::byte>(c);
        return;
    }
    store_swapped<char32_t>(p + 4 * i, c, !t.is_native());
}

/// The first character of the element at `p` above 0x7f, or 0 when all are ASCII.
inline char32_t first_non_ascii(const std::byte* p, DType t) noexcept {
    for (std::int64_t c = 0; c < t.length(); ++c)
        if (const char32_t ch = load_char(p, t, c); ch > 0x7f) return ch;
    return 0;
}

/// One string element from `from` to `to`: the common prefix, then NULs to `to`'s length.
inline void copy_string(std::byte* d, DType to, const std::byte* s, DType from) noexcept {
    const std::int64_t common = from.length() < to.length() ? from.length() : to.length();
    for (std::int64_t c = 0; c < common; ++c) store_char(d, to, c, load_char(s, from, c));
    for (std::int64_t c = common; c < to.length(); ++c) store_char(d, to, c, U'\0');
}

}  // namespace ndbridge::kernels
