// Devices: PyTorch-style spellings ("cpu", "cuda:1", "mps:0") both ways, DLPack codes, and bad spellings.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ndbridge/device.h"
#include "ndbridge/error.h"
#include "test_data.h"

namespace ndbridge {
namespace {

TEST(ParseDevice, AcceptsPyTorchSpellings) {
    EXPECT_EQ(parse_device("cpu"), Device::cpu());
    EXPECT_EQ(parse_device("cpu:0"), Device::cpu());
    EXPECT_EQ(parse_device("cuda"), (Device{kDLCUDA, 0}));
    EXPECT_EQ(parse_device("cuda:1"), (Device{kDLCUDA, 1}));
    EXPECT_EQ(parse_device("mps:0"), (Device{kDLMetal, 0}));
    EXPECT_EQ(parse_device("mps"), (Device{kDLMetal, 0}));
    EXPECT_EQ(parse_device("xpu:2"), (Device{kDLOneAPI, 2}));
    EXPECT_EQ(parse_device("rocm"), (Device{kDLROCM, 0}));
    EXPECT_EQ(parse_device("cuda_host"), (Device{kDLCUDAHost, 0}));
    EXPECT_EQ(parse_device("cuda:2147483647"), (Device{kDLCUDA, 2147483647}));
}

TEST(FormatDevice, CpuHasNoOrdinalOthersAlwaysDo) {
    EXPECT_EQ(to_string(Device::cpu()), "cpu");
    EXPECT_EQ(to_string(Device{kDLCUDA, 1}), "cuda:1");
    EXPECT_EQ(to_string(Device{kDLCUDA, 0}), "cuda:0");
    EXPECT_EQ(to_string(Device{kDLMetal, 0}), "mps:0");
    EXPECT_EQ(to_string(Device{kDLOneAPI, 3}), "xpu:3");
}

TEST(FormatDevice, RoundTripsThroughParse) {
    for (const char* text :
         {"cpu", "cuda:0", "cuda:7", "mps:0", "xpu:1", "rocm:2", "cuda_host:0", "cuda_managed:1", "opencl:0",
          "vulkan:0", "rocm_host:0", "ext_dev:0", "webgpu:0", "hexagon:0", "maia:0", "trn:1", "vpi:0"})
        EXPECT_EQ(to_string(parse_device(text)), text);
}

TEST(ParseDevice, BadSpellingsAreValueErrors) {
    for (const char* bad : {"cuda:-1", "gpu", "cuda:x", "cpu:1", "", ":", "cuda:", "cuda:1:2", "cuda:+1", "cuda: 1",
                            " cuda", "CUDA", "Cpu", "cuda:99999999999", "cuda:1.0", "cpu:-0x1", "\xff"})
        EXPECT_NDB_ERROR(parse_device(bad), ErrorKind::value) << "device '" << bad << "'";
}

TEST(ParseDevice, ErrorsNameTheInputAndTheAcceptedNames) {
    try {
        parse_device("gpu");
        FAIL() << "expected an error";
    } catch (const Error& e) {
        const std::string msg = e.what();
        EXPECT_NE(msg.find("'gpu'"), std::string::npos) << msg;
        EXPECT_NE(msg.find("cuda"), std::string::npos) << msg;
    }
}

TEST(DeviceFromDLPack, ValidatesCodesAndOrdinals) {
    EXPECT_EQ(device_from_dlpack(kDLCPU, 0), Device::cpu());
    EXPECT_EQ(device_from_dlpack(kDLCUDA, 3), (Device{kDLCUDA, 3}));
    EXPECT_NDB_ERROR(device_from_dlpack(0, 0), ErrorKind::value);
    EXPECT_NDB_ERROR(device_from_dlpack(5, 0), ErrorKind::value);  // a gap in the DLPack numbering
    EXPECT_NDB_ERROR(device_from_dlpack(99, 0), ErrorKind::value);
    EXPECT_NDB_ERROR(device_from_dlpack(kDLCUDA, -1), ErrorKind::value);
}

TEST(Device, HostAccessibility) {
    EXPECT_TRUE(Device::cpu().is_cpu());
    EXPECT_TRUE(Device::cpu().host_accessible());
    EXPECT_TRUE((Device{kDLCUDAHost, 0}).host_accessible());
    EXPECT_TRUE((Device{kDLCUDAManaged, 0}).host_accessible());
    EXPECT_TRUE((Device{kDLROCMHost, 0}).host_accessible());
    EXPECT_FALSE((Device{kDLCUDA, 0}).host_accessible());
    EXPECT_FALSE((Device{kDLMetal, 0}).host_accessible());
    EXPECT_FALSE((Device{kDLCUDA, 0}).is_cpu());
}

}  // namespace
}  // namespace ndbridge
