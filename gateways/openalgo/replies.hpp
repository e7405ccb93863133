#pragma once

// Decoding what an OpenAlgo server answers (openalgo-api.md §1.3, §1.6): every HTTP status and
// error body shape becomes a typed outcome, every success body a typed value of messages/.
// Decoding is lenient — numbers or numeric strings, unknown keys ignored — and never throws:
// truncated, oversized, mistyped or non-JSON bodies are `malformed`.

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "messages/market_data.hpp"
#include "messages/orders.hpp"

namespace algomirror::openalgo {

/// What kind of outcome a reply is.
enum class outcome : uint8_t {
  ok,                  ///< 200 with status success
  rejected,            ///< definitive: 400/501, or 200 with status error (nothing happened)
  not_found,           ///< 404: unknown order, symbol or path
  rate_limited,        ///< 429 (no Retry-After: back off by our own clock)
  unauthorized,        ///< 401/403: bad API key, banned IP
  outcome_unknown,     ///< 5xx, timeout, transport failure: the order may or may not exist
  malformed,           ///< a reply we could not read
  queued_for_approval, ///< semi-auto mode: "success" without an order id
  no_action,           ///< placesmartorder: the position already matches (no order placed)
};

/// A reply that is not the value asked for: its kind, HTTP status and the server's message.
struct reply_error {
  outcome kind = outcome::malformed;
  int http_status = 0;
  std::string message;

  friend bool operator==(const reply_error&, const reply_error&) = default;
};

std::string to_string(outcome x);

/// The decoded value, or the error.
template <class T>
using decoded = std::variant<T, reply_error>;

/// Replies larger than this are refused as malformed (a real reply is far smaller).
inline constexpr size_t max_reply_bytes = 32 * 1024 * 1024;

/// The outcome of a reply whose body is of no further interest (cancel, modify, …).
reply_error classify(int http_status, std::string_view body);

/// ping → the broker's name.
decoded<std::string> decode_ping(int http_status, std::string_view body);

/// placeorder / placesmartorder / optionsorder → the order id; splitorder → one id per
/// child. Success without an order id (semi-auto) is `queued_for_approval`.
decoded<std::vector<std::string>> decode_order_ids(int http_status, std::string_view body);

/// orderstatus → the order.
decoded<broker_order> decode_order_status(int http_status, std::string_view body);

/// orderbook → every order.
decoded<std::vector<broker_order>> decode_orderbook(int http_status, std::string_view body);

/// tradebook → every trade.
decoded<std::vector<broker_trade>> decode_tradebook(int http_status, std::string_view body);

/// positionbook → the net position per (symbol, product); closed positions have quantity 0.
decoded<std::vector<broker_position>> decode_positionbook(int http_status,
                                                          std::string_view body);

/// openposition → the net quantity (a number or numeric string).
decoded<int64_t> decode_open_position(int http_status, std::string_view body);

/// funds.
decoded<funds> decode_funds(int http_status, std::string_view body);

/// quotes → the quote of `inst`.
decoded<quote> decode_quote(int http_status, std::string_view body, const instrument& inst);

/// depth → the quote with the best bid and ask from the book's first levels.
decoded<quote> decode_depth(int http_status, std::string_view body, const instrument& inst);

/// analyzer → "analyze" (sandbox) or "live", from data.analyze_mode.
decoded<std::string> decode_analyzer(int http_status, std::string_view body);

/// holdings → one row per holding (product CNC).
decoded<std::vector<broker_position>> decode_holdings(int http_status, std::string_view body);

/// A transport failure (connect refused, reset, timeout): for an order, an unknown outcome.
reply_error transport_failure(const std::string& what);

/// multiquotes → the quotes that came back; entries with an error are left out.
decoded<std::vector<quote>> decode_multiquotes(int http_status, std::string_view body);

/// expiry → the expiry strings as sent (`DD-MMM-YY`), in the server's order.
decoded<std::vector<std::string>> decode_expiries(int http_status, std::string_view body);

/// history → bars (timestamp in epoch seconds).
decoded<std::vector<bar>> decode_history(int http_status, std::string_view body);

/// optionsymbol's answer.
struct option_symbol_info {
  instrument inst;
  int64_t lot_size = 0;
  double tick_size = 0;
  int64_t freeze_quantity = 0;
  double underlying_ltp = 0;
};

decoded<option_symbol_info> decode_option_symbol(int http_status, std::string_view body);

/// symbol's answer: the instrument's lot size, freeze quantity and tick size.
decoded<symbol_info> decode_symbol(int http_status, std::string_view body);

/// optionchain's answer: the underlying's price, ATM, and per strike the two options' quotes
/// (an option not listed has an empty symbol).
struct option_chain_row {
  double strike = 0;
  quote call;
  quote put;
};

struct option_chain {
  double underlying_ltp = 0;
  double atm_strike = 0;
  std::vector<option_chain_row> rows;
};

decoded<option_chain> decode_option_chain(int http_status, std::string_view body);

} // namespace algomirror::openalgo
