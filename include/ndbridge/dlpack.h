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
    kDLInt = 0U,                ///< signed two's-complement integer
    kDLUInt = 1U,               ///< unsigned integer
    kDLFloat = 2U,              ///< IEEE 754 binary floating point
    kDLOpaqueHandle = 3U,       ///< opaque handle; never imported by ndbridge
    kDLBfloat = 4U,             ///< bfloat16 (upper half of a float32)
    kDLComplex = 5U,            ///< interleaved (real, imaginary); bits counts both parts
    kDLBool = 6U,               ///< boolean, one byte per element
    kDLFloat8_e3m4 = 7U,        ///< FP8 variants, one byte per element
    kDLFloat8_e4m3 = 8U,        ///<
    kDLFloat8_e4m3b11fnuz = 9U, ///<
    kDLFloat8_e4m3fn = 10U,     ///< 4 exponent bits, 3 mantissa bits, finite, NaN = S.1111.111
    kDLFloat8_e4m3fnuz = 11U,   ///<
    kDLFloat8_e5m2 = 12U,       ///< 5 exponent bits, 2 mantissa bits, IEEE-like (inf and NaN)
    kDLFloat8_e5m2fnuz = 13U,   ///<
    kDLFloat8_e8m0fnu = 14U,    ///<
    kDLFloat6_e2m3fn = 15U,     ///< sub-byte types; not imported by ndbridge
    kDLFloat6_e3m2fn = 16U,     ///<
    kDLFloat4_e2m1fn = 17U,     ///<
} DLDataTypeCode;

/// An element type: `code` from DLDataTypeCode, `bits` per lane, `lanes` (1 for scalars).
/// Always native byte order: DLPack has no way to say otherwise.
typedef struct {
    uint8_t code;    ///< a DLDataTypeCode value
    uint8_t bits;    ///< bits of one lane (complex64: 64)
    uint16_t lanes;  ///< vector lanes; ndbridge accepts only 1
} DLDataType;

}  // extern "C"
