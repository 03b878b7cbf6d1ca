// libFuzzer harness for DLPack import: fuzzed DLManagedTensorVersioned and legacy DLManagedTensor structs
// pointing into a buffer this harness owns. The deleter must run exactly once (at once on refusal, when
// the last view goes away on success); an accepted tensor must be viewed exactly as described, and a
// wrong major version must be refused touching nothing but the deleter.
#include <cstddef>
#include <cstdint>
#include <memory>

#include "fuzz_input.h"
#include "ndbridge/copy.h"
#include "ndbridge/dlpack_io.h"
#include "ndbridge/scalar.h"

using namespace ndbridge;
using namespace ndbridge::fuzz;

namespace {

int deleter_calls = 0;

template <class Managed>
void count_deleter(Managed* self) {
    NDB_FUZZ_CHECK(self->manager_ctx == &deleter_calls);
    ++deleter_calls;
}

std::int64_t small_or_wild(Input& in, std::int64_t low, std::int64_t high) {
    return in.below(8) != 0 ? in.in_range(low, high) : in.take<std::int64_t>();
}

constexpr std::uint8_t kBits[] = {1, 8, 16, 32, 64, 80, 128, 4};

// Fills `t` from the input; `shape`/`strides` hold the arrays its pointers refer to.
void fill_tensor(Input& in, DLTensor& t, std::vector<std::byte>& buffer, Dims& shape, Dims& strides) {
    t.ndim = in.below(8) != 0 ? static_cast<std::int32_t>(in.below(5)) : in.take<std::int32_t>();
    // Exactly ndim entries when ndim is valid (AddressSanitizer then catches any read past them); one
    // entry otherwise, which an import that checks ndim first never reads.
    const std::size_t entries = t.ndim >= 0 && t.ndim <= kMaxNdim ? static_cast<std::size_t>(t.ndim) : 1;
    shape.resize(entries);
    for (auto& e : shape) e = small_or_wild(in, -1, 5);
    strides.resize(entries);
    for (auto& s : strides) s = small_or_wild(in, -4, 4);
    t.shape = (in.below(16) == 0 || entries == 0) ? nullptr : shape.data();
    t.strides = in.flag() ? nullptr : strides.data();
    t.dtype.code = in.below(8) != 0 ? static_cast<std::uint8_t>(in.below(8)) : in.take<std::uint8_t>();
    t.dtype.bits = in.below(8) != 0 ? kBits[in.below(std::size(kBits))] : in.take<std::uint8_t>();
    t.dtype.lanes = in.below(8) != 0 ? std::uint16_t{1} : in.take<std::uint16_t>();
    if (in.below(8) != 0) {
        t.device = {kDLCPU, 0};
    } else {
        t.device = {static_cast<DLDeviceType>(in.take<std::int32_t>() % 20), in.take<std::int32_t>() % 3};
    }
    t.byte_offset = in.below(8) != 0 ? in.below(64) : in.take<std::uint64_t>();
    buffer = filled_buffer(in, in.below(256));
    if (t.dtype.code == kDLBool) keep_bools_valid(buffer);
    t.data = in.below(16) == 0 ? nullptr : buffer.data();
}

// Checks an accepted import against the struct it came from, and reads it when it lies in the buffer.
void check_view(const Array& a, const DLTensor& t, const std::vector<std::byte>& buffer, bool readonly) {
    NDB_FUZZ_CHECK(a.ndim() == t.ndim);
    NDB_FUZZ_CHECK(a.dtype() == from_dlpack(t.dtype));
    NDB_FUZZ_CHECK(a.readonly() == readonly);
    const auto itemsize = a.itemsize();
    for (int i = 0; i < a.ndim(); ++i) {
        NDB_FUZZ_CHECK(a.shape()[static_cast<std::size_t>(i)] == t.shape[i]);
        if (t.strides != nullptr) NDB_FUZZ_CHECK(a.strides()[static_cast<std::size_t>(i)] == t.strides[i] * itemsize);
    }
    if (t.strides == nullptr) NDB_FUZZ_CHECK(is_c_contiguous(a.shape(), a.strides(), itemsize));
    if (a.size() == 0) return;
    NDB_FUZZ_CHECK(a.data() == static_cast<std::byte*>(t.data) + t.byte_offset);
    const WideExtent e = wide_extent(a.shape(), a.strides(), itemsize);
    const Int128 first = static_cast<Int128>(t.byte_offset);
    if (!a.device().is_cpu() || first + e.low < 0 || first + e.high > static_cast<Int128>(buffer.size()) ||
        a.size() > 4096)
        return;
    for_each_index(a.shape(), [&](const Dims& index) { (void)load_scalar(a.dtype(), a.element(index)); });
    const Array c = copy(a);
    NDB_FUZZ_CHECK(c.shape() == a.shape());
    // An export of the view hands the same memory back and keeps it alive until its own deleter runs.
    if (dlpack_export_obstacle(a) == nullptr) {
        DLManagedTensorVersioned* out = export_dlpack_versioned(a);
        NDB_FUZZ_CHECK(out->dl_tensor.ndim == t.ndim);
        NDB_FUZZ_CHECK(static_cast<std::byte*>(out->dl_tensor.data) + out->dl_tensor.byte_offset == a.data());
        out->deleter(out);
    }
}

template <class Managed>
void run(Input& in, Managed& managed, bool readonly) {
    std::vector<std::byte> buffer;
    Dims shape, strides;
    fill_tensor(in, managed.dl_tensor, buffer, shape, strides);
    managed.manager_ctx = &deleter_calls;
    const bool has_deleter = in.below(8) != 0;
    managed.deleter = has_deleter ? &count_deleter<Managed> : nullptr;
    deleter_calls = 0;
    const int expected_calls = has_deleter ? 1 : 0;
    {
        Array a;
        try {
            a = import_dlpack(&managed);
        } catch (const Error&) {
            NDB_FUZZ_CHECK(deleter_calls == expected_calls);
            return;
        }
        NDB_FUZZ_CHECK(deleter_calls == 0);
        check_view(a, managed.dl_tensor, buffer, readonly);
        const Array view = a.index(std::vector<Index>{EllipsisIndex{}});
        a = Array();
        NDB_FUZZ_CHECK(deleter_calls == 0);  // the view still holds the tensor
    }
    NDB_FUZZ_CHECK(deleter_calls == expected_calls);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    Input in(data, size);
    if (in.flag()) {
        DLManagedTensor legacy{};
        run(in, legacy, true);
        return 0;
    }
    DLManagedTensorVersioned versioned{};
    versioned.version.major = in.below(8) != 0 ? 1U : in.take<std::uint32_t>();
    versioned.version.minor = in.take<std::uint8_t>();
    versioned.flags = in.take<std::uint64_t>();
    if (versioned.version.major != 1) {
        // Only the deleter may be touched: the view's pointers lead to freed memory, which
        // AddressSanitizer reports if the import reads them.
        auto freed = std::make_unique<std::int64_t[]>(4);
        std::int64_t* dangling = freed.get();
        freed.reset();
        versioned.dl_tensor.ndim = 2;
        versioned.dl_tensor.shape = dangling;
        versioned.dl_tensor.strides = dangling;
        versioned.manager_ctx = &deleter_calls;
        versioned.deleter = &count_deleter<DLManagedTensorVersioned>;
        deleter_calls = 0;
        try {
            (void)import_dlpack(&versioned);
            violated("a tensor of another major version was imported");
        } catch (const Error&) {
        }
        NDB_FUZZ_CHECK(deleter_calls == 1);
        return 0;
    }
    run(in, versioned, (versioned.flags & DLPACK_FLAG_BITMASK_READ_ONLY) != 0);
    return 0;
}
