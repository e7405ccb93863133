#pragma once

// Inside the console session actor (actors/console_session*.cpp only): its state and the
// helpers its files share. console_session.cpp: authorization, the read commands, runs and
// exits, the streamed views, the behaviour; console_session_changes.cpp: account and strategy
// changes, holdings, and option-chain sessions.

#include <chrono>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <caf/actor_clock.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/console.hpp"

namespace algomirror::console_internal {

inline constexpr auto ask_timeout = std::chrono::seconds{15};

/// A view streamed to a listener until the run ends or the listener goes.
struct watcher {
  int64_t run_id = 0; ///< 0 = every run of the user (risk events)
  console_listener_actor listener;
  enum class kind : uint8_t { run, risk } what = kind::run;
  run_status last;
  std::set<std::string> sent_events; ///< risk events already pushed (write ids)
};

/// An option-chain session opened for this console session (`chain`).
struct chain_watch {
  std::string session_id;
  ws_session_actor session;
  console_listener_actor listener;
  std::map<std::string, double> sent; ///< the LTP last seen per symbol
  caf::actor_clock::time_point pushed_at; ///< when the board was last pushed
};

struct session_state {
  console_config cfg;
  user_credentials user;
  caf::actor_addr peer;
  uint64_t idle_generation = 0;
  uint64_t activity_seq = 0;
  std::vector<watcher> watchers;
  std::vector<chain_watch> chains;
  std::map<int64_t, account_actor> account_actors; ///< asked of the node once
  uint64_t chain_seq = 0;
  bool stream_armed = false;
  static inline const char* name = "console_session";
};

using session_pointer = console_session_actor::stateful_pointer<session_state>;

caf::error not_found(const std::string& what);
bool owns_account(const session_state& st, int64_t account_id);
bool owns_strategy(const session_state& st, int64_t strategy_id);
/// The user's accounts (all of them for the admin), primary first as the node keeps them.
std::vector<account_record> my_accounts(const session_state& st);
account_view view_of(const account_record& a);
void record_activity(session_pointer self, const std::string& action, std::string details);
/// Every command restarts the idle timer.
void touch(session_pointer self);
/// Arms the stream timer unless it is armed.
void arm_stream(session_pointer self);

// console_session_changes.cpp
caf::result<std::string> change_account(session_pointer self, const account_change& c);
caf::result<std::string> change_strategy(session_pointer self, const strategy_change& c);
caf::result<chain_view> open_chain(session_pointer self, const chain_request& req,
                                   const console_listener_actor& listener);
void heartbeat_chain(session_pointer self, const std::string& id);
void close_chain(session_pointer self, const std::string& id, const char* why);
/// Pushes each chain's changed prices to its listener.
void stream_chains(session_pointer self);

} // namespace algomirror::console_internal
