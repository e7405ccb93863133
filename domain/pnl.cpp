#include "domain/pnl.hpp"

#include <cmath>

namespace algomirror {

bool valid_price(double ltp) {
  return std::isfinite(ltp) && ltp > 0;
}

bool take_price(price_point& last, double ltp, utc_instant at) {
  if (!valid_price(ltp))
    return false;
  last.ltp = ltp;
  last.at = at;
  return true;
}

bool is_stale(const price_point& p, utc_instant now, std::chrono::seconds max_age) {
  return !valid_price(p.ltp) || now - p.at > max_age;
}

pnl_figures pnl_of(const position_pnl_input& p) {
  pnl_figures f;
  if (p.closed_quantity > 0)
    f.realized = position_pnl(p.action, p.entry_price, p.exit_price, p.closed_quantity);
  if (p.quantity > 0 && valid_price(p.ltp))
    f.unrealized = position_pnl(p.action, p.entry_price, p.ltp, p.quantity);
  return f;
}

} // namespace algomirror
