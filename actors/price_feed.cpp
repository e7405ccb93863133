#include "actors/price_feed.hpp"

#include "actors/internal/store_writes.hpp"
#include "domain/pnl.hpp"

#include <algorithm>
#include <map>
#include <set>

#include <spdlog/spdlog.h>

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

namespace algomirror {

std::vector<account_record> failover_order(std::vector<account_record> accounts) {
  accounts.erase(std::remove_if(accounts.begin(), accounts.end(),
                                [](const account_record& a) { return !a.is_active; }),
                 accounts.end());
  std::stable_sort(accounts.begin(), accounts.end(),
                   [](const account_record& a, const account_record& b) {
                     if (a.is_primary != b.is_primary)
                       return a.is_primary;
                     if (a.priority != b.priority)
                       return a.priority < b.priority;
                     return a.id < b.id;
                   });
  return accounts;
}

namespace {

using steady_time = std::chrono::steady_clock::time_point;

struct subscriber_entry {
  tick_subscriber_actor handle;
  int count = 0;
  bool paced = false; ///< the latest price once per paced_interval (until it asks for every tick)
};

/// Who wants one instrument, per mode; `fanout` is every distinct subscriber of any mode that
/// takes every tick, `paced` the others, both made again when next used after a change (400
/// executions leaving at an exit are one rebuild per instrument, not 400).
struct instrument_subs {
  std::map<feed_mode, std::map<caf::actor_addr, subscriber_entry>> by_mode;
  std::vector<tick_subscriber_actor> fanout;
  std::vector<tick_subscriber_actor> paced;
  bool fanout_stale = false;
  bool stale_told = false;
  bool paced_due = false; ///< a price came that the paced subscribers have not had yet
};

/// The last valid price of an instrument and when it came (the feed's clock).
struct last_price {
  tick value;
  steady_time at{};
};

struct source_health {
  steady_time rest_until{};
  std::chrono::milliseconds backoff{0};
};

struct feed_state_data {
  price_feed_config cfg;
  std::map<instrument, instrument_subs> subs;
  std::map<caf::actor_addr, int> monitored; ///< subscriptions per subscriber
  std::map<instrument, last_price> last_valid;
  std::vector<source_health> health;
  int current = -1; ///< index into sources, -1 = none
  market_data_link_actor link;
  bool ready = false;
  steady_time link_started{};
  steady_time last_tick{};
  std::string connection_id;
  utc_instant connected_at;
  int64_t messages = 0;
  uint64_t connection_seq = 0;
  feed_state state;
  bool retry_armed = false;
  bool poll_armed = false;
  size_t poll_cursor = 0;
  uint64_t dropped_invalid = 0;
  uint64_t dropped_old_link = 0;
  std::vector<instrument> paced_waiting; ///< instruments with a price for the paced ones
  bool pace_armed = false;
  static inline const char* name = "price_feed";
};

/// The feed's own interface: the public one and its timers.
using price_feed_impl = price_feed_actor::extend<caf::reacts_to<caf::tick_atom>, // stall check
                                                 caf::reacts_to<retry_atom>, // reconnect timer
                                                 caf::reacts_to<poll_atom>,  // REST quote fallback
                                                 caf::reacts_to<pump_atom>>; // paced deliveries

using feed_pointer = price_feed_impl::stateful_pointer<feed_state_data>;

const account_record& source(feed_pointer self, int i) {
  return self->state.cfg.sources[static_cast<size_t>(i)].record;
}

/// Every distinct subscriber of the instrument that takes every tick, whatever the mode (the
/// paced ones in `s.paced`): one that asked for every tick in any mode takes every tick.
const std::vector<tick_subscriber_actor>& fanout_of(instrument_subs& s) {
  if (!s.fanout_stale)
    return s.fanout;
  s.fanout_stale = false;
  s.fanout.clear();
  s.paced.clear();
  std::map<caf::actor_addr, std::pair<tick_subscriber_actor, bool>> distinct; // → paced?
  for (auto& [mode, subs] : s.by_mode)
    for (auto& [addr, e] : subs) {
      auto [i, added] = distinct.emplace(addr, std::make_pair(e.handle, e.paced));
      if (!added)
        i->second.second = i->second.second && e.paced;
    }
  for (auto& [addr, who] : distinct)
    (who.second ? s.paced : s.fanout).push_back(who.first);
  return s.fanout;
}

/// The paced subscribers of the instrument (made again with the fan-out after a change).
const std::vector<tick_subscriber_actor>& paced_of(instrument_subs& s) {
  fanout_of(s);
  return s.paced;
}

/// Every distinct subscriber of the instrument, paced or not.
template <class F>
void each_subscriber(instrument_subs& s, F f) {
  for (auto& h : fanout_of(s))
    f(h);
  for (auto& h : paced_of(s))
    f(h);
}

void broadcast_state(feed_pointer self, feed_condition c, int64_t account, std::string reason) {
  auto& st = self->state;
  st.state = feed_state{account, c, std::move(reason)};
  std::set<caf::actor_addr> told;
  for (auto& [inst, s] : st.subs)
    each_subscriber(s, [&](const tick_subscriber_actor& h) {
      if (told.insert(h.address()).second)
        self->send(h, st.state);
    });
}

void store_connection(feed_pointer self, const std::string& status) {
  auto& st = self->state;
  if (!st.cfg.store || st.connection_id.empty())
    return;
  ws_connection_record r{st.connection_id, source(self, st.current).id, status, st.connected_at,
                         status == "connected" ? utc_instant{} : st.cfg.time->now(),
                         st.messages};
  store_routine(st.cfg.store, std::move(r));
}

void store_failover(feed_pointer self, int64_t from, int64_t to, const std::string& reason,
                    bool success, const std::string& error) {
  auto& st = self->state;
  if (!st.cfg.store)
    return;
  failover_event e{{}, from, to, reason, success, error, st.cfg.time->now()};
  store_routine(st.cfg.store, std::move(e));
}

void connect(feed_pointer self, int index) {
  auto& st = self->state;
  st.current = index;
  st.ready = false;
  st.link_started = self->clock().now();
  st.messages = 0;
  auto& rec = source(self, index);
  st.link = st.cfg.make_link(rec, link_owner{self, order_listener_actor{}, self});
  st.connection_id = "feed:" + std::to_string(rec.id) + ":" + format_utc(st.cfg.time->now()) + ":"
                     + std::to_string(++st.connection_seq);
  if (!st.link) {
    spdlog::error("price feed: no link could be made for account {}", rec.name);
    return;
  }
  self->link_to(st.link); // a link never outlives the feed
  for (auto& [inst, s] : st.subs)
    for (auto& [mode, subs] : s.by_mode)
      self->send(st.link, caf::subscribe_atom_v, inst, mode);
  spdlog::info("price feed: connecting through account {} ({} instruments)", rec.name,
               st.subs.size());
}

void close_link(feed_pointer self) {
  auto& st = self->state;
  if (st.link) {
    self->unlink_from(st.link);
    self->send(st.link, caf::close_atom_v);
    st.link = nullptr;
  }
  st.ready = false;
}

void arm_retry(feed_pointer self, std::chrono::milliseconds after) {
  auto& st = self->state;
  if (st.retry_armed)
    return;
  st.retry_armed = true;
  self->delayed_send(self, after, retry_atom_v);
}

void arm_poll(feed_pointer self) {
  auto& st = self->state;
  if (st.poll_armed)
    return;
  st.poll_armed = true;
  self->delayed_send(self, st.cfg.quote_interval, poll_atom_v);
}

/// The first account (in failover order, starting after `after`) that is not resting.
int next_source(feed_pointer self, int after) {
  auto& st = self->state;
  auto n = static_cast<int>(st.cfg.sources.size());
  auto now = self->clock().now();
  for (int k = 1; k <= n; ++k) {
    int i = (after + k + n) % n;
    if (after < 0)
      i = k - 1;
    if (st.health[static_cast<size_t>(i)].rest_until <= now)
      return i;
  }
  return -1;
}

/// Tells an instrument's subscribers, once until a valid price comes, that its price is stale.
void tell_stale(feed_pointer self, const instrument& inst, instrument_subs& s) {
  if (s.stale_told)
    return;
  s.stale_told = true;
  auto last = self->state.last_valid.find(inst);
  auto at = last != self->state.last_valid.end() ? last->second.value.received_at : utc_instant{};
  each_subscriber(s, [&](const tick_subscriber_actor& h) { self->send(h, price_stale{inst, at}); });
}

/// The current account failed (disconnect, refused authentication, stall, no connection in
/// time): it rests (back-off), the next one takes over, everything is subscribed again there.
void fail_over(feed_pointer self, const std::string& reason) {
  auto& st = self->state;
  int from = st.current;
  int64_t from_id = from >= 0 ? source(self, from).id : 0;
  if (from >= 0) {
    auto& h = st.health[static_cast<size_t>(from)];
    h.backoff = h.backoff.count() == 0 ? st.cfg.backoff_initial
                                       : std::min(h.backoff * 2, st.cfg.backoff_max);
    h.rest_until = self->clock().now() + h.backoff;
    store_connection(self, "disconnected");
    spdlog::warn("price feed: account {} failed ({}); it rests {} ms", source(self, from).name,
                 reason, h.backoff.count());
  }
  close_link(self);
  int to = next_source(self, from);
  if (to >= 0) {
    store_failover(self, from_id, source(self, to).id, reason, true, {});
    broadcast_state(self, feed_condition::failing_over, source(self, to).id, reason);
    connect(self, to);
    return;
  }
  st.current = -1;
  store_failover(self, from_id, 0, reason, false, "every account's feed is down");
  spdlog::error("price feed: every account is down ({}); REST quotes fill in", reason);
  broadcast_state(self, feed_condition::down, 0, reason);
  for (auto& [inst, s] : st.subs)
    tell_stale(self, inst, s);
  arm_poll(self);
  auto soonest = st.cfg.backoff_max;
  auto now = self->clock().now();
  for (auto& h : st.health)
    soonest = std::min(soonest, std::chrono::duration_cast<std::chrono::milliseconds>(
                                  std::max(h.rest_until - now, steady_time::duration{0})));
  arm_retry(self, std::max(soonest, std::chrono::milliseconds{1}));
}

/// A valid price reaches every subscriber of its instrument; anything else is dropped.
void deliver(feed_pointer self, const tick& t) {
  auto& st = self->state;
  if (!valid_price(t.ltp)) {
    ++st.dropped_invalid;
    spdlog::debug("price feed: invalid price {} for {} dropped", t.ltp, t.inst.symbol);
    return;
  }
  auto i = st.subs.find(t.inst);
  if (i == st.subs.end())
    return; // nobody follows it (a server may keep streaming after an unsubscribe): no
            // price is kept that would look current to the next subscriber
  auto& last = st.last_valid[t.inst];
  last.value = t;
  last.at = self->clock().now();
  auto& s = i->second;
  s.stale_told = false;
  for (auto& h : fanout_of(s))
    self->send(h, t);
  if (!s.paced.empty() && !s.paced_due) {
    s.paced_due = true;
    st.paced_waiting.push_back(t.inst);
    if (!st.pace_armed) {
      st.pace_armed = true;
      self->delayed_send(self, st.cfg.paced_interval, pump_atom_v);
    }
  }
}

/// The paced subscribers get the latest price of each instrument that had one since.
void deliver_paced(feed_pointer self) {
  auto& st = self->state;
  st.pace_armed = false;
  auto waiting = std::move(st.paced_waiting);
  st.paced_waiting.clear();
  for (auto& inst : waiting) {
    auto i = st.subs.find(inst);
    auto last = st.last_valid.find(inst);
    if (i == st.subs.end() || last == st.last_valid.end())
      continue; // no longer followed
    i->second.paced_due = false;
    for (auto& h : paced_of(i->second))
      self->send(h, last->second.value);
  }
}

void subscribe(feed_pointer self, const instrument& inst, feed_mode mode,
               const tick_subscriber_actor& who, bool paced) {
  auto& st = self->state;
  if (!who)
    return;
  auto& s = st.subs[inst];
  auto& mode_subs = s.by_mode[mode];
  bool first_of_mode = mode_subs.empty();
  auto& e = mode_subs[who.address()];
  e.paced = e.count == 0 ? paced : e.paced && paced;
  e.handle = who;
  ++e.count;
  s.fanout_stale = true;
  if (st.monitored[who.address()]++ == 0)
    self->monitor(who);
  if (first_of_mode && st.link)
    self->send(st.link, caf::subscribe_atom_v, inst, mode);
  auto last = st.last_valid.find(inst);
  if (last != st.last_valid.end())
    self->send(who, last->second.value);
  if (st.current < 0)
    arm_poll(self);
}

void check(feed_pointer self) {
  auto& st = self->state;
  auto now = self->clock().now();
  if (st.current >= 0 && st.cfg.market_open && !st.subs.empty()) {
    if (st.ready && now - st.last_tick > st.cfg.stall_timeout) {
      fail_over(self, "stall: no tick for " + std::to_string(st.cfg.stall_timeout.count())
                        + " ms");
    } else if (!st.ready && now - st.link_started > st.cfg.connect_timeout) {
      fail_over(self, "not ready within " + std::to_string(st.cfg.connect_timeout.count())
                        + " ms");
    }
  }
  if (st.cfg.market_open) {
    for (auto& [inst, s] : st.subs) {
      auto last = st.last_valid.find(inst);
      if (last != st.last_valid.end() && now - last->second.at > st.cfg.stale_after)
        tell_stale(self, inst, s);
    }
  }
  self->delayed_send(self, st.cfg.check_interval, caf::tick_atom_v);
}

void remove_subscriber(feed_pointer self, const caf::actor_addr& who) {
  auto& st = self->state;
  for (auto i = st.subs.begin(); i != st.subs.end();) {
    bool changed = false;
    for (auto m = i->second.by_mode.begin(); m != i->second.by_mode.end();) {
      if (m->second.erase(who) != 0)
        changed = true;
      if (m->second.empty()) {
        if (st.link)
          self->send(st.link, caf::unsubscribe_atom_v, i->first, m->first);
        m = i->second.by_mode.erase(m);
      } else {
        ++m;
      }
    }
    if (changed)
      i->second.fanout_stale = true;
    if (i->second.by_mode.empty()) {
      st.last_valid.erase(i->first); // no longer followed: its price would only grow old
      i = st.subs.erase(i);
    } else {
      ++i;
    }
  }
  st.monitored.erase(who);
}

price_feed_impl::behavior_type price_feed(feed_pointer self, price_feed_config cfg) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.health.resize(st.cfg.sources.size());
  self->set_down_handler([self](const caf::down_msg& msg) { remove_subscriber(self, msg.source); });
  self->set_exit_handler([self](const caf::exit_msg& msg) {
    auto& st = self->state;
    if (st.link && msg.source == st.link.address()) {
      st.link = nullptr;
      fail_over(self, "link stopped: " + self->system().render(msg.reason));
      return;
    }
    self->quit(msg.reason);
  });
  if (st.cfg.sources.empty()) {
    spdlog::warn("price feed: no account to take prices from");
    st.state = feed_state{0, feed_condition::down, "no accounts"};
  } else {
    connect(self, 0);
  }
  self->delayed_send(self, st.cfg.check_interval, caf::tick_atom_v);
  return {
    [=](caf::subscribe_atom, const instrument& inst, feed_mode mode,
        const tick_subscriber_actor& who) { subscribe(self, inst, mode, who, false); },
    [=](caf::subscribe_atom, const instrument& inst, feed_mode mode,
        const tick_subscriber_actor& who, paced_atom) { subscribe(self, inst, mode, who, true); },
    [=](caf::unsubscribe_atom, const instrument& inst, feed_mode mode,
        tick_subscriber_actor& who) {
      auto& st = self->state;
      auto i = st.subs.find(inst);
      if (i == st.subs.end())
        return;
      auto m = i->second.by_mode.find(mode);
      if (m == i->second.by_mode.end())
        return;
      auto e = m->second.find(who.address());
      if (e == m->second.end())
        return;
      if (--e->second.count == 0)
        m->second.erase(e);
      if (m->second.empty()) {
        if (st.link)
          self->send(st.link, caf::unsubscribe_atom_v, inst, mode);
        i->second.by_mode.erase(m);
      }
      i->second.fanout_stale = true;
      if (i->second.by_mode.empty()) {
        // No longer followed: a later subscriber must not be handed a price that stopped
        // moving when the last one left (it would look current for a minute).
        st.last_valid.erase(inst);
        st.subs.erase(i);
      }
      auto mon = st.monitored.find(who.address());
      if (mon != st.monitored.end() && --mon->second == 0) {
        self->demonitor(who.address());
        st.monitored.erase(mon);
      }
    },
    [=](caf::get_atom, const instrument& inst) -> caf::result<tick> {
      auto i = self->state.last_valid.find(inst);
      if (i == self->state.last_valid.end())
        return make_error(errc::not_found, "no valid price yet for " + inst.symbol);
      return i->second.value;
    },
    [=](caf::get_atom, status_atom) { return self->state.state; },
    [=](const tick& t) {
      auto& st = self->state;
      if (!st.link || self->current_sender() != st.link.address()) {
        ++st.dropped_old_link; // from a link the feed has left (or a stray sender)
        return;
      }
      ++st.messages;
      st.last_tick = self->clock().now();
      deliver(self, t);
    },
    [=](const price_stale&) {},
    [=](const feed_state&) {},
    [=](const link_status& s) {
      auto& st = self->state;
      if (!st.link || self->current_sender() != st.link.address())
        return;
      if (s.condition == link_condition::ready) {
        st.ready = true;
        st.last_tick = self->clock().now();
        st.connected_at = st.cfg.time->now();
        st.health[static_cast<size_t>(st.current)].backoff = std::chrono::milliseconds{0};
        auto& rec = source(self, st.current);
        spdlog::info("price feed: ticks from account {}", rec.name);
        store_connection(self, "connected");
        broadcast_state(self, feed_condition::connected, rec.id, s.reason);
        return;
      }
      fail_over(self, to_string(s.condition) + ": " + s.reason);
    },
    [=](caf::tick_atom) { check(self); },
    [=](pump_atom) { deliver_paced(self); },
    [=](retry_atom) {
      auto& st = self->state;
      st.retry_armed = false;
      if (st.current >= 0)
        return;
      int i = next_source(self, -1);
      if (i < 0) {
        arm_retry(self, st.cfg.backoff_initial);
        return;
      }
      store_failover(self, 0, source(self, i).id, "retry after every account was down", true,
                     {});
      broadcast_state(self, feed_condition::failing_over, source(self, i).id, "retry");
      connect(self, i);
    },
    [=](poll_atom) {
      auto& st = self->state;
      st.poll_armed = false;
      if (st.ready || st.subs.empty())
        return;
      arm_poll(self);
      broker_api_actor api;
      for (auto& s : st.cfg.sources)
        if (s.api) {
          api = s.api;
          break;
        }
      if (!api)
        return;
      auto i = st.subs.begin();
      std::advance(i, static_cast<long>(st.poll_cursor++ % st.subs.size()));
      auto inst = i->first;
      self->request(api, std::chrono::seconds{10}, caf::get_atom_v, inst)
        .then(
          [self, inst](const quote& q) {
            if (self->state.ready)
              return; // the feed is back: its ticks are fresher
            tick t;
            t.inst = inst;
            t.ltp = q.ltp;
            t.bid = q.bid;
            t.ask = q.ask;
            t.volume = q.volume;
            t.received_at = self->state.cfg.time->now();
            t.exchange_time = t.received_at;
            deliver(self, t);
          },
          [self, inst](const caf::error& err) {
            spdlog::debug("price feed: quote of {} unavailable: {}", inst.symbol,
                          self->system().render(err));
          });
    },
    [=](const session_opened&) {
      self->state.cfg.market_open = true;
      self->state.last_tick = self->clock().now(); // silence before the open is no stall
    },
    [=](const session_closed&) { self->state.cfg.market_open = false; },
    [=](const timer_due&) {},
  };
}

} // namespace

price_feed_actor spawn_price_feed(caf::actor_system& sys, price_feed_config cfg) {
  return sys.spawn(price_feed, std::move(cfg));
}

} // namespace algomirror
