// ndbridge/convert.h — the share-or-copy decision, written once for every input kind and target.
//
// Given an array viewing some source and a request (dtype, device, copy mode, order) for a target
// library with its own limits, share_or_copy answers one question: can the result be the source's
// memory, and if not, why not. The reasons are named in the error under copy=never, so the user sees
// "torch tensors cannot be read-only" rather than a bare "cannot avoid a copy".
#pragma once

#include <optional>
#include <string>

#include "ndbridge/array.h"
#include "ndbridge/infer.h"

namespace ndbridge {

/// copy=None / True / False of the Python API.
enum class CopyMode : unsigned char { if_needed, always, never };

/// What a target library can represent without a copy. Every field is a capability.
struct TargetTraits {
    const char* name = "ndbridge";  ///< for messages: "ndbridge", "numpy", "torch", "dlpack"
    bool negative_strides = true;   ///< torch: no
    bool readonly = true;           ///< can mark memory read-only (torch: no)
    bool non_native_order = true;   ///< torch and DLPack: no
    bool byte_strides = true;       ///< strides need not be multiples of the item size (torch, DLPack: no)
    bool sparse_strides = true;     ///< items need not be packed densely in some axis order (JAX: no)
};

inline constexpr TargetTraits kNdbridgeTarget{};
inline constexpr TargetTraits kTorchTarget{"torch", false, false, false, false};
/// DLPack itself allows negative strides, but consumers abort on them (PyTorch 2.13 terminates the
/// process), so an export copies them to a positive layout rather than hand them out.
inline constexpr TargetTraits kDLPackTarget{"DLPack", false, true, false, false};
/// JAX imports a legacy capsule (which has no read-only flag) and takes only compact strides.
inline constexpr TargetTraits kJaxTarget{"JAX", false, false, false, false, false};

/// What the caller asked for: the one request every entry point fills. Empty optionals mean "as the
/// source".
struct ConversionRequest {
    std::optional<DType> dtype;
    std::optional<Device> device;
    CopyMode copy = CopyMode::if_needed;
    MemoryOrder order = MemoryOrder::K;
    /// The dtype of Python floats and of empty sequences, which have no dtype of their own
    /// (float64, or torch.get_default_dtype() when the result is a torch tensor).
    DType default_float = ScalarType::float64;
    /// How typed elements of a sequence promote with its Python scalars (PyTorch's table for torch results).
    Promotion promotion = Promotion::numpy;
    /// dtype=str / bytes / "U" / "S" without a length (`dtype` then unset): that string type, its length
    /// taken from the data as NumPy takes it. Resolved by the reader before the share-or-copy decision.
    std::optional<ScalarType> unsized_string;
};

/// Why a copy is needed, as a code (cheap: no message is made on the per-call path).
enum class CopyCause : unsigned char {
    none,
    requested,
    device,
    dtype,
    byte_order,
    readonly,
    negative_strides,
    byte_strides,
    sparse_strides,
    order,
};

/// The one decision: why `src` cannot be shared for `request` on `target` (CopyCause::none when it can).
/// Checked in the order a user would look for the reasons.
CopyCause copy_cause(const Array& src, const ConversionRequest& request, const TargetTraits& target) noexcept;

/// The same decision in words, with the values; nullopt when `src` can be shared.
std::optional<std::string> copy_reason(const Array& src, const ConversionRequest& request, const TargetTraits& target);

/// The copy that `cause` (from copy_cause) calls for: Error(copy) naming the reason under
/// CopyMode::never, Error(value) for a device change, else a new array as share_or_copy describes.
/// Touches no shared state but the two arrays: callers may run it on any thread.
Array copy_for(const Array& src, const ConversionRequest& request, const TargetTraits& target, CopyCause cause);

/// The decision, applied: `src` itself when it may be shared (and copy is not `always`), else a new
/// host array laid out by the request's order (K keeps the source's stride order, positive), in the
/// requested dtype — or the source dtype in native order when the target cannot hold another order.
/// Error(copy) naming the reason under CopyMode::never; Error(value) for a device change, which only
/// a producer can make (the binding asks it through DLPack).
Array share_or_copy(const Array& src, const ConversionRequest& request, const TargetTraits& target = kNdbridgeTarget);

}  // namespace ndbridge
