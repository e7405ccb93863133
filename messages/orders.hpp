#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "messages/execution.hpp"
#include "messages/instrument.hpp"
#include "messages/time.hpp"

namespace algomirror {

/// OpenAlgo's order status words (openalgo-api.md §1.5); anything else is `unknown` and
/// treated as non-terminal.
enum class order_status : uint8_t { open, trigger_pending, complete, cancelled, rejected, unknown };

/// Complete, cancelled or rejected: nothing changes the order any more.
constexpr bool is_terminal(order_status s) {
  return s == order_status::complete || s == order_status::cancelled
         || s == order_status::rejected;
}

/// The claim of §10 step 1: state `exit_pending`, reason, attempt, claim time, persisted before
/// the exit order is sent.
struct exit_claim {
  std::string write_id;
  int64_t execution_id = 0;
  exit_reason reason = exit_reason::manual;
  int32_t attempt = 0;
  utc_instant claimed_at;
  utc_instant retry_after; ///< epoch = none

  friend bool operator==(const exit_claim&, const exit_claim&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, exit_claim& x) {
  return f(x.write_id, x.execution_id, x.reason, x.attempt, x.claimed_at, x.retry_after);
}

/// What we mean to send, persisted (durably) before the request leaves the node. OpenAlgo has
/// no client order id; `tag` goes in its `strategy` field: `AM:<run>:<execution>:<attempt>`.
struct order_intent {
  std::string intent_id;
  int64_t account_id = 0;
  int64_t run_id = 0;
  int64_t execution_id = 0;
  int32_t attempt = 0;
  instrument inst;
  side action = side::buy;
  product order_product = product::mis;
  price_type kind = price_type::market;
  int64_t quantity = 0; ///< units, not lots
  double price = 0;
  double trigger_price = 0;
  std::string tag;
  utc_instant created_at;
  /// Its owner was made again (crash-only): the account re-attaches the owner to this intent
  /// when it has it, and refuses it (`not_found`, nothing sent) when it does not.
  bool resume_only = false;
  /// An exit's claim (its write id set): stored with the intent, before it and in its
  /// transaction, so the claim is on record before the order is sent without a commit of its own
  /// in between (trading-rules.md §10 step 1).
  exit_claim claim{};

  friend bool operator==(const order_intent&, const order_intent&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, order_intent& x) {
  return f(x.intent_id, x.account_id, x.run_id, x.execution_id, x.attempt, x.inst, x.action,
           x.order_product, x.kind, x.quantity, x.price, x.trigger_price, x.tag, x.created_at,
           x.resume_only, x.claim);
}

/// What became of an intent (`order_intents.status`, `broker_order_ids`): `sent` (accepted,
/// every child with its id), `rejected` (refused before any child was placed), `partial` (some
/// children placed, then a refusal), `unknown` (no definitive answer).
struct order_intent_outcome {
  std::string intent_id;
  std::string status;
  std::vector<std::string> broker_order_ids;

  friend bool operator==(const order_intent_outcome&, const order_intent_outcome&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, order_intent_outcome& x) {
  return f(x.intent_id, x.status, x.broker_order_ids);
}

/// The broker accepted an intent: one order id per freeze-split child.
struct order_accepted {
  std::string intent_id;
  std::vector<std::string> broker_order_ids;

  friend bool operator==(const order_accepted&, const order_accepted&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, order_accepted& x) {
  return f(x.intent_id, x.broker_order_ids);
}

/// A change of one broker order (order-update stream or a status poll).
struct order_update {
  std::string intent_id;
  std::string broker_order_id;
  order_status status = order_status::unknown;
  int64_t filled_quantity = 0;
  double average_price = 0;
  std::string message;
  utc_instant at;

  friend bool operator==(const order_update&, const order_update&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, order_update& x) {
  return f(x.intent_id, x.broker_order_id, x.status, x.filled_quantity, x.average_price,
           x.message, x.at);
}

/// The aggregate fill of an intent over all its children: total quantity and the
/// quantity-weighted average price (trading-rules.md §5).
struct fill {
  std::string intent_id;
  instrument inst;
  side action = side::buy;
  int64_t quantity = 0;
  double average_price = 0;
  std::vector<std::string> broker_order_ids;
  utc_instant at;

