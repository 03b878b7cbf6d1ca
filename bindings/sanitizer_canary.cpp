// Test-only entry point, compiled into the extension only when NDBRIDGE_SANITIZE is ON: a deliberate heap
// out-of-bounds write. tests/python/test_sanitizer_canary.py runs it in a subprocess and requires
// AddressSanitizer to abort with its report, so a sanitized run whose sanitizer is silently off fails.
#include "common.h"

namespace ndbridge::python {

void bind_sanitizer_canary(nb::module_& m) {
    m.def("_sanitizer_canary_overflow", [](int past_end) {
        char* block = new char[16];
        // volatile: the write must happen even though nothing reads it
        volatile char* const target = block + 16 + past_end;
        *target = 1;
        delete[] block;
        return past_end;
    });
}

}  // namespace ndbridge::python
