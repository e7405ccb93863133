#pragma once

// trading-rules.md §4: quantity and margin.

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "domain/instruments.hpp"
#include "messages/storage.hpp"
#include "messages/orders.hpp"
#include "messages/strategy.hpp"

namespace algomirror {

enum class margin_source : uint8_t { available, cash };

/// A trade-quality grade: the share of the margin source a run may use.
struct quality_grade {
  std::string name; ///< A, B, C
  double percent = 0;
  margin_source source = margin_source::available;
};

/// A 95 % (aggressive), B 65 % (moderate), C 36 % (conservative), all of available margin.
std::vector<quality_grade> default_grades();

/// `fixed_lots`, or a grade: `grade_A`…; the seed's older words map aggressive → A,
/// balanced → B, conservative → C.
struct risk_profile {
  bool fixed_lots = true;
  std::string grade;
};

result<risk_profile> parse_risk_profile(const std::string& text);

/// Margin per lot (₹) of one underlying (§4's table).
struct margin_rates {
  double sell_expiry = 0;
  double sell_non_expiry = 0;
  double straddle_expiry = 0;
  double straddle_non_expiry = 0;
  double futures = 0;           ///< on a day that is not the expiry (and on it, unless below)
  double buy_premium = 20'000;
  double futures_expiry = 0;    ///< on the expiry day; 0 = as `futures`
};

/// The defaults of §4 for NIFTY, BANKNIFTY and SENSEX.
std::map<std::string, margin_rates> default_margin_rates();

/// A user's settings from the database (issue 15) over the code's defaults: the instruments
/// replace those of the same name (lot, next-month lot, freeze quantity, strike step), the
/// margins those of the same instrument, the grades those of the same letter. Nothing in
/// `settings` leaves the defaults as they are.
void apply_user_settings(const user_settings& settings, instrument_table& instruments,
                         std::map<std::string, margin_rates>& margins,
                         std::vector<quality_grade>& grades);

/// funds → the margin source: available = availablecash − utiliseddebits; cash = availablecash.
double margin_source_amount(const funds& f, margin_source source);

enum class trade_type : uint8_t { single_sell, straddle, hedge_buy, lone_buy, futures, equity };

/// Per leg: a SELL option leg is a straddle if the same underlying has a SELL leg of the
/// opposite type, else a single sell; a BUY option leg hedges a SELL leg of the same type;
/// other BUY option legs are lone buys; futures and equity are themselves.
std::vector<trade_type> classify_legs(const std::vector<leg_definition>& legs);

/// The lots of every leg on one account, or why the account is skipped.
struct account_sizing {
  bool skipped = false;
  std::string reason; ///< e.g. insufficient_margin
  std::vector<int32_t> lots;
  double margin_used = 0; ///< what the ledger is debited
};

/// Sizes one account: fixed lots as defined; a grade's lots are ⌊budget ÷ margin per lot⌋
/// with budget = source × grade%, debited leg by leg (a straddle once for both SELL legs);
/// hedges take their SELL leg's lots; a lone BUY under a cash grade uses the buying premium
/// per lot, otherwise its own lots. A margin-sized leg with 0 lots skips the account with
/// reason `insufficient_margin`. `expiry_day(underlying)` says whether today is its expiry.
account_sizing size_account(const std::vector<leg_definition>& legs, const risk_profile& profile,
                            const quality_grade& grade, const funds& account_funds,
                            const std::map<std::string, margin_rates>& rates,
                            const std::function<bool(const std::string&)>& expiry_day);

/// One account's margin across all its runs: reserved when an order is placed, released when
/// it is rejected or its position closed; never negative; re-based on the broker's funds at
/// every run start.
class margin_ledger {
public:
  explicit margin_ledger(double available = 0) : available_(std::max(0.0, available)) {}

  /// The broker's figure replaces ours; reservations stay (they are of open orders).
  void rebase(double broker_available);

  /// Reserves `amount` under `key`; false (nothing changed) when it does not fit.
  bool reserve(const std::string& key, double amount);

  /// Records what `key` held before a restart, whether it fits or not (the broker's figure
  /// already counts the positions it paid for); replaces an earlier amount under that key.
  void restore(const std::string& key, double amount);

  /// Releases what `key` reserved (nothing if unknown).
  void release(const std::string& key);

  double free() const { return std::max(0.0, available_ - reserved_); }
  double reserved() const { return reserved_; }
  double available() const { return available_; }
  const std::map<std::string, double>& reservations() const { return by_key_; }

private:
  double available_ = 0;
  double reserved_ = 0;
  std::map<std::string, double> by_key_;
};

/// Is today an expiry day of the underlying? `condition` expiry/non_expiry forces it; `any`
/// asks the broker's expiry list when there is one, else the weekday rule (this week's expiry
/// weekday — the month's last one for monthly-only underlyings — moved back to the previous
/// trading day when it is not one).
bool is_expiry_day(market_condition condition, date today, const std::vector<date>* expiries,
                   const underlying_spec& spec, const std::function<bool(date)>& trading_day);

} // namespace algomirror
