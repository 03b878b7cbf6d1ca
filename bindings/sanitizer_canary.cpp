// Test-only entry point, compiled into the extension only when NDBRIDGE_SANITIZE is ON: a deliberate heap
// out-of-bounds write. tests/python/test_sanitizer_canary.py runs it in a subprocess and requires
// AddressSanitizer to abort with its report, so a sanitized run whose sanitizer is silently off fails.
#include "common.h"

namespace ndbridge::python {

void bind_sanitizer_canary(nb::module_& m) {
    m.def("_sanitizer_canary_overflow", [](int past_end) {
        // The pointer goes through a volatile so that UBSan's object-size check cannot see the allocation
        // (AddressSanitizer must be the one to catch the write), and the store is volatile so that the
        // optimiser cannot drop it as dead before the delete.
        char* volatile block = new char[16];
        volatile char* const target = block + 16 + past_end;
        *target = 1;
        delete[] block;
        return past_end;
    });
}

}  // namespace ndbridge::python
