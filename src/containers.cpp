// Out-of-line parts of containers.h: the wording of the ragged-input error, kept out of the templates.
#include "ndbridge/containers.h"

#include <sstream>

namespace ndbridge::detail {

std::string index_path(std::span<const std::int64_t> path) {
    std::ostringstream text;
    for (std::int64_t i : path) text << '[' << i << ']';
    return text.str();
}

void ragged(std::span<const std::int64_t> path, std::int64_t length, std::int64_t expected) {
    const std::vector<std::int64_t> first(path.size(), 0);
    fail(ErrorKind::value, "ndbridge::asarray: the nested container is ragged: element ", index_path(path),
         " has length ", length, " but ", index_path(first), " has length ", expected,
         " (every container at one depth must have the same length)");
}

}  // namespace ndbridge::detail
