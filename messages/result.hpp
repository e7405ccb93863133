#pragma once

#include <optional>
#include <string>
#include <utility>

namespace algomirror {

/// A value or the text of what was wrong with the input (C++20 has no std::expected).
/// Errors name the bad field or value and, where possible, what is allowed.
template <class T>
class result {
public:
  result(T value) : value_(std::move(value)) {}

  static result failure(std::string message) {
    result r;
    r.error_ = std::move(message);
    return r;
  }

  bool ok() const noexcept { return value_.has_value(); }
  explicit operator bool() const noexcept { return ok(); }

  const T& operator*() const& { return *value_; }
  T& operator*() & { return *value_; }
  T operator*() && { return std::move(*value_); } // by value: no dangling reference
  const T* operator->() const { return &*value_; }
  T* operator->() { return &*value_; }

  const std::string& error() const noexcept { return error_; }

private:
  result() = default;
  std::optional<T> value_;
  std::string error_;
};

} // namespace algomirror
