// A consumer of the installed core: builds an array, takes a view, checks a dtype round trip.
#include <ndbridge/array.h>
#include <ndbridge/dtype.h>
#include <cstdio>

int main() {
    const std::int64_t shape[] = {2, 3};
    ndbridge::Array a = ndbridge::Array::zeros(ndbridge::ScalarType::float32, shape);
    ndbridge::Array t = a.transpose();
    const bool ok = t.shape()[0] == 3 && t.is_f_contiguous() &&
                    ndbridge::parse_typestr(ndbridge::to_typestr(a.dtype())) == a.dtype();
    std::printf("consumer: %s\n", ok ? "ok" : "FAILED");
    return ok ? 0 : 1;
}
