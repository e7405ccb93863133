#pragma once

// The paper broker behind openalgo-sim: accounts with funds, orders, trades and positions;
// the sandbox fill rules of openalgo-api.md §1.9; an instrument master and prices from the same
// instrument table the node reads. No sockets here: the HTTP layer calls it, one thread at a
// time.

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <optional>
#include <random>
#include <string>
#include <variant>
#include <vector>

#include "domain/clock.hpp"
#include "domain/instruments.hpp"
#include "messages/market_data.hpp"
#include "messages/orders.hpp"
#include "sim/price_script.hpp"

namespace algomirror::sim {

/// An order as the broker keeps it.
struct sim_order {
  broker_order order;
  std::string account;
  utc_instant placed_at;
  double margin_blocked = 0;
  utc_instant fill_after; ///< a delayed fill waits until then (epoch = no delay)
  bool partial = false;   ///< fills half first
};

/// One order the simulator received: the truth for "no duplicate, no lost order".
struct ledger_entry {
  utc_instant at;
  std::string account;
  std::string broker_order_id;
  instrument inst;
  side action = side::buy;
  int64_t quantity = 0;
  std::string strategy_tag;
  std::string outcome; ///< accepted, rejected: <reason>
};

struct sim_position {
  int64_t net_quantity = 0;
  double average_price = 0;
  double realized = 0;
};

/// Order faults of one account (tests): the broker accepts the next `reject` orders and then
/// rejects them (as RMS does, after the order id was given); fills wait `delay_fill` of the
/// simulator's clock; the next `partial` orders fill half first. `position_race` reproduces
/// the real sandbox's unlocked read-modify-write of a position (`_update_position` in OpenAlgo's
/// `sandbox/execution_engine.py`): a placement takes `race_window` to answer, and a fill of a
/// symbol within that window of the previous fill of the same symbol and product starts from
/// the position as it was before that fill, so one of the two updates is lost (the tradebook
/// keeps both trades).
struct order_faults {
  int reject = 0;
  std::string reject_message = "RMS: order rejected by the simulator";
  std::chrono::milliseconds delay_fill{0};
  int partial = 0;
  bool position_race = false;
  static constexpr std::chrono::milliseconds race_window{10};
};

/// What a placement request asks (already validated for shape by the HTTP layer).
struct place_request {
  std::string account;
  std::string strategy;
  instrument inst;
  side action = side::buy;
  int64_t quantity = 0;
  price_type kind = price_type::market;
  product order_product = product::mis;
  double price = 0;
  double trigger_price = 0;
};

/// A business outcome: ok, or an HTTP status and message (shape D).
struct broker_result {
  int status = 200;
  std::string message;
  std::string broker_order_id;
};

class broker {
public:
  broker(instrument_table table, const clock& time, uint64_t seed);

  void add_account(const std::string& name, double capital);

  /// The simulator's clock.
  utc_instant now() const { return time_.now(); }
  bool has_account(const std::string& name) const;

  // -- market --------------------------------------------------------------------------------

  /// The quote of a known instrument at the current clock time (prices move with the clock).
  std::optional<quote> quote_of(const instrument& inst);

  /// Listed expiries (ascending, none before today) of an underlying's options or futures.
  std::vector<date> expiries(const std::string& underlying, bool futures) const;

  /// Every instrument the master lists: indices, equities, the listed futures, and the options
  /// of every listed expiry within 20 strikes of the money.
  std::vector<instrument> instruments();

  /// Does the instrument master know `inst`? Sets the lot size.
  bool known(const instrument& inst, int64_t& lot_size) const;

  /// Overrides an underlying's spot (tests, the control endpoint).
  void set_spot(const std::string& underlying, double spot);

  /// Scripted paths replace the random walk of their underlyings.
  void set_script(price_script script) { script_ = std::move(script); }

  // -- orders ----------------------------------------------------------------------------------

  broker_result place(const place_request& r);
  broker_result cancel(const std::string& account, const std::string& broker_order_id);

  /// Quantity, price and trigger of an open or trigger-pending order (not its price type).
  broker_result modify(const std::string& account, const std::string& broker_order_id,
                       int64_t quantity, double price, double trigger_price);

