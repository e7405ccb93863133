#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "messages/time.hpp"

namespace algomirror {

enum class node_phase : uint8_t { starting, running, stopping, stopped };

/// What the node reports about itself (console `status`, the life-cycle tests).
struct node_status {
  node_phase phase = node_phase::starting;
  std::string database; ///< the database URL with any password masked
  utc_instant started_at;
  utc_instant now;
  int32_t accounts = 0;
  int32_t live_runs = 0;
  int32_t restarts = 0; ///< crashed children restarted since start
  int32_t alerts = 0;   ///< children given up on (too many restarts in a minute)
  std::vector<std::string> warnings; ///< what the operator should fix (a year without holidays)

  friend bool operator==(const node_status&, const node_status&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_status& x) {
  return f(x.phase, x.database, x.started_at, x.now, x.accounts, x.live_runs, x.restarts,
           x.alerts, x.warnings);
}

/// An `activity_logs` row (trading-rules.md §12): who did what, with details as JSON.
struct activity_entry {
  std::string write_id; ///< unique per write (idempotent replay)
  int64_t user_id = 0;  ///< 0 = no user (the node itself)
  std::string action;
  std::string details_json;
  std::string source; ///< "node", "console", "cli", ...
  utc_instant at;

  friend bool operator==(const activity_entry&, const activity_entry&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, activity_entry& x) {
  return f(x.write_id, x.user_id, x.action, x.details_json, x.source, x.at);
}

} // namespace algomirror
