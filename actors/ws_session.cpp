#include "actors/ws_session.hpp"

#include <map>

#include <spdlog/spdlog.h>

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/internal/store_writes.hpp"
#include "domain/instruments.hpp"
#include "domain/strikes.hpp"

namespace algomirror {

std::vector<instrument> option_chain_instruments(const underlying_spec& spec, double spot,
                                                 std::chrono::year_month_day expiry,
                                                 int strikes_each_side) {
  std::vector<instrument> out;
  auto atm = atm_strike(spot, spec.strike_step);
  for (int k = -strikes_each_side; k <= strikes_each_side; ++k) {
    auto strike = atm + k * spec.strike_step;
    if (strike <= 0)
      continue;
    for (auto type : {option_type::ce, option_type::pe})
      out.push_back(instrument{option_symbol(spec.name, expiry, strike, type), spec.derivative_exchange});
  }
  return out;
}

namespace {

struct session_state {
  ws_session_config cfg;
  std::map<instrument, tick> latest;
  uint64_t generation = 0;
  bool closed = false;
  static inline const char* name = "ws_session";
};

/// The session's own interface: the public one and its expiry timer (generation).
using ws_session_impl = ws_session_actor::extend<caf::reacts_to<expire_atom, uint64_t>>;

using session_pointer = ws_session_impl::stateful_pointer<session_state>;

void store_row(session_pointer self) {
  auto& st = self->state;
  store_routine(st.cfg.store, st.cfg.record);
}

/// Pushes the expiry out by the session's time to live.
void extend(session_pointer self) {
  auto& st = self->state;
  auto now = st.cfg.time->now();
  st.cfg.record.last_heartbeat = now;
  st.cfg.record.expires_at = now + std::chrono::duration_cast<std::chrono::microseconds>(st.cfg.ttl);
  self->delayed_send(self, st.cfg.ttl, expire_atom_v, ++st.generation);
  store_row(self);
}

void close(session_pointer self, const char* why) {
  auto& st = self->state;
  if (st.closed)
    return;
  st.closed = true;
  tick_subscriber_actor me = self;
  for (auto& inst : st.cfg.instruments)
    self->send(st.cfg.feed, caf::unsubscribe_atom_v, inst, st.cfg.mode, me);
  st.cfg.record.is_active = false;
  store_row(self);
  spdlog::info("session {}: {} ({} symbols released)", st.cfg.record.session_id, why,
               st.cfg.instruments.size());
  self->quit();
}

ws_session_impl::behavior_type ws_session(session_pointer self, ws_session_config cfg) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.cfg.record.symbol_count = static_cast<int32_t>(st.cfg.instruments.size());
  st.cfg.record.is_active = true;
  tick_subscriber_actor me = self;
  for (auto& inst : st.cfg.instruments)
    self->send(st.cfg.feed, caf::subscribe_atom_v, inst, st.cfg.mode, me);
  extend(self);
  return {
    [=](const tick& t) { self->state.latest[t.inst] = t; },
    [=](const price_stale&) {},
    [=](const feed_state&) {},
    [=](heartbeat_atom) {
      if (!self->state.closed)
        extend(self);
    },
    [=](caf::close_atom) { close(self, "closed"); },
    [=](caf::get_atom) {
      std::vector<tick> out;
      for (auto& [inst, t] : self->state.latest)
        out.push_back(t);
      return out;
    },
    [=](expire_atom, uint64_t generation) {
      if (generation == self->state.generation)
        close(self, "expired (no heartbeat)");
    },
  };
}

} // namespace

ws_session_actor spawn_ws_session(caf::actor_system& sys, ws_session_config cfg) {
  return sys.spawn(ws_session, std::move(cfg));
}

} // namespace algomirror
