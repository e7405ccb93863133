#pragma once

// trading-rules.md §7: P&L and price validity.

#include <chrono>
#include <cstdint>

#include "messages/instrument.hpp"
#include "messages/time.hpp"

namespace algomirror {

/// BUY: (price − entry) × qty; SELL: (entry − price) × qty.
inline double position_pnl(side action, double entry, double price, int64_t quantity) {
  double diff = action == side::buy ? price - entry : entry - price;
  return diff * static_cast<double>(quantity);
}

/// A usable LTP: positive and finite (zero-value protection).
bool valid_price(double ltp);

/// The last valid price of an instrument and when it came.
struct price_point {
  double ltp = 0;
  utc_instant at;
};

/// Keeps the last valid price: a tick with LTP ≤ 0 (or not finite) is ignored.
/// Returns whether the tick was taken.
bool take_price(price_point& last, double ltp, utc_instant at);

/// A price older than `max_age` (60 s by default) is stale; so is no price at all.
bool is_stale(const price_point& p, utc_instant now,
              std::chrono::seconds max_age = std::chrono::seconds{60});

/// One position's contribution to the risk P&L: realized once exited (exit fill price),
/// unrealized from the last valid LTP while open — also while its exit is in flight.
struct position_pnl_input {
  side action = side::buy;
  double entry_price = 0;
  int64_t quantity = 0;        ///< filled quantity still open
  int64_t closed_quantity = 0; ///< quantity already exited
  double exit_price = 0;       ///< average exit fill price of the closed quantity
  double ltp = 0;              ///< last valid price (0 = none yet)
};

struct pnl_figures {
  double realized = 0;
  double unrealized = 0;
  double total() const { return realized + unrealized; }
};

pnl_figures pnl_of(const position_pnl_input& p);

} // namespace algomirror
