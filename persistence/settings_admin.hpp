#pragma once

// A user's trading settings (the `settings` subcommands, issue 15): the instrument table
// (`trading_settings`), margins per lot (`margin_requirements`) and trade-quality grades
// (`trade_qualities`). The rows without a user are the defaults; a change makes (or changes)
// the user's own row, which wins over the default of the same key. A run reads them at its
// start, so a change counts from the next run, the node running or not.

#include <map>
#include <optional>
#include <string>

#include "messages/console.hpp"
#include "messages/result.hpp"
#include "messages/storage.hpp"
#include "persistence/admin.hpp"
#include "persistence/database.hpp"

namespace algomirror {

/// What `settings instrument SYMBOL` changes; a field not given keeps its value.
struct instrument_change {
  std::string symbol;
  std::optional<int64_t> lot_size;
  std::optional<int64_t> next_month_lot_size;
  std::optional<int64_t> freeze_quantity;
  std::optional<double> strike_step;
  std::optional<std::string> derivative_exchange; ///< NFO or BFO (a new symbol: default NFO)
};

result<std::string> set_instrument(database& db, const user_row& user,
                                   const instrument_change& change);

/// `settings grade A --percent 80 [--source cash]`.
result<std::string> set_grade(database& db, const user_row& user, const std::string& grade,
                              std::optional<double> percent, std::optional<std::string> source);

/// `settings margin NIFTY --sell-expiry 210000 …`: fields by their option names
/// (sell-expiry, sell-non-expiry, straddle-expiry, straddle-non-expiry, futures-expiry,
/// futures-non-expiry, buy-premium).
result<std::string> set_margin(database& db, const user_row& user, const std::string& instrument,
                               const std::map<std::string, double>& fields);

/// A change typed on the console (`settings_change`): its fields parsed (a value that is not
/// a number names its option) and applied by the functions above.
result<std::string> apply_settings_change(database& db, const user_row& user,
                                          const settings_change& change);

/// Removes the user's own row of `kind` (instrument, margin, grade) and `key`: the default
/// counts again.
result<std::string> reset_setting(database& db, const user_row& user, const std::string& kind,
                                  const std::string& key);

} // namespace algomirror
