#pragma once

// trading-rules.md §1: the instrument table, and the symbols of options, futures and equity.

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "messages/result.hpp"
#include "messages/instrument.hpp"

namespace algomirror {

using date = std::chrono::year_month_day;

/// The table of underlyings: configuration (and trading_settings per user), never constants
/// in the rules. `default_instruments()` holds the defaults of §1.
class instrument_table {
public:
  instrument_table() = default;
  explicit instrument_table(std::vector<underlying_spec> specs) : specs_(std::move(specs)) {}

  /// The spec of `underlying` (exact, upper-case name), or nullptr.
  const underlying_spec* find(std::string_view underlying) const;

  /// Like find, with an error naming the unknown underlying and the known ones.
  result<underlying_spec> require(std::string_view underlying) const;

  const std::vector<underlying_spec>& specs() const { return specs_; }

  /// Adds or replaces the spec of `spec.name`.
  void put(underlying_spec spec);

private:
  std::vector<underlying_spec> specs_;
};

/// NIFTY, BANKNIFTY and SENSEX with the defaults of trading-rules.md §1.
instrument_table default_instruments();

/// The parts of an option or futures symbol.
struct derivative_symbol {
  std::string underlying;
  date expiry;
  instrument_kind kind = instrument_kind::option; ///< option or future
  double strike = 0;                              ///< options only
  option_type option = option_type::none;         ///< options only

  friend bool operator==(const derivative_symbol&, const derivative_symbol&) = default;
};

/// `NIFTY28NOV2424000CE`; a fractional strike prints in shortest form (`292.5`).
std::string option_symbol(std::string_view underlying, date expiry, double strike,
                          option_type type);

/// `NIFTY30DEC25FUT`.
std::string futures_symbol(std::string_view underlying, date expiry);

/// Parses an option or futures symbol against the known underlyings (longest name first, so
/// BANKNIFTY is never read as NIFTY). An equity symbol is not a derivative: error.
result<derivative_symbol> parse_derivative_symbol(std::string_view symbol,
                                                  const instrument_table& table);

/// `DDMMMYY` (symbols, option endpoints) → date.
result<date> parse_symbol_expiry(std::string_view text);

/// `DD-MMM-YY` (the expiry endpoint) or `DDMMMYY` → date. Anything else is an error naming
/// the text and both accepted forms. The year is read from the text, never assumed.
result<date> parse_expiry(std::string_view text);

/// `28NOV24`.
std::string format_symbol_expiry(date d);

/// `28-NOV-24`.
std::string format_expiry(date d);

/// A strike, price or amount as a person writes it: 24000, 292.5 (shortest exact form).
std::string format_number(double x);

/// A price rounded to the exchange tick (0.05 by default), to the nearest tick.
double round_to_tick(double price, double tick = 0.05);

} // namespace algomirror
