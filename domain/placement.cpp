#include "domain/placement.hpp"

#include <algorithm>
#include <cstdlib>

#include "domain/instruments.hpp"

namespace algomirror {

phases entry_phases(const std::vector<placed_leg>& legs) {
  phases p;
  for (size_t i = 0; i < legs.size(); ++i)
    (legs[i].action == side::buy ? p.first : p.second).push_back(i);
  return p;
}

phases exit_phases(const std::vector<placed_leg>& legs) {
  phases p;
  for (size_t i = 0; i < legs.size(); ++i)
    (legs[i].action == side::sell ? p.first : p.second).push_back(i);
  return p;
}

std::vector<std::optional<size_t>> hedge_map(const std::vector<placed_leg>& legs) {
  std::vector<std::optional<size_t>> out(legs.size());
  std::vector<bool> short_taken(legs.size(), false);
  for (size_t h = 0; h < legs.size(); ++h) {
    auto& hedge = legs[h];
    if (hedge.action != side::buy || hedge.product != leg_product::options)
      continue;
    for (size_t s = 0; s < legs.size(); ++s) {
      auto& sh = legs[s];
      if (sh.action == side::sell && sh.product == leg_product::options && !short_taken[s]
          && sh.underlying == hedge.underlying && sh.expiry == hedge.expiry
          && sh.option == hedge.option) {
        out[h] = s;
        short_taken[s] = true;
        break;
      }
    }
  }
  return out;
}

std::vector<size_t> exit_sequence_for_leg(const std::vector<placed_leg>& legs, size_t leg) {
  auto hedges = hedge_map(legs);
  if (leg < hedges.size() && hedges[leg])
    return {*hedges[leg], leg};
  return {leg};
}

namespace {

bool open_position(execution_status s) {
  return s == execution_status::entered || s == execution_status::exit_pending;
}

} // namespace

std::vector<size_t> exits_due(const std::vector<exit_slot>& slots,
                              std::vector<size_t>* kept_hedges) {
  std::vector<size_t> out;
  bool short_open = false;
  for (size_t i = 0; i < slots.size(); ++i) {
    auto& s = slots[i];
    if (s.action == side::sell && s.status == execution_status::pending && s.entry_in_flight)
      short_open = true; // it may yet fill: no long is sold before it settles
    if (s.action != side::sell || !open_position(s.status))
      continue;
    short_open = true;
    if (!s.told && s.status == execution_status::entered)
      out.push_back(i);
  }
  if (short_open)
    return out;
  for (size_t i = 0; i < slots.size(); ++i) {
    auto& s = slots[i];
    if (s.action != side::buy || s.told || s.status != execution_status::entered)
      continue;
    if (s.hedges && *s.hedges < slots.size()
        && slots[*s.hedges].status == execution_status::exit_stuck) {
      if (kept_hedges)
        kept_hedges->push_back(i);
      continue;
    }
    out.push_back(i);
  }
  return out;
}

int64_t cross_checked_net(int64_t positionbook, int64_t tradebook) {
  if ((positionbook > 0) != (tradebook > 0) || positionbook == 0 || tradebook == 0)
    return 0;
  return std::llabs(positionbook) <= std::llabs(tradebook) ? positionbook : tradebook;
}

int64_t exit_quantity(side position, int64_t remaining, int64_t broker_net) {
  int64_t ours_at_broker = position == side::buy ? broker_net : -broker_net;
  return std::max<int64_t>(0, std::min(remaining, ours_at_broker));
}

double protected_exit_price(side exit_side, double ltp, double pct) {
  auto f = pct / 100.0;
  return round_to_tick(exit_side == side::buy ? ltp * (1 + f) : ltp * (1 - f));
}

} // namespace algomirror
