// libFuzzer harness for Array::wrap's validation of foreign layouts: it accepts exactly the shapes and
// strides whose size and byte extent fit in int64 (checked against 128-bit arithmetic here), reports
// the extent it validated, and an accepted layout that lies inside the buffer reads only that buffer.
#include <cstddef>
#include <cstdint>

#include "fuzz_input.h"
#include "ndbridge/copy.h"
#include "ndbridge/scalar.h"

using namespace ndbridge;
using namespace ndbridge::fuzz;

namespace {

constexpr Int128 kMax = INT64_MAX;

std::int64_t small_or_wild(Input& in, std::int64_t low, std::int64_t high) {
    return in.flag() ? in.in_range(low, high) : in.take<std::int64_t>();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    Input in(data, size);
    const DType dtype = pick_dtype(in);
    const auto itemsize = dtype.itemsize();
    const int ndim = in.flag() ? static_cast<int>(in.below(5)) : static_cast<int>(in.below(70));
    Dims shape(static_cast<std::size_t>(ndim)), strides;
    for (auto& e : shape) e = small_or_wild(in, -1, 5);
    bool given_strides = in.flag();
    if (given_strides) {
        strides.resize(shape.size());
        for (auto& s : strides) s = small_or_wild(in, -3 * itemsize, 3 * itemsize);
        if (in.below(16) == 0 && !strides.empty()) strides.pop_back();  // a count mismatch when ndim > 1
        given_strides = !strides.empty();                               // an empty span means C-contiguous (array.h)
    }
    std::vector<std::byte> buffer = filled_buffer(in, in.below(512));
    if (dtype.type() == ScalarType::bool_) keep_bools_valid(buffer);
    const auto base = static_cast<std::int64_t>(in.below(static_cast<std::uint32_t>(buffer.size()) + 1));
    const bool null_data = in.below(8) == 0;
    std::byte* ptr = null_data ? nullptr : buffer.data() + base;

    // The reference, in 128-bit arithmetic without shortcuts: a layout it accepts must be accepted.
    bool strictly_valid = ndim <= kMaxNdim && (!given_strides || strides.size() == shape.size());
    Int128 product = 1, strict_product = 1;
    for (std::int64_t e : shape) {
        strictly_valid = strictly_valid && e >= 0;
        if (e > 0 && strict_product <= kMax) strict_product *= e;
        if (e == 0) product = 0;
        if (e > 0 && product > 0 && product <= kMax) product *= e;
    }
    std::vector<Int128> effective(shape.size());
    Int128 running = itemsize;  // C-order strides for a wrap without strides, saturated past int64
    for (std::size_t i = shape.size(); i-- > 0;) {
        effective[i] = given_strides && i < strides.size() ? strides[i] : running;
        if (running <= kMax && shape[i] > 0) running *= shape[i];
    }
    strictly_valid = strictly_valid && strict_product <= kMax && strict_product * itemsize <= kMax;
    Int128 strict_low = 0, strict_high = itemsize;
    if (strictly_valid)
        for (std::size_t i = 0; i < shape.size() && strictly_valid; ++i) {
            if (effective[i] > kMax || effective[i] < -kMax) {
                strictly_valid = false;
                break;
            }
            const Int128 span = static_cast<Int128>(shape[i] - 1) * effective[i];
            (span < 0 ? strict_low : strict_high) += span;
            strictly_valid = strictly_valid && span >= -kMax && span <= kMax;
        }
    strictly_valid = strictly_valid && strict_low >= -kMax && strict_high <= kMax && strict_high - strict_low <= kMax;
    strictly_valid = strictly_valid && (ptr != nullptr || product == 0);

    Array a;
    try {
        using Span = std::span<const std::int64_t>;
        const Span given = given_strides ? Span(strides) : Span();
        a = Array::wrap(ptr, dtype, shape, given, Device::cpu(), false, nullptr);
    } catch (const Error&) {
        NDB_FUZZ_CHECK(!strictly_valid);
        return 0;
    }
    // Accepted: what it holds is what was given, and its numbers fit.
    NDB_FUZZ_CHECK(ndim <= kMaxNdim);
    NDB_FUZZ_CHECK(a.shape() == shape);
    for (std::int64_t e : shape) NDB_FUZZ_CHECK(e >= 0);
    NDB_FUZZ_CHECK(static_cast<Int128>(a.size()) == product);
    NDB_FUZZ_CHECK(static_cast<Int128>(a.nbytes()) == product * itemsize);
    if (given_strides) NDB_FUZZ_CHECK(a.strides() == strides);
    const WideExtent wide = wide_extent(a.shape(), a.strides(), itemsize);
    NDB_FUZZ_CHECK(wide.low >= -kMax && wide.high <= kMax && wide.high - wide.low <= kMax);
    const ByteExtent extent = byte_extent(a.shape(), a.strides(), itemsize);
    NDB_FUZZ_CHECK(extent.low == wide.low && extent.high == wide.high);
    (void)a.flags();

    // Inside the buffer: every element reads only the buffer, and a copy reads the same values.
    if (a.size() == 0 || null_data || base + wide.low < 0 || base + wide.high > static_cast<Int128>(buffer.size()) ||
        a.size() > 4096)
        return 0;
    for_each_index(a.shape(), [&](const Dims& index) {
        NDB_FUZZ_CHECK(a.element(index) == ptr + offset_of(index, a.strides()));
        (void)load_scalar(dtype, a.element(index));
    });
    const Array c = copy(a);
    for_each_index(a.shape(), [&](const Dims& index) {
        NDB_FUZZ_CHECK(std::memcmp(c.element(index), a.element(index), static_cast<std::size_t>(itemsize)) == 0 ||
                       dtype.is_floating() || dtype.is_complex() || dtype.type() == ScalarType::bool_);
    });
    return 0;
}
