// A consumer of the installed core: every piece of the C++ API from the installed headers and library —
// containers in, adopt, typed views, DLPack out and back, the exchange API consumer — each checked.
#include <ndbridge/array.h>
#include <ndbridge/containers.h>
#include <ndbridge/dlpack_api.h>
#include <ndbridge/dtype.h>
#include <ndbridge/view.h>

#include <cstdio>
#include <vector>

namespace {

int failures = 0;
void check(bool ok, const char* what) {
    std::printf("consumer: %-40s %s\n", what, ok ? "ok" : "FAILED");
    failures += ok ? 0 : 1;
}

}  // namespace

int main() {
    const std::int64_t shape[] = {2, 3};
    const ndbridge::Array z = ndbridge::Array::zeros(ndbridge::ScalarType::float32, shape);
    const ndbridge::Array zt = z.transpose();
    check(zt.shape()[0] == 3 && zt.is_f_contiguous() &&
              ndbridge::parse_typestr(ndbridge::to_typestr(z.dtype())) == z.dtype(),
          "zeros, transpose, typestr");

    const ndbridge::Array nested = ndbridge::asarray(std::vector<std::vector<double>>{{1, 2, 3}, {4, 5, 6}});
    check(nested.shape() == ndbridge::Dims{2, 3} && ndbridge::view<const double, 2>(nested)(1, 2) == 6.0,
          "asarray of nested vectors");
    bool ragged_refused = false;
    try {
        (void)ndbridge::asarray(std::vector<std::vector<int>>{{1, 2}, {3}});
    } catch (const ndbridge::Error&) {
        ragged_refused = true;
    }
    check(ragged_refused, "ragged input refused");

    std::vector<float> values{1, 2, 3, 4, 5, 6};
    const float* buffer = values.data();
    ndbridge::Array adopted = ndbridge::Array::adopt(std::move(values), ndbridge::Dims{3, 2});
    check(reinterpret_cast<const float*>(adopted.data()) == buffer, "adopt moves, no copy");

    auto v = ndbridge::view<float, 2, ndbridge::c_contig>(adopted);
    v(2, 1) = 60;
    check(ndbridge::view<const float, 2>(adopted.transpose())(1, 2) == 60, "c_contig and strided views");

    DLManagedTensorVersioned* t = ndbridge::to_dlpack(adopted.as_readonly());
    const bool flagged = (t->flags & DLPACK_FLAG_BITMASK_READ_ONLY) != 0;
    const ndbridge::Array back = ndbridge::from_dlpack(t);
    check(flagged && back.data() == adopted.data() && back.readonly(), "DLPack out and back, read-only kept");

    check(!ndbridge::exchange_api_usable(nullptr), "exchange API check");
    return failures == 0 ? 0 : 1;
}
