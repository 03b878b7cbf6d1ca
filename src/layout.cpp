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
            case 'K':
            case 'k': return MemoryOrder::K;
            case 'A':
            case 'a': return MemoryOrder::A;
            case 'C':
            case 'c': return MemoryOrder::C;
            case 'F':
            case 'f': return MemoryOrder::F;
            default: break;
        }
    }
    fail(ErrorKind::value, "order must be one of 'K', 'A', 'C', 'F', not '", text, "'");
}

void detail::mul_overflow(std::int64_t a, std::int64_t b, std::string_view what) {
    fail(ErrorKind::overflow, what, ": ", a, " * ", b, " overflows 64-bit sizes");
}

void detail::add_overflow(std::int64_t a, std::int64_t b, std::string_view what) {
    fail(ErrorKind::overflow, what, ": ", a, " + ", b, " overflows 64-bit offsets");
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

bool is_c_contiguous(std::span<const std::int64_t> shape, std::span<const std::int64_t> strides,
                     std::int64_t itemsize) {
    return is_contiguous(shape, strides, itemsize, false);
}

bool is_f_contiguous(std::span<const std::int64_t> shape, std::span<const std::int64_t> strides,
                     std::int64_t itemsize) {
    return is_contiguous(shape, strides, itemsize, true);
}

bool is_compact(std::span<const std::int64_t> shape, std::span<const std::int64_t> strides, std::int64_t itemsize) {
    std::vector<std::pair<std::int64_t, std::int64_t>> axes;  // (|stride|, extent), extent-1 axes left out
    for (std::size_t i = 0; i < shape.size(); ++i) {
        if (shape[i] == 0) return true;
        if (shape[i] != 1) axes.emplace_back(strides[i] < 0 ? -strides[i] : strides[i], shape[i]);
    }
    std::sort(axes.begin(), axes.end());
    std::int64_t expected = itemsize;
    for (const auto& [stride, extent] : axes) {
        if (stride != expected) return false;
        expected *= extent;
    }
    return true;
}

Dims contiguous_strides(std::span<const std::int64_t> shape, std::int64_t itemsize, MemoryOrder order) {
    const std::size_t n = shape.size();
    Dims strides(n);
    std::int64_t stride = itemsize;
    for (std::size_t k = 0; k < n; ++k) {
        const std::size_t i = order == MemoryOrder::F ? k : n - 1 - k;
        strides[i] = stride;
        // An extent of 0 leaves later strides as if it were 1, as NumPy does.
        stride = checked_mul(stride, std::max<std::int64_t>(shape[i], 1), "strides");
    }
    return strides;
}

std::vector<int> stride_order(std::span<const std::int64_t> /*shape*/, std::span<const std::int64_t> strides) {
    std::vector<int> perm(strides.size());
    std::iota(perm.begin(), perm.end(), 0);
    // NumPy's PyArray_CreateSortedStridePerm: a stable sort on |stride|. Extent-1 axes take part with
    // whatever stride they carry; only their own new strides depend on where they land.
    const auto magnitude = [&strides](int axis) {
        const std::int64_t s = strides[static_cast<std::size_t>(axis)];
        return s < 0 ? std::uint64_t{0} - static_cast<std::uint64_t>(s) : static_cast<std::uint64_t>(s);
    };
    std::stable_sort(perm.begin(), perm.end(), [&](int a, int b) { return magnitude(a) > magnitude(b); });
    return perm;
}

Dims allocation_strides(std::span<const std::int64_t> shape, std::span<const std::int64_t> src_strides,
                        std::int64_t itemsize, MemoryOrder order) {
    // NumPy allocates arrays without elements with all-zero strides, whatever the order.
    if (std::find(shape.begin(), shape.end(), 0) != shape.end()) return Dims(shape.size(), 0);
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
        stride = checked_mul(stride, std::max<std::int64_t>(shape[axis], 1), "strides");
    }
    return strides;
}

ByteExtent byte_extent(std::span<const std::int64_t> shape, std::span<const std::int64_t> strides,
                       std::int64_t itemsize) {
    ByteExtent e;
    for (std::int64_t extent : shape)
        if (extent == 0) return e;
    for (std::size_t i = 0; i < shape.size(); ++i) {
        const std::int64_t reach = checked_mul(strides[i], shape[i] - 1, "the array's extent");
        if (reach < 0)
            e.low = checked_add(e.low, reach, "the array's extent");
        else
            e.high = checked_add(e.high, reach, "the array's extent");
    }
    e.high = checked_add(e.high, itemsize, "the array's extent");
    return e;
}

