// ndbridge/error.h — the one error type of the core.
// Every failure in the core throws ndbridge::Error with a kind; the Python binding maps each kind to a
// Python exception through one table, so messages are written once, here in the core, with the values.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>

namespace ndbridge {

/// What went wrong, in the terms a Python user knows (TypeError, ValueError, ...).
enum class ErrorKind : unsigned char {
    type,      ///< wrong kind of input (unknown dtype, object arrays, ...)
    value,     ///< right kind, bad value (malformed format string, bad shape, ...)
    overflow,  ///< a size, offset or value does not fit
    copy,      ///< a copy would be needed but copy=False forbids it
    buffer,    ///< a buffer/DLPack exchange cannot be honoured
    index,     ///< an index is out of range
};

/// Name of a kind, for messages and tests ("type", "value", ...).
std::string_view to_string(ErrorKind kind) noexcept;

/// The core's exception. The message names the function, the input, the rule and the observed values.
class Error : public std::runtime_error {
public:
    Error(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
    ErrorKind kind() const noexcept { return kind_; }

private:
    ErrorKind kind_;
};

namespace detail {
template <class... Parts>
std::string concat(const Parts&... parts) {
    std::ostringstream out;
    (out << ... << parts);
    return out.str();
}
}  // namespace detail

/// Throws Error(kind, message) where the message is the concatenation of `parts` (streamed).
template <class... Parts>
[[noreturn]] void fail(ErrorKind kind, const Parts&... parts) {
    throw Error(kind, detail::concat(parts...));
}

}  // namespace ndbridge
