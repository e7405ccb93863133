#pragma once

// Inside the console session actor (actors/console_session*.cpp only): its state and the
// helpers its files share. console_session.cpp: authorization, the read commands, runs and
// exits, the streamed views, the behaviour; console_session_changes.cpp: account and strategy
// changes, holdings, and option-chain sessions.

#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <caf/actor_clock.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/console.hpp"
#include "messages/type_ids.hpp"

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

/// The session's own interface: the public one and its timers.
using console_session_impl = console_session_actor::extend<
  caf::reacts_to<idle_atom, uint64_t>, // the idle timer (generation)
  caf::reacts_to<caf::tick_atom>>;     // push the streamed views

using session_pointer = console_session_impl::stateful_pointer<session_state>;

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

/// The user's runs among the node's live and recent ones.
inline std::vector<run_status> mine(const session_state& st, std::vector<run_status> all) {
  std::vector<run_status> out;
  for (auto& r : all)
    if (owns_strategy(st, r.strategy_id))
      out.push_back(std::move(r));
  return out;
}

inline bool finished(const run_status& r) {
  return r.phase == run_phase::finished;
}

/// The node's strategies (a strategy imported by another session is known here from then on),
/// then `then`; on a failure the strategies known already serve.
template <class Then>
void with_strategies(session_pointer self, Then then) {
  self->request(self->state.cfg.node, ask_timeout, caf::get_atom_v, strategies_atom_v)
    .then(
      [self, then](std::vector<strategy_definition>& all) mutable {
        self->state.cfg.strategies = std::move(all);
        then();
      },
      [then](const caf::error&) mutable { then(); });
}

/// The node's accounts (one added or changed by another session is known here from then on),
/// then `then`; on a failure the accounts known already serve.
template <class Then>
void with_accounts(session_pointer self, Then then) {
  self->request(self->state.cfg.node, ask_timeout, caf::get_atom_v, accounts_atom_v)
    .then(
      [self, then](std::vector<account_record>& all) mutable {
        self->state.cfg.accounts = std::move(all);
        then();
      },
      [then](const caf::error&) mutable { then(); });
}

/// The running actor of an account: the one asked before, or the node's (kept for next time;
/// forgotten when the account changes).
template <class Then, class Fail>
void with_account_actor(session_pointer self, int64_t id, Then then, Fail fail) {
  auto& st = self->state;
  if (auto i = st.account_actors.find(id); i != st.account_actors.end()) {
    then(i->second);
    return;
  }
  self->request(st.cfg.node, ask_timeout, caf::get_atom_v, account_atom_v, id)
    .then(
      [self, id, then](const account_actor& a) mutable {
        self->state.account_actors[id] = a;
        self->monitor(a); // a restarted or removed account is asked of the node again
        then(a);
      },
      fail);
}

/// The accounts' health, broker and OpenAlgo mode as their actors know them now, then `then`
/// (an account that does not answer keeps its stored health).
template <class Then>
void with_health(session_pointer self, std::vector<account_view> views, Then then) {
  auto out = std::make_shared<std::vector<account_view>>(std::move(views));
  auto pending = std::make_shared<size_t>(out->size());
  if (out->empty()) {
    then(std::move(*out));
    return;
  }
  auto done = [out, pending, then]() mutable {
    if (--*pending == 0)
      then(std::move(*out));
  };
  auto ignore = [done](const caf::error&) mutable { done(); };
  for (size_t i = 0; i < out->size(); ++i)
    with_account_actor(
      self, (*out)[i].id,
      [self, out, i, done, ignore](const account_actor& a) mutable {
        self->request(a, ask_timeout, caf::get_atom_v, status_atom_v)
          .then(
            [out, i, done](const account_status& s) mutable {
              auto& v = (*out)[i];
              v.health = s.health;
              v.mode = s.mode;
              if (!s.broker.empty())
                v.broker = s.broker;
              done();
            },
            ignore);
      },
      ignore);
}

enum class book_kind : uint8_t { funds, positions, orders, trades, holdings };

// console_session_views.cpp
/// One book of one account, or of every account of the user.
caf::result<std::vector<account_book>> books(session_pointer self, book_kind kind,
                                             const std::string& account);
/// `status`: the node, its lease, feed, the user's accounts with their health, live runs as
/// headlines.
void answer_status(session_pointer self, caf::typed_response_promise<console_status> rp);

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
