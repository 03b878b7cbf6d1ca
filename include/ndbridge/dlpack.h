// ndbridge/dlpack.h — the DLPack ABI types, written from the DLPack specification (v1.x).
// This header is plain C-compatible data only: every field documents its units, nullability and owner,
// because these structs cross library boundaries. Import/export functions live in the core, not here.
#pragma once

#include <cstdint>

extern "C" {

/// Device kinds, numbered as the DLPack specification numbers them (kDLCPU = 1, ...).
typedef enum {
    kDLCPU = 1,           ///< host memory
    kDLCUDA = 2,          ///< CUDA device memory
    kDLCUDAHost = 3,      ///< pinned host memory allocated by CUDA
    kDLOpenCL = 4,        ///< OpenCL
    kDLVulkan = 7,        ///< Vulkan buffer
    kDLMetal = 8,         ///< Metal (Apple GPU; "mps" in PyTorch)
    kDLVPI = 9,           ///< Verilog simulator buffer
    kDLROCM = 10,         ///< ROCm GPU memory
    kDLROCMHost = 11,     ///< pinned host memory allocated by ROCm
    kDLExtDev = 12,       ///< reserved for extension devices
    kDLCUDAManaged = 13,  ///< CUDA managed (unified) memory
    kDLOneAPI = 14,       ///< oneAPI / SYCL unified shared memory ("xpu")
    kDLWebGPU = 15,       ///< WebGPU
    kDLHexagon = 16,      ///< Qualcomm Hexagon DSP
    kDLMAIA = 17,         ///< Microsoft MAIA
    kDLTrn = 18,          ///< AWS Trainium
} DLDeviceType;

/// Where a tensor's memory lives.
typedef struct {
    DLDeviceType device_type;  ///< one of DLDeviceType
    int32_t device_id;         ///< device ordinal; 0 for host memory
} DLDevice;

/// Element type codes, numbered as the DLPack specification numbers them.
typedef enum {
    kDLInt = 0U,                 ///< signed two's-complement integer
    kDLUInt = 1U,                ///< unsigned integer
    kDLFloat = 2U,               ///< IEEE 754 binary floating point
    kDLOpaqueHandle = 3U,        ///< opaque handle; never imported by ndbridge
    kDLBfloat = 4U,              ///< bfloat16 (upper half of a float32)
    kDLComplex = 5U,             ///< interleaved (real, imaginary); bits counts both parts
    kDLBool = 6U,                ///< boolean, one byte per element
    kDLFloat8_e3m4 = 7U,         ///< FP8 variants, one byte per element
    kDLFloat8_e4m3 = 8U,         ///<
    kDLFloat8_e4m3b11fnuz = 9U,  ///<
    kDLFloat8_e4m3fn = 10U,      ///< 4 exponent bits, 3 mantissa bits, finite, NaN = S.1111.111
    kDLFloat8_e4m3fnuz = 11U,    ///<
    kDLFloat8_e5m2 = 12U,        ///< 5 exponent bits, 2 mantissa bits, IEEE-like (inf and NaN)
    kDLFloat8_e5m2fnuz = 13U,    ///<
    kDLFloat8_e8m0fnu = 14U,     ///<
    kDLFloat6_e2m3fn = 15U,      ///< sub-byte types; not imported by ndbridge
    kDLFloat6_e3m2fn = 16U,      ///<
    kDLFloat4_e2m1fn = 17U,      ///<
} DLDataTypeCode;

/// An element type: `code` from DLDataTypeCode, `bits` per lane, `lanes` (1 for scalars).
/// Always native byte order: DLPack has no way to say otherwise.
typedef struct {
    uint8_t code;    ///< a DLDataTypeCode value
    uint8_t bits;    ///< bits of one lane (complex64: 64)
    uint16_t lanes;  ///< vector lanes; ndbridge accepts only 1
} DLDataType;

/// The DLPack ABI version ndbridge implements. A consumer must refuse a different major version.
#define NDBRIDGE_DLPACK_MAJOR_VERSION 1
#define NDBRIDGE_DLPACK_MINOR_VERSION 1

/// ABI version carried by versioned tensors and the exchange API.
typedef struct {
    uint32_t major;  ///< incompatible changes; a consumer checks it before reading anything else
    uint32_t minor;  ///< compatible additions
} DLPackVersion;

/// A view of memory; does not own it. Every pointer is owned by whoever produced the struct.
typedef struct {
    void* data;            ///< base address (device pointer for non-host devices); may be NULL when empty
    DLDevice device;       ///< where `data` lives
    int32_t ndim;          ///< number of dimensions, >= 0 (ndbridge accepts at most 64)
    DLDataType dtype;      ///< element type, always native byte order
    int64_t* shape;        ///< `ndim` extents; NULL allowed only when ndim == 0
    int64_t* strides;      ///< `ndim` strides in ELEMENTS, not bytes; NULL means compact row-major
    uint64_t byte_offset;  ///< bytes from `data` to the first element
} DLTensor;

/// Legacy (pre-1.0) managed tensor, exchanged in a capsule named "dltensor". Has no version and no
/// flags, so a consumer cannot know whether it may write: ndbridge imports it read-only.
typedef struct DLManagedTensor {
    DLTensor dl_tensor;  ///< the view
    void* manager_ctx;   ///< producer's context; opaque to the consumer
    /// Called once by the consumer when done; frees `self` and what it holds. May be NULL.
    void (*deleter)(struct DLManagedTensor* self);
} DLManagedTensor;

#define DLPACK_FLAG_BITMASK_READ_ONLY (1UL << 0UL)               ///< consumer must not write
#define DLPACK_FLAG_BITMASK_IS_COPIED (1UL << 1UL)               ///< producer made a copy; consumer owns it alone
#define DLPACK_FLAG_BITMASK_IS_SUBBYTE_TYPE_PADDED (1UL << 2UL)  ///< sub-byte elements are padded to bytes

/// The 1.x managed tensor, exchanged in a capsule named "dltensor_versioned". Only `version` and the
/// fields before `flags` are guaranteed across minor versions: check `version.major` first.
typedef struct DLManagedTensorVersioned {
    DLPackVersion version;  ///< ABI version of this struct
    void* manager_ctx;      ///< producer's context; opaque to the consumer
    /// Called once by the consumer when done; frees `self` and what it holds. May be NULL.
    void (*deleter)(struct DLManagedTensorVersioned* self);
    uint64_t flags;      ///< DLPACK_FLAG_BITMASK_* bits
    DLTensor dl_tensor;  ///< the view
} DLManagedTensorVersioned;

// ---- the C exchange API (`__dlpack_c_exchange_api__` on a Python type), DLPack 1.1+ ----
// Functions return 0 on success and -1 on failure with a Python exception set (they are called with
// the GIL held and never throw C++ exceptions).

/// Asks the producer for a new tensor shaped like `prototype` (dtype, ndim, shape, device are read).
/// On failure calls SetError(error_ctx, kind, message) and returns -1.
typedef int (*DLPackManagedTensorAllocator)(DLTensor* prototype, DLManagedTensorVersioned** out, void* error_ctx,
                                            void (*SetError)(void* error_ctx, const char* kind, const char* message));
/// Exports a Python object of the API's type as an owning tensor (no stream synchronisation).
typedef int (*DLPackManagedTensorFromPyObjectNoSync)(void* py_object, DLManagedTensorVersioned** out);
/// Fills a caller-allocated DLTensor that views `py_object`; valid only until control returns.
typedef int (*DLPackDLTensorFromPyObjectNoSync)(void* py_object, DLTensor* out);
/// The producer's current work stream on a device; CPU producers set NULL.
typedef int (*DLPackCurrentWorkStream)(DLDeviceType device_type, int32_t device_id, void** out_current_stream);
/// Wraps an owning tensor (ownership is taken, also on failure) as a Python object of the API's type.
typedef int (*DLPackManagedTensorToPyObjectNoSync)(DLManagedTensorVersioned* tensor, void** out_py_object);

/// Start of every exchange API table: its version and an optional older table.
typedef struct DLPackExchangeAPIHeader {
    DLPackVersion version;                     ///< check `major` before using the table
    struct DLPackExchangeAPIHeader* prev_api;  ///< an older version of the table, or NULL
} DLPackExchangeAPIHeader;

/// The function table a type publishes as `__dlpack_c_exchange_api__` (a capsule or an int address).
/// It must outlive every object of the type; ndbridge's is a static.
typedef struct DLPackExchangeAPI {
    DLPackExchangeAPIHeader header;                                               ///< version and chain
    DLPackManagedTensorAllocator managed_tensor_allocator;                        ///< may be NULL
    DLPackManagedTensorFromPyObjectNoSync managed_tensor_from_py_object_no_sync;  ///< required
    DLPackManagedTensorToPyObjectNoSync managed_tensor_to_py_object_no_sync;      ///< required
    DLPackDLTensorFromPyObjectNoSync dltensor_from_py_object_no_sync;             ///< may be NULL
    DLPackCurrentWorkStream current_work_stream;                                  ///< required
} DLPackExchangeAPI;

}  // extern "C"
