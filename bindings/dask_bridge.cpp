// Dask collections in asarray: a lazy array has no memory to share, so ndbridge.dask (Python, which runs
// the blocks on Dask's own scheduler) fills one new array, allocated here once, and the pipeline hands it
// to the target library like any other copy.
#include <nanobind/stl/vector.h>

#include "common.h"

namespace ndbridge::python {

Array materialize_dask(nb::handle obj, const ConversionRequest& req) {
    if (req.copy == CopyMode::never)
        fail(ErrorKind::copy, "a ", py_type_name(obj),
             " is a lazy Dask collection: its values exist only once computed, into new memory, so they are always "
             "copied; copy=False forbids that");
    if (req.device && !req.device->is_cpu())
        fail(ErrorKind::value, "a ", py_type_name(obj), " is materialized on the host; device ", to_string(*req.device),
             " is not reachable from here (convert, then move the result)");
    // K and A keep a source's layout; blocks computed one by one have none to keep, so C, as np.asarray.
    const char* order = req.order == MemoryOrder::F ? "F" : "C";
    nb::object dtype = req.dtype ? nb::cast(*req.dtype) : nb::none();
    nb::object filled = nb::module_::import_("ndbridge.dask").attr("_materialize")(obj, dtype, order);
    return nb::cast<Array>(filled);
}

nb::object convert_dask(nb::handle obj, const ConversionRequest& req, Target target, bool requires_grad) {
    return hand_to(target, materialize_dask(obj, req), obj, nullptr, requires_grad);
}

void bind_dask(nb::module_& m) {
    m.def(
        "_empty",
        [](const std::vector<std::int64_t>& shape, const DType& dtype, nb::handle order) {
            return Array::empty(dtype, shape, parse_order(order));
        },
        nb::arg("shape"), nb::arg("dtype"), nb::arg("order"),
        "A new uninitialised host array (the one output ndbridge.dask fills block by block).");
}

}  // namespace ndbridge::python
