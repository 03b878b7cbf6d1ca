// libFuzzer harness for view arithmetic: random chains of basic indexing, transpose/permute, reshape,
// squeeze and expand_dims over a source array. Every view must address exactly the elements a reference
// index mapping written here says (so it stays inside the source's byte extent), keep the owner, and
// refuse bad requests with ndbridge::Error only.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>

#include "fuzz_input.h"
#include "ndbridge/scalar.h"

using namespace ndbridge;
using namespace ndbridge::fuzz;

namespace {

/// Maps an index of the new view to the index of the old one it must address.
using IndexMap = std::function<Dims(const Dims&)>;

std::int64_t product(const Dims& shape) {
    std::int64_t n = 1;
    for (std::int64_t e : shape) n *= e;
    return n;
}

Dims unravel(std::int64_t k, const Dims& shape, MemoryOrder order) {
    Dims index(shape.size());
    for (std::size_t n = 0; n < shape.size(); ++n) {
        const std::size_t d = order == MemoryOrder::C ? shape.size() - 1 - n : n;
        index[d] = k % shape[d];
        k /= shape[d];
    }
    return index;
}

std::int64_t ravel(const Dims& index, const Dims& shape, MemoryOrder order) {
    std::int64_t k = 0;
    for (std::size_t n = 0; n < shape.size(); ++n) {
        const std::size_t d = order == MemoryOrder::C ? n : shape.size() - 1 - n;
        k = k * shape[d] + index[d];
    }
    return k;
}

// Python's slice.indices(length) and the resulting extent.
struct Resolved {
    std::int64_t start, step, length;
};
Resolved resolve(const Slice& s, std::int64_t length) {
    const std::int64_t step = s.step.value_or(1);
    const std::int64_t low = step < 0 ? -1 : 0, high = step < 0 ? length - 1 : length;
    auto clamp = [&](std::optional<std::int64_t> v, std::int64_t dflt) {
        if (!v) return dflt;
        std::int64_t x = *v < 0 ? *v + length : *v;
        return x < low ? low : (x > high ? high : x);
    };
    const std::int64_t start = clamp(s.start, step < 0 ? high : low), stop = clamp(s.stop, step < 0 ? low : high);
    std::int64_t n = 0;
    if (step > 0 && stop > start) n = (stop - start + step - 1) / step;
    if (step < 0 && start > stop) n = (start - stop - step - 1) / -step;
    return {start, step, n};
}

std::optional<std::int64_t> maybe(Input& in, std::int64_t low, std::int64_t high) {
    if (in.flag()) return std::nullopt;
    return in.in_range(low, high);
}

// Basic indexing: the expected shape and map, or nullopt when NumPy refuses the index.
std::optional<std::pair<Dims, IndexMap>> expect_index(const Array& a, const std::vector<Index>& items) {
    int real = 0, ellipses = 0;
    for (const Index& item : items) {
        if (std::holds_alternative<std::int64_t>(item) || std::holds_alternative<Slice>(item)) ++real;
        if (std::holds_alternative<EllipsisIndex>(item)) ++ellipses;
        if (const Slice* s = std::get_if<Slice>(&item); s && s->step == 0) return std::nullopt;
    }
    if (ellipses > 1 || real > a.ndim()) return std::nullopt;
    std::vector<Index> full;
    for (const Index& item : items) {
        if (std::holds_alternative<EllipsisIndex>(item))
            full.insert(full.end(), static_cast<std::size_t>(a.ndim() - real), Slice{});
        else
            full.push_back(item);
    }
    if (ellipses == 0) full.insert(full.end(), static_cast<std::size_t>(a.ndim() - real), Slice{});
    // Each new axis: (kind, old axis, start, step); kind 0 = slice, 1 = new axis.
    struct Axis {
        int kind;
        std::size_t old_axis;
        std::int64_t start, step;
    };
    std::vector<Axis> axes;
    Dims shape, fixed(a.shape().size(), 0);
    std::size_t d = 0;
    for (const Index& item : full) {
        if (const auto* i = std::get_if<std::int64_t>(&item)) {
            const std::int64_t n = a.shape()[d];
            if (*i < -n || *i >= n) return std::nullopt;
            fixed[d++] = *i < 0 ? *i + n : *i;
        } else if (const auto* s = std::get_if<Slice>(&item)) {
            const Resolved r = resolve(*s, a.shape()[d]);
            axes.push_back({0, d++, r.start, r.step});
            shape.push_back(r.length);
        } else {
            axes.push_back({1, 0, 0, 0});
            shape.push_back(1);
        }
    }
    if (shape.size() > static_cast<std::size_t>(kMaxNdim)) return std::nullopt;
    IndexMap map = [axes, fixed](const Dims& n) {
        Dims old = fixed;
        for (std::size_t k = 0; k < axes.size(); ++k)
            if (axes[k].kind == 0) old[axes[k].old_axis] = axes[k].start + n[k] * axes[k].step;
        return old;
    };
    return std::make_pair(shape, map);
}

// Applies one random operation to `a`; returns the view (or nullopt when refused) and what to expect.
struct Step {
    std::optional<Array> view;
    std::optional<Dims> shape;  // expected shape; nullopt: the harness does not predict it
    IndexMap map;               // when the view exists
    bool may_refuse = true;     // false: the reference says the operation must succeed
};

Step step(Input& in, const Array& a) {
    Step r;
    const auto nd = static_cast<std::int64_t>(a.ndim());
    auto attempt = [&](auto&& op) {
        try {
            r.view = op();
        } catch (const Error&) {
            r.view.reset();
        }
    };
    switch (in.below(6)) {
        case 0: {
            std::vector<Index> items(in.below(static_cast<std::uint32_t>(nd) + 3));
            for (auto& item : items) {
                switch (in.below(5)) {
                    case 0: item = in.in_range(-7, 7); break;
                    case 1: item = EllipsisIndex{}; break;
                    case 2: item = NewAxis{}; break;
                    default: item = Slice{maybe(in, -8, 8), maybe(in, -8, 8), maybe(in, -4, 4)};
                }
            }
            attempt([&] { return a.index(items); });
            if (auto e = expect_index(a, items)) {
                r.shape = e->first;
                r.map = e->second;
                r.may_refuse = false;
            }
            break;
        }
        case 1: {
            std::vector<std::int64_t> axes(static_cast<std::size_t>(nd));
            for (std::size_t i = 0; i < axes.size(); ++i) axes[i] = static_cast<std::int64_t>(i);
            for (std::size_t i = axes.size(); i > 1; --i)
                std::swap(axes[i - 1], axes[in.below(static_cast<std::uint32_t>(i))]);
            if (in.below(8) == 0 && !axes.empty()) axes[0] = in.in_range(-nd - 1, nd);  // maybe not a permutation
            for (auto& x : axes)
                if (in.below(4) == 0) x -= nd;  // negative spellings
            attempt([&] { return a.permute(axes); });
            Dims expected_shape;
            std::vector<bool> seen(static_cast<std::size_t>(nd), false);
            bool ok = true;
            for (std::int64_t x : axes) {
                const std::int64_t ax = x < 0 ? x + nd : x;
                if (ax < 0 || ax >= nd || seen[static_cast<std::size_t>(ax)]) {
                    ok = false;
                    break;
                }
                seen[static_cast<std::size_t>(ax)] = true;
                expected_shape.push_back(a.shape()[static_cast<std::size_t>(ax)]);
            }
            if (ok) {
                r.shape = expected_shape;
                r.may_refuse = false;
                r.map = [axes, nd](const Dims& n) {
                    Dims old(n.size());
                    for (std::size_t k = 0; k < n.size(); ++k)
                        old[static_cast<std::size_t>(axes[k] < 0 ? axes[k] + nd : axes[k])] = n[k];
                    return old;
                };
            }
            break;
        }
        case 2: {
            Dims requested(in.below(5));
            for (auto& e : requested) e = in.below(8) == 0 ? -1 : in.in_range(0, 6);
            const MemoryOrder order = in.flag() ? MemoryOrder::C : MemoryOrder::F;
            attempt([&] { return a.reshape(requested, order); });
            // Whether a view exists is NumPy's layout rule; what a view addresses is not negotiable.
            const Dims old_shape = a.shape();
            if (r.view) {
                const Dims new_shape = r.view->shape();
                r.map = [old_shape, new_shape, order](const Dims& n) {
                    return unravel(ravel(n, new_shape, order), old_shape, order);
                };
                NDB_FUZZ_CHECK(product(new_shape) == a.size());
                NDB_FUZZ_CHECK(new_shape.size() == requested.size());
                for (std::size_t i = 0; i < requested.size(); ++i)
                    NDB_FUZZ_CHECK(requested[i] == -1 || requested[i] == new_shape[i]);
            }
            break;
        }
        case 3: {
            std::optional<std::int64_t> axis = maybe(in, -nd - 1, nd);
            attempt([&] { return a.squeeze(axis); });
            std::vector<bool> drop(static_cast<std::size_t>(nd), false);
            bool ok = true;
            if (axis) {
                const std::int64_t ax = *axis < 0 ? *axis + nd : *axis;
                ok = ax >= 0 && ax < nd && a.shape()[static_cast<std::size_t>(ax)] == 1;
                if (ok) drop[static_cast<std::size_t>(ax)] = true;
            } else {
                for (std::size_t i = 0; i < drop.size(); ++i) drop[i] = a.shape()[i] == 1;
            }
            if (ok) {
                Dims s;
                for (std::size_t i = 0; i < drop.size(); ++i)
                    if (!drop[i]) s.push_back(a.shape()[i]);
                r.shape = s;
                r.may_refuse = false;
                r.map = [drop](const Dims& n) {
                    Dims old;
                    std::size_t k = 0;
                    for (bool dropped : drop) old.push_back(dropped ? 0 : n[k++]);
                    return old;
                };
            }
            break;
        }
        case 4: {
            const std::int64_t axis = in.in_range(-nd - 2, nd + 1);
            attempt([&] { return a.expand_dims(axis); });
            const std::int64_t at = axis < 0 ? axis + nd + 1 : axis;
            if (at >= 0 && at <= nd && nd < kMaxNdim) {
                Dims s = a.shape();
                s.insert(s.begin() + at, 1);
                r.shape = s;
                r.may_refuse = false;
                r.map = [at](const Dims& n) {
                    Dims old = n;
                    old.erase(old.begin() + at);
                    return old;
                };
            }
            break;
        }
        default: {
            attempt([&] { return a.transpose(); });
            Dims s(a.shape().rbegin(), a.shape().rend());
            r.shape = s;
            r.may_refuse = false;
            r.map = [](const Dims& n) { return Dims(n.rbegin(), n.rend()); };
        }
    }
    return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    Input in(data, size);
    const DType dtype = pick_dtype(in);
    Dims shape(in.below(5));
    for (auto& e : shape) e = in.in_range(0, 5);
    const Array source = Array::zeros(dtype, shape, in.flag() ? MemoryOrder::C : MemoryOrder::F);
    const ByteExtent bounds = byte_extent(source.shape(), source.strides(), source.itemsize());
    std::byte* const low = source.data() + bounds.low;
    std::byte* const high = source.data() + bounds.high;
    Array a = in.flag() ? source : source.as_readonly();
    for (int n = 0; n < 8 && in.remaining() > 0; ++n) {
        Step s = step(in, a);
        if (!s.view) {
            NDB_FUZZ_CHECK(s.may_refuse);
            continue;
        }
        const Array& v = *s.view;
        if (s.shape) NDB_FUZZ_CHECK(v.shape() == *s.shape);
        NDB_FUZZ_CHECK(v.size() == product(v.shape()));
        NDB_FUZZ_CHECK(v.strides().size() == v.shape().size());
        NDB_FUZZ_CHECK(v.dtype() == a.dtype() && v.readonly() == a.readonly());
        NDB_FUZZ_CHECK(v.owner().get() == source.owner().get());
        if (v.size() > 0) {
            const ByteExtent e = byte_extent(v.shape(), v.strides(), v.itemsize());
            NDB_FUZZ_CHECK(v.data() + e.low >= low && v.data() + e.high <= high);
            for_each_index(v.shape(), [&](const Dims& index) {
                std::byte* p = v.element(index);
                NDB_FUZZ_CHECK(p == v.data() + offset_of(index, v.strides()));
                NDB_FUZZ_CHECK(p == a.element(s.map(index)));
                (void)load_scalar(dtype, p);
            });
        }
        a = v;
    }
    return 0;
}
