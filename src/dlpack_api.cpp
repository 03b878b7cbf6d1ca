// DLPack for C++ users (dlpack_api.h): thin, copying only where DLPack cannot express the layout, and
// calling into dlpack_io.cpp for every check and every ownership rule.
#include "ndbridge/dlpack_api.h"

#include "ndbridge/error.h"

namespace ndbridge {

DLManagedTensorVersioned* to_dlpack(const Array& a, bool allow_copy) {
    const char* why = dlpack_export_obstacle(a);
    if (why == nullptr) return export_dlpack_versioned(a, false);
    if (!to_dlpack(a.dtype().with_native_order())) return export_dlpack_versioned(a, false);  // throws, naming it
    if (!a.device().host_accessible())
        fail(ErrorKind::buffer, "ndbridge::to_dlpack: ", why, ", and the array is on ", to_string(a.device()),
             ", which the host cannot copy");
    if (!allow_copy) fail(ErrorKind::copy, "ndbridge::to_dlpack: a copy is needed and allow_copy is false: ", why);
    Array native = a.astype(a.dtype().with_native_order(), MemoryOrder::K, true);
    if (a.readonly()) native = native.as_readonly();  // a copy of read-only data is still not to be written
    return export_dlpack_versioned(std::move(native), true);
}

Array from_dlpack(DLManagedTensorVersioned* tensor) { return import_dlpack(tensor); }
Array from_dlpack(DLManagedTensor* tensor) { return import_dlpack(tensor); }

bool exchange_api_usable(const DLPackExchangeAPI* api) noexcept {
    return api != nullptr && api->header.version.major == NDBRIDGE_DLPACK_MAJOR_VERSION &&
           api->managed_tensor_from_py_object_no_sync != nullptr && api->managed_tensor_to_py_object_no_sync != nullptr;
}

Array from_exchange_api(const DLPackExchangeAPI& api, void* py_object) {
    if (!exchange_api_usable(&api))
        fail(ErrorKind::buffer, "DLPack exchange API: the table is not usable (version ", api.header.version.major, ".",
             api.header.version.minor, ")");
    DLManagedTensorVersioned* tensor = nullptr;
    if (api.managed_tensor_from_py_object_no_sync(py_object, &tensor) != 0)
        fail(ErrorKind::buffer,
             "DLPack exchange API: the producer could not export the object (a Python error is set)");
    return import_dlpack(tensor);
}

void* to_exchange_api(const DLPackExchangeAPI& api, const Array& a) {
    if (!exchange_api_usable(&api))
        fail(ErrorKind::buffer, "DLPack exchange API: the table is not usable (version ", api.header.version.major, ".",
             api.header.version.minor, ")");
    DLManagedTensorVersioned* tensor = to_dlpack(a);
    void* out = nullptr;
    // The consumer takes ownership of the tensor also when it fails.
    if (api.managed_tensor_to_py_object_no_sync(tensor, &out) != 0)
        fail(ErrorKind::buffer, "DLPack exchange API: the consumer could not wrap the tensor (a Python error is set)");
    return out;
}

}  // namespace ndbridge
