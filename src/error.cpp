// Names of error kinds; the rest of the error type is header-only.
#include "ndbridge/error.h"

namespace ndbridge {

std::string_view to_string(ErrorKind kind) noexcept {
    switch (kind) {
        case ErrorKind::type: return "type";
        case ErrorKind::value: return "value";
        case ErrorKind::overflow: return "overflow";
        case ErrorKind::copy: return "copy";
        case ErrorKind::buffer: return "buffer";
        case ErrorKind::index: return "index";
    }
    return "unknown";
}

}  // namespace ndbridge
