#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include <caf/fwd.hpp>

#include "actors/account.hpp"
#include "actors/market_clock.hpp"
#include "actors/price_feed.hpp"
#include "actors/strategy_run.hpp"
#include "domain/clock.hpp"
#include "messages/actors.hpp"

namespace algomirror {

/// How the node reaches brokers: apps/ wires the OpenAlgo gateways (and decrypts keys there),
/// tests wire scripted fakes.
struct gateway_factory {
  std::function<broker_api_actor(const account_record&)> broker_api;
  link_maker link;
};

/// A run that had not finished when the node stopped, with its unfinished executions.
using unfinished_run = run_recovery;

/// What the node actor is given at start: the gateways apps/ made, and the clock.
struct node_config {
  store_actor store;
  const clock* time = nullptr; ///< outlives the actor system
  std::string database_label;  ///< for status; password masked
  std::chrono::seconds shutdown_timeout{30};
  std::vector<account_record> accounts; ///< the active accounts, from the database
  gateway_factory gateways;
  account_config account_defaults; ///< timings and limits for every account
  price_feed_config feed_defaults; ///< timings for the feed
  calendar_data calendar;          ///< sessions and holidays for the market clock
  std::chrono::milliseconds clock_resolution{250};
  std::vector<strategy_definition> strategies; ///< active strategies, from the database
  std::vector<unfinished_run> unfinished;      ///< recovered at start (reconciled by each run)
  /// Timings and tables of every run (its strategy, accounts and handles are filled in).
  strategy_run_config run_defaults;
  /// §11: outside market hours a run needs `force` — unless the node runs on a test clock.
  bool test_clock = false;
  size_t finished_runs_kept = 50; ///< statuses of ended runs kept for the console
  int max_restarts = 5;            ///< per child in `restart_window`; then an alert, no restart
  std::chrono::seconds restart_window{60};
};

/// Spawns the node actor: the process's registry, supervision and shutdown order.
node_actor spawn_node(caf::actor_system& sys, node_config cfg);

} // namespace algomirror
