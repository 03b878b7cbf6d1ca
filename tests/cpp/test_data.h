// Readers for the NumPy-derived expected values in tests/cpp/data (written by tests/cpp/gen_data.py), and
// small helpers shared by the test files: error-kind assertions and a release counter for owners.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <charconv>
#include <cstdint>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "ndbridge/array.h"
#include "ndbridge/error.h"
#include "ndbridge/layout.h"

namespace ndbridge::test {

/// Success when `f()` throws ndbridge::Error of `kind` with a non-empty message.
template <class F>
::testing::AssertionResult throws_error(F&& f, ErrorKind kind, const char* text) {
    try {
        f();
    } catch (const Error& e) {
        if (e.kind() == kind && *e.what() != '\0') return ::testing::AssertionSuccess();
        return ::testing::AssertionFailure() << text << " threw Error(" << to_string(e.kind()) << ", \"" << e.what()
                                             << "\"), expected kind " << to_string(kind);
    } catch (const std::exception& e) {
        return ::testing::AssertionFailure() << text << " threw a non-ndbridge exception: " << e.what();
    } catch (...) {
        return ::testing::AssertionFailure() << text << " threw something that is not an exception";
    }
    return ::testing::AssertionFailure() << text << " did not throw; expected Error(" << to_string(kind) << ")";
}

/// EXPECT that `stmt` throws ndbridge::Error of `kind`; more context can be streamed in with <<.
#define EXPECT_NDB_ERROR(stmt, kind) EXPECT_TRUE(::ndbridge::test::throws_error([&] { (void)(stmt); }, (kind), #stmt))

inline std::string data_path(std::string_view file) {
    return std::string(NDBRIDGE_TEST_DATA) + "/" + std::string(file);
}

/// The non-comment lines of a data file, split on whitespace; a " #" starts a trailing comment.
inline std::vector<std::vector<std::string>> read_records(std::string_view file) {
    std::ifstream in(data_path(file));
    if (!in) throw std::runtime_error("cannot open test data " + data_path(file) + "; run tests/cpp/gen_data.py");
    std::vector<std::vector<std::string>> out;
    std::string line;
    while (std::getline(in, line)) {
        if (const auto hash = line.find('#'); hash != std::string::npos) {
            if (hash == 0 || line[hash - 1] == ' ') line.erase(hash);
        }
        std::istringstream tokens(line);
        std::vector<std::string> record;
        for (std::string t; tokens >> t;) record.push_back(t);
        if (!record.empty()) out.push_back(std::move(record));
    }
    return out;
}

inline std::int64_t to_int(std::string_view text) {
    std::int64_t v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size())
        throw std::runtime_error("test data: '" + std::string(text) + "' is not an integer");
    return v;
}

inline std::uint64_t to_hex(std::string_view text) {
    std::uint64_t v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v, 16);
    if (ec != std::errc() || end != text.data() + text.size())
        throw std::runtime_error("test data: '" + std::string(text) + "' is not a hex number");
    return v;
}

/// "(2,3)", "(5,)", "()" -> {2, 3}, {5}, {}.
inline Dims parse_tuple(std::string_view text) {
    if (text.size() < 2 || text.front() != '(' || text.back() != ')')
        throw std::runtime_error("test data: '" + std::string(text) + "' is not a tuple");
    Dims out;
    std::string_view body = text.substr(1, text.size() - 2);
    while (!body.empty()) {
        const auto comma = body.find(',');
        out.push_back(to_int(body.substr(0, comma)));
        body = comma == std::string_view::npos ? std::string_view() : body.substr(comma + 1);
    }
    return out;
}

/// Python's basic-index syntax without spaces: "1,::-2,...,None", "()" for the empty tuple.
inline std::vector<Index> parse_index(std::string_view text) {
    std::vector<Index> items;
    if (text == "()") return items;
    while (true) {
        const auto comma = text.find(',');
        const std::string_view tok = text.substr(0, comma);
        if (tok == "...") {
            items.emplace_back(EllipsisIndex{});
        } else if (tok == "None") {
            items.emplace_back(NewAxis{});
        } else if (tok.find(':') != std::string_view::npos) {
            Slice s;
            std::optional<std::int64_t>* parts[3] = {&s.start, &s.stop, &s.step};
            std::string_view rest = tok;
            for (auto* part : parts) {
                const auto colon = rest.find(':');
                const std::string_view p = rest.substr(0, colon);
                if (!p.empty()) *part = to_int(p);
                if (colon == std::string_view::npos) break;
                rest = rest.substr(colon + 1);
            }
            items.emplace_back(s);
        } else {
            items.emplace_back(to_int(tok));
        }
        if (comma == std::string_view::npos) break;
        text = text.substr(comma + 1);
    }
    return items;
}

