#pragma once

// trading-rules.md §6: BUY legs (filled) before SELL legs on entry, shorts before longs on
// exit, and which long hedges which short.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "messages/execution.hpp"
#include "messages/strategy.hpp"

namespace algomirror {

/// A leg as the placement rules see it (one account's copy of a strategy leg).
struct placed_leg {
  side action = side::buy;
  leg_product product = leg_product::options;
  std::string underlying;
  std::string expiry; ///< the resolved expiry (any comparable text, e.g. DDMMMYY)
  option_type option = option_type::none;
};

/// Entry phases: indices of the BUY legs, then of the SELL legs (each in leg order). The SELL
/// phase starts only after every BUY leg of the account is filled.
struct phases {
  std::vector<size_t> first;
  std::vector<size_t> second;
};

phases entry_phases(const std::vector<placed_leg>& legs);

/// Exit phases: shorts first (bought back and filled), then longs.
phases exit_phases(const std::vector<placed_leg>& legs);

/// For each leg, the index of the SELL leg it hedges: a BUY option leg with the same
/// underlying, expiry and option type as a SELL leg. Each short is matched to at most one
/// hedge, in leg order; legs that hedge nothing map to nullopt.
std::vector<std::optional<size_t>> hedge_map(const std::vector<placed_leg>& legs);

/// What exiting one leg means: a hedge's own exit (stop-loss, target, manual) first exits the
/// short it protects (reason hedge_exit), then the hedge itself.
std::vector<size_t> exit_sequence_for_leg(const std::vector<placed_leg>& legs, size_t leg);

/// One of an account's positions as the exit ordering sees it.
struct exit_slot {
  side action = side::buy;
  execution_status status = execution_status::pending;
  std::optional<size_t> hedges; ///< the short (index in the same list) this long protects
  bool told = false;            ///< already told to exit in this sequence
  bool entry_in_flight = false; ///< its entry was sent and is not settled (it may yet fill)
};

/// §6 exit: which positions of one account to tell to exit now. Every open short (entered, not
/// yet told) first; once no short is open any more (each exited, failed, skipped or
/// exit_stuck — a short whose entry is still in flight may yet fill, and counts as open), the
/// longs — except a hedge whose short is exit_stuck: it is kept while the
/// short is open, and `kept_hedges` lists it (an alert says so).
std::vector<size_t> exits_due(const std::vector<exit_slot>& slots,
                              std::vector<size_t>* kept_hedges = nullptr);

/// §10 step 2, cross-checked: the net a positionbook row and the day's tradebook agree on — the
/// smaller of the two when they point the same way, else nothing (never a reverse position).
int64_t cross_checked_net(int64_t positionbook, int64_t tradebook);

/// §10 step 2: an exit is at most the broker's net quantity in the position's direction
/// (`broker_net` signed, > 0 long): never more than is open, never a reverse position. 0 means
/// the broker has nothing left to exit.
int64_t exit_quantity(side position, int64_t remaining, int64_t broker_net);

/// §10 step 3: the LIMIT price of a protected exit, `pct` percent through the last price
/// (above it when buying back, below when selling), on the tick.
double protected_exit_price(side exit_side, double ltp, double pct);

} // namespace algomirror
