// The strided array: construction, validation and views. No element is read or written here.
#include "ndbridge/array.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <mutex>
#include <new>

#include <pthread.h>
#include <sys/mman.h>

#include "ndbridge/error.h"

namespace ndbridge {
namespace {

constexpr std::size_t kAllocAlignment = 64;
// Large arrays start on a 2 MiB boundary and ask for transparent huge pages, as NumPy does: a first
// touch then faults once per 2 MiB instead of once per 4 KiB, which is most of the cost of a fresh copy
// when THP is in "madvise" mode. 4 MiB: below that, the rounding to 2 MiB wastes too much memory.
constexpr std::size_t kHugePage = std::size_t{2} << 20;
constexpr std::size_t kHugePageThreshold = std::size_t{4} << 20;

struct ReleaseOnce {
    void* context;
    void (*release)(void*) noexcept;
    void operator()(const void*) const noexcept { release(context); }
};

// Memory in 64-byte lines, so that the array form of allocate_shared places the data on a line
// boundary and the owner's count after it: one allocation per array instead of two.
struct alignas(kAllocAlignment) Line {
    std::byte bytes[kAllocAlignment];
};

// 64-byte aligned blocks from plain malloc, the pointer malloc gave kept just below the aligned one.
// glibc's aligned allocation splits each block and frees the pieces, which costs about as much as a
// small copy and fills the small-chunk bins whose consolidation the next large request then pays.
template <class T>
struct LineAllocator {
    static_assert(alignof(T) <= kAllocAlignment);
    using value_type = T;
    LineAllocator() = default;
    template <class U>
    LineAllocator(const LineAllocator<U>&) noexcept {}
    T* allocate(std::size_t n) {
        if (n > (std::numeric_limits<std::size_t>::max() - kAllocAlignment) / sizeof(T)) throw std::bad_alloc();
        void* raw = std::malloc(n * sizeof(T) + kAllocAlignment);
        if (raw == nullptr) throw std::bad_alloc();
        // malloc's blocks are 16-byte aligned, so the line boundary above them leaves room for the pointer.
        const std::uintptr_t aligned =
            (reinterpret_cast<std::uintptr_t>(raw) + kAllocAlignment) & ~std::uintptr_t{kAllocAlignment - 1};
        void** slot = reinterpret_cast<void**>(aligned) - 1;
        *slot = raw;
        return reinterpret_cast<T*>(aligned);
    }
    void deallocate(T* p, std::size_t) noexcept { std::free(*(reinterpret_cast<void**>(p) - 1)); }
    template <class U>
    bool operator==(const LineAllocator<U>&) const noexcept {
        return true;
    }
};

// Freed large blocks kept for the next allocation of about their size. A fresh large block costs the
// kernel's zeroing of every page at its first touch, which measured more than twice the conversion that
// writes it (a 128 MiB u8 -> f32 cast: 70% of its time in clear_page); a program that converts batches of
// one size in a loop pays it once. Bounded: at most kMaxCachedBlocks blocks and NDBRIDGE_CACHE_MB
// megabytes (default kDefaultCacheBytes; 0 turns the cache off); the oldest block goes first.
constexpr std::size_t kMaxCachedBlocks = 4;
constexpr std::size_t kDefaultCacheBytes = std::size_t{256} << 20;

std::size_t cache_limit_from_environment() noexcept {
    const char* text = std::getenv("NDBRIDGE_CACHE_MB");
    if (text == nullptr || *text == '\0') return kDefaultCacheBytes;
    char* end = nullptr;
    const unsigned long long mb = std::strtoull(text, &end, 10);
    if (end == text || *end != '\0' || mb > (std::numeric_limits<std::size_t>::max() >> 21)) return kDefaultCacheBytes;
    return static_cast<std::size_t>(mb) << 20;
}

// A large block is a mapping of its own, never memory of malloc's heap: the huge-page advice stays on
// that mapping and leaves with it. Advice given to heap memory stays on the heap's range after the block
// is freed, so the heap's later small blocks fault in as 2 MiB pages that are cleared whole (measured: a
// 1 MiB cast 1.4x slower after larger conversions, most of the difference in clear_page).
void* map_block(std::size_t bytes) {
    // Mapped with a huge page's slack, then trimmed to a 2 MiB-aligned span of `bytes`.
    const std::size_t span = bytes + kHugePage;
    void* raw = ::mmap(nullptr, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) throw std::bad_alloc();
    const auto start = reinterpret_cast<std::uintptr_t>(raw);
    const std::uintptr_t aligned = (start + kHugePage - 1) / kHugePage * kHugePage;
    if (aligned > start) (void)::munmap(raw, aligned - start);
    const std::uintptr_t end = start + span, used_end = aligned + bytes;
    if (end > used_end) (void)::munmap(reinterpret_cast<void*>(used_end), end - used_end);
    void* data = reinterpret_cast<void*>(aligned);
    // Advice only: a kernel without THP refuses it, and the memory works as before.
    (void)::madvise(data, bytes, MADV_HUGEPAGE);
    return data;
}

void unmap_block(void* data, std::size_t bytes) noexcept { (void)::munmap(data, bytes); }

class BlockCache {
public:
    BlockCache() : limit_(cache_limit_from_environment()) {
        // A child forked while another thread holds the lock would wait forever: fork takes it first.
        (void)::pthread_atfork([] { instance().mutex_.lock(); }, [] { instance().mutex_.unlock(); },
                               [] { instance().mutex_.unlock(); });
    }
    // Never destroyed: arrays may be released after static destruction has begun.
    static BlockCache& instance() {
        static BlockCache* cache = new BlockCache;
        return *cache;
    }

