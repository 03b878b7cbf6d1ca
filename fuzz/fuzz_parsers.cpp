// libFuzzer harness for the string parsers of the core, built once per parser (NDB_FUZZ_PARSER selects
// typestr, pep3118 or dtype): any input gives a DType or an ndbridge::Error, and what parses formats
// back to a spelling that parses to the same DType.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_input.h"

using namespace ndbridge;

namespace {

#define NDB_FUZZ_typestr 1
#define NDB_FUZZ_pep3118 2
#define NDB_FUZZ_dtype 3
#define NDB_FUZZ_CONCAT(a, b) a##b
#define NDB_FUZZ_SELECTED(name) NDB_FUZZ_CONCAT(NDB_FUZZ_, name)

// Formats `d` in the parser's own spelling; false when that spelling cannot say `d` (documented Errors).
bool format_back(DType d, std::string& out) {
    try {
#if NDB_FUZZ_SELECTED(NDB_FUZZ_PARSER) == NDB_FUZZ_typestr
        out = to_typestr(d);
#elif NDB_FUZZ_SELECTED(NDB_FUZZ_PARSER) == NDB_FUZZ_pep3118
        out = to_pep3118(d);
#else
        out = name(d);
#endif
    } catch (const Error&) {
        return false;
    }
    return true;
}

DType parse(std::string_view text) {
#if NDB_FUZZ_SELECTED(NDB_FUZZ_PARSER) == NDB_FUZZ_typestr
    return parse_typestr(text);
#elif NDB_FUZZ_SELECTED(NDB_FUZZ_PARSER) == NDB_FUZZ_pep3118
    return parse_pep3118(text);
#else
    return parse_dtype(text);
#endif
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    DType d;
    try {
        d = parse(text);
    } catch (const Error&) {
        return 0;  // refused with the core's typed error: fine; anything else escapes and is a crash
    }
    NDB_FUZZ_CHECK(d.itemsize() > 0);
    NDB_FUZZ_CHECK(!describe(d).empty());
    std::string spelled;
    if (format_back(d, spelled)) {
        // Names carry no byte order, so a name gives back the native-order type.
#if NDB_FUZZ_SELECTED(NDB_FUZZ_PARSER) == NDB_FUZZ_dtype
        const DType expected = d.with_native_order();
#else
        const DType expected = d;
#endif
        NDB_FUZZ_CHECK(parse(spelled) == expected);
    }
    return 0;
}