  friend bool operator==(const fill&, const fill&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, fill& x) {
  return f(x.intent_id, x.inst, x.action, x.quantity, x.average_price, x.broker_order_ids, x.at);
}

/// The broker's net position in one (symbol, product) of one account.
struct broker_position {
  instrument inst;
  product order_product = product::mis;
  int64_t net_quantity = 0; ///< > 0 long, < 0 short
  double average_price = 0;
  double ltp = 0;
  double pnl = 0;
  /// The day's tradebook net of this (symbol, product), when the account read it with the
  /// positionbook (trading-rules.md §10 step 2: the two are cross-checked).
  bool cross_checked = false;
  int64_t tradebook_net = 0;

  friend bool operator==(const broker_position&, const broker_position&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, broker_position& x) {
  return f(x.inst, x.order_product, x.net_quantity, x.average_price, x.ltp, x.pnl,
           x.cross_checked, x.tradebook_net);
}

/// One row of the broker's orderbook (or an orderstatus reply).
struct broker_order {
  std::string broker_order_id;
  instrument inst;
  side action = side::buy;
  product order_product = product::mis;
  price_type kind = price_type::market;
  int64_t quantity = 0;
  int64_t filled_quantity = 0;
  double average_price = 0;
  double price = 0;
  double trigger_price = 0;
  order_status status = order_status::unknown;
  std::string strategy_tag; ///< OpenAlgo's `strategy` field (our intent tag where kept)
  std::string timestamp;    ///< as the broker wrote it (IST wall time)
  std::string rejection_reason;

  friend bool operator==(const broker_order&, const broker_order&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, broker_order& x) {
  return f(x.broker_order_id, x.inst, x.action, x.order_product, x.kind, x.quantity,
           x.filled_quantity, x.average_price, x.price, x.trigger_price, x.status,
           x.strategy_tag, x.timestamp, x.rejection_reason);
}

/// One row of the broker's tradebook.
struct broker_trade {
  std::string broker_order_id;
  std::string trade_id;
  instrument inst;
  side action = side::buy;
  product order_product = product::mis;
  int64_t quantity = 0;
  double average_price = 0;
  std::string strategy_tag;
  std::string timestamp;

  friend bool operator==(const broker_trade&, const broker_trade&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, broker_trade& x) {
  return f(x.broker_order_id, x.trade_id, x.inst, x.action, x.order_product, x.quantity,
           x.average_price, x.strategy_tag, x.timestamp);
}

/// A REST quote (quotes, multiquotes).
/// What the broker's contract file says of an instrument (`symbol`): its lot and limits.
struct symbol_info {
  instrument inst;
  int64_t lot_size = 0;
  int64_t freeze_quantity = 0;
  double tick_size = 0;

  friend bool operator==(const symbol_info&, const symbol_info&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, symbol_info& x) {
  return f(x.inst, x.lot_size, x.freeze_quantity, x.tick_size);
}

struct quote {
  instrument inst;
  double ltp = 0;
  double bid = 0;
  double ask = 0;
  double open = 0;
  double high = 0;
  double low = 0;
  double prev_close = 0;
  int64_t volume = 0;
  int64_t open_interest = 0;

  friend bool operator==(const quote&, const quote&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, quote& x) {
  return f(x.inst, x.ltp, x.bid, x.ask, x.open, x.high, x.low, x.prev_close, x.volume,
           x.open_interest);
}

/// funds: the figures the sizing rules read (trading-rules.md §4).
struct funds {
  double available_cash = 0;
  double collateral = 0;
  double utilised_debits = 0;
  double m2m_realized = 0;
  double m2m_unrealized = 0;

  friend bool operator==(const funds&, const funds&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, funds& x) {
  return f(x.available_cash, x.collateral, x.utilised_debits, x.m2m_realized, x.m2m_unrealized);
}

} // namespace algomirror
