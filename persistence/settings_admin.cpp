#include "persistence/settings_admin.hpp"

#include <cmath>
#include <cstdlib>
#include <initializer_list>
#include <vector>

#include "persistence/internal/admin_support.hpp"

namespace algomirror {

using admin_support::details;
using admin_support::in_transaction;
using admin_support::log_activity;

namespace {

/// One settings table: its key column and the columns a user's copy of a default takes.
struct settings_table {
  const char* name;
  const char* key;
  const char* copied; ///< every column but id, user_id and the timestamps
};

const settings_table instruments_table{
  "trading_settings", "symbol",
  "symbol, lot_size, next_month_lot_size, freeze_quantity, max_lots_per_order, strike_step, "
  "weekly_expiries, expiry_weekday, index_exchange, derivative_exchange, is_active"};
const settings_table margins_table{
  "margin_requirements", "instrument",
  "instrument, ce_pe_sell_expiry, ce_pe_sell_non_expiry, ce_and_pe_sell_expiry, "
  "ce_and_pe_sell_non_expiry, futures_expiry, futures_non_expiry, buy_premium_per_lot, "
  "sensex_ce_pe_sell_expiry, sensex_ce_pe_sell_non_expiry, sensex_ce_and_pe_sell_expiry, "
  "sensex_ce_and_pe_sell_non_expiry, sensex_futures_expiry, sensex_futures_non_expiry, "
  "is_active"};
const settings_table grades_table{"trade_qualities", "quality_grade",
                                  "quality_grade, margin_percentage, margin_source, risk_level, "
                                  "description, is_active"};

bool has_row(database& db, const settings_table& t, const std::optional<int64_t>& user,
             const std::string& key) {
  auto sql = std::string{"SELECT COUNT(*) FROM "} + t.name + " WHERE " + t.key + " = ? AND "
             + (user ? "user_id = ?" : "user_id IS NULL");
  auto rows = user ? db.query(sql, {key, *user}) : db.query(sql, {key});
  return !rows.empty() && rows[0][0] && *rows[0][0] != "0";
}

/// The user's own row of `key`, copied from the default when there is none; false when there
/// is neither.
bool ensure_user_row(database& db, const settings_table& t, int64_t user_id,
                     const std::string& key) {
  if (has_row(db, t, user_id, key))
    return true;
  if (!has_row(db, t, std::nullopt, key))
    return false;
  db.execute(std::string{"INSERT INTO "} + t.name + " (user_id, " + t.copied + ") SELECT ?, "
               + t.copied + " FROM " + t.name + " WHERE user_id IS NULL AND " + t.key + " = ?",
             {user_id, key});
  return true;
}

/// Sets the given columns of the user's row of `key`.
void update_user_row(database& db, const settings_table& t, int64_t user_id,
                     const std::string& key,
                     const std::vector<std::pair<std::string, sql_value>>& sets) {
  std::string sql = std::string{"UPDATE "} + t.name + " SET ";
  std::vector<sql_value> params(sets.size() + 2);
  for (size_t k = 0; k < sets.size(); ++k) {
    sql += sets[k].first + " = ?, ";
    params[k] = sets[k].second;
  }
  sql += "updated_at = CURRENT_TIMESTAMP WHERE user_id = ? AND " + std::string{t.key} + " = ?";
  params[sets.size()] = user_id;
  params[sets.size() + 1] = key;
  db.execute(sql, params);
}

std::string upper(std::string s) {
  for (auto& c : s)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string number(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", x);
  return buf;
}

} // namespace

result<std::string> set_instrument(database& db, const user_row& user,
                                   const instrument_change& change) {
  using r = result<std::string>;
  auto symbol = upper(change.symbol);
  if (symbol.empty() || symbol.size() > 50)
    return r::failure("SYMBOL: 1 to 50 characters (NIFTY, BANKNIFTY, SENSEX, …)");
  std::vector<std::pair<std::string, sql_value>> sets;
  std::string said;
  auto positive = [&](const std::optional<int64_t>& v, const char* option, const char* column)
    -> std::string {
    if (!v)
      return {};
    if (*v <= 0)
      return std::string{option} + ": " + std::to_string(*v) + " must be positive";
    sets.emplace_back(column, *v);
    said += std::string{said.empty() ? "" : ", "} + column + " " + std::to_string(*v);
    return {};
  };
  for (auto why : {positive(change.lot_size, "--lot", "lot_size"),
                   positive(change.next_month_lot_size, "--next-month-lot", "next_month_lot_size"),
                   positive(change.freeze_quantity, "--freeze", "freeze_quantity")})
    if (!why.empty())
      return r::failure(why);
  if (change.strike_step) {
    if (!(*change.strike_step > 0) || !std::isfinite(*change.strike_step))
      return r::failure("--strike-step: " + number(*change.strike_step) + " must be positive");
    sets.emplace_back("strike_step", *change.strike_step);
    said += std::string{said.empty() ? "" : ", "} + "strike_step " + number(*change.strike_step);
  }
  std::string derivative = change.derivative_exchange ? upper(*change.derivative_exchange) : "";
  if (!derivative.empty()) {
    if (derivative != "NFO" && derivative != "BFO")
      return r::failure("--exchange: '" + derivative + "' is not NFO or BFO");
    sets.emplace_back("derivative_exchange", derivative);
    sets.emplace_back("index_exchange",
                      std::string{derivative == "BFO" ? "BSE_INDEX" : "NSE_INDEX"});
    said += std::string{said.empty() ? "" : ", "} + "exchange " + derivative;
  }
  if (sets.empty())
    return r::failure("nothing to change: give --lot, --next-month-lot, --freeze, --strike-step "
                      "or --exchange");
  return in_transaction(db, [&]() -> r {
    if (!ensure_user_row(db, instruments_table, user.id, symbol)) {
      // A new underlying: what it cannot do without.
      if (!change.lot_size || !change.freeze_quantity || !change.strike_step)
        return r::failure(symbol + " is not in the instrument table: a new one needs --lot, "
                                   "--freeze and --strike-step (and --exchange BFO for BSE)");
      db.execute("INSERT INTO trading_settings (user_id, symbol, lot_size, next_month_lot_size, "
                 "freeze_quantity, max_lots_per_order, strike_step, index_exchange, "
                 "derivative_exchange) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                 {user.id, symbol, *change.lot_size,
                  change.next_month_lot_size.value_or(*change.lot_size), *change.freeze_quantity,
                  *change.freeze_quantity / *change.lot_size, *change.strike_step,
                  std::string{derivative == "BFO" ? "BSE_INDEX" : "NSE_INDEX"},
                  derivative.empty() ? std::string{"NFO"} : derivative});
    } else {
      update_user_row(db, instruments_table, user.id, symbol, sets);
    }
    auto check = db.query("SELECT lot_size, freeze_quantity FROM trading_settings WHERE "
                          "user_id = ? AND symbol = ?",
                          {user.id, symbol});
    auto lot = std::stoll(check.at(0).at(0).value_or("1"));
    auto freeze = std::stoll(check.at(0).at(1).value_or("0"));
    if (freeze < lot)
      return r::failure("--freeze: " + std::to_string(freeze) + " is below the lot size "
                        + std::to_string(lot) + "; nothing changed");
    db.execute("UPDATE trading_settings SET max_lots_per_order = ? WHERE user_id = ? AND "
               "symbol = ?",
               {freeze / lot, user.id, symbol});
    log_activity(db, user.id, "trading_settings_changed",
                 details({{"symbol", symbol}, {"changes", said}}));
    return symbol + " for " + user.username + ": " + said
           + " (counts from the next run; the broker's lot size still wins when it differs)";
  });
}

result<std::string> set_grade(database& db, const user_row& user, const std::string& grade,
                              std::optional<double> percent, std::optional<std::string> source) {
  using r = result<std::string>;
  auto letter = upper(grade);
  if (letter.empty() || letter.size() > 10)
    return r::failure("GRADE: a letter such as A, B or C");
  std::vector<std::pair<std::string, sql_value>> sets;
  std::string said;
  if (percent) {
    if (!(*percent > 0 && *percent <= 100))
      return r::failure("--percent: " + number(*percent) + " must be above 0 and at most 100");
    sets.emplace_back("margin_percentage", *percent);
    said = number(*percent) + " %";
  }
  if (source) {
    if (*source != "available" && *source != "cash")
      return r::failure("--source: '" + *source + "' is not available or cash");
    sets.emplace_back("margin_source", *source);
    said += (said.empty() ? "" : " of ") + *source;
  }
  if (sets.empty())
    return r::failure("nothing to change: give --percent or --source");
  return in_transaction(db, [&]() -> r {
    if (!ensure_user_row(db, grades_table, user.id, letter)) {
      if (!percent)
        return r::failure("grade " + letter + " is new: give its --percent");
      db.execute("INSERT INTO trade_qualities (user_id, quality_grade, margin_percentage, "
                 "margin_source, description) VALUES (?, ?, ?, ?, ?)",
                 {user.id, letter, *percent, source.value_or("available"),
                  std::string{"grade "} + letter});
    } else {
      update_user_row(db, grades_table, user.id, letter, sets);
    }
    log_activity(db, user.id, "trade_quality_changed",
                 details({{"grade", letter}, {"changes", said}}));
    return "grade " + letter + " for " + user.username + ": " + said
           + " (counts from the next run)";
  });
}

result<std::string> set_margin(database& db, const user_row& user, const std::string& instrument,
                               const std::map<std::string, double>& fields) {
  using r = result<std::string>;
  static const std::map<std::string, const char*> columns{
    {"sell-expiry", "ce_pe_sell_expiry"},
    {"sell-non-expiry", "ce_pe_sell_non_expiry"},
    {"straddle-expiry", "ce_and_pe_sell_expiry"},
    {"straddle-non-expiry", "ce_and_pe_sell_non_expiry"},
    {"futures-expiry", "futures_expiry"},
    {"futures-non-expiry", "futures_non_expiry"},
    {"buy-premium", "buy_premium_per_lot"}};
  auto name = upper(instrument);
  if (name.empty() || name.size() > 50)
    return r::failure("INSTRUMENT: 1 to 50 characters (NIFTY, BANKNIFTY, SENSEX, …)");
  std::vector<std::pair<std::string, sql_value>> sets;
  std::string said;
  for (auto& [field, value] : fields) {
    auto c = columns.find(field);
    if (c == columns.end())
      return r::failure("--" + field + ": not a margin (sell-expiry, sell-non-expiry, "
                                       "straddle-expiry, straddle-non-expiry, futures-expiry, "
                                       "futures-non-expiry, buy-premium)");
    if (!(value > 0) || !std::isfinite(value))
      return r::failure("--" + field + ": " + number(value) + " must be a positive amount (₹ "
                                                              "per lot)");
    sets.emplace_back(c->second, value);
    said += (said.empty() ? "" : ", ") + field + " " + number(value);
  }
  if (sets.empty())
    return r::failure("nothing to change: give one of --sell-expiry, --sell-non-expiry, "
                      "--straddle-expiry, --straddle-non-expiry, --futures-expiry, "
                      "--futures-non-expiry, --buy-premium");
  return in_transaction(db, [&]() -> r {
    if (!ensure_user_row(db, margins_table, user.id, name))
      db.execute("INSERT INTO margin_requirements (user_id, instrument) VALUES (?, ?)",
                 {user.id, name}); // the columns' defaults, then what was given
    update_user_row(db, margins_table, user.id, name, sets);
    log_activity(db, user.id, "margin_requirement_changed",
                 details({{"instrument", name}, {"changes", said}}));
    return "margins of " + name + " for " + user.username + ": " + said
           + " (₹ per lot; counts from the next run)";
  });
}

result<std::string> reset_setting(database& db, const user_row& user, const std::string& kind,
                                  const std::string& key) {
  using r = result<std::string>;
  const settings_table* t = kind == "instrument" ? &instruments_table
                            : kind == "margin"   ? &margins_table
                            : kind == "grade"    ? &grades_table
                                                 : nullptr;
  if (t == nullptr)
    return r::failure("KIND: '" + kind + "' is not instrument, margin or grade");
  auto k = upper(key);
  return in_transaction(db, [&]() -> r {
    auto gone = db.execute(std::string{"DELETE FROM "} + t->name + " WHERE user_id = ? AND "
                             + t->key + " = ?",
                           {user.id, k});
    if (gone == 0)
      return r::failure(user.username + " has no own " + kind + " " + k
                        + " ('settings list' shows which are the user's)");
    log_activity(db, user.id, "setting_reset", details({{"kind", kind}, {"key", k}}));
    return kind + " " + k + " for " + user.username + ": back to the default"
           + (has_row(db, *t, std::nullopt, k) ? "" : " (there is none: it is gone)");
  });
}

result<std::string> apply_settings_change(database& db, const user_row& user,
                                          const settings_change& change) {
  using r = result<std::string>;
  std::string bad;
  auto number = [&](const std::string& name) -> std::optional<double> {
    auto i = change.fields.find(name);
    if (i == change.fields.end())
      return std::nullopt;
    char* end = nullptr;
    double v = std::strtod(i->second.c_str(), &end);
    if (i->second.empty() || end == nullptr || *end != '\0' || !std::isfinite(v)) {
      bad = "--" + name + ": '" + i->second + "' is not a number";
      return std::nullopt;
    }
    return v;
  };
  auto whole = [&](const std::string& name) -> std::optional<int64_t> {
    auto v = number(name);
    if (!v)
      return std::nullopt;
    if (*v != std::floor(*v)) {
      bad = "--" + name + ": " + change.fields.at(name) + " is not a whole number";
      return std::nullopt;
    }
    return static_cast<int64_t>(*v);
  };
  auto text = [&](const std::string& name) -> std::optional<std::string> {
    auto i = change.fields.find(name);
    return i == change.fields.end() ? std::nullopt : std::optional{i->second};
  };
  auto known = [&](std::initializer_list<const char*> names) {
    for (auto& [name, value] : change.fields) {
      bool ok = false;
      for (auto* n : names)
        ok = ok || name == n;
      if (!ok)
        return "--" + name + ": not an option of settings " + change.kind;
    }
    return std::string{};
  };
  if (change.kind == "instrument") {
    if (auto why = known({"lot", "next-month-lot", "freeze", "strike-step", "exchange"});
        !why.empty())
      return r::failure(why);
    instrument_change c{change.key,         whole("lot"),          whole("next-month-lot"),
                        whole("freeze"),    number("strike-step"), text("exchange")};
    if (!bad.empty())
      return r::failure(bad);
    return set_instrument(db, user, c);
  }
  if (change.kind == "grade") {
    if (auto why = known({"percent", "source"}); !why.empty())
      return r::failure(why);
    auto percent = number("percent");
    if (!bad.empty())
      return r::failure(bad);
    return set_grade(db, user, change.key, percent, text("source"));
  }
  if (change.kind == "margin") {
    std::map<std::string, double> values;
    for (auto& [name, value] : change.fields)
      if (auto v = number(name))
        values[name] = *v;
    if (!bad.empty())
      return r::failure(bad);
    return set_margin(db, user, change.key, values);
  }
  if (change.kind == "reset") {
    auto space = change.key.find(' ');
    if (space == std::string::npos)
      return r::failure("settings reset: give KIND KEY (instrument NIFTY, grade B, margin "
                        "SENSEX)");
    return reset_setting(db, user, change.key.substr(0, space), change.key.substr(space + 1));
  }
  return r::failure("settings: '" + change.kind + "' is not instrument, grade, margin or reset");
}

} // namespace algomirror
