#include "actors/market_clock.hpp"

#include <map>

#include <spdlog/spdlog.h>

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "domain/timers.hpp"

namespace algomirror {

namespace {

struct market_clock_state {
  market_clock_config cfg;
  std::optional<market_calendar> calendar;
  std::map<int64_t, strategy_times> strategies;
  std::map<caf::actor_addr, clock_listener_actor> listeners;
  utc_instant last_look;
  static inline const char* name = "market_clock";
};

/// The clock's own interface: the public one and its look at the clock.
using market_clock_impl = market_clock_actor::extend<caf::reacts_to<caf::tick_atom>>;

using clock_pointer = market_clock_impl::stateful_pointer<market_clock_state>;

void look(clock_pointer self) {
  auto& st = self->state;
  auto now = st.cfg.time->now();
  std::vector<strategy_times> times;
  for (auto& [id, t] : st.strategies)
    times.push_back(t);
  for (auto& e : due_events(*st.calendar, st.cfg.markets, times, st.last_look, now)) {
    for (auto& [addr, l] : st.listeners) {
      switch (e.what) {
        case clock_event::kind::session_opened:
          self->send(l, session_opened{e.market, e.at});
          break;
        case clock_event::kind::session_closed:
          self->send(l, session_closed{e.market, e.at});
          break;
        case clock_event::kind::entry:
          self->send(l, timer_due{e.strategy_id, strategy_timer::entry, e.at});
          break;
        case clock_event::kind::exit:
          self->send(l, timer_due{e.strategy_id, strategy_timer::exit, e.at});
          break;
        case clock_event::kind::square_off:
          self->send(l, timer_due{e.strategy_id, strategy_timer::square_off, e.at});
          break;
      }
    }
    if (e.what == clock_event::kind::session_opened || e.what == clock_event::kind::session_closed)
      spdlog::info("market clock: {} {} at {}", e.market,
                   e.what == clock_event::kind::session_opened ? "opened" : "closed",
                   format_ist(e.at));
  }
  st.last_look = now;
}

market_clock_impl::behavior_type market_clock(clock_pointer self, market_clock_config cfg) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.calendar.emplace(st.cfg.calendar);
  st.last_look = st.cfg.time->now();
  self->set_down_handler([self](const caf::down_msg& msg) { self->state.listeners.erase(msg.source); });
  self->delayed_send(self, st.cfg.resolution, caf::tick_atom_v);
  return {
    [=](caf::subscribe_atom, clock_listener_actor& l) {
      if (self->state.listeners.emplace(l.address(), l).second)
        self->monitor(l);
    },
    [=](caf::unsubscribe_atom, const clock_listener_actor& l) {
      self->state.listeners.erase(l.address());
      self->demonitor(l.address());
    },
    [=](caf::put_atom, const strategy_definition& s) {
      self->state.strategies[s.id] =
        strategy_times{s.id, "NFO", s.entry_time, s.exit_time, s.square_off_time};
    },
    [=](caf::delete_atom, int64_t id) { self->state.strategies.erase(id); },
    [=](caf::tick_atom) {
      look(self);
      self->delayed_send(self, self->state.cfg.resolution, caf::tick_atom_v);
    },
  };
}

} // namespace

market_clock_actor spawn_market_clock(caf::actor_system& sys, market_clock_config cfg) {
  return sys.spawn(market_clock, std::move(cfg));
}

} // namespace algomirror
