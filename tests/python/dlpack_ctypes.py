"""A DLPack producer built with ctypes, for fault-injection tests: every tensor it makes has a deleter
that counts its calls (and the thread it ran on) and releases the NumPy array holding the memory, and
its capsules have a destructor that calls the deleter only when nobody consumed the capsule, as the
DLPack protocol specifies. Faults are chosen per producer: see Producer.FAULTS."""
import ctypes
import threading

import numpy as np

c_int64_p = ctypes.POINTER(ctypes.c_int64)


class DLDevice(ctypes.Structure):
    _fields_ = [("device_type", ctypes.c_int32), ("device_id", ctypes.c_int32)]


class DLDataType(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint8), ("bits", ctypes.c_uint8), ("lanes", ctypes.c_uint16)]


class DLTensor(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("device", DLDevice), ("ndim", ctypes.c_int32), ("dtype", DLDataType),
                ("shape", c_int64_p), ("strides", c_int64_p), ("byte_offset", ctypes.c_uint64)]


class DLPackVersion(ctypes.Structure):
    _fields_ = [("major", ctypes.c_uint32), ("minor", ctypes.c_uint32)]


class DLManagedTensorVersioned(ctypes.Structure):
    pass


class DLManagedTensor(ctypes.Structure):
    pass


VERSIONED_DELETER = ctypes.CFUNCTYPE(None, ctypes.POINTER(DLManagedTensorVersioned))
LEGACY_DELETER = ctypes.CFUNCTYPE(None, ctypes.POINTER(DLManagedTensor))
DLManagedTensorVersioned._fields_ = [("version", DLPackVersion), ("manager_ctx", ctypes.c_void_p),
                                     ("deleter", VERSIONED_DELETER), ("flags", ctypes.c_uint64), ("dl_tensor", DLTensor)]
DLManagedTensor._fields_ = [("dl_tensor", DLTensor), ("manager_ctx", ctypes.c_void_p), ("deleter", LEGACY_DELETER)]

CAPSULE_DESTRUCTOR = ctypes.CFUNCTYPE(None, ctypes.c_void_p)
_api = ctypes.pythonapi
_api.PyCapsule_New.restype = ctypes.py_object
_api.PyCapsule_New.argtypes = [ctypes.c_void_p, ctypes.c_char_p, CAPSULE_DESTRUCTOR]
_api.PyCapsule_GetName.restype = ctypes.c_char_p
_api.PyCapsule_GetName.argtypes = [ctypes.c_void_p]
_api.PyCapsule_GetPointer.restype = ctypes.c_void_p
_api.PyCapsule_GetPointer.argtypes = [ctypes.c_void_p, ctypes.c_char_p]

DTYPE_CODES = {np.dtype(np.int8): (0, 8), np.dtype(np.int32): (0, 32), np.dtype(np.int64): (0, 64),
               np.dtype(np.uint8): (1, 8), np.dtype(np.float32): (2, 32), np.dtype(np.float64): (2, 64),
               np.dtype(np.complex128): (5, 128), np.dtype(np.bool_): (6, 8)}


class Ledger:
    """Counts deleter calls per tensor and keeps each tensor's memory and structs alive until its deleter."""

    def __init__(self):
        self.lock = threading.Lock()
        self.made = 0
        self.calls = {}      # tensor id -> number of deleter calls
        self.threads = {}    # tensor id -> thread ids the deleter ran on
        self.alive = {}      # tensor id -> (array, struct, shape, strides): released by the deleter
        self.next_id = 1
        # One deleter thunk per struct form, alive as long as the ledger: a deleter must not free itself.
        self.deleters = {DLManagedTensorVersioned: _deleter(self, DLManagedTensorVersioned),
                         DLManagedTensor: _deleter(self, DLManagedTensor)}

    def register(self, keep):
        with self.lock:
            tid = self.next_id
            self.next_id += 1
            self.made += 1
            self.calls[tid] = 0
            self.alive[tid] = keep
            return tid

    def deleted(self, tid):
        with self.lock:
            self.calls[tid] += 1
            self.threads.setdefault(tid, []).append(threading.get_ident())
            self.alive.pop(tid, None)

    def assert_balanced(self):
        """Every tensor made was deleted exactly once and nothing is still held."""
        with self.lock:
            wrong = {t: n for t, n in self.calls.items() if n != 1}
            assert not wrong, f"deleters not called exactly once (tensor id: calls): {dict(list(wrong.items())[:10])}"
            assert not self.alive, f"{len(self.alive)} tensors still hold their memory"


