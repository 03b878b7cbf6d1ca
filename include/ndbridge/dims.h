// ndbridge/dims.h — Dims, the type of a shape or a stride list: a vector of int64 that keeps up to
// Dims::kInline entries inside itself. Almost every array has few axes, so making, copying and moving
// the shapes and strides of a conversion allocates nothing; more axes (up to kMaxNdim) go to the heap.
#pragma once

#include <algorithm>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <initializer_list>
#include <iterator>
#include <new>
#include <span>

namespace ndbridge {

class Dims {
public:
    using value_type = std::int64_t;
    using size_type = std::size_t;
    using difference_type = std::ptrdiff_t;
    using reference = std::int64_t&;
    using const_reference = const std::int64_t&;
    using pointer = std::int64_t*;
    using const_pointer = const std::int64_t*;
    using iterator = std::int64_t*;
    using const_iterator = const std::int64_t*;
    using reverse_iterator = std::reverse_iterator<iterator>;
    using const_reverse_iterator = std::reverse_iterator<const_iterator>;

    /// Entries held without a heap allocation: 8 covers every array seen in practice (and 64 bytes is
    /// one cache line).
    static constexpr size_type kInline = 8;

    Dims() noexcept = default;
    explicit Dims(size_type n, std::int64_t value = 0) { assign(n, value); }
    Dims(std::initializer_list<std::int64_t> values) { assign(values.begin(), values.end()); }
    template <std::input_iterator It>
    Dims(It first, It last) {
        assign(first, last);
    }
    /// From any span of int64 (a shape given as a span, a std::vector, a std::array).
    explicit Dims(std::span<const std::int64_t> values) { assign(values.begin(), values.end()); }

    Dims(const Dims& other) { assign(other.begin(), other.end()); }
    Dims(Dims&& other) noexcept { take(other); }
    Dims& operator=(const Dims& other) {
        if (this != &other) assign(other.begin(), other.end());
        return *this;
    }
    Dims& operator=(Dims&& other) noexcept {
        if (this != &other) {
            release();
            take(other);
        }
        return *this;
    }
    Dims& operator=(std::initializer_list<std::int64_t> values) {
        assign(values.begin(), values.end());
        return *this;
    }
    ~Dims() { release(); }

    pointer data() noexcept { return data_; }
    const_pointer data() const noexcept { return data_; }
    size_type size() const noexcept { return size_; }
    bool empty() const noexcept { return size_ == 0; }
    size_type capacity() const noexcept { return capacity_; }
    /// True while the entries live inside the object (no heap block).
    bool is_inline() const noexcept { return data_ == inline_; }

    reference operator[](size_type k) noexcept { return data_[k]; }
    const_reference operator[](size_type k) const noexcept { return data_[k]; }
    reference front() noexcept { return data_[0]; }
    const_reference front() const noexcept { return data_[0]; }
    reference back() noexcept { return data_[size_ - 1]; }
    const_reference back() const noexcept { return data_[size_ - 1]; }

    iterator begin() noexcept { return data_; }
    const_iterator begin() const noexcept { return data_; }
    const_iterator cbegin() const noexcept { return data_; }
    iterator end() noexcept { return data_ + size_; }
    const_iterator end() const noexcept { return data_ + size_; }
    const_iterator cend() const noexcept { return data_ + size_; }
    reverse_iterator rbegin() noexcept { return reverse_iterator(end()); }
    const_reverse_iterator rbegin() const noexcept { return const_reverse_iterator(end()); }
    reverse_iterator rend() noexcept { return reverse_iterator(begin()); }
    const_reverse_iterator rend() const noexcept { return const_reverse_iterator(begin()); }

    void reserve(size_type n) {
        if (n > capacity_) grow(n);
    }
    void clear() noexcept { size_ = 0; }
    void push_back(std::int64_t value) {
        if (size_ == capacity_) grow(capacity_ * 2);
        data_[size_++] = value;
    }
    std::int64_t& emplace_back(std::int64_t value) {
        push_back(value);
        return back();
    }
    void pop_back() noexcept { --size_; }
    void resize(size_type n, std::int64_t value = 0) {
        reserve(n);
        if (n > size_) std::fill(data_ + size_, data_ + n, value);
        size_ = n;
    }
    void assign(size_type n, std::int64_t value) {
        clear();
        resize(n, value);
    }
    template <std::input_iterator It>
    void assign(It first, It last) {
        clear();
        if constexpr (std::forward_iterator<It>) reserve(static_cast<size_type>(std::distance(first, last)));
        for (; first != last; ++first) push_back(static_cast<std::int64_t>(*first));
    }
    iterator insert(const_iterator pos, std::int64_t value) {
        const auto at = static_cast<size_type>(pos - data_);
        if (size_ == capacity_) grow(capacity_ * 2);
        std::copy_backward(data_ + at, data_ + size_, data_ + size_ + 1);
        data_[at] = value;
        ++size_;
        return data_ + at;
    }
    iterator erase(const_iterator pos) noexcept {
        const auto at = static_cast<size_type>(pos - data_);
        std::copy(data_ + at + 1, data_ + size_, data_ + at);
        --size_;
        return data_ + at;
    }

    friend bool operator==(const Dims& a, const Dims& b) noexcept {
        return std::equal(a.begin(), a.end(), b.begin(), b.end());
    }
    friend std::strong_ordering operator<=>(const Dims& a, const Dims& b) noexcept {
        return std::lexicographical_compare_three_way(a.begin(), a.end(), b.begin(), b.end());
    }

private:
    void grow(size_type wanted) {
        const size_type n = std::max(wanted, kInline * 2);
        auto* block = static_cast<std::int64_t*>(std::malloc(n * sizeof(std::int64_t)));
        if (block == nullptr) throw std::bad_alloc();
        std::copy(data_, data_ + size_, block);
        release();
        data_ = block;
        capacity_ = n;
    }
    void release() noexcept {
        if (data_ != inline_) std::free(data_);
        data_ = inline_;
        capacity_ = kInline;
    }
    // Leaves `other` empty and inline: a heap block changes hands, inline entries are copied.
    void take(Dims& other) noexcept {
        if (other.is_inline()) {
            std::copy(other.data_, other.data_ + other.size_, inline_);
        } else {
            data_ = other.data_;
            capacity_ = other.capacity_;
            other.data_ = other.inline_;
            other.capacity_ = kInline;
        }
        size_ = other.size_;
        other.size_ = 0;
    }

    std::int64_t* data_ = inline_;
    size_type size_ = 0;
    size_type capacity_ = kInline;
    std::int64_t inline_[kInline];
};

}  // namespace ndbridge
