// ndbridge/device.h — where an array's memory lives: a DLPack device type and an ordinal.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ndbridge/dlpack.h"

namespace ndbridge {

/// A device: DLPack device type + ordinal. Host memory is {kDLCPU, 0}.
struct Device {
    DLDeviceType type = kDLCPU;
    std::int32_t id = 0;

    static constexpr Device cpu() noexcept { return {}; }
    bool is_cpu() const noexcept { return type == kDLCPU; }
    /// True when the host may dereference the memory (CPU, CUDA host-pinned and managed memory).
    bool host_accessible() const noexcept {
        return type == kDLCPU || type == kDLCUDAHost || type == kDLROCMHost || type == kDLCUDAManaged;
    }
    friend bool operator==(const Device&, const Device&) = default;
};

/// "cpu", "cuda:1", "mps:0": the PyTorch spelling where PyTorch has one. The CPU is always "cpu".
std::string to_string(Device device);
/// Parses "cpu", "cuda", "cuda:1", "mps", "xpu:0", "rocm", "cuda_host", ... ("cuda" means ordinal 0).
/// Error(value) naming the text and the accepted names.
Device parse_device(std::string_view text);
/// Validates a DLPack (device_type, device_id) pair; Error(value) for unknown codes or negative ids.
Device device_from_dlpack(std::int32_t device_type, std::int32_t device_id);

}  // namespace ndbridge
