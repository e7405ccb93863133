#include "domain/passwords.hpp"

#include <algorithm>
#include <cctype>

namespace algomirror {

std::vector<std::string> password_problems(std::string_view password) {
  std::vector<std::string> problems;
  if (password.size() < 8 || password.size() > 128)
    problems.emplace_back("length: must be 8 to 128 characters (has "
                          + std::to_string(password.size()) + ")");
  auto any = [&](auto pred) { return std::any_of(password.begin(), password.end(), pred); };
  if (!any([](char c) { return std::isupper(static_cast<unsigned char>(c)); }))
    problems.emplace_back("upper-case: needs at least one upper-case letter");
  if (!any([](char c) { return std::islower(static_cast<unsigned char>(c)); }))
    problems.emplace_back("lower-case: needs at least one lower-case letter");
  if (!any([](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
    problems.emplace_back("digit: needs at least one digit");
  constexpr std::string_view specials = "!@#$%^&*()_+-=[]{}|;:,.<>?";
  if (!any([&](char c) { return specials.find(c) != std::string_view::npos; }))
    problems.emplace_back("special: needs one of " + std::string{specials});
  std::string lower{password};
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); });
  for (auto common : {"password", "123456", "123456789", "qwerty", "abc123", "password123"})
    if (lower == common)
      problems.emplace_back("common: it is one of the most common passwords"); // never echo it
  return problems;
}

} // namespace algomirror
