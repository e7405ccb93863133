#pragma once

// Recovery after a crash (issue 7 §5, trading-rules.md §10 step 4): what a persisted
// execution becomes once the broker has been asked. The broker is the truth: fills that
// happened while the node was down are applied, positions the broker no longer has are closed
// (`broker_reconciled`), an exit claim without a known order is resolved from the orderbook
// (adopt an order of ours) before anything is sent again. Ours = carries our tag
// (`AM:<run>:<execution>:<attempt>`, OpenAlgo's `strategy` field) or one of our order ids.

#include <string>
#include <vector>

#include "messages/execution.hpp"
#include "messages/orders.hpp"

namespace algomirror {

enum class recovery_action : uint8_t {
  none,            ///< nothing open (exited, failed, skipped)
  track,           ///< orders of ours are still open at the broker: follow them (ids given)
  entered,         ///< the entry filled while we were away (quantity, price)
  entry_failed,    ///< the entry never reached the broker, or nothing of it filled
  keep_open,       ///< the position is open as recorded (quantity may have shrunk)
  exited,          ///< the exit filled while we were away (quantity, price)
  closed_by_broker,///< the broker has no position: closed with reason broker_reconciled
  send_exit,       ///< a claim without an order at the broker: the exit may be sent again
};

struct recovery_decision {
  recovery_action action = recovery_action::none;
  int64_t quantity = 0;
  double price = 0;
  std::vector<std::string> order_ids;
  std::string why;
};

/// `broker_net` is the broker's net quantity in the execution's symbol and product (signed).
recovery_decision reconcile_execution(const execution_state& e,
                                      const std::vector<broker_order>& orderbook,
                                      int64_t broker_net);

/// Our tag for an execution's attempt (0 = the entry).
std::string order_tag(const execution_state& e, int32_t attempt);

} // namespace algomirror
