#pragma once

#include <cstdint>
#include <string>

#include "messages/time.hpp"

namespace algomirror {

/// trading_accounts.connection_status
enum class connection_health : uint8_t { unknown, connected, disconnected };

struct account_status {
  int64_t account_id = 0;
  std::string name;
  std::string broker;
  connection_health health = connection_health::unknown;
  int32_t consecutive_ping_failures = 0;
  utc_instant changed_at;
  std::string mode; ///< OpenAlgo's analyzer: "live", "analyze" (sandbox), "" = not known yet

  friend bool operator==(const account_status&, const account_status&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, account_status& x) {
  return f(x.account_id, x.name, x.broker, x.health, x.consecutive_ping_failures, x.changed_at,
           x.mode);
}

} // namespace algomirror
