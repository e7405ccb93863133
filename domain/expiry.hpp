#pragma once

// trading-rules.md §2: which expiry a leg trades.

#include <vector>

#include "domain/instruments.hpp"
#include "messages/strategy.hpp"

namespace algomirror {

/// The expiry of `choice` from the broker's sorted list of expiries (`expiry` endpoint) and
/// today's IST date. Expiries before today are ignored. Options: current_week = first,
/// next_week = second (or the first if only one), current_month = the last expiry of this
/// month if today or later, else next month's last; next_month = the last expiry of the month
/// after the current monthly's. Futures: current_* = first, next_* = second.
result<date> select_expiry(const std::vector<date>& expiries, date today, expiry_choice choice,
                           leg_product product);

/// A weekly choice for an underlying without weekly expiries is refused when the strategy is
/// saved (never a silent fallback). Returns "" when the choice is allowed.
std::string check_expiry_choice(const underlying_spec& spec, leg_product product,
                                expiry_choice choice);

/// The lot size a leg trades: next_month legs use the next-month lot size.
int32_t lot_size_for(const underlying_spec& spec, expiry_choice choice);

} // namespace algomirror