struct ReshapeCase {
    MemoryOrder order;
    Dims shape;
    bool view;     ///< false: NumPy must copy
    Dims strides;  ///< NumPy's strides when `view`
};

struct IndexCase {
    std::string expr;
    std::optional<ErrorKind> error;  ///< set when NumPy raises (IndexError -> index, ValueError -> value)
    Dims shape, strides;
    std::int64_t offset = 0;  ///< bytes from the array's data pointer to the view's
};

/// One array made by NumPy and everything the tests compare about it (see layouts.txt's header).
struct LayoutCase {
    std::string name;
    std::string dtype;
    std::int64_t itemsize = 0;
    Dims shape, strides;
    std::int64_t offset = 0;  ///< data pointer - lowest byte touched
    std::int64_t buffer = 0;  ///< bytes from the lowest to the highest byte touched
    bool c_contiguous = false, f_contiguous = false;
    std::map<char, Dims> empty_like;  ///< order letter -> strides
    Dims squeeze_shape, squeeze_strides;
    std::vector<ReshapeCase> reshapes;
    std::vector<IndexCase> indices;
};

inline const std::vector<LayoutCase>& layouts() {
    static const std::vector<LayoutCase> cases = [] {
        std::vector<LayoutCase> out;
        for (const auto& r : read_records("layouts.txt")) {
            const std::string& kind = r.at(0);
            if (kind == "layout") {
                LayoutCase c;
                c.name = r.at(1);
                c.dtype = r.at(3);
                c.itemsize = to_int(r.at(5));
                c.shape = parse_tuple(r.at(7));
                c.strides = parse_tuple(r.at(9));
                c.offset = to_int(r.at(11));
                c.buffer = to_int(r.at(13));
                out.push_back(std::move(c));
                continue;
            }
            if (kind == "end") continue;
            LayoutCase& c = out.back();
            if (kind == "flags") {
                c.c_contiguous = r.at(2) == "1";
                c.f_contiguous = r.at(4) == "1";
            } else if (kind == "empty_like") {
                for (std::size_t i = 1; i + 1 < r.size(); i += 2) c.empty_like[r[i][0]] = parse_tuple(r[i + 1]);
            } else if (kind == "squeeze") {
                c.squeeze_shape = parse_tuple(r.at(2));
                c.squeeze_strides = parse_tuple(r.at(4));
            } else if (kind == "reshape") {
                ReshapeCase rc{parse_order(r.at(1)), parse_tuple(r.at(2)), r.at(3) == "view", {}};
                if (rc.view) rc.strides = parse_tuple(r.at(4));
                c.reshapes.push_back(std::move(rc));
            } else if (kind == "index") {
                IndexCase ic;
                ic.expr = r.at(1);
                if (r.at(2) == "error") {
                    ic.error = r.at(3) == "index" ? ErrorKind::index : ErrorKind::value;
                } else {
                    ic.shape = parse_tuple(r.at(3));
                    ic.strides = parse_tuple(r.at(5));
                    ic.offset = to_int(r.at(7));
                }
                c.indices.push_back(std::move(ic));
            } else {
                throw std::runtime_error("layouts.txt: unknown record '" + kind + "'");
            }
        }
        return out;
    }();
    return cases;
}

/// gtest parameter names: the layout's name.
struct LayoutName {
    std::string operator()(const ::testing::TestParamInfo<LayoutCase>& info) const { return info.param.name; }
};

inline void PrintTo(const LayoutCase& c, std::ostream* os) {
    *os << c.name << " shape " << shape_string(c.shape) << " strides " << shape_string(c.strides);
}

/// Counts calls of the release callback, so tests can check "exactly once".
struct ReleaseCounter {
    std::atomic<int> calls{0};
    static void release(void* self) noexcept { static_cast<ReleaseCounter*>(self)->calls.fetch_add(1); }
    Owner owner() { return make_owner(this, &ReleaseCounter::release); }
};

}  // namespace ndbridge::test
