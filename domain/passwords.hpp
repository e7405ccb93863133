#pragma once

// trading-rules.md §12: the password policy.

#include <string>
#include <string_view>
#include <vector>

namespace algomirror {

/// Every rule the password breaks, each named (empty = acceptable): 8–128 characters, an
/// upper-case letter, a lower-case letter, a digit, a special character of
/// !@#$%^&*()_+-=[]{}|;:,.<>?, and not a common password (case-insensitive).
std::vector<std::string> password_problems(std::string_view password);

} // namespace algomirror
