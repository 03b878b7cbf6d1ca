// ndbridge/infer.h — the dtype of data that has none yet: Python scalars and nested sequences.
//
// DESIGN §4's defaults: bool -> bool; int -> int64, or uint64 when some value is >= 2**63 and none is
// negative; float -> float64 (or the caller's default, torch's get_default_dtype()); complex ->
// complex128; promotion bool < int < float < complex; empty -> float64. Elements that carry a dtype
// (NumPy scalars, arrays inside a sequence) keep it, and Python scalars mixed with them promote as the
// dtype they have alone, as np.array does: [float32(1), 2] is float64, [int8(1), True] is int8. For a
// torch result the table is PyTorch's (torch.tensor), where a floating type beside integers wins as it
// is and Python floats are the default float: [float32(1), 2] is float32 there.
// Strings make S/U dtypes of the longest length and never mix with numbers, nor bytes with str.
// Negatives beside integers >= 2**63 are an overflow only when the result is an integer dtype.
#pragma once

#include <cstdint>
#include <optional>

#include "ndbridge/dtype.h"

namespace ndbridge {

/// How typed elements and Python scalars combine: NumPy's promotion table, or PyTorch's, which differs
/// where integers or bool meet floating or complex types: the floating/complex type wins unchanged.
enum class Promotion : std::uint8_t { numpy, torch };

/// promote_types (dtype.h) under `rule`.
DType promote_types(DType a, DType b, Promotion rule);

class DTypeInference {
public:
    void add_bool() noexcept { seen_bool_ = true; }
    /// A Python int that fits int64.
    void add_int(std::int64_t value) noexcept;
    /// A Python int in [2**63, 2**64).
    void add_big_uint(std::uint64_t value) noexcept;
    void add_float() noexcept { seen_float_ = true; }
    void add_complex() noexcept { seen_complex_ = true; }
    /// An element with its own dtype (NumPy scalar, array inside a sequence).
    void add_typed(DType dtype);
    /// A str (unicode) or bytes element of `length` characters.
    void add_string(bool unicode, std::int64_t length) noexcept;

    bool empty() const noexcept;
    /// The dtype for everything seen. Error(overflow) naming both values when negatives meet values
    /// >= 2**63; Error(type) when strings meet numbers.
    DType result(DType default_float = ScalarType::float64, Promotion rule = Promotion::numpy) const;

private:
    bool seen_bool_ = false, seen_int_ = false, seen_float_ = false, seen_complex_ = false;
    std::int64_t most_negative_ = 0;  ///< the most negative Python int seen (0 when none)
    std::uint64_t largest_big_ = 0;   ///< the largest Python int >= 2**63 seen (0 when none)
    std::optional<DType> typed_;      ///< promotion of every typed element
    bool seen_bytes_ = false, seen_unicode_ = false;
    std::int64_t string_length_ = 0;
};

}  // namespace ndbridge