def _deleter(ledger, struct_type):
    def delete(ptr):
        ledger.deleted(ptr.contents.manager_ctx)
    return (VERSIONED_DELETER if struct_type is DLManagedTensorVersioned else LEGACY_DELETER)(delete)


def _capsule_destructor(names):
    """Destructor of an unconsumed capsule: calls the tensor's deleter unless a consumer renamed it."""
    # Calls through ctypes fail while an exception is pending, so a test must not let a capsule of this
    # producer die in the middle of raising (hold it in a variable rather than passing a temporary).
    def destroy(capsule):
        name = _api.PyCapsule_GetName(capsule)
        if name is None or name.startswith(b"used_"):
            return
        ptr = _api.PyCapsule_GetPointer(capsule, name)
        struct_type = names[name]
        managed = ctypes.cast(ptr, ctypes.POINTER(struct_type))
        managed.contents.deleter(managed)
    return CAPSULE_DESTRUCTOR(destroy)


class Producer:
    """An object with __dlpack__ over a NumPy array, injecting one fault:

    none          a correct producer
    raise         __dlpack__ raises before making anything
    wrong_name    the capsule has a name that is not a DLPack name
    bad_dtype     the tensor's dtype code is unknown (the import must refuse it and call the deleter)
    bad_ndim      ndim is -1
    huge          shape whose size overflows int64
    bad_version   major version 99 (versioned only)
    broadcast     a valid tensor of 2**59 elements with zero strides over one element, so that any copy of
                  it asks for an impossible allocation
    """

    FAULTS = ("none", "raise", "wrong_name", "bad_dtype", "bad_ndim", "huge", "bad_version", "broadcast")

    def __init__(self, ledger, array, fault="none", versioned=True, readonly=False):
        self.ledger, self.array, self.fault, self.versioned, self.readonly = ledger, array, fault, versioned, readonly

    def __dlpack_device__(self):
        return (1, 0)

    def __dlpack__(self, *, max_version=None, dl_device=None, copy=None, stream=None):
        if self.fault == "raise":
            raise RuntimeError("producer refuses")
        versioned = self.versioned and max_version is not None and max_version[0] >= 1
        return make_capsule(self.ledger, self.array, self.fault, versioned, self.readonly)


_destructor_versioned = _capsule_destructor({
    b"dltensor_versioned": DLManagedTensorVersioned, b"wrong_name": DLManagedTensorVersioned})
_destructor_legacy = _capsule_destructor({b"dltensor": DLManagedTensor, b"wrong_name": DLManagedTensor})


def make_capsule(ledger, array, fault="none", versioned=True, readonly=False):
    """A capsule over `array` (any strides) with the fault injected; the ledger counts its deleter."""
    a = np.asarray(array)
    ndim = a.ndim
    shape = (ctypes.c_int64 * max(ndim, 1))(*a.shape)
    strides = (ctypes.c_int64 * max(ndim, 1))(*(s // a.itemsize for s in a.strides))
    struct_type = DLManagedTensorVersioned if versioned else DLManagedTensor
    managed = struct_type()
    t = managed.dl_tensor
    t.data = a.ctypes.data if a.size else None
    t.device = DLDevice(1, 0)
    t.ndim = ndim
    code, bits = DTYPE_CODES[a.dtype]
    t.dtype = DLDataType(code, bits, 1)
    t.shape = ctypes.cast(shape, c_int64_p)
    t.strides = ctypes.cast(strides, c_int64_p)
    t.byte_offset = 0
    if fault == "bad_dtype":
        t.dtype = DLDataType(77, 8, 1)
    elif fault == "bad_ndim":
        t.ndim = -1
    elif fault == "huge" and ndim >= 1:
        shape[0] = 2**62
    elif fault == "broadcast" and ndim >= 1:
        for i in range(ndim):
            shape[i], strides[i] = (2**59 if i == 0 else 1), 0
    managed.deleter = ledger.deleters[struct_type]
    if versioned:
        managed.version = DLPackVersion(99 if fault == "bad_version" else 1, 0)
        managed.flags = 1 if readonly else 0
    tid = ledger.register((a, managed, shape, strides))
    managed.manager_ctx = tid
    name = b"wrong_name" if fault == "wrong_name" else (b"dltensor_versioned" if versioned else b"dltensor")
    return _api.PyCapsule_New(ctypes.addressof(managed), name,
                              _destructor_versioned if versioned else _destructor_legacy)
