// ndbridge/dlpack_api.h — DLPack for C++ users: Arrays out as owning DLManagedTensorVersioned, tensors
// in as Arrays, and both sides of the DLPack C exchange API (a Python type's table of C functions) from
// C++. Built on dlpack_io.h: the same checks, and every deleter called exactly once.
#pragma once

#include <memory>

#include "ndbridge/array.h"
#include "ndbridge/dlpack.h"
#include "ndbridge/dlpack_io.h"

namespace ndbridge {

/// A new owning DLPack 1.x tensor of `a`'s elements; the caller owns it and calls its deleter once
/// (or hands it to a consumer that does). It views `a` (sharing its owner) when DLPack can express the
/// layout; else (non-native byte order, strides that are not whole elements) it holds a native copy and
/// sets IS_COPIED, or throws Error(copy) when `allow_copy` is false. READ_ONLY is set when `a` is
/// read-only. Error(buffer) for dtypes DLPack has no code for (datetime, strings, longdouble).
DLManagedTensorVersioned* to_dlpack(const Array& a, bool allow_copy = true);

/// Takes ownership of `tensor` (its deleter is called exactly once: at once when this throws, else
/// when the last view of the result goes away) and views it; READ_ONLY gives a read-only array.
Array from_dlpack(DLManagedTensorVersioned* tensor);
/// The legacy struct: the same, and the result is always read-only (it cannot say whether writing is allowed).
Array from_dlpack(DLManagedTensor* tensor);

/// Calls a tensor's deleter when it goes out of scope unless released: for code that holds a tensor
/// between to_dlpack and a consumer.
struct DLPackDeleter {
    void operator()(DLManagedTensorVersioned* t) const noexcept {
        if (t != nullptr && t->deleter != nullptr) t->deleter(t);
    }
};
using unique_dlpack = std::unique_ptr<DLManagedTensorVersioned, DLPackDeleter>;

// ---- the DLPack C exchange API from C++ -------------------------------------------------------------
// A Python type publishes `__dlpack_c_exchange_api__`, a table of C functions. These two calls are the
// consumer's side; the producer's side (a table for your own type) is in ndbridge/nanobind.h, which may
// set Python errors. Both must run with the GIL held, as the table's functions require.

/// Views `py_object` (a PyObject* of the table's type) through the table. When the producer fails it
/// has set a Python error; this then throws Error(buffer) saying so, and the caller's binding should
/// raise the pending Python error rather than this message.
Array from_exchange_api(const DLPackExchangeAPI& api, void* py_object);
/// Hands `a` to the table's type as a new Python object (a new reference, as PyObject*), zero-copy when
/// DLPack can express `a`. Throws as from_exchange_api on failure.
void* to_exchange_api(const DLPackExchangeAPI& api, const Array& a);

/// True when the table is one ndbridge can call (DLPack major version 1, the required functions set).
bool exchange_api_usable(const DLPackExchangeAPI* api) noexcept;

}  // namespace ndbridge