    // A cached block of at least `bytes` and at most a quarter more (so a small request does not hold a
    // large block), or nullptr.
    void* take(std::size_t bytes) {
        std::lock_guard lock(mutex_);
        std::size_t best = count_;
        for (std::size_t k = 0; k < count_; ++k)
            if (blocks_[k].bytes >= bytes && blocks_[k].bytes - bytes <= bytes / 4 &&
                (best == count_ || blocks_[k].bytes < blocks_[best].bytes))
                best = k;
        if (best == count_) return nullptr;
        void* data = blocks_[best].data;
        held_ -= blocks_[best].bytes;
        remove(best);
        return data;
    }

    // Keeps the block, or frees it (and the oldest blocks, to make room) outside the lock.
    void give(void* data, std::size_t bytes) noexcept {
        std::array<Block, kMaxCachedBlocks + 1> to_free{};
        std::size_t n_free = 0;
        {
            std::lock_guard lock(mutex_);
            if (bytes > limit_) {
                to_free[n_free++] = {data, bytes};
            } else {
                while (count_ == kMaxCachedBlocks || held_ + bytes > limit_) {
                    to_free[n_free++] = blocks_[0];
                    held_ -= blocks_[0].bytes;
                    remove(0);
                }
                blocks_[count_++] = {data, bytes};
                held_ += bytes;
            }
        }
        for (std::size_t k = 0; k < n_free; ++k) unmap_block(to_free[k].data, to_free[k].bytes);
    }

private:
    struct Block {
        void* data;
        std::size_t bytes;
    };
    void remove(std::size_t k) noexcept {
        for (std::size_t j = k + 1; j < count_; ++j) blocks_[j - 1] = blocks_[j];
        --count_;
    }

