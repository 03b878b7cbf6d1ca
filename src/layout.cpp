// Shapes, strides and memory order: NumPy's rules, overflow-checked.
#include "ndbridge/layout.h"

#include <algorithm>
#include <cstdlib>
#include <numeric>
#include <string>

#include "ndbridge/error.h"

namespace ndbridge {

MemoryOrder parse_order(std::string_view text) {
    if (text.size() == 1) {
        switch (text[0]) {
            case 'K': case 'k': return MemoryOrder::K;
            case 'A': case 'a': return MemoryOrder::A;
            case 'C': case 'c': return MemoryOrder::C;
            case 'F': case 'f': return MemoryOrder::F;
            default: break;
        }
    }
    fail(ErrorKind::value, "order: '", text, "' is not a memory order (expected one of 'K', 'A', 'C', 'F')");
}

std::int64_t checked_mul(std::int64_t a, std::int64_t b, std::string_view what) {
    std::int64_t out = 0;
    if (__builtin_mul_overflow(a, b, &out)) fail(ErrorKind::overflow, what, ": ", a, " * ", b, " overflows 64-bit sizes");
    return out;
}

std::int64_t checked_add(std::int64_t a, std::int64_t b, std::string_view what) {
    std::int64_t out = 0;
    if (__builtin_add_overflow(a, b, &out)) fail(ErrorKind::overflow, what, ": ", a, " + ", b, " overflows 64-bit offsets");
    return out;
}

std::string shape_string(std::span<const std::int64_t> shape) {
    std::string out = "(";
    for (std::size_t i = 0; i < shape.size(); ++i) out += (i ? ", " : "") + std::to_string(shape[i]);
    if (shape.size() == 1) out += ",";
    return out + ")";
}

std::int64_t checked_size(std::span<const std::int64_t> shape, std::string_view what) {
    if (shape.size() > static_cast<std::size_t>(kMaxNdim))
        fail(ErrorKind::value, what, ": ", shape.size(), " dimensions exceed the limit of ", kMaxNdim);
    std::int64_t size = 1;
    bool empty = false;
    for (std::int64_t extent : shape) {
        if (extent < 0) fail(ErrorKind::value, what, ": negative extent ", extent, " in shape ", shape_string(shape));
        if (extent == 0) empty = true;
    }
    // Checked even when empty, as NumPy does: a (0, 2**40, 2**40) shape is still refused.
    for (std::int64_t extent : shape) {
        if (extent == 0) continue;
        if (__builtin_mul_overflow(size, extent, &size))
            fail(ErrorKind::overflow, what, ": shape ", shape_string(shape), " has more elements than fit in 64 bits");
    }
    return empty ? 0 : size;
}

namespace {
bool is_contiguous(std::span<const std::int64_t> shape, std::span<const std::int64_t> strides, std::int64_t itemsize,
                   bool fortran) {
    const std::size_t n = shape.size();
    for (std::size_t i = 0; i < n; ++i)
        if (shape[i] == 0) return true;
    std::int64_t expected = itemsize;
    for (std::size_t k = 0; k < n; ++k) {
        const std::size_t i = fortran ? k : n - 1 - k;
        if (shape[i] == 1) continue;
        if (strides[i] != expected) return false;
        expected *= shape[i];  // cannot overflow: the caller's array exists
    }
    return true;
}
}  // namespace

bool is_c_contiguous(std::span<const std::int64_t> shape, std::span<const std::int64_t> strides, std::int64_t itemsize) {
    return is_contiguous(shape, strides, itemsize, false);
}

bool is_f_contiguous(std::span<const std::int64_t> shape, std::span<const std::int64_t> strides, std::int64_t itemsize) {
    return is_contiguous(shape, strides, itemsize, true);
}

Dims contiguous_strides(std::span<const std::int64_t> shape, std::int64_t itemsize, MemoryOrder order) {
    const std::size_t n = shape.size();
    Dims strides(n);
    std::int64_t stride = itemsize;
    for (std::size_t k = 0; k < n; ++k) {
        const std::size_t i = order == MemoryOrder::F ? k : n - 1 - k;
        strides[i] = stride;
        // An extent of 0 leaves later strides as if it were 1, as NumPy does.
        stride = checked_mul(stride, std::max<std::int64_t>(shape[i], 1), "contiguous_strides");
    }
    return strides;
}

std::vector<int> stride_order(std::span<const std::int64_t> shape, std::span<const std::int64_t> strides) {
    const int n = static_cast<int>(shape.size());
    std::vector<int> perm(static_cast<std::size_t>(n));
    std::iota(perm.begin(), perm.end(), 0);
    // Insertion sort: move each axis left past the axes with a smaller |stride|; an axis of extent 1 on
    // either side makes the comparison undecided, and the scan continues past it.
    for (int i = 1; i < n; ++i) {
        const int axis = perm[static_cast<std::size_t>(i)];
        int insert_at = i;
        for (int j = i - 1; j >= 0; --j) {
            const int other = perm[static_cast<std::size_t>(j)];
            if (shape[static_cast<std::size_t>(axis)] == 1 || shape[static_cast<std::size_t>(other)] == 1) continue;
            if (std::llabs(strides[static_cast<std::size_t>(axis)]) <= std::llabs(strides[static_cast<std::size_t>(other)])) break;
            insert_at = j;
        }
        if (insert_at != i) {
            std::rotate(perm.begin() + insert_at, perm.begin() + i, perm.begin() + i + 1);
        }
    }
    return perm;
}

Dims allocation_strides(std::span<const std::int64_t> shape, std::span<const std::int64_t> src_strides,
                        std::int64_t itemsize, MemoryOrder order) {
    const bool c = is_c_contiguous(shape, src_strides, itemsize);
    const bool f = is_f_contiguous(shape, src_strides, itemsize);
    switch (order) {
        case MemoryOrder::C: return contiguous_strides(shape, itemsize, MemoryOrder::C);
        case MemoryOrder::F: return contiguous_strides(shape, itemsize, MemoryOrder::F);
        case MemoryOrder::A: return contiguous_strides(shape, itemsize, (f && !c) ? MemoryOrder::F : MemoryOrder::C);
        case MemoryOrder::K: break;
    }
    if (c) return contiguous_strides(shape, itemsize, MemoryOrder::C);
    if (f) return contiguous_strides(shape, itemsize, MemoryOrder::F);
    const std::vector<int> perm = stride_order(shape, src_strides);
    Dims strides(shape.size());
    std::int64_t stride = itemsize;
    for (auto it = perm.rbegin(); it != perm.rend(); ++it) {
        const auto axis = static_cast<std::size_t>(*it);
        strides[axis] = stride;
        stride = checked_mul(stride, std::max<std::int64_t>(shape[axis], 1), "allocation_strides");
    }
    return strides;
}

ByteExtent byte_extent(std::span<const std::int64_t> shape, std::span<const std::int64_t> strides, std::int64_t itemsize) {
    ByteExtent e;
    for (std::int64_t extent : shape)
        if (extent == 0) return e;
    for (std::size_t i = 0; i < shape.size(); ++i) {
        const std::int64_t reach = checked_mul(strides[i], shape[i] - 1, "byte_extent");
        if (reach < 0) e.low = checked_add(e.low, reach, "byte_extent");
        else e.high = checked_add(e.high, reach, "byte_extent");
    }
    e.high = checked_add(e.high, itemsize, "byte_extent");
    return e;
}

bool reshape_strides(std::span<const std::int64_t> shape, std::span<const std::int64_t> strides, std::int64_t itemsize,
                     std::span<const std::int64_t> new_shape, MemoryOrder order, Dims& new_strides) {
    const bool fortran = order == MemoryOrder::F;
    new_strides.assign(new_shape.size(), 0);
    const std::int64_t size = checked_size(shape);
    if (size == 0) {
        new_strides = contiguous_strides(new_shape, itemsize, fortran ? MemoryOrder::F : MemoryOrder::C);
        return true;
    }
    // Work in C order on the axes of extent > 1; F order is C order on reversed axes.
    Dims old_dims, old_strides;
    for (std::size_t k = 0; k < shape.size(); ++k) {
        const std::size_t i = fortran ? shape.size() - 1 - k : k;
        if (shape[i] != 1) {
            old_dims.push_back(shape[i]);
            old_strides.push_back(strides[i]);
        }
    }
    Dims dims(new_shape.size()), out(new_shape.size(), 0);
    for (std::size_t k = 0; k < new_shape.size(); ++k) dims[k] = new_shape[fortran ? new_shape.size() - 1 - k : k];

    std::size_t oi = 0, oj = 1, ni = 0, nj = 1;
    const std::size_t on = old_dims.size(), nn = dims.size();
    while (ni < nn && oi < on) {
        std::int64_t np = dims[ni], op = old_dims[oi];
        while (np != op) {
            if (np < op) np *= dims[nj++];
            else op *= old_dims[oj++];
        }
        // The old axes [oi, oj) must be one chain of memory in C order.
        for (std::size_t ok = oi; ok + 1 < oj; ++ok)
            if (old_strides[ok] != old_dims[ok + 1] * old_strides[ok + 1]) return false;
        out[nj - 1] = old_strides[oj - 1];
        for (std::size_t nk = nj - 1; nk > ni; --nk) out[nk - 1] = out[nk] * dims[nk];
        ni = nj++;
        oi = oj++;
    }
    // Trailing extents of 1 take the last stride (or the item size), as NumPy does.
    const std::int64_t last = ni >= 1 ? out[ni - 1] : itemsize;
    for (std::size_t nk = ni; nk < nn; ++nk) out[nk] = last;
    for (std::size_t k = 0; k < nn; ++k) new_strides[fortran ? nn - 1 - k : k] = out[k];
    return true;
}

Dims resolve_shape(std::span<const std::int64_t> requested, std::int64_t size) {
    Dims shape(requested.begin(), requested.end());
    int unknown = -1;
    std::int64_t known = 1;
    for (std::size_t i = 0; i < shape.size(); ++i) {
        if (shape[i] == -1) {
            if (unknown >= 0) fail(ErrorKind::value, "reshape: can only specify one unknown dimension (-1) in ", shape_string(requested));
            unknown = static_cast<int>(i);
        } else if (shape[i] < 0) {
            fail(ErrorKind::value, "reshape: negative extent ", shape[i], " in ", shape_string(requested));
        } else {
            known = checked_mul(known, shape[i], "reshape");
        }
    }
    if (unknown >= 0) {
        if (known == 0 || size % known != 0)
            fail(ErrorKind::value, "reshape: cannot reshape array of size ", size, " into shape ", shape_string(requested));
        shape[static_cast<std::size_t>(unknown)] = size / known;
    } else if (known != size) {
        fail(ErrorKind::value, "reshape: cannot reshape array of size ", size, " into shape ", shape_string(requested));
    }
    checked_size(shape, "reshape");
    return shape;
}

}  // namespace ndbridge
