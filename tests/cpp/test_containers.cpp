// Tests of containers in (containers.h) and Array::adopt: every element type, nesting depths 1 to 4,
// std::array and std::span, empty levels, ragged inputs naming the index path and both lengths.
#include <gtest/gtest.h>

#include <complex>
#include <cstring>
#include <string>
#include <vector>

#include "ndbridge/containers.h"
#include "ndbridge/view.h"

namespace ndbridge::test {
namespace {

template <class T>
class ContainersTyped : public ::testing::Test {};
using ElementTypes =
    ::testing::Types<bool, std::int8_t, std::uint8_t, std::int16_t, std::uint16_t, std::int32_t, std::uint32_t,
                     std::int64_t, std::uint64_t, long long, char, float, double, long double, std::complex<float>,
                     std::complex<double>, std::complex<long double>>;
TYPED_TEST_SUITE(ContainersTyped, ElementTypes);

template <class T>
T value(int i) {
    if constexpr (std::is_same_v<T, bool>)
        return i % 3 == 0;
    else if constexpr (detail::is_complex<T>::value)
        return T(static_cast<typename T::value_type>(i), -1);
    else
        return static_cast<T>(i % 100);
}

TYPED_TEST(ContainersTyped, nested_vector_of_depth_two_keeps_every_value_in_c_order) {
    using T = TypeParam;
    std::vector<std::vector<T>> rows(3, std::vector<T>(4));
    for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 4; ++j)
            rows[static_cast<std::size_t>(i)][static_cast<std::size_t>(j)] = value<T>(i * 4 + j);
    const Array a = asarray(rows);
    EXPECT_EQ(a.dtype(), DType(dtype_of<T>()));
    EXPECT_EQ(a.shape(), (Dims{3, 4}));
    EXPECT_TRUE(a.is_c_contiguous());
    const auto v = view<const T, 2>(a);
    for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 4; ++j) EXPECT_EQ(v(i, j), value<T>(i * 4 + j));
}

TYPED_TEST(ContainersTyped, flat_vector_array_and_span_with_a_shape) {
    using T = TypeParam;
    std::vector<T> flat(6);
    std::array<T, 6> arr{};
    for (int i = 0; i < 6; ++i) flat[static_cast<std::size_t>(i)] = arr[static_cast<std::size_t>(i)] = value<T>(i);
    const Dims shape{2, 3};
    for (const Array& a : {asarray(flat, shape), asarray(arr, shape), asarray(arr)}) {
        const Array b = a.reshape(shape);
        const auto v = view<const T, 2>(b);
        EXPECT_EQ(v(1, 2), value<T>(5));
        EXPECT_EQ(v(0, 1), value<T>(1));
    }
    if constexpr (!std::is_same_v<T, bool>) {
        const Array s = asarray(std::span<const T>(flat), shape);
        EXPECT_EQ(s.shape(), shape);
        EXPECT_EQ(0, std::memcmp(s.data(), flat.data(), sizeof(T) * 6));
        EXPECT_NE(static_cast<const void*>(s.data()), static_cast<const void*>(flat.data()));  // a copy
    }
}

TEST(Containers, depth_four_and_vectors_of_arrays) {
    std::vector<std::vector<std::vector<std::vector<int>>>> deep(
        2, std::vector<std::vector<std::vector<int>>>(3, std::vector<std::vector<int>>(4, {1, 2, 3, 4, 5})));
    deep[1][2][3][4] = 42;
    const Array a = asarray(deep);
    EXPECT_EQ(a.shape(), (Dims{2, 3, 4, 5}));
    EXPECT_EQ((view<const int, 4>(a)(1, 2, 3, 4)), 42);
    EXPECT_EQ((view<const int, 4>(a)(0, 0, 0, 4)), 5);
    const std::vector<std::array<double, 3>> points{{1, 2, 3}, {4, 5, 6}};
    const Array p = asarray(points);
    EXPECT_EQ(p.shape(), (Dims{2, 3}));
    EXPECT_EQ((view<const double, 2>(p)(1, 0)), 4.0);
}

TEST(Containers, empty_levels_keep_the_static_rank) {
    EXPECT_EQ(asarray(std::vector<std::vector<float>>{}).shape(), (Dims{0, 0}));
    EXPECT_EQ(asarray(std::vector<std::vector<float>>(3)).shape(), (Dims{3, 0}));
    EXPECT_EQ(asarray(std::vector<float>{}).shape(), (Dims{0}));
}

TEST(Containers, ragged_input_names_the_index_path_and_both_lengths) {
    std::vector<std::vector<std::vector<float>>> r(2, std::vector<std::vector<float>>(3, std::vector<float>(4)));
    r[1][2].resize(7);
    try {
        (void)asarray(r);
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::value);
        const std::string msg = e.what();
        EXPECT_NE(msg.find("[1][2] has length 7"), std::string::npos) << msg;
        EXPECT_NE(msg.find("[0][0] has length 4"), std::string::npos) << msg;
    }
    std::vector<std::vector<int>> top{{1, 2}, {3}};
    try {
        (void)asarray(top);
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("element [1] has length 1 but [0] has length 2"), std::string::npos)
            << e.what();
    }
}

TEST(Containers, shape_that_does_not_match_the_data_is_an_error_naming_both) {
    const std::vector<float> v(6);
    try {
        (void)asarray(v, Dims{4, 2});
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::value);
        EXPECT_NE(std::string(e.what()).find("(4, 2) holds 8 elements but the data has 6"), std::string::npos)
            << e.what();
    }
}

TEST(Adopt, moves_the_vector_without_copying_and_keeps_it_alive_through_views) {
    std::vector<double> v{1, 2, 3, 4, 5, 6};
    const double* original = v.data();
    Array t;
    {
        Array a = Array::adopt(std::move(v), Dims{2, 3});
        EXPECT_EQ(static_cast<const void*>(a.data()), static_cast<const void*>(original));
        EXPECT_EQ(a.shape(), (Dims{2, 3}));
        EXPECT_FALSE(a.readonly());
        t = a.transpose();
    }
    EXPECT_EQ((view<const double, 2>(t)(2, 1)), 6.0);  // the view alone keeps the vector alive
    const Array flat = Array::adopt(std::vector<std::complex<float>>{{1, 2}, {3, 4}});
    EXPECT_EQ(flat.shape(), (Dims{2}));
    EXPECT_EQ(flat.dtype(), DType(ScalarType::complex64));
}

TEST(Adopt, wrong_shape_leaves_the_vector_untouched) {
    std::vector<int> v{1, 2, 3};
    try {
        (void)Array::adopt(std::move(v), Dims{2, 2});
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("(2, 2) holds 4 elements but the vector has 3"), std::string::npos)
            << e.what();
    }
    EXPECT_EQ(v.size(), 3u);  // NOLINT(bugprone-use-after-move): the contract says untouched
}

}  // namespace
}  // namespace ndbridge::test
