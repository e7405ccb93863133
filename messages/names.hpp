#pragma once

// The words every enum of the protocol is written as: on the OpenAlgo wire (exchange, side,
// product, price type, order status), in the database and in strategy files. One table per
// enum; `to_string` and `parse_enum` read the same table, so a word round-trips.

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "messages/account.hpp"
#include "messages/errors.hpp"
#include "messages/execution.hpp"
#include "messages/instrument.hpp"
#include "messages/market_data.hpp"
#include "messages/node.hpp"
#include "messages/orders.hpp"
#include "messages/run.hpp"
#include "messages/strategy.hpp"

namespace algomirror {

template <class Enum>
struct enum_words; // specialised below: `static constexpr std::array words`

#define ALGOMIRROR_ENUM_WORDS(Enum, ...)                                                           \
  template <>                                                                                      \
  struct enum_words<Enum> {                                                                        \
    static constexpr auto words = std::to_array<std::string_view>({__VA_ARGS__});                  \
  };                                                                                               \
  inline std::string to_string(Enum x) {                                                           \
    auto i = static_cast<size_t>(x);                                                               \
    return i < enum_words<Enum>::words.size() ? std::string{enum_words<Enum>::words[i]}            \
                                              : std::string{"<invalid>"};                          \
  }

ALGOMIRROR_ENUM_WORDS(exchange, "NSE", "NFO", "CDS", "BSE", "BFO", "BCD", "MCX", "NCDEX", "NCO",
                      "NSE_INDEX", "BSE_INDEX", "MCX_INDEX", "GLOBAL_INDEX", "CRYPTO")
ALGOMIRROR_ENUM_WORDS(side, "BUY", "SELL")
ALGOMIRROR_ENUM_WORDS(option_type, "", "CE", "PE")
ALGOMIRROR_ENUM_WORDS(instrument_kind, "index", "equity", "future", "option")
ALGOMIRROR_ENUM_WORDS(product, "MIS", "NRML", "CNC")
ALGOMIRROR_ENUM_WORDS(price_type, "MARKET", "LIMIT", "SL", "SL-M")
ALGOMIRROR_ENUM_WORDS(order_status, "open", "trigger pending", "complete", "cancelled",
                      "rejected", "unknown")
ALGOMIRROR_ENUM_WORDS(leg_product, "options", "futures", "equity")
ALGOMIRROR_ENUM_WORDS(expiry_choice, "current_week", "next_week", "current_month", "next_month")
ALGOMIRROR_ENUM_WORDS(strike_selection, "ATM", "ITM", "OTM", "strike_price", "premium_near")
ALGOMIRROR_ENUM_WORDS(threshold_kind, "off", "percentage", "points", "premium", "amount")
ALGOMIRROR_ENUM_WORDS(market_condition, "any", "expiry", "non_expiry")
ALGOMIRROR_ENUM_WORDS(risk_scope, "account", "run")
ALGOMIRROR_ENUM_WORDS(supertrend_exit_kind, "breakout", "breakdown")
ALGOMIRROR_ENUM_WORDS(execution_status, "pending", "entered", "exit_pending", "exited",
                      "exit_stuck", "failed", "skipped")
ALGOMIRROR_ENUM_WORDS(exit_reason, "none", "max_loss", "max_profit", "trailing_stop",
                      "supertrend_exit", "exit_time", "square_off", "stop_loss", "take_profit",
                      "hedge_exit", "manual", "broker_reconciled")
ALGOMIRROR_ENUM_WORDS(feed_mode, "", "LTP", "Quote", "Depth")
ALGOMIRROR_ENUM_WORDS(feed_condition, "connected", "failing_over", "down")
ALGOMIRROR_ENUM_WORDS(link_condition, "ready", "disconnected", "auth_failed", "stalled", "stopped")
ALGOMIRROR_ENUM_WORDS(connection_health, "unknown", "connected", "disconnected")
ALGOMIRROR_ENUM_WORDS(node_phase, "starting", "running", "stopping", "stopped")
ALGOMIRROR_ENUM_WORDS(run_phase, "resolving", "entering", "live", "exiting", "finished",
                      "needs_attention")
ALGOMIRROR_ENUM_WORDS(strategy_timer, "entry", "exit", "square_off")
ALGOMIRROR_ENUM_WORDS(errc, "none", "not_implemented", "invalid_input", "not_found", "unavailable",
                      "rejected", "rate_limited", "unauthorized", "outcome_unknown",
                      "malformed_reply", "storage_down")

#undef ALGOMIRROR_ENUM_WORDS

/// The enum value written as `word` (exact match), or nothing.
template <class Enum>
std::optional<Enum> parse_enum(std::string_view word) {
  const auto& words = enum_words<Enum>::words;
  for (size_t i = 0; i < words.size(); ++i)
    if (!words[i].empty() && words[i] == word)
      return static_cast<Enum>(i);
  return std::nullopt;
}

/// The accepted words of an enum, comma-separated, for error messages.
template <class Enum>
std::string allowed_words() {
  std::string result;
  for (auto word : enum_words<Enum>::words) {
    if (word.empty())
      continue;
    if (!result.empty())
      result += ", ";
    result += word;
  }
  return result;
}

} // namespace algomirror
