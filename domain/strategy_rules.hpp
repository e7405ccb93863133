#pragma once

// Whether a strategy definition can be run (issue 7 §1, trading-rules.md §1–§9): every problem
// found, each naming its field (`legs[2].strike_price`) and what would be accepted. All risk
// rules may be combined; only values that cannot work are refused.

#include <string>
#include <vector>

#include "domain/instruments.hpp"
#include "messages/strategy.hpp"

namespace algomirror {

/// What a strategy may ask for at most: beyond it a value is a typing mistake, refused with
/// the field named before anything is saved.
struct strategy_limits {
  /// Lots per leg (`--max-lots-per-leg`); a leg is also held to at most
  /// `max_children_per_leg` freeze-split orders of its instrument.
  int32_t max_lots_per_leg = 100;
  int32_t max_children_per_leg = 10;
  /// Rupee amounts (max loss, max profit, amount thresholds): ₹10 crore.
  double max_amount = 100'000'000;
  /// The trade-quality grades a `grade_X` risk profile may name.
  std::vector<std::string> grades = {"A", "B", "C"};
};

/// Every problem of `s` (empty: it can be saved and run).
std::vector<std::string> strategy_problems(const strategy_definition& s,
                                           const instrument_table& table,
                                           const strategy_limits& limits = {});

/// Brokers (and OpenAlgo's sandbox) take MIS (intraday) orders from 09:00 to 15:15 IST only.
inline constexpr int32_t mis_opens_ist = 9 * 3600;
inline constexpr int32_t mis_closes_ist = 15 * 3600 + 15 * 60;

/// Why `s` cannot start at `ist_seconds` (IST seconds since midnight), checked before the first
/// order so that nothing is sent and nothing has to be undone: its order product is MIS outside
/// 09:00–15:15 IST (the broker would refuse the shorts after the hedges went out), or its
/// square-off time has already passed today (it would exit as soon as it entered). Empty when
/// it can start. `--force` does not lift these: they are what the broker would do.
std::string start_time_problem(const strategy_definition& s, int32_t ist_seconds);

} // namespace algomirror
