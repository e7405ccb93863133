#pragma once

// operating.md §2: the console endpoint (login only) and the session it answers — one user's
// capability for every operator command. The endpoint is published by gateways/console; the
// password check and the log's alerts are given by apps/ (no crypto or logging sinks here).

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include <caf/fwd.hpp>

#include "domain/clock.hpp"
#include "messages/actors.hpp"

namespace algomirror {

struct console_config {
  node_actor node;
  records_actor records;
  store_actor store;
  const clock* time = nullptr;
  /// Argon2id check of a password against its stored hash.
  std::function<bool(const std::string& hash, const std::string& password)> verify_password;
  /// An Argon2id hash of a new password ("" when it cannot be made).
  std::function<std::string(const std::string& password)> hash_password;
  /// A new account's API key sealed under the master key ("" when it cannot be).
  std::function<std::string(const std::string& plain)> seal_secret;
  /// The node log's latest error-level lines (oldest first).
  std::function<std::vector<std::string>()> alerts;
  std::vector<account_record> accounts;        ///< the node's accounts (keys are never sent)
  std::vector<strategy_definition> strategies; ///< the node's strategies (refreshed from it)
  std::chrono::milliseconds idle_timeout{30 * 60 * 1000};
  std::chrono::milliseconds stream_interval{200}; ///< how often streamed views look
  int max_failures = 5;                           ///< failed logins of a user in a minute
  std::chrono::seconds lockout{60};
};

/// The published endpoint: `login(username, password)` → a session for that user. Event-based:
/// each password check (slow on purpose) runs on a short-lived detached actor of its own, and a
/// published actor that is not detached never holds up the actor system's end.
console_actor spawn_console(caf::actor_system& sys, console_config cfg);

/// A session of `user` for the client `peer` (the session ends when it goes away).
console_session_actor spawn_console_session(caf::actor_system& sys, const console_config& cfg,
                                            const user_credentials& user,
                                            caf::strong_actor_ptr peer);

} // namespace algomirror
