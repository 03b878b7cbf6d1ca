// Devices: names and DLPack codes.
#include "ndbridge/device.h"

#include <algorithm>
#include <array>
#include <charconv>

#include "ndbridge/error.h"

namespace ndbridge {
namespace {

struct DeviceName {
    DLDeviceType type;
    std::string_view name;
};
// PyTorch's names where it has one (mps = Metal, xpu = oneAPI); the DLPack names otherwise.
constexpr std::array<DeviceName, 16> kDeviceNames = {{
    {kDLCPU, "cpu"},
    {kDLCUDA, "cuda"},
    {kDLCUDAHost, "cuda_host"},
    {kDLOpenCL, "opencl"},
    {kDLVulkan, "vulkan"},
    {kDLMetal, "mps"},
    {kDLVPI, "vpi"},
    {kDLROCM, "rocm"},
    {kDLROCMHost, "rocm_host"},
    {kDLExtDev, "ext_dev"},
    {kDLCUDAManaged, "cuda_managed"},
    {kDLOneAPI, "xpu"},
    {kDLWebGPU, "webgpu"},
    {kDLHexagon, "hexagon"},
    {kDLMAIA, "maia"},
    {kDLTrn, "trn"},
}};

std::string_view name_of(DLDeviceType type) {
    for (const auto& d : kDeviceNames)
        if (d.type == type) return d.name;
    return {};
}

}  // namespace

std::string to_string(Device device) {
    const std::string_view n = name_of(device.type);
    const std::string base = n.empty() ? detail::concat("device_type_", int(device.type)) : std::string(n);
    if (device.type == kDLCPU) return base;
    return detail::concat(base, ":", device.id);
}

Device parse_device(std::string_view text) {
    const auto colon = text.find(':');
    const std::string_view kind = text.substr(0, colon);
    std::int32_t id = 0;
    if (colon != std::string_view::npos) {
        const std::string_view digits = text.substr(colon + 1);
        auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), id);
        if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || id < 0)
            fail(ErrorKind::value, "device: '", text,
                 "' has a bad ordinal after ':' (expected a number >= 0, as in 'cuda:1')");
    }
    for (const auto& d : kDeviceNames) {
        if (d.name == kind) {
            if (d.type == kDLCPU && id != 0)
                fail(ErrorKind::value, "device: '", text, "': the host has one device, 'cpu' (or 'cpu:0')");
            return {d.type, id};
        }
    }
    std::string known;
    for (const auto& d : kDeviceNames) known += detail::concat(known.empty() ? "" : ", ", d.name);
    fail(ErrorKind::value, "device: unknown device '", text, "' (expected one of ", known,
         ", optionally with ':<ordinal>')");
}

Device device_from_dlpack(std::int32_t device_type, std::int32_t device_id) {
    // Compared as integers: converting an int outside the enum's values to DLDeviceType is undefined.
    const bool known = std::any_of(kDeviceNames.begin(), kDeviceNames.end(), [&](const DeviceName& d) {
        return static_cast<std::int32_t>(d.type) == device_type;
    });
    if (!known) fail(ErrorKind::value, "device: unknown DLPack device type ", device_type);
    if (device_id < 0)
        fail(ErrorKind::value, "device: negative device id ", device_id, " for DLPack device type ", device_type);
    return {static_cast<DLDeviceType>(device_type), device_id};
}

}  // namespace ndbridge
