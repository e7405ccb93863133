#pragma once

// Resolving a strategy leg into the instrument it trades (trading-rules.md §1–§3): the expiry
// from the broker's list, the strike by the leg's rule against the run's one spot snapshot,
// the symbol, and the lot size. Premium-near legs need the quotes of the strikes around ATM:
// `premium_candidates` names them, the quotes come back to `resolve_leg`.

#include <vector>

#include "domain/instruments.hpp"
#include "messages/result.hpp"
#include "domain/strikes.hpp"
#include "messages/strategy.hpp"

namespace algomirror {

struct resolved_leg {
  instrument inst;
  date expiry;
  double strike = 0; ///< 0 for futures
  int32_t lot_size = 1;
  int64_t quantity = 0; ///< lots × lot size (fixed lots)
};

/// §1: the broker's lot size of the leg's contract wins over the instrument table's; the
/// leg keeps its number of lots (its quantity follows). False when there is nothing to take
/// (the broker did not say, or agrees).
bool take_broker_lot(resolved_leg& leg, int64_t broker_lot);

/// The instruments a premium-near leg must be quoted on (ATM ± 20 steps, its option type).
std::vector<instrument> premium_candidates(const leg_definition& leg, const underlying_spec& spec,
                                           double spot, date expiry);

/// Resolves `leg` for a run that took `spot` as its snapshot on `today`; `expiries` is the
/// broker's list for the leg's product; `quotes` the premium candidates' quotes (premium-near
/// only). Errors name the leg and what is missing.
result<resolved_leg> resolve_leg(const leg_definition& leg, const underlying_spec& spec,
                                 double spot, const std::vector<date>& expiries, date today,
                                 const std::vector<strike_quote>& quotes = {});

} // namespace algomirror
