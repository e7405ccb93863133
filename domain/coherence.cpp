#include "domain/coherence.hpp"

#include <algorithm>

namespace algomirror {

bool protective_rule(exit_reason rule) {
  return rule == exit_reason::max_loss || rule == exit_reason::trailing_stop;
}

bool pnl_rule(exit_reason rule) {
  return rule == exit_reason::max_loss || rule == exit_reason::max_profit ||
         rule == exit_reason::trailing_stop;
}

std::vector<size_t> price_confirmation::begin(exit_reason rule,
                                              const std::vector<priced_position>& positions) {
  reset();
  ++generation_;
  utc_instant newest{};
  bool any = false;
  for (auto& p : positions)
    if (p.open && (!any || p.received_at > newest)) {
      newest = p.received_at;
      any = true;
    }
  std::vector<size_t> stale;
  for (size_t i = 0; i < positions.size(); ++i)
    if (positions[i].open && positions[i].received_at < newest)
      stale.push_back(i);
  if (stale.empty())
    return stale;
  active_ = true;
  rule_ = rule;
  crossed_at_ = newest;
  waiting_.insert(stale.begin(), stale.end());
  return stale;
}

void price_confirmation::price(size_t i, utc_instant t) {
  if (active_ && t >= crossed_at_)
    waiting_.erase(i);
}

void price_confirmation::quoted(size_t i) {
  if (active_ && waiting_.erase(i) > 0)
    quoted_.insert(i);
}

confirmation_verdict price_confirmation::verdict(std::optional<exit_reason> crossed_now,
                                                 bool timed_out) const {
  if (!active_ || waiting_.empty())
    return crossed_now ? confirmation_verdict::fire : confirmation_verdict::discard;
  if (!timed_out)
    return confirmation_verdict::wait;
  // Timed out with legs unrefreshed: only a protective rule still crossed fires.
  return crossed_now && protective_rule(*crossed_now) ? confirmation_verdict::fire
                                                      : confirmation_verdict::discard;
}

void price_confirmation::reset() {
  active_ = false;
  rule_ = exit_reason::none;
  crossed_at_ = {};
  waiting_.clear();
  quoted_.clear();
}

std::optional<double> coherent_peak_sample(peak_candidate& candidate, double pnl,
                                           utc_instant newest, utc_instant oldest) {
  if (oldest == newest) { // every open leg priced at one instant: coherent as it is
    candidate = {pnl, newest};
    return pnl;
  }
  if (!candidate.pnl) {
    candidate = {pnl, newest};
    return std::nullopt;
  }
  if (oldest < candidate.newest)
    return std::nullopt; // some leg has not ticked since the candidate was seen
  auto out = std::min(*candidate.pnl, pnl);
  candidate = {pnl, newest};
  return out;
}

} // namespace algomirror
