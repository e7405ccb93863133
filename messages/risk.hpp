#pragma once

#include <cstdint>
#include <string>

#include "messages/execution.hpp"
#include "messages/time.hpp"

namespace algomirror {

/// A rule that fired (a `risk_events` row). `execution_id == 0` for a run-level event;
/// `account_id == 0` when the scope is the whole run.
struct risk_event {
  std::string write_id; ///< unique per write (idempotent replay)
  int64_t run_id = 0;
  int64_t execution_id = 0;
  int64_t account_id = 0;
  exit_reason rule = exit_reason::none;
  double trigger_value = 0;
  double threshold_value = 0;
  std::string action; ///< e.g. "exit_all", "exit_leg"
  std::string reason; ///< human-readable
  std::string details_json;
  utc_instant at;

  friend bool operator==(const risk_event&, const risk_event&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, risk_event& x) {
  return f(x.write_id, x.run_id, x.execution_id, x.account_id, x.rule, x.trigger_value, x.threshold_value,
           x.action, x.reason, x.details_json, x.at);
}

} // namespace algomirror