  /// Cancels every open and trigger-pending order; returns the ids cancelled.
  std::vector<std::string> cancel_all(const std::string& account);

  /// Squares off every open position with MARKET orders (strategy "Squareoff"); returns how
  /// many positions were closed.
  int close_all(const std::string& account);

  order_faults& faults(const std::string& account) { return accounts_[account].faults; }

  /// The net quantity of (symbol, exchange, product).
  int64_t open_position(const std::string& account, const instrument& inst, product p);

  /// Bars of `interval_minutes` over the IST dates [from, to] (sessions 09:15–15:30 on
  /// weekdays, none after now), from the scripted path or a walk seeded by the symbol.
  std::vector<bar> history(const instrument& inst, int interval_minutes, date from, date to);

  /// The price of a known instrument at `t` (no random walk step).
  std::optional<double> price_at(const instrument& inst, utc_instant t);
  std::optional<broker_order> order(const std::string& account, const std::string& id) const;
  std::vector<broker_order> orderbook(const std::string& account) const;
  std::vector<broker_trade> tradebook(const std::string& account) const;
  std::vector<broker_position> positions(const std::string& account);
  funds funds_of(const std::string& account);

  /// Resting orders whose price was crossed fill now.
  void match();

  const std::vector<ledger_entry>& ledger() const { return ledger_; }

  /// Called with (account, order) on every change of an order's status (order updates).
  std::function<void(const std::string&, const broker_order&)> on_order_change;

private:
  struct underlying_state {
    underlying_spec spec;
    double spot = 0;
    utc_instant updated;
  };

  struct account_state {
    order_faults faults;
    date squared_off_on{}; ///< the IST day of the last MIS auto square-off
    double capital = 0;
    double used_margin = 0;
    std::map<std::string, sim_order> orders; ///< by broker order id
    /// The orders that may still fill (open or trigger pending): the matcher looks at these
    /// only, so a day's finished orders do not slow every request down.
    std::set<std::string> working;
    std::vector<broker_trade> trades;
    std::map<std::pair<std::string, product>, sim_position> positions; ///< by (symbol, product)
    std::map<std::string, exchange> exchanges;                         ///< symbol → exchange
    /// position_race: the last fill of a position (real time) and the position it read.
    struct race_state {
      std::chrono::steady_clock::time_point last_fill;
      sim_position read;
    };
    std::map<std::pair<std::string, product>, race_state> races;
  };

  std::string next_order_id();
  sim_order new_order(const place_request& r);
  /// The account's open order `id` for `verb` ("cancel", "modify"), or why there is none.
  std::variant<sim_order*, broker_result> open_order(const std::string& account,
                                                      const std::string& id, const char* verb);
  void advance_prices();
  underlying_state* underlying_of(const std::string& symbol, derivative_symbol* parsed);
  double premium(const derivative_symbol& s, double spot) const;
  double premium_at(const derivative_symbol& s, double spot, utc_instant t) const;
  void fill(account_state& a, sim_order& o, double price);
  void fill_quantity(account_state& a, sim_order& o, double price, int64_t quantity);
  /// A MARKET order (or a marketable one) fills now, or later under the delay/partial faults.
  void execute(account_state& a, sim_order& o, double price);
  void notify(const sim_order& o) const;
  /// MIS positions of NSE/BSE/NFO/BFO are squared off at 15:15 IST (sandbox default).
  void auto_square_off(const std::string& name, account_state& a, date today);

  /// The log offset of an underlying's historical path `minute` (since the epoch) from now.
  double walk_offset(const std::string& underlying, int64_t minute);
  struct walk_path {
    int64_t anchor = -1;     ///< the minute it was built from (now)
    std::vector<double> back; ///< back[k]: the offset k minutes before the anchor
  };
  std::map<std::string, walk_path> walks_;

  instrument_table table_;
  const clock& time_;
  std::mt19937_64 rng_;
  std::map<std::string, underlying_state> underlyings_;
  std::map<std::string, underlying_state> equities_;
  price_script script_;
  std::map<std::string, account_state> accounts_;
  std::vector<ledger_entry> ledger_;
  uint64_t order_counter_ = 0;
  uint64_t trade_counter_ = 0;
};

} // namespace algomirror::sim