    std::mutex mutex_;
    std::array<Block, kMaxCachedBlocks> blocks_{};
    std::size_t count_ = 0;
    std::size_t held_ = 0;
    const std::size_t limit_;
};

// The owner of a large block: hands it back to the cache.
struct CachedBlock {
    std::size_t bytes;
    void operator()(const void* p) const noexcept { BlockCache::instance().give(const_cast<void*>(p), bytes); }
};

Owner allocate(std::int64_t nbytes, void*& data_out) {
    // At least one byte, so that an empty array still has a unique, valid data pointer.
    // The memory is not initialised: every caller overwrites it (empty_like + copy_into) or clears it once (zeros).
    const auto n = static_cast<std::size_t>(std::max<std::int64_t>(nbytes, 1));
    if (n >= kHugePageThreshold) {
        const std::size_t bytes = (n + kHugePage - 1) / kHugePage * kHugePage;
        void* data = BlockCache::instance().take(bytes);
        if (data == nullptr) data = map_block(bytes);
        data_out = data;
        return Owner(data, CachedBlock{bytes});  // if the count block cannot be made, the block goes to the cache
    }
    std::shared_ptr<Line[]> block =
        std::allocate_shared_for_overwrite<Line[]>(LineAllocator<Line>{}, (n + kAllocAlignment - 1) / kAllocAlignment);
    data_out = block.get();
    return Owner(std::move(block));
}

}  // namespace

Owner make_owner(void* context, void (*release)(void*) noexcept) {
    return Owner(context, ReleaseOnce{context, release});
}

int normalize_axis(std::int64_t axis, int ndim, std::string_view what) {
    if (axis < -ndim || axis >= ndim)
        fail(ErrorKind::index, what, ": axis ", axis, " is out of bounds for array of dimension ", ndim);
    return static_cast<int>(axis < 0 ? axis + ndim : axis);
}

Array::Array() {
    void* data = nullptr;
    owner_ = allocate(8, data);
    std::memset(data, 0, 8);
    data_ = static_cast<std::byte*>(data);
}

Array::Array(std::byte* data, DType dtype, Dims shape, Dims strides, Device device, bool readonly, Owner owner,
             std::int64_t size) noexcept
    : data_(data),
      shape_(std::move(shape)),
      strides_(std::move(strides)),
      dtype_(dtype),
      device_(device),
      readonly_(readonly),
      size_(size),
      owner_(std::move(owner)) {}

Array Array::empty(DType dtype, std::span<const std::int64_t> shape, MemoryOrder order) {
    const std::int64_t size = checked_size(shape, "the array");
    const std::int64_t nbytes = checked_mul(size, dtype.itemsize(), "the array");
    if (order != MemoryOrder::C && order != MemoryOrder::F) order = MemoryOrder::C;
    // NumPy gives an array without elements all-zero strides.
    Dims strides = size == 0 ? Dims(shape.size(), 0) : contiguous_strides(shape, dtype.itemsize(), order);
    void* data = nullptr;
    Owner owner = allocate(nbytes, data);
    return Array(static_cast<std::byte*>(data), dtype, Dims(shape.begin(), shape.end()), std::move(strides),
                 Device::cpu(), false, std::move(owner), size);
}

Array Array::zeros(DType dtype, std::span<const std::int64_t> shape, MemoryOrder order) {
    Array a = empty(dtype, shape, order);
    std::memset(a.data_, 0, static_cast<std::size_t>(a.nbytes()));
    return a;
}

Array Array::empty_like(const Array& like, DType dtype, MemoryOrder order) {
    const std::int64_t nbytes = checked_mul(like.size_, dtype.itemsize(), "the array");
    Dims strides;
    if (order != MemoryOrder::F && like.size_ != 0 && like.is_c_contiguous()) {
        // The common case, without the general rule's passes: K, A and C all keep a C-contiguous layout.
        strides = contiguous_strides(like.shape_, dtype.itemsize(), MemoryOrder::C);
    } else {
        // The layout is read from the source's strides with the source's item size (contiguity depends on
        // it), then scaled to the new item size: compact strides are the item size times extents.
        strides = allocation_strides(like.shape_, like.strides_, like.itemsize(), order);
        for (auto& s : strides) s = s / like.itemsize() * dtype.itemsize();
    }
    void* data = nullptr;
    Owner owner = allocate(nbytes, data);
    return Array(static_cast<std::byte*>(data), dtype, like.shape_, std::move(strides), Device::cpu(), false,
                 std::move(owner), like.size_);
}

void Array::adopt_check(std::span<const std::int64_t> shape, std::int64_t count) {
    const std::int64_t size = checked_size(shape, "Array::adopt shape");
    if (size != count)
        fail(ErrorKind::value, "Array::adopt: shape ", shape_string(shape), " holds ", size,
             " elements but the vector has ", count);
}

Array Array::wrap(void* data, DType dtype, std::span<const std::int64_t> shape, std::span<const std::int64_t> strides,
                  Device device, bool readonly, Owner owner) {
    const std::int64_t size = checked_size(shape, "the array");
    checked_mul(size, dtype.itemsize(), "the array");
    Dims st;
    if (strides.empty() && !shape.empty()) {
        st = contiguous_strides(shape, dtype.itemsize(), MemoryOrder::C);
    } else {
        if (strides.size() != shape.size())
            fail(ErrorKind::value, strides.size(), " strides given for ", shape.size(), " dimensions");
        st.assign(strides.begin(), strides.end());
    }
    // Throws when shape x stride arithmetic overflows, or the span from the lowest to the highest byte does.
    const ByteExtent extent = byte_extent(shape, st, dtype.itemsize());
    checked_add(extent.high, checked_mul(extent.low, -1, "the array"), "the array");
    if (data == nullptr && size != 0) fail(ErrorKind::value, "null data pointer for ", size, " elements");
    return Array(static_cast<std::byte*>(data), dtype, Dims(shape.begin(), shape.end()), std::move(st), device,
                 readonly, std::move(owner), size);
}

Array Array::view(std::byte* data, Dims shape, Dims strides) const {
    std::int64_t size = 1;
    for (std::int64_t e : shape) size *= e;  // a sub-view of a valid array cannot overflow
    return Array(data, dtype_, std::move(shape), std::move(strides), device_, readonly_, owner_, size);
}

bool Array::is_c_contiguous() const noexcept { return ndbridge::is_c_contiguous(shape_, strides_, itemsize()); }
bool Array::is_f_contiguous() const noexcept { return ndbridge::is_f_contiguous(shape_, strides_, itemsize()); }

Flags Array::flags() const noexcept {
    const auto align = static_cast<std::int64_t>(dtype_.alignment());
    bool aligned = reinterpret_cast<std::uintptr_t>(data_) % static_cast<std::uintptr_t>(align) == 0;
    for (std::size_t i = 0; i < shape_.size() && aligned; ++i)
        if (shape_[i] > 1 && strides_[i] % align != 0) aligned = false;
    return Flags{is_c_contiguous(), is_f_contiguous(), !readonly_, aligned};
}

std::byte* Array::element(std::span<const std::int64_t> index) const {
    if (index.size() != shape_.size())
        fail(ErrorKind::index, index.size(), " indices for an array of dimension ", ndim());
    std::int64_t offset = 0;
    for (std::size_t i = 0; i < index.size(); ++i) {
        if (index[i] < 0 || index[i] >= shape_[i])
            fail(ErrorKind::index, "index ", index[i], " is out of bounds for axis ", i, " with size ", shape_[i]);
        offset += index[i] * strides_[i];
    }
    return data_ + offset;
}

namespace {

// Python's slice.indices(): clamps start/stop to the extent, returns the number of selected items.
std::int64_t adjust_slice(const Slice& s, std::int64_t extent, std::int64_t& start, std::int64_t& step) {
    step = s.step.value_or(1);
    if (step == 0) fail(ErrorKind::value, "slice step cannot be zero");
    if (step < -INT64_MAX) step = -INT64_MAX;  // Python clamps the same way; -step must not overflow
    std::int64_t stop = 0;
    if (step > 0) {
        start = s.start.value_or(0);
        stop = s.stop.value_or(extent);
        auto clamp_pos = [extent](std::int64_t v) {
            return v < 0 ? std::max<std::int64_t>(v + extent, 0) : std::min(v, extent);
        };
        start = clamp_pos(start);
        stop = clamp_pos(stop);
        return stop > start ? (stop - start - 1) / step + 1 : 0;
    }
    start = s.start.value_or(extent - 1);
    stop = s.stop.has_value() ? *s.stop : -1 - extent;  // "before the first element"
    auto clamp_neg = [extent](std::int64_t v) {
        if (v < 0) return std::max<std::int64_t>(v + extent, -1);
        return std::min(v, extent - 1);
    };
    start = clamp_neg(start);
    stop = clamp_neg(stop);
    return start > stop ? (start - stop - 1) / (-step) + 1 : 0;
}

}  // namespace

Array Array::index(std::span<const Index> items) const {
    int consumed = 0;
    int ellipses = 0;
    for (const Index& item : items) {
        if (std::holds_alternative<EllipsisIndex>(item))
            ++ellipses;
        else if (!std::holds_alternative<NewAxis>(item))
            ++consumed;
    }
    if (ellipses > 1) fail(ErrorKind::index, "an index can only have a single ellipsis ('...')");
    if (consumed > ndim())
        fail(ErrorKind::index, "too many indices for array: array is ", ndim(), "-dimensional, but ", consumed,
             " were indexed");

    std::byte* data = data_;
    Dims shape, strides;
    std::size_t axis = 0;
    auto keep_axis = [&](std::size_t a) {
        shape.push_back(shape_[a]);
        strides.push_back(strides_[a]);
    };
    for (const Index& item : items) {
        if (const auto* i = std::get_if<std::int64_t>(&item)) {
            const std::int64_t extent = shape_[axis];
            const std::int64_t k = *i < 0 ? *i + extent : *i;
            if (k < 0 || k >= extent)
                fail(ErrorKind::index, "index ", *i, " is out of bounds for axis ", axis, " with size ", extent);
            data += k * strides_[axis];
            ++axis;
        } else if (const auto* s = std::get_if<Slice>(&item)) {
            std::int64_t start = 0, step = 1;
            const std::int64_t n = adjust_slice(*s, shape_[axis], start, step);
            if (n > 0)
                data += start * strides_[axis];
            else
                step = 1;  // NumPy: an empty slice keeps the axis's stride and points at the axis's start
            shape.push_back(n);
            std::int64_t stride = 0;
            if (__builtin_mul_overflow(strides_[axis], step, &stride)) {
                // With one item or none the stride never moves; only a real step must fit.
                if (n > 1) fail(ErrorKind::overflow, "slice: stride ", strides_[axis], " * step ", step, " overflows");
                stride = strides_[axis];
            }
            strides.push_back(stride);
            ++axis;
        } else if (std::holds_alternative<NewAxis>(item)) {
            shape.push_back(1);
            strides.push_back(0);
        } else {  // ellipsis: every axis not consumed by the other items
            const int rest = ndim() - consumed;
            for (int r = 0; r < rest; ++r) keep_axis(axis++);
        }
    }
    while (axis < shape_.size()) keep_axis(axis++);
    if (shape.size() > static_cast<std::size_t>(kMaxNdim))
        fail(ErrorKind::index, "index: the result would have ", shape.size(), " dimensions; the limit is ", kMaxNdim);
    return view(data, std::move(shape), std::move(strides));
}

Array Array::transpose() const {
    return view(data_, Dims(shape_.rbegin(), shape_.rend()), Dims(strides_.rbegin(), strides_.rend()));
}

Array Array::permute(std::span<const std::int64_t> axes) const {
    if (axes.size() != shape_.size())
        fail(ErrorKind::value, "transpose: axes ", shape_string(axes), " don't match array of dimension ", ndim());
    std::vector<bool> seen(shape_.size(), false);
    Dims shape(shape_.size()), strides(shape_.size());
    for (std::size_t i = 0; i < axes.size(); ++i) {
        const auto a = static_cast<std::size_t>(normalize_axis(axes[i], ndim(), "transpose"));
        if (seen[a]) fail(ErrorKind::value, "transpose: repeated axis ", axes[i], " in ", shape_string(axes));
        seen[a] = true;
        shape[i] = shape_[a];
        strides[i] = strides_[a];
    }
    return view(data_, std::move(shape), std::move(strides));
}

Array Array::reshape(std::span<const std::int64_t> new_shape, MemoryOrder order) const {
    if (order != MemoryOrder::C && order != MemoryOrder::F)
        fail(ErrorKind::value, "reshape: order must be 'C' or 'F' for a view, got '", static_cast<char>(order), "'");
    // NumPy: asking for the shape the array has is a plain view, strides untouched.
    if (std::equal(new_shape.begin(), new_shape.end(), shape_.begin(), shape_.end()))
        return view(data_, shape_, strides_);
    Dims shape = resolve_shape(new_shape, size_);
    Dims strides;
    if (!reshape_strides(shape_, strides_, itemsize(), shape, order, strides))
        fail(ErrorKind::value, "reshape: the strides ", shape_string(strides_), " of shape ", shape_string(shape_),
             " do not allow a view of shape ", shape_string(shape), " in ", static_cast<char>(order),
             " order; a copy is needed");
    return view(data_, std::move(shape), std::move(strides));
}

Array Array::squeeze(std::optional<std::int64_t> axis) const {
    Dims shape, strides;
    const int only = axis ? normalize_axis(*axis, ndim(), "squeeze") : -1;
    if (only >= 0 && shape_[static_cast<std::size_t>(only)] != 1)
        fail(ErrorKind::value, "squeeze: cannot select an axis to squeeze out which has size not equal to one (axis ",
             *axis, " has size ", shape_[static_cast<std::size_t>(only)], ")");
    for (std::size_t i = 0; i < shape_.size(); ++i) {
        const bool drop = only >= 0 ? static_cast<int>(i) == only : shape_[i] == 1;
        if (!drop) {
            shape.push_back(shape_[i]);
            strides.push_back(strides_[i]);
        }
    }
    return view(data_, std::move(shape), std::move(strides));
}

Array Array::expand_dims(std::int64_t axis) const {
    if (ndim() >= kMaxNdim) fail(ErrorKind::value, "expand_dims: the result would exceed ", kMaxNdim, " dimensions");
    const auto a = static_cast<std::size_t>(normalize_axis(axis, ndim() + 1, "expand_dims"));
    Dims shape = shape_, strides = strides_;
    shape.insert(shape.begin() + static_cast<std::ptrdiff_t>(a), 1);
    strides.insert(strides.begin() + static_cast<std::ptrdiff_t>(a), 0);
    return view(data_, std::move(shape), std::move(strides));
}

Array Array::as_readonly() const {
    Array a = *this;
    a.readonly_ = true;
    return a;
}

Array Array::with_dtype(DType dtype) const {
    if (dtype.itemsize() != dtype_.itemsize())
        fail(ErrorKind::value, "a view as ", describe(dtype), " has itemsize ", dtype.itemsize(), ", not ", itemsize());
    Array a = *this;
    a.dtype_ = dtype;
    return a;
}

}  // namespace ndbridge
