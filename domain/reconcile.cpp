#include "domain/reconcile.hpp"

#include <algorithm>

#include "domain/freeze.hpp"

namespace algomirror {

std::string order_tag(const execution_state& e, int32_t attempt) {
  return "AM:" + std::to_string(e.run_id) + ":" + std::to_string(e.execution_id) + ":"
         + std::to_string(attempt);
}

namespace {

/// The orders of one phase: by our recorded ids, or by our tag (the attempts given).
std::vector<const broker_order*> ours(const std::vector<broker_order>& book,
                                      const std::vector<std::string>& ids,
                                      const std::vector<std::string>& tags, side action) {
  std::vector<const broker_order*> out;
  for (auto& o : book) {
    bool by_id = std::find(ids.begin(), ids.end(), o.broker_order_id) != ids.end();
    bool by_tag = std::find(tags.begin(), tags.end(), o.strategy_tag) != tags.end()
                  && o.action == action;
    if (by_id || by_tag)
      out.push_back(&o);
  }
  return out;
}

struct phase_summary {
  int64_t filled = 0;
  double price = 0;
  bool open = false;
  std::vector<std::string> ids;
};

phase_summary summarize(const std::vector<const broker_order*>& orders) {
  phase_summary s;
  std::vector<child_fill> fills;
  for (auto* o : orders) {
    s.ids.push_back(o->broker_order_id);
    fills.push_back({o->filled_quantity, o->average_price});
    s.open = s.open || !is_terminal(o->status);
  }
  auto total = aggregate_fills(fills);
  s.filled = total.quantity;
  s.price = total.average_price;
  return s;
}

} // namespace

recovery_decision reconcile_execution(const execution_state& e,
                                      const std::vector<broker_order>& orderbook,
                                      int64_t broker_net) {
  recovery_decision d;
  int64_t ours_at_broker = e.action == side::buy ? broker_net : -broker_net;
  auto exit_side = e.action == side::buy ? side::sell : side::buy;
  switch (e.status) {
    case execution_status::pending: {
      auto entry = summarize(ours(orderbook, e.entry_order_ids, {order_tag(e, 0)}, e.action));
      d.order_ids = entry.ids;
      if (entry.ids.empty()) {
        d.action = recovery_action::entry_failed;
        d.why = "the entry order never reached the broker";
      } else if (entry.open) {
        d.action = recovery_action::track;
        d.why = "the entry order is still open at the broker";
      } else if (entry.filled == 0) {
        d.action = recovery_action::entry_failed;
        d.why = "nothing of the entry filled";
      } else {
        d.action = recovery_action::entered;
        d.quantity = entry.filled;
        d.price = entry.price;
        d.why = "the entry filled while the node was down";
      }
      return d;
    }
    case execution_status::entered:
      if (ours_at_broker <= 0) {
        d.action = recovery_action::closed_by_broker;
        d.why = "the broker has no open position in " + e.inst.symbol;
      } else {
        d.action = recovery_action::keep_open;
        d.quantity = std::min(e.quantity, ours_at_broker);
        d.why = d.quantity < e.quantity ? "the broker holds less than recorded" : "open as recorded";
      }
      return d;
    case execution_status::exit_pending:
    case execution_status::exit_stuck: {
      std::vector<std::string> tags;
      for (int32_t a = 1; a <= std::max(1, e.exit_attempts); ++a)
        tags.push_back(order_tag(e, a));
      auto exit = summarize(ours(orderbook, e.exit_order_ids, tags, exit_side));
      d.order_ids = exit.ids;
      if (exit.open) {
        d.action = recovery_action::track;
        d.why = "an exit order of ours is still open: adopted, not sent again";
      } else if (exit.filled >= e.quantity) {
        d.action = recovery_action::exited;
        d.quantity = exit.filled;
        d.price = exit.price;
        d.why = "the exit filled while the node was down";
      } else if (ours_at_broker <= 0) {
        d.action = recovery_action::closed_by_broker;
        d.quantity = exit.filled;
        d.price = exit.price;
        d.why = "the broker has no open position left";
      } else {
        d.action = recovery_action::send_exit;
        d.quantity = std::min(e.quantity - exit.filled, ours_at_broker);
        d.why = exit.ids.empty() ? "the claim has no order at the broker"
                                 : "the exit filled only in part";
      }
      return d;
    }
    default:
      d.why = "nothing open";
      return d;
  }
}

} // namespace algomirror