bool reshape_strides(std::span<const std::int64_t> shape, std::span<const std::int64_t> strides, std::int64_t itemsize,
                     std::span<const std::int64_t> new_shape, MemoryOrder order, Dims& new_strides) {
    const bool fortran = order == MemoryOrder::F;
    // Contiguous in the requested order (every array without elements is): that order's compact strides.
    if (fortran ? is_f_contiguous(shape, strides, itemsize) : is_c_contiguous(shape, strides, itemsize)) {
        new_strides = contiguous_strides(new_shape, itemsize, fortran ? MemoryOrder::F : MemoryOrder::C);
        return true;
    }
    // NumPy's _attempt_nocopy_reshape, step for step, so even the strides of extent-1 axes are NumPy's.
    // Axes of extent 1 of the old shape never matter; they are dropped.
    Dims old_dims, old_strides;
    for (std::size_t i = 0; i < shape.size(); ++i) {
        if (shape[i] != 1) {
            old_dims.push_back(shape[i]);
            old_strides.push_back(strides[i]);
        }
    }
    const std::size_t on = old_dims.size(), nn = new_shape.size();
    new_strides.assign(nn, 0);
    // [oi, oj) and [ni, nj) are the old and new axes that cover the same elements.
    std::size_t oi = 0, oj = 1, ni = 0, nj = 1;
    while (ni < nn && oi < on) {
        std::int64_t np = new_shape[ni], op = old_dims[oi];
        while (np != op) {
            if (np < op) {
                if (nj >= nn) return false;  // sizes differ: the caller did not resolve the shape
                np *= new_shape[nj++];
            } else {
                if (oj >= on) return false;
                op *= old_dims[oj++];
            }
        }
        // The old axes [oi, oj) must be one chain of memory in the requested order.
        for (std::size_t ok = oi; ok + 1 < oj; ++ok) {
            if (fortran ? old_strides[ok + 1] != old_dims[ok] * old_strides[ok]
                        : old_strides[ok] != old_dims[ok + 1] * old_strides[ok + 1])
                return false;
        }
        if (fortran) {
            new_strides[ni] = old_strides[oi];
            for (std::size_t nk = ni + 1; nk < nj; ++nk) new_strides[nk] = new_strides[nk - 1] * new_shape[nk - 1];
        } else {
            new_strides[nj - 1] = old_strides[oj - 1];
            for (std::size_t nk = nj - 1; nk > ni; --nk) new_strides[nk - 1] = new_strides[nk] * new_shape[nk];
        }
        ni = nj++;
        oi = oj++;
    }
    // Trailing extents of 1 continue the last axis (C: its stride; F: one step past it), or take the item size.
    std::int64_t last = ni >= 1 ? new_strides[ni - 1] : itemsize;
    if (fortran && ni >= 1) last = checked_mul(last, new_shape[ni - 1], "reshape");
    for (std::size_t nk = ni; nk < nn; ++nk) new_strides[nk] = last;
    return true;
}

Dims resolve_shape(std::span<const std::int64_t> requested, std::int64_t size) {
    Dims shape(requested.begin(), requested.end());
    int unknown = -1;
    std::int64_t known = 1;
    for (std::size_t i = 0; i < shape.size(); ++i) {
        if (shape[i] == -1) {
            if (unknown >= 0)
                fail(ErrorKind::value, "reshape: can only specify one unknown dimension (-1) in ",
                     shape_string(requested));
            unknown = static_cast<int>(i);
        } else if (shape[i] < 0) {
            fail(ErrorKind::value, "reshape: negative extent ", shape[i], " in ", shape_string(requested));
        } else {
            known = checked_mul(known, shape[i], "reshape");
        }
    }
    if (unknown >= 0) {
        if (known == 0 || size % known != 0)
            fail(ErrorKind::value, "reshape: cannot reshape array of size ", size, " into shape ",
                 shape_string(requested));
        shape[static_cast<std::size_t>(unknown)] = size / known;
    } else if (known != size) {
        fail(ErrorKind::value, "reshape: cannot reshape array of size ", size, " into shape ", shape_string(requested));
    }
    checked_size(shape, "reshape");
    return shape;
}

}  // namespace ndbridge
