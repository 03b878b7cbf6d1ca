// ndbridge.set_num_threads / get_num_threads: the thread count of the core's copy pool, seen from Python; and
// _core._simd_enabled, whether the vector cast loops are in use (the wheel's tests check NDBRIDGE_DISABLE_SIMD).
#include "ndbridge/threads.h"
#include "common.h"
#include "kernels/simd_cast.h"
#include "ndbridge/error.h"

namespace ndbridge::python {

void bind_threads(nb::module_& m) {
    m.def(
        "set_num_threads",
        [](std::int64_t n) {
            // Checked here too, so a count beyond C's int is refused by value rather than truncated.
            if (n < 1 || n > kMaxThreads)
                fail(ErrorKind::value, "set_num_threads: ", n, " is not a thread count (an integer from 1 to ",
                     kMaxThreads, ")");
            set_num_threads(static_cast<int>(n));
        },
        nb::arg("n"),
        "Sets how many threads (the caller's included) a large copy may use; 1 keeps every copy on the calling "
        "thread.");
    m.def("get_num_threads", &get_num_threads,
          "The copy engine's thread count: set_num_threads, else NDBRIDGE_NUM_THREADS, else the CPUs this process may "
          "use.");
    m.def("_simd_enabled", &kernels::simd_enabled,
          "True when the vector cast loops are in use: the CPU has AVX2, F16C and FMA and NDBRIDGE_DISABLE_SIMD is "
          "unset, empty or 0.");
}

}  // namespace ndbridge::python
