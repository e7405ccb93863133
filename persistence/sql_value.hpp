#pragma once

#include <cstdint>
#include <string>
#include <variant>

namespace algomirror {

/// A bound parameter: NULL, integer, real, text or boolean. Values are always bound, never
/// spliced into SQL text.
using sql_value = std::variant<std::monostate, int64_t, double, std::string, bool>;

} // namespace algomirror
