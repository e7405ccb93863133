#pragma once

// Inside the node actor (actors/node*.cpp only): its state and what its files share.
// node.cpp: supervision, runs (start, recovery, re-adoption), shutdown, the behaviour;
// node_accounts.cpp: accounts adopted, retired and pinged while the node runs, and the market
// data actor that follows them.

#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/node.hpp"
#include "domain/calendar.hpp"

namespace algomirror::node_internal {

/// A supervised child: what it is, so it can be made again from its persisted state.
struct child_info {
  enum class kind : uint8_t { account, feed } what = kind::account;
  int64_t account_id = 0;
  std::string label;
};

struct node_state {
  node_config cfg;
  std::optional<market_calendar> calendar; ///< built once from cfg.calendar
  node_phase phase = node_phase::starting;
  utc_instant started_at;
  std::map<int64_t, account_actor> accounts;
  std::map<int64_t, broker_api_actor> gateways;
  price_feed_actor feed;
  market_data_actor market_data; ///< runs' prices, expiries and bars, with failover
  market_clock_actor clock;
  std::map<caf::actor_addr, child_info> children;
  std::set<caf::actor_addr> linked; ///< every actor linked to the node (children, gateways)
  std::map<std::string, std::deque<caf::actor_clock::time_point>> restarts_by_child;
  int32_t restarts = 0;
  int32_t alerts = 0;
  uint64_t activity_seq = 0;
  std::map<int64_t, strategy_definition> strategies;
  struct live_run {
    int64_t strategy_id = 0;
    strategy_run_actor handle;
    std::set<int64_t> account_ids; ///< the accounts it trades on
  };
  std::map<int64_t, live_run> runs;         ///< run id → the live run
  std::set<int64_t> starting;               ///< strategies whose run is being made
  std::deque<run_status> finished_runs;     ///< the latest first
  lease_info lease;                         ///< operating.md §1

  caf::typed_response_promise<caf::ok_atom> shutdown_promise;
  static inline const char* name = "node";
};

/// The node's own interface: the public one and the accounts' settling at shutdown.
using node_impl = node_actor::extend<caf::reacts_to<shutdown_atom, caf::ok_atom>>;

using node_pointer = node_impl::stateful_pointer<node_state>;

/// An activity_logs row about the node itself; its write id is unique per node start.
void record_activity(node_pointer self, const std::string& action, std::string details = "{}");
void spawn_account_child(node_pointer self, const account_record& rec);
void spawn_feed_child(node_pointer self);

// node_accounts.cpp
/// The accounts' gateways in failover order (primary first).
std::vector<broker_api_actor> gateways_in_order(const node_state& st);
/// The market data actor follows the accounts (added, removed, enabled, made primary).
void update_market_data(node_pointer self);
/// An account added or changed live (console `account add/enable/disable/set-primary`).
void adopt_account(node_pointer self, const account_record& rec);
/// An account removed live: its actor and gateway stop (refused while a run trades on it).
caf::result<caf::ok_atom> retire_account(node_pointer self, int64_t id);
/// Pings an account: through its running gateway, or a gateway made for this ping only.
caf::result<std::string> ping_account(node_pointer self, const account_record& rec);

} // namespace algomirror::node_internal
