#pragma once

// trading-rules.md §3: which strike a leg trades.

#include <utility>
#include <vector>

#include "messages/result.hpp"
#include "messages/instrument.hpp"
#include "messages/strategy.hpp"

namespace algomirror {

/// ATM = round-half-to-even(spot / step) × step (24025 / 50 = 480.5 → 480 → 24000).
double atm_strike(double spot, double step);

/// Offsets are clamped to 1..20; 0 or missing means 1.
int32_t clamp_offset(int32_t offset);

/// ATM, ITMk or OTMk for CE or PE: CE ITMk = ATM − k·step, OTMk = ATM + k·step; PE the
/// mirror image. `selection` must be atm, itm or otm.
double offset_strike(double atm, double step, strike_selection selection, option_type type,
                     int32_t offset);

/// A given strike must be a positive multiple of the step.
result<double> check_fixed_strike(double strike, double step);

/// One strike's last price, for premium-near selection.
struct strike_quote {
  double strike = 0;
  double ltp = 0;
};

/// The strikes quoted for premium-near: ATM − 20·step … ATM + 20·step.
std::vector<double> premium_search_strikes(double atm, double step);

/// Among strikes with LTP > 0, the smallest |LTP − target|; ties go to the strike priced at
/// or under the target, then to the lower strike. No strike with a price → an error (never a
/// silent ATM).
result<double> premium_near_strike(const std::vector<strike_quote>& quotes, double target);

} // namespace algomirror
