// libFuzzer harness for the Arrow C Data Interface import: fuzzed schema and array trees (formats, lengths,
// offsets, null counts, buffer and child counts, dictionaries) over buffers this harness owns. Every release
// callback must run exactly once, accepted or refused; an accepted array whose elements lie inside the
// buffers must be described (column sources, views, null counts) reading only those buffers.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "fuzz_input.h"
#include "ndbridge/arrow.h"

using namespace ndbridge;
using namespace ndbridge::fuzz;

namespace {

constexpr std::int64_t kCapacity = 256;  // elements every buffer can hold at 16 bytes each (+1 for offsets)
constexpr const char* kFormats[] = {"n",   "b",   "c",   "C",    "s",       "S",       "i",    "I",   "l",
                                    "L",   "e",   "f",   "g",    "u",       "U",       "z",    "vu",  "tdD",
                                    "tdm", "tts", "ttn", "tDn",  "tsu:UTC", "tiM",     "tiD",  "tin", "d:10,2",
                                    "w:4", "+s",  "+l",  "+w:2", "+r",      "+ud:0,1", "+us:", "+vl", "+m"};

struct Node {
    std::string format;
    ArrowSchema schema{};
    ArrowArray array{};
    std::vector<std::unique_ptr<Node>> kids;  // what was really allocated, whatever n_children claims
    std::vector<ArrowSchema*> schema_kids;
    std::vector<ArrowArray*> array_kids;
    std::unique_ptr<Node> dictionary;
    std::vector<const void*> buffer_table;
    int schema_releases = 0;
    int array_releases = 0;
};

void release_schema(ArrowSchema* s) {
    auto* n = static_cast<Node*>(s->private_data);
    ++n->schema_releases;
    for (auto& k : n->kids)
        if (k->schema.release != nullptr) k->schema.release(&k->schema);
    if (n->dictionary && n->dictionary->schema.release != nullptr)
        n->dictionary->schema.release(&n->dictionary->schema);
    s->release = nullptr;
}

void release_array(ArrowArray* a) {
    auto* n = static_cast<Node*>(a->private_data);
    ++n->array_releases;
    for (auto& k : n->kids)
        if (k->array.release != nullptr) k->array.release(&k->array);
    if (n->dictionary && n->dictionary->array.release != nullptr) n->dictionary->array.release(&n->dictionary->array);
    a->release = nullptr;
}

std::int64_t small_or_wild(Input& in, std::int64_t low, std::int64_t high) {
    return in.below(8) != 0 ? in.in_range(low, high) : in.take<std::int64_t>();
}

std::unique_ptr<Node> make_node(Input& in, std::vector<std::byte>& data, int depth) {
    auto n = std::make_unique<Node>();
    if (in.below(16) != 0) {
        n->format = kFormats[in.below(std::size(kFormats))];
    } else {
        for (std::uint32_t i = 0, len = 1 + in.below(6); i < len; ++i) n->format += in.take<char>();
    }
    const bool nested = n->format.size() > 1 && n->format[0] == '+';
    const std::uint32_t kids = depth < 2 && (nested || in.below(16) == 0) ? in.below(4) : 0;
    for (std::uint32_t i = 0; i < kids; ++i) n->kids.push_back(make_node(in, data, depth + 1));
    if (depth < 2 && in.below(8) == 0) n->dictionary = make_node(in, data, depth + 1);
    for (auto& k : n->kids) {
        n->schema_kids.push_back(&k->schema);
        n->array_kids.push_back(&k->array);
    }
    ArrowSchema& s = n->schema;
    s.format = n->format.c_str();
    s.name = "f";
    s.n_children = in.below(16) != 0 ? static_cast<std::int64_t>(kids) : small_or_wild(in, -2, 5);
    if (s.n_children > static_cast<std::int64_t>(kids)) s.n_children = static_cast<std::int64_t>(kids);
    s.children = kids > 0 || in.flag() ? n->schema_kids.data() : nullptr;
    s.dictionary = n->dictionary && in.below(8) != 0 ? &n->dictionary->schema : nullptr;
    s.release = release_schema;
    s.private_data = n.get();
    ArrowArray& a = n->array;
    a.length = small_or_wild(in, 0, 40);
    a.offset = small_or_wild(in, 0, 40);
    a.null_count = small_or_wild(in, -1, 3);
    const std::uint32_t buffers = in.below(5);
    n->buffer_table.resize(buffers + 1);
    for (auto& b : n->buffer_table) b = in.below(8) != 0 ? static_cast<const void*>(data.data()) : nullptr;
    a.n_buffers = in.below(8) != 0 ? static_cast<std::int64_t>(buffers) : small_or_wild(in, -1, 4);
    if (a.n_buffers > static_cast<std::int64_t>(buffers)) a.n_buffers = static_cast<std::int64_t>(buffers);
    a.buffers = n->buffer_table.data();
    a.n_children = in.below(8) != 0 ? s.n_children : in.in_range(0, static_cast<std::int64_t>(kids));
    a.children = kids > 0 ? n->array_kids.data() : nullptr;
    a.dictionary = n->dictionary && in.below(8) != 0 ? &n->dictionary->array : nullptr;
    a.release = release_array;
    a.private_data = n.get();
    return n;
}

// Every node's release ran exactly once (children by their parent).
void check_released_once(const Node& n) {
    NDB_FUZZ_CHECK(n.schema_releases == 1);
    NDB_FUZZ_CHECK(n.array_releases == 1);
    for (const auto& k : n.kids) check_released_once(*k);
    if (n.dictionary) check_released_once(*n.dictionary);
}

// Whether every node addresses only elements the buffers hold.
bool inside(const Node& n) {
    // Unlinked nodes were never validated: their fields may be anything, so compare without adding.
    if (n.array.offset < 0 || n.array.length < 0 || n.array.offset > kCapacity ||
        n.array.length > kCapacity - n.array.offset)
        return false;
    for (const auto& k : n.kids)
        if (!inside(*k)) return false;
    return !n.dictionary || inside(*n.dictionary);
}

void read_columns(const ArrowTable& table, const std::vector<std::byte>& data) {
    const auto columns = arrow_columns(table);
    for (std::size_t i = 0; i < columns.size(); ++i) {
        std::vector<ColumnSource> sources;
        ArrowScratch scratch;
        try {
            append_arrow_column_sources(table, i, 0, sources, scratch);
        } catch (const Error&) {
            continue;  // not numbers, or struct rows missing
        }
        std::uint64_t sum = 0;
        for (const ColumnSource& s : sources) {
            for (std::int64_t r = 0; r < s.length; ++r) {
                for (std::int64_t b = 0; b < s.dtype.itemsize(); ++b)
                    sum += static_cast<std::uint8_t>(s.data[r * s.stride + b]);
                if (s.validity_bits != nullptr) sum += (s.validity_bits[(s.validity_bit_offset + r) / 8] & 1U);
            }
        }
        (void)sum;
        if (auto view = arrow_column_view(table, i, nullptr)) {
            NDB_FUZZ_CHECK(view->readonly());
            NDB_FUZZ_CHECK(view->data() >= data.data() || view->size() == 0);
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
    Input in(bytes, size);
    // A fixed pattern, not input bytes: the input goes to the structs, which are what is being tested.
    std::vector<std::byte> data(static_cast<std::size_t>(kCapacity * 16 + 16));
    for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::byte>(i * 31 + 7);
    auto root = make_node(in, data, 0);
    try {
        ArrowTable table = import_arrow_array(&root->schema, &root->array);
        NDB_FUZZ_CHECK(root->schema.release == nullptr && root->array.release == nullptr);  // moved
        NDB_FUZZ_CHECK(table.chunks.front().get().length >= 0);
        if (inside(*root)) read_columns(table, data);
    } catch (const Error&) {
    }
    check_released_once(*root);
    return 0;
}
