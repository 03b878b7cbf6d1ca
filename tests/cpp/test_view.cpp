// Tests of typed views (view.h): strided and c_contig accessors agree with the Array's own element
// addressing on transposed, sliced and negative-stride views; every refusal names both sides.
#include <gtest/gtest.h>

#include <numeric>
#include <string>
#include <vector>

#include "ndbridge/containers.h"
#include "ndbridge/view.h"

namespace ndbridge::test {
namespace {

Array iota_2d(std::int64_t rows, std::int64_t cols) {
    std::vector<float> v(static_cast<std::size_t>(rows * cols));
    std::iota(v.begin(), v.end(), 0.0f);
    return Array::adopt(std::move(v), Dims{rows, cols});
}

void expect_error(auto&& f, ErrorKind kind, const std::vector<std::string>& parts) {
    try {
        f();
        ADD_FAILURE() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), kind) << e.what();
        for (const auto& p : parts) EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << e.what();
    }
}

TEST(View, strided_accessor_matches_element_addressing_on_awkward_views) {
    const Array a = iota_2d(4, 6);
    const Index reversed[] = {Slice{std::nullopt, std::nullopt, -1}, Slice{1, std::nullopt, 2}};
    for (const Array& b : {a, a.transpose(), a.index(reversed)}) {
        const auto v = view<const float, 2>(b);
        for (std::int64_t i = 0; i < b.shape()[0]; ++i)
            for (std::int64_t j = 0; j < b.shape()[1]; ++j) {
                const std::int64_t at[] = {i, j};
                EXPECT_EQ(&v(i, j), reinterpret_cast<const float*>(b.element(at)));
            }
        EXPECT_EQ(v.extent(0), b.shape()[0]);
        EXPECT_EQ(v.stride(1), b.strides()[1] / 4);
    }
}

TEST(View, c_contig_accessor_writes_through_to_the_array) {
    Array a = iota_2d(3, 5);
    const auto v = view<float, 2, c_contig>(a);
    for (std::int64_t i = 0; i < v.extent(0); ++i)
        for (std::int64_t j = 0; j < v.extent(1); ++j) v(i, j) *= 2;
    const std::int64_t at[] = {2, 4};
    EXPECT_EQ(*reinterpret_cast<const float*>(a.element(at)), 28.0f);
    EXPECT_EQ(v.stride(0), 5);
    EXPECT_EQ(v.size(), 15);
    EXPECT_EQ((view<const float, 0>(a.index(std::vector<Index>{std::int64_t{1}, std::int64_t{1}}))()), 12.0f);
}

TEST(View, mismatches_name_both_sides) {
    const Array a = iota_2d(2, 3);
    expect_error([&] { (void)view<double, 2>(a); }, ErrorKind::type, {"float32", "float64"});
    expect_error([&] { (void)view<float, 3>(a); }, ErrorKind::value, {"rank 2", "(2, 3)", "wants rank 3"});
    expect_error([&] { (void)view<float, 2, c_contig>(a.transpose()); }, ErrorKind::value,
                 {"not C-contiguous", "(3, 2)", "(4, 12)"});
    expect_error([&] { (void)view<float, 2>(a.as_readonly()); }, ErrorKind::value,
                 {"read-only", "view<const float32, 2>"});
    EXPECT_NO_THROW(((void)view<const float, 2>(a.as_readonly())));
    const std::int64_t shape[] = {4};
    const Array device = Array::wrap(reinterpret_cast<void*>(std::uintptr_t{4096}), ScalarType::float32, shape, {},
                                     Device{kDLCUDA, 1}, false, nullptr);
    expect_error([&] { (void)view<float, 1>(device); }, ErrorKind::type, {"cuda:1"});
    const Array swapped = a.with_dtype(DType(ScalarType::float32).with_native_order(false));
    expect_error([&] { (void)view<float, 2>(swapped); }, ErrorKind::type, {">f4", "float32"});
}

TEST(View, misaligned_data_is_refused) {
    std::vector<std::uint8_t> bytes(64);
    const std::int64_t shape[] = {3};
    const Array a = Array::wrap(bytes.data() + 1, ScalarType::int32, shape, {}, Device::cpu(), false, nullptr);
    expect_error([&] { (void)view<const std::int32_t, 1>(a); }, ErrorKind::value, {"aligned"});
}

}  // namespace
}  // namespace ndbridge::test
