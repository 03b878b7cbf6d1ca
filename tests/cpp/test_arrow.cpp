// The Arrow C Data Interface import: format strings, validation of hostile schemas and arrays before
// anything is read, exactly-once release on every path (counted), and columns described as ColumnSources.
#include <gtest/gtest.h>

#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "ndbridge/arrow.h"
#include "ndbridge/error.h"

namespace ndbridge {
namespace {

// A producer this test controls: schemas and arrays whose release callbacks count their calls.
int schema_releases = 0;
int array_releases = 0;
int stream_releases = 0;

struct Node {
    std::string format;
    std::string name;
    std::vector<std::unique_ptr<Node>> children;
    std::vector<ArrowSchema*> child_ptrs;
};

void release_test_schema(ArrowSchema* s) {
    ++schema_releases;
    for (std::int64_t i = 0; i < s->n_children; ++i)
        if (s->children[i]->release != nullptr) s->children[i]->release(s->children[i]);
    s->release = nullptr;
}

void release_test_array(ArrowArray* a) {
    ++array_releases;
    // Hostile arrays in these tests claim children they do not have.
    for (std::int64_t i = 0; a->children != nullptr && i < a->n_children; ++i)
        if (a->children[i]->release != nullptr) a->children[i]->release(a->children[i]);
    if (a->dictionary != nullptr && a->dictionary->release != nullptr) a->dictionary->release(a->dictionary);
    a->release = nullptr;
}

ArrowSchema schema_of(const char* format, const char* name = "x") {
    ArrowSchema s{};
    s.format = format;
    s.name = name;
    s.release = release_test_schema;
    return s;
}

// A primitive array over `buffers` (validity, values).
ArrowArray array_of(std::int64_t length, const void** buffers, std::int64_t n_buffers = 2) {
    ArrowArray a{};
    a.length = length;
    a.n_buffers = n_buffers;
    a.buffers = buffers;
    a.release = release_test_array;
    return a;
}

class ArrowImport : public ::testing::Test {
protected:
    void SetUp() override { schema_releases = array_releases = stream_releases = 0; }
};

template <class Body>
ErrorKind error_kind_of(Body&& body) {
    try {
        body();
    } catch (const Error& e) {
        return e.kind();
    }
    ADD_FAILURE() << "no error";
    return ErrorKind::index;
}

TEST(ArrowFormat, PrimitivesMapToTheirDtypes) {
    const std::pair<const char*, DType> cases[] = {
        {"b", ScalarType::bool_},
        {"c", ScalarType::int8},
        {"C", ScalarType::uint8},
        {"s", ScalarType::int16},
        {"S", ScalarType::uint16},
        {"i", ScalarType::int32},
        {"I", ScalarType::uint32},
        {"l", ScalarType::int64},
        {"L", ScalarType::uint64},
        {"e", ScalarType::float16},
        {"f", ScalarType::float32},
        {"g", ScalarType::float64},
        {"tdD", DType::datetime64(TimeUnit::D)},
        {"tdm", DType::datetime64(TimeUnit::ms)},
        {"tDn", DType::timedelta64(TimeUnit::ns)},
        {"tsu:", DType::datetime64(TimeUnit::us)},
    };
    for (const auto& [format, dtype] : cases) {
        const ArrowFormat f = parse_arrow_format(format);
        ASSERT_TRUE(f.dtype.has_value()) << format;
        EXPECT_EQ(*f.dtype, dtype) << format;
    }
}

TEST(ArrowFormat, TimestampKeepsItsZoneAndStringsAreNotNumbers) {
    const ArrowFormat ts = parse_arrow_format("tsn:Europe/Paris");
    EXPECT_EQ(ts.timezone, "Europe/Paris");
    EXPECT_EQ(ts.description, "timestamp[ns, tz=Europe/Paris]");
    EXPECT_FALSE(parse_arrow_format("u").dtype.has_value());
    EXPECT_EQ(parse_arrow_format("U").layout, ArrowLayout::variable);
    EXPECT_EQ(parse_arrow_format("vu").layout, ArrowLayout::view);
    EXPECT_EQ(parse_arrow_format("d:10,2").bit_width, 128);
    EXPECT_EQ(parse_arrow_format("d:10,2,256").bit_width, 256);
    EXPECT_EQ(parse_arrow_format("w:16").bit_width, 128);
    EXPECT_EQ(parse_arrow_format("+w:3").fixed_size, 3);
    EXPECT_EQ(parse_arrow_format("+ud:0,1,5").fixed_size, 3);
}

TEST(ArrowFormat, MalformedFormatsAreValueErrorsNamingThem) {
    for (const char* bad : {"", "x", "tsx:", "ts", "w:0", "w:-1", "w:", "+w:abc", "d:", "d:1", "d:1,2,7", "+ud:a",
                            "+ud:1,", "gg", "tdX", "w:9223372036854775807"}) {
        try {
            parse_arrow_format(bad);
            ADD_FAILURE() << "accepted " << bad;
        } catch (const Error& e) {
            EXPECT_EQ(e.kind(), ErrorKind::value) << bad;
            EXPECT_NE(std::string(e.what()).find(std::string("\"") + bad + "\""), std::string::npos) << e.what();
        }
    }
}

// One-character formats are found through an index by character: every byte, ASCII or not, either is one of
// the specification's one-character formats or is refused by name.
TEST(ArrowFormat, EveryOneCharacterFormatIsKnownOrRefused) {
    const std::string known = "nbcCsSiIlLefgzZuU";
    for (int byte = 1; byte < 256; ++byte) {
        const std::string format(1, static_cast<char>(byte));
        if (known.find(format) != std::string::npos) {
            EXPECT_NO_THROW(parse_arrow_format(format)) << byte;
            continue;
        }
        try {
            parse_arrow_format(format);
            ADD_FAILURE() << "accepted byte " << byte;
        } catch (const Error& e) {
            EXPECT_EQ(e.kind(), ErrorKind::value) << byte;
        }
    }
    EXPECT_EQ(parse_arrow_format("g").description, "float64");
    EXPECT_EQ(parse_arrow_format("b").layout, ArrowLayout::boolean);
    EXPECT_EQ(parse_arrow_format("Z").bit_width, 64);
}

TEST_F(ArrowImport, AValidArrayIsMovedAndReleasedOnceWithTheTable) {
    double values[4] = {1, 2, 3, 4};
    const void* buffers[2] = {nullptr, values};
    ArrowSchema schema = schema_of("g");
    ArrowArray array = array_of(4, buffers);
    {
        ArrowTable table = import_arrow_array(&schema, &array);
        EXPECT_EQ(schema.release, nullptr);  // moved: the producer's struct is left released
        EXPECT_EQ(array.release, nullptr);
        EXPECT_EQ(schema_releases + array_releases, 0);
        const auto view = arrow_column_view(table, 0, nullptr);
        ASSERT_TRUE(view.has_value());
        EXPECT_EQ(view->data(), reinterpret_cast<std::byte*>(values));
        EXPECT_TRUE(view->readonly());
    }
    EXPECT_EQ(schema_releases, 1);
    EXPECT_EQ(array_releases, 1);
}

// Each hostile array is refused with a typed error, and both structs are still released exactly once.
struct Hostile {
    const char* what;
    void (*spoil)(ArrowArray&, ArrowSchema&);
    ErrorKind kind;
};

TEST_F(ArrowImport, HostileArraysAreRefusedAndReleasedOnce) {
    static double values[8] = {};
    static std::uint8_t validity[1] = {0xff};
    const Hostile cases[] = {
        {"negative length", [](ArrowArray& a, ArrowSchema&) { a.length = -1; }, ErrorKind::value},
        {"negative offset", [](ArrowArray& a, ArrowSchema&) { a.offset = -3; }, ErrorKind::value},
        {"offset + length overflows",
         [](ArrowArray& a, ArrowSchema&) { a.offset = std::numeric_limits<std::int64_t>::max(); }, ErrorKind::overflow},
        {"bytes overflow", [](ArrowArray& a, ArrowSchema&) { a.offset = std::numeric_limits<std::int64_t>::max() / 2; },
         ErrorKind::overflow},
        {"null_count above length", [](ArrowArray& a, ArrowSchema&) { a.null_count = 9; }, ErrorKind::value},
        {"null_count below -1", [](ArrowArray& a, ArrowSchema&) { a.null_count = -2; }, ErrorKind::value},
        {"three buffers", [](ArrowArray& a, ArrowSchema&) { a.n_buffers = 3; }, ErrorKind::value},
        {"no buffers", [](ArrowArray& a, ArrowSchema&) { a.n_buffers = 0; }, ErrorKind::value},
        {"null buffer table", [](ArrowArray& a, ArrowSchema&) { a.buffers = nullptr; }, ErrorKind::value},
        {"nulls without a bitmap",
         [](ArrowArray& a, ArrowSchema&) {
             a.null_count = 1;
             a.buffers[0] = nullptr;
         },
         ErrorKind::value},
        {"null data", [](ArrowArray& a, ArrowSchema&) { a.buffers[1] = nullptr; }, ErrorKind::value},
        {"children on a primitive", [](ArrowArray& a, ArrowSchema&) { a.n_children = 1; }, ErrorKind::value},
        {"unknown format", [](ArrowArray&, ArrowSchema& s) { s.format = "q"; }, ErrorKind::value},
        {"null format", [](ArrowArray&, ArrowSchema& s) { s.format = nullptr; }, ErrorKind::value},
        {"bool format, fine", nullptr, ErrorKind::index},
    };
    for (const Hostile& h : cases) {
        if (h.spoil == nullptr) continue;
        SetUp();
        const void* buffers[2] = {validity, values};
        ArrowSchema schema = schema_of("g");
        ArrowArray array = array_of(8, buffers);
        h.spoil(array, schema);
        EXPECT_EQ(error_kind_of([&] { import_arrow_array(&schema, &array); }), h.kind) << h.what;
        EXPECT_EQ(schema_releases, 1) << h.what;
        EXPECT_EQ(array_releases, 1) << h.what;
    }
}

TEST_F(ArrowImport, AReleasedArrayIsRefused) {
    const void* buffers[2] = {nullptr, nullptr};
    ArrowSchema schema = schema_of("g");
    ArrowArray array = array_of(0, buffers);
    array.release = nullptr;
    EXPECT_EQ(error_kind_of([&] { import_arrow_array(&schema, &array); }), ErrorKind::value);
    EXPECT_EQ(schema_releases, 1);
}

TEST_F(ArrowImport, StructChildrenMustCoverTheParentsOffsetAndLength) {
    static double values[4] = {1, 2, 3, 4};
    const void* child_buffers[2] = {nullptr, values};
    const void* parent_buffers[1] = {nullptr};
    ArrowSchema child_schema = schema_of("g", "a");
    ArrowSchema* schema_children[1] = {&child_schema};
    ArrowSchema schema = schema_of("+s", "");
    schema.n_children = 1;
    schema.children = schema_children;
    ArrowArray child = array_of(4, child_buffers);
    ArrowArray* array_children[1] = {&child};
    ArrowArray parent = array_of(3, parent_buffers, 1);
    parent.n_children = 1;
    parent.children = array_children;
    parent.offset = 2;  // rows 2..4 of a child of 4: too short
    EXPECT_EQ(error_kind_of([&] { import_arrow_array(&schema, &parent); }), ErrorKind::value);
    EXPECT_EQ(schema_releases, 2);  // parent and child, each once
    EXPECT_EQ(array_releases, 2);
}

TEST_F(ArrowImport, RecordBatchColumnsApplyTheParentOffset) {
    static double a_values[5] = {0, 1, 2, 3, 4};
    static std::int32_t b_values[5] = {10, 11, 12, 13, 14};
    static std::uint8_t b_validity[1] = {0b11011};  // element 2 missing
    const void* a_buffers[2] = {nullptr, a_values};
    const void* b_buffers[2] = {b_validity, b_values};
    const void* parent_buffers[1] = {nullptr};
    ArrowSchema sa = schema_of("g", "a");
    ArrowSchema sb = schema_of("tdD", "b");
    ArrowSchema* schema_children[2] = {&sa, &sb};
    ArrowSchema schema = schema_of("+s", "");
    schema.n_children = 2;
    schema.children = schema_children;
    ArrowArray a = array_of(5, a_buffers);
    ArrowArray b = array_of(5, b_buffers);
    b.null_count = 1;
    ArrowArray* array_children[2] = {&a, &b};
    ArrowArray parent = array_of(3, parent_buffers, 1);
    parent.n_children = 2;
    parent.children = array_children;
    parent.offset = 1;
    ArrowTable table = import_arrow_array(&schema, &parent);
    ASSERT_TRUE(arrow_is_table(table));
    const auto columns = arrow_columns(table);
    ASSERT_EQ(columns.size(), 2U);
    EXPECT_EQ(columns[1].name, "b");
    EXPECT_EQ(arrow_column_dtype(columns[1]), DType::datetime64(TimeUnit::D));
    std::vector<ColumnSource> sources;
    ArrowScratch scratch;
    append_arrow_column_sources(table, 0, 0, sources, scratch);
    append_arrow_column_sources(table, 1, 1, sources, scratch);
    ASSERT_EQ(sources.size(), 2U);
    EXPECT_EQ(sources[0].data, reinterpret_cast<const std::byte*>(a_values + 1));
    EXPECT_EQ(sources[0].length, 3);
    // The 32-bit dates are widened to int64 days; the bitmap is passed on at the parent's offset.
    std::int64_t widened[3];
    std::memcpy(widened, sources[1].data, sizeof widened);
    EXPECT_EQ(widened[0], 11);
    EXPECT_EQ(widened[2], 13);
    EXPECT_EQ(sources[1].validity_bits, b_validity);
    EXPECT_EQ(sources[1].validity_bit_offset, 1);
    EXPECT_EQ(sources[1].column, 1);
    const auto view = arrow_column_view(table, 0, nullptr);
    ASSERT_TRUE(view.has_value());
    EXPECT_EQ(view->data(), reinterpret_cast<const std::byte*>(a_values + 1));
    EXPECT_FALSE(arrow_column_view(table, 1, nullptr).has_value());
}

TEST_F(ArrowImport, BoolsAreUnpackedFromTheirBitOffset) {
    static std::uint8_t bits[2] = {0b10110100, 0b00000001};
    const void* buffers[2] = {nullptr, bits};
    ArrowSchema schema = schema_of("b");
    ArrowArray array = array_of(7, buffers);
    array.offset = 2;  // bits 2..8: 1 0 1 1 0 1 1
    ArrowTable table = import_arrow_array(&schema, &array);
    std::vector<ColumnSource> sources;
    ArrowScratch scratch;
    append_arrow_column_sources(table, 0, 0, sources, scratch);
    ASSERT_EQ(sources.size(), 1U);
    EXPECT_EQ(sources[0].dtype, DType(ScalarType::bool_));
    const std::uint8_t expected[7] = {1, 0, 1, 1, 0, 1, 1};
    EXPECT_EQ(std::memcmp(sources[0].data, expected, 7), 0);
}

TEST_F(ArrowImport, DictionaryColumnsReadAsTheirIndices) {
    static std::int8_t indices[3] = {1, 0, 1};
    const void* buffers[2] = {nullptr, indices};
    static std::int32_t offsets[3] = {0, 1, 2};
    static char chars[2] = {'a', 'b'};
    const void* dict_buffers[3] = {nullptr, offsets, chars};
    ArrowSchema values_schema = schema_of("u", "");
    ArrowSchema schema = schema_of("c");
    schema.dictionary = &values_schema;
    ArrowArray dict = array_of(2, dict_buffers, 3);
    ArrowArray array = array_of(3, buffers);
    array.dictionary = &dict;
    {
        ArrowTable table = import_arrow_array(&schema, &array);
        const auto columns = arrow_columns(table);
        ASSERT_TRUE(columns[0].indices.has_value());
        EXPECT_EQ(arrow_column_dtype(columns[0]), DType(ScalarType::int8));
        std::vector<ColumnSource> sources;
        ArrowScratch scratch;
        append_arrow_column_sources(table, 0, 0, sources, scratch);
        EXPECT_EQ(sources[0].data, reinterpret_cast<const std::byte*>(indices));
    }
    EXPECT_EQ(array_releases, 2);  // the array releases its dictionary
}

TEST_F(ArrowImport, StringColumnsAreTypeErrorsNamingTheColumn) {
    static std::int32_t offsets[2] = {0, 1};
    static char chars[1] = {'a'};
    const void* buffers[3] = {nullptr, offsets, chars};
    ArrowSchema schema = schema_of("u", "city");
    ArrowArray array = array_of(1, buffers, 3);
    ArrowTable table = import_arrow_array(&schema, &array);
    try {
        arrow_column_dtype(arrow_columns(table)[0]);
        ADD_FAILURE() << "a string column was read";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::type);
        EXPECT_NE(std::string(e.what()).find("'city'"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("utf8 string"), std::string::npos) << e.what();
    }
}

TEST_F(ArrowImport, NonIntegerDictionaryIndicesAreRefused) {
    ArrowSchema values_schema = schema_of("u", "");
    ArrowSchema schema = schema_of("g");
    schema.dictionary = &values_schema;
    EXPECT_EQ(error_kind_of([&] { validate_arrow_schema(schema); }), ErrorKind::value);
}

TEST(ArrowNulls, CountMatchesABitByBitCountAtEveryOffset) {
    std::vector<std::uint8_t> bitmap(40);
    for (std::size_t i = 0; i < bitmap.size(); ++i) bitmap[i] = static_cast<std::uint8_t>(i * 37 + 11);
    for (std::int64_t offset = 0; offset < 20; ++offset) {
        for (std::int64_t length : {0, 1, 7, 63, 64, 65, 200}) {
            std::int64_t expected = 0;
            for (std::int64_t i = offset; i < offset + length; ++i)
                expected += ((bitmap[static_cast<std::size_t>(i / 8)] >> (i % 8)) & 1) == 0 ? 1 : 0;
            EXPECT_EQ(count_arrow_nulls(bitmap.data(), offset, length), expected) << offset << " " << length;
        }
    }
}

// A stream over prepared chunks, whose get_next can fail.
struct TestStream {
    std::vector<ArrowArray> chunks;
    std::size_t next = 0;
    int fail_at = -1;
    std::vector<const void*> buffers;
};

int stream_get_schema(ArrowArrayStream*, ArrowSchema* out) {
    *out = schema_of("l");
    return 0;
}
int stream_get_next(ArrowArrayStream* s, ArrowArray* out) {
    auto* t = static_cast<TestStream*>(s->private_data);
    if (static_cast<int>(t->next) == t->fail_at) return 5;
    if (t->next == t->chunks.size()) {
        out->release = nullptr;
        return 0;
    }
    *out = t->chunks[t->next++];
    return 0;
}
const char* stream_last_error(ArrowArrayStream*) { return "disk on fire"; }
void stream_release(ArrowArrayStream* s) {
    ++stream_releases;
    s->release = nullptr;
}

TEST_F(ArrowImport, StreamsAreDrainedAndReleasedOnceAndTheirErrorsCarryTheProducersText) {
    static std::int64_t values[6] = {1, 2, 3, 4, 5, 6};
    for (const int fail_at : {-1, 1}) {
        SetUp();
        TestStream state;
        state.fail_at = fail_at;
        state.buffers = {nullptr, values, nullptr, values + 3};
        state.chunks = {array_of(3, state.buffers.data()), array_of(3, state.buffers.data() + 2)};
        ArrowArrayStream stream{stream_get_schema, stream_get_next, stream_last_error, stream_release, &state};
        if (fail_at < 0) {
            {
                ArrowTable table = import_arrow_stream(&stream);
                EXPECT_EQ(table.chunks.size(), 2U);
                EXPECT_EQ(arrow_row_count(table), 6);
                EXPECT_FALSE(arrow_column_view(table, 0, nullptr).has_value());  // two chunks: no view
            }
            EXPECT_EQ(array_releases, 2);
        } else {
            try {
                import_arrow_stream(&stream);
                ADD_FAILURE() << "a failing stream was read";
            } catch (const Error& e) {
                EXPECT_NE(std::string(e.what()).find("disk on fire"), std::string::npos) << e.what();
            }
            EXPECT_EQ(array_releases, 1);  // the one chunk read before the failure
        }
        EXPECT_EQ(stream_releases, 1);
        EXPECT_EQ(schema_releases, 1);
        EXPECT_EQ(stream.release, nullptr);
    }
}

}  // namespace
}  // namespace ndbridge
