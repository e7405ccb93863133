#include "domain/strikes.hpp"

#include "domain/instruments.hpp"

#include <cfenv>
#include <cmath>
#include <string>

namespace algomirror {

double atm_strike(double spot, double step) {
  // std::nearbyint rounds half to even in the default rounding mode.
  return std::nearbyint(spot / step) * step;
}

int32_t clamp_offset(int32_t offset) {
  return offset < 1 ? 1 : (offset > 20 ? 20 : offset);
}

double offset_strike(double atm, double step, strike_selection selection, option_type type,
                     int32_t offset) {
  if (selection == strike_selection::atm)
    return atm;
  auto k = clamp_offset(offset);
  // Up the chain (higher strike) is OTM for a call and ITM for a put.
  bool up = (selection == strike_selection::otm) == (type != option_type::pe);
  return up ? atm + k * step : atm - k * step;
}

result<double> check_fixed_strike(double strike, double step) {
  if (!(strike > 0))
    return result<double>::failure("strike_price must be positive, got " + format_number(strike));
  double steps = strike / step;
  if (std::fabs(steps - std::round(steps)) > 1e-9) {
    double below = std::floor(steps) * step;
    return result<double>::failure("strike_price " + format_number(strike)
                                   + " is not a multiple of the strike step " + format_number(step)
                                   + " (nearest: " + format_number(below) + " or "
                                   + format_number(below + step) + ")");
  }
  return strike;
}

std::vector<double> premium_search_strikes(double atm, double step) {
  std::vector<double> out;
  out.reserve(41);
  for (int k = -20; k <= 20; ++k)
    if (atm + k * step > 0)
      out.push_back(atm + k * step);
  return out;
}

result<double> premium_near_strike(const std::vector<strike_quote>& quotes, double target) {
  const strike_quote* best = nullptr;
  auto better = [target](const strike_quote& a, const strike_quote& b) {
    double da = std::fabs(a.ltp - target), db = std::fabs(b.ltp - target);
    if (da != db)
      return da < db;
    bool a_under = a.ltp <= target, b_under = b.ltp <= target;
    if (a_under != b_under)
      return a_under;
    return a.strike < b.strike;
  };
  for (auto& q : quotes) {
    if (!(q.ltp > 0) || !std::isfinite(q.ltp))
      continue;
    if (best == nullptr || better(q, *best))
      best = &q;
  }
  if (best == nullptr)
    return result<double>::failure("no strike has a price to match premium "
                                   + std::to_string(target)
                                   + " (every quote was missing or zero)");
  return best->strike;
}

} // namespace algomirror
