#pragma once

// operating.md §2: 5 failed logins of a user within a minute lock that user out for a minute.

#include <chrono>
#include <deque>
#include <map>
#include <string>

#include "domain/clock.hpp"

namespace algomirror {

class login_guard {
public:
  explicit login_guard(int max_failures = 5, std::chrono::seconds window = std::chrono::seconds{60},
                       std::chrono::seconds lockout = std::chrono::seconds{60});

  /// Whether `user` may try to log in at `now`; when not, `until` says when it may again.
  bool allowed(const std::string& user, utc_instant now, utc_instant* until = nullptr) const;

  /// A failed attempt; answers true when it locked the user out.
  bool failed(const std::string& user, utc_instant now);

  /// A successful login clears the user's failures.
  void succeeded(const std::string& user);

private:
  int max_failures_;
  std::chrono::seconds window_;
  std::chrono::seconds lockout_;
  std::map<std::string, std::deque<utc_instant>> failures_;
  std::map<std::string, utc_instant> locked_until_;
};

} // namespace algomirror
