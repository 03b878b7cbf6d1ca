// Default dtypes of scalars and sequences (infer.h): DESIGN §4's table, and Python scalars beside
// typed elements promoting as np.array promotes them (torch.tensor's table for torch results).
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "ndbridge/infer.h"
#include "test_data.h"

namespace ndbridge {
namespace {

struct InferCase {
    std::string name;
    std::function<void(DTypeInference&)> add;
    DType expected;
    DType default_float = ScalarType::float64;
    Promotion rule = Promotion::numpy;
};

class DTypeInferenceTable : public ::testing::TestWithParam<InferCase> {};

TEST_P(DTypeInferenceTable, GivesTheDocumentedDtype) {
    DTypeInference inf;
    GetParam().add(inf);
    EXPECT_EQ(inf.result(GetParam().default_float, GetParam().rule), GetParam().expected)
        << "got " << describe(inf.result(GetParam().default_float, GetParam().rule));
}

constexpr std::uint64_t kTwo63 = std::uint64_t{1} << 63;

const std::vector<InferCase> kCases = {
    {"empty_is_float64", [](DTypeInference&) {}, ScalarType::float64},
    {"bools",
     [](DTypeInference& i) {
         i.add_bool();
         i.add_bool();
     },
     ScalarType::bool_},
    {"ints",
     [](DTypeInference& i) {
         i.add_int(1);
         i.add_int(-5);
     },
     ScalarType::int64},
    {"bool_and_int",
     [](DTypeInference& i) {
         i.add_bool();
         i.add_int(2);
     },
     ScalarType::int64},
    {"big_uint",
     [](DTypeInference& i) {
         i.add_int(1);
         i.add_big_uint(kTwo63);
     },
     ScalarType::uint64},
    {"int_and_float",
     [](DTypeInference& i) {
         i.add_int(1);
         i.add_float();
     },
     ScalarType::float64},
    {"float_follows_default", [](DTypeInference& i) { i.add_float(); }, ScalarType::float32, ScalarType::float32},
    {"complex",
     [](DTypeInference& i) {
         i.add_float();
         i.add_complex();
     },
     ScalarType::complex128},
    {"complex_follows_default_float", [](DTypeInference& i) { i.add_complex(); }, ScalarType::complex64,
     ScalarType::float32},
    {"typed_float32_with_python_int",
     [](DTypeInference& i) {
         i.add_typed(ScalarType::float32);
         i.add_int(2);
     },
     ScalarType::float64, ScalarType::float64, Promotion::numpy},
    {"typed_float32_with_python_float",
     [](DTypeInference& i) {
         i.add_typed(ScalarType::float32);
         i.add_float();
     },
     ScalarType::float64, ScalarType::float64, Promotion::numpy},
    {"typed_float32_with_python_complex",
     [](DTypeInference& i) {
         i.add_typed(ScalarType::float32);
         i.add_complex();
     },
     ScalarType::complex128, ScalarType::float64, Promotion::numpy},
    {"typed_int8_with_python_float",
     [](DTypeInference& i) {
         i.add_typed(ScalarType::int8);
         i.add_float();
     },
     ScalarType::float64, ScalarType::float64, Promotion::numpy},
    {"typed_int8_with_python_int",
     [](DTypeInference& i) {
         i.add_typed(ScalarType::int8);
         i.add_int(3);
     },
     ScalarType::int64, ScalarType::float64, Promotion::numpy},
    {"typed_int8_with_python_bool",
     [](DTypeInference& i) {
         i.add_typed(ScalarType::int8);
         i.add_bool();
     },
     ScalarType::int8, ScalarType::float64, Promotion::numpy},
    {"typed_bool_with_python_int",
     [](DTypeInference& i) {
         i.add_typed(ScalarType::bool_);
         i.add_int(3);
     },
     ScalarType::int64, ScalarType::float64, Promotion::numpy},
    {"typed_uint64_with_python_int",
     [](DTypeInference& i) {
         i.add_typed(ScalarType::uint64);
         i.add_int(3);
     },
     ScalarType::float64, ScalarType::float64, Promotion::numpy},
    {"typed_uint8_with_python_big_int",
     [](DTypeInference& i) {
         i.add_typed(ScalarType::uint8);
         i.add_big_uint(kTwo63);
     },
     ScalarType::uint64, ScalarType::float64, Promotion::numpy},
    {"typed_int8_with_both_signs_is_float64",
     [](DTypeInference& i) {
         i.add_typed(ScalarType::int8);
         i.add_int(-1);
         i.add_big_uint(kTwo63);
     },
     ScalarType::float64, ScalarType::float64, Promotion::numpy},
    {"torch_typed_float32_with_python_int",
     [](DTypeInference& i) {
         i.add_typed(ScalarType::float32);
         i.add_int(2);
     },
     ScalarType::float32, ScalarType::float32, Promotion::torch},
    {"torch_typed_float16_with_python_float",
     [](DTypeInference& i) {
         i.add_typed(ScalarType::float16);
         i.add_float();
     },
     ScalarType::float32, ScalarType::float32, Promotion::torch},
    {"torch_typed_float32_with_python_float_default_float64",
     [](DTypeInference& i) {
         i.add_typed(ScalarType::float32);
         i.add_float();
     },
     ScalarType::float64, ScalarType::float64, Promotion::torch},
    {"torch_typed_int8_with_python_float",
     [](DTypeInference& i) {
         i.add_typed(ScalarType::int8);
         i.add_float();
     },
     ScalarType::float32, ScalarType::float32, Promotion::torch},
    {"torch_typed_int8_with_python_int",
     [](DTypeInference& i) {
         i.add_typed(ScalarType::int8);
         i.add_int(2);
     },
     ScalarType::int64, ScalarType::float32, Promotion::torch},
    {"torch_typed_complex64_with_python_float",
     [](DTypeInference& i) {
         i.add_typed(ScalarType::complex64);
         i.add_float();
     },
     ScalarType::complex64, ScalarType::float32, Promotion::torch},
    {"torch_typed_int64_with_python_complex",
     [](DTypeInference& i) {
         i.add_typed(ScalarType::int64);
         i.add_complex();
     },
     ScalarType::complex64, ScalarType::float32, Promotion::torch},
    {"typed_types_promote",
     [](DTypeInference& i) {
         i.add_typed(ScalarType::int16);
         i.add_typed(ScalarType::uint16);
     },
     ScalarType::int32},
    {"typed_non_native_becomes_native",
     [](DTypeInference& i) { i.add_typed(DType(ScalarType::float64).with_native_order(false)); }, ScalarType::float64},
    {"unicode_takes_longest",
     [](DTypeInference& i) {
         i.add_string(true, 2);
         i.add_string(true, 5);
     },
     DType::unicode(5)},
    {"negatives_and_big_ints_beside_a_float_are_float64",
     [](DTypeInference& i) {
         i.add_int(-1);
         i.add_big_uint(kTwo63);
         i.add_float();
     },
     ScalarType::float64},
    {"empty_string_is_length_one", [](DTypeInference& i) { i.add_string(false, 0); }, DType::bytes(1)},
};

INSTANTIATE_TEST_SUITE_P(Cases, DTypeInferenceTable, ::testing::ValuesIn(kCases),
                         [](const auto& param_info) { return param_info.param.name; });

TEST(DTypeInference, NegativesWithValuesAbove2To63AreAnOverflowNamingBoth) {
    DTypeInference inf;
    inf.add_int(-1);
    inf.add_big_uint(kTwo63 + 5);
    try {
        (void)inf.result();
        FAIL() << "expected Error(overflow)";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::overflow);
        EXPECT_NE(std::string(e.what()).find("-1"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("9223372036854775813"), std::string::npos) << e.what();
    }
}

TEST(DTypeInference, StringsMixedWithNumbersAreATypeError) {
    DTypeInference inf;
    inf.add_int(1);
    inf.add_string(true, 3);
    EXPECT_NDB_ERROR(inf.result(), ErrorKind::type);
}

TEST(DTypeInference, BytesMixedWithStrAreATypeError) {
    DTypeInference inf;
    inf.add_string(false, 7);
    inf.add_string(true, 1);
    EXPECT_NDB_ERROR(inf.result(), ErrorKind::type);
}

TEST(DTypeInference, EmptyOnlyBeforeAnything) {
    DTypeInference inf;
    EXPECT_TRUE(inf.empty());
    inf.add_bool();
    EXPECT_FALSE(inf.empty());
}

}  // namespace
}  // namespace ndbridge
