#pragma once

// trading-rules.md §8, "Coherent prices": a strategy-level rule never decides on a mix of old
// and new leg prices. A crossing seen at T is confirmed once every other leg of the scope whose
// price predates T has been refreshed (its next tick, or one multiquotes read); protective rules
// fire on what they have after the coherence timeout (max loss, trailing stop), profit rules never
// fire unconfirmed. Pure: the run actor feeds it prices and asks it what to do.

#include "messages/execution.hpp"
#include "messages/time.hpp"

#include <cstddef>
#include <optional>
#include <set>
#include <vector>

namespace algomirror {

/// One position of a scope as the confirmation sees it: open or not, and when its price was
/// received (the tick's own stamp, shared by every subscriber of that tick).
struct priced_position {
  bool open = false;
  utc_instant received_at;
};

/// The rules that protect capital fire unconfirmed after the timeout; the others never do.
bool protective_rule(exit_reason rule);

/// The rules that decide on the scope's summed P&L, and so need coherent prices.
bool pnl_rule(exit_reason rule);

/// What the run does with a crossing once it has looked at the prices.
enum class confirmation_verdict {
  fire,    ///< the crossing holds on coherent prices (or a protective rule timed out)
  discard, ///< refuted on coherent prices, or a profit rule timed out: nothing fires
  wait,    ///< some legs are still to be refreshed
};

/// One crossing being confirmed, in one risk scope.
class price_confirmation {
public:
  /// Starts a confirmation of `rule` crossed now: T is the newest price of the scope's open
  /// positions, and every open position whose price was received before T is to be refreshed.
  /// Returns those positions (by index into `positions`); empty means the prices are coherent
  /// already and the crossing can be decided at once (the confirmation is then not active).
  std::vector<size_t> begin(exit_reason rule, const std::vector<priced_position>& positions);

  /// A price of position `i` received at `t`: it refreshes the position when `t` is at or after
  /// T (a tick from before the crossing refreshes nothing).
  void price(size_t i, utc_instant t);

  /// Position `i` was read by the confirmation's multiquotes request (sent after T).
  void quoted(size_t i);

  /// Where the confirmation stands: `crossed_now` is the rule the refreshed prices cross (if
  /// any), `timed_out` whether the coherence timeout has passed since it began.
  confirmation_verdict verdict(std::optional<exit_reason> crossed_now, bool timed_out) const;

  /// Ends it (after a fire or a discard); the next crossing begins again.
  void reset();

  bool active() const noexcept { return active_; }
  exit_reason rule() const noexcept { return rule_; }
  utc_instant crossed_at() const noexcept { return crossed_at_; }
  const std::set<size_t>& waiting() const noexcept { return waiting_; }
  const std::set<size_t>& refreshed_by_quote() const noexcept { return quoted_; }
  /// Increases with every begin: a timeout of an earlier confirmation is recognised as stale.
  uint64_t generation() const noexcept { return generation_; }

private:
  bool active_ = false;
  exit_reason rule_ = exit_reason::none;
  utc_instant crossed_at_;
  std::set<size_t> waiting_;
  std::set<size_t> quoted_;
  uint64_t generation_ = 0;
};

/// The trailing stop's peak on coherent P&L only: a new high seen on a mix of prices is held
/// as a candidate, and the peak may rise to the lower of the candidate and the P&L of the first
/// later snapshot in which every open leg has a price received at or after the candidate's.
/// A rise that one stale leg made up never lifts the stop.
struct peak_candidate {
  std::optional<double> pnl;
  utc_instant newest; ///< the newest price the candidate was computed from
};

/// Feeds one snapshot (`pnl`, the newest and oldest price time of its open legs); returns the
/// P&L the peak may take now, if any.
std::optional<double> coherent_peak_sample(peak_candidate& candidate, double pnl,
                                           utc_instant newest, utc_instant oldest);

} // namespace algomirror
