#pragma once

// Scripted stand-ins behind the gateway interfaces, for deterministic actor tests: a broker
// (broker_api), a WebSocket link (market_data_link) and a tick recorder (tick_subscriber).

#include <algorithm>
#include <deque>
#include <cstdlib>
#include <map>
#include <optional>
#include <set>
#include <variant>
#include <vector>

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "messages/actors.hpp"

namespace algomirror::testing {

/// What the fake broker answers to the next placement: an order id, an error, or nothing
/// at all (the request times out).
struct hang {};
using place_answer = std::variant<std::string, caf::error, hang>;

struct fake_broker_state {
  std::deque<place_answer> place_script; ///< empty: accept with "B<n>"
  std::vector<order_intent> placed;      ///< every placement request, in order
  std::map<std::string, order_intent> accepted; ///< by the order id it was given
  std::map<std::string, order_update> statuses;
  std::vector<broker_order> book;
  std::vector<broker_position> positions;
  std::vector<broker_position> holdings;
  std::string mode = "analyze"; ///< what the analyzer endpoint answers
  /// The tradebook: by default one trade per position of its net (the two agree); set to
  /// answer these trades instead (a sandbox that lost a position update).
  std::optional<std::vector<broker_trade>> trades;
  int tradebook_calls = 0;
  std::vector<caf::typed_response_promise<order_accepted>> hung;
  std::map<std::string, double> quotes; ///< LTP by symbol for REST quotes (else 123.45)
  std::map<std::string, int64_t> lot_sizes; ///< `symbol`'s lot by symbol (else not found)
  int symbol_calls = 0;
  std::vector<std::vector<instrument>> multiquote_calls; ///< every multiquotes request
  bool hold_multiquotes = false; ///< multiquotes never answer (they time out)
  std::vector<caf::typed_response_promise<std::vector<quote>>> held_multiquotes;
  funds account_funds{500000, 0, 0, 0, 0};
  bool hold_funds = false; ///< funds reads are answered only by release_funds
  std::vector<caf::typed_response_promise<funds>> held_funds;
  std::vector<bar> history; ///< what the history endpoint answers, for any instrument
  int failing_pings = 0; ///< the next N pings fail
  int pings = 0;
  int status_calls = 0;
  int orderbook_calls = 0;
  int positionbook_calls = 0;
  int next_id = 0;
  static inline const char* name = "fake_broker";
};

using fake_broker_pointer = broker_api_actor::stateful_pointer<fake_broker_state>;

inline broker_api_actor::behavior_type fake_broker(fake_broker_pointer self) {
  return {
    [=](caf::ping_atom) -> caf::result<std::string> {
      ++self->state.pings;
      if (self->state.failing_pings > 0) {
        --self->state.failing_pings;
        return make_error(errc::outcome_unknown, "ping: connection refused");
      }
      return std::string{"fakebroker"};
    },
    [=](place_atom, const order_intent& intent) -> caf::result<order_accepted> {
      auto& st = self->state;
      st.placed.push_back(intent);
      place_answer answer = std::string{};
      if (!st.place_script.empty()) {
        answer = st.place_script.front();
        st.place_script.pop_front();
      }
      if (std::holds_alternative<hang>(answer)) {
        auto rp = self->make_response_promise<order_accepted>();
        st.hung.push_back(rp);
        return rp;
      }
      if (auto* err = std::get_if<caf::error>(&answer))
        return *err;
      auto id = std::get<std::string>(answer);
      if (id.empty())
        id = "B" + std::to_string(++st.next_id);
      st.accepted[id] = intent;
      return order_accepted{intent.intent_id, {id}};
    },
    [=](cancel_atom, const std::string&) -> caf::ok_atom { return caf::ok_atom_v; },
    [=](status_atom, const std::string& id) -> caf::result<order_update> {
      ++self->state.status_calls;
      auto i = self->state.statuses.find(id);
      if (i == self->state.statuses.end())
        return order_update{{}, id, order_status::open, 0, 0, {}, {}};
      return i->second;
    },
    [=](funds_atom) -> caf::result<funds> {
      if (self->state.hold_funds) {
        auto rp = self->make_response_promise<funds>();
        self->state.held_funds.push_back(rp);
        return rp;
      }
      return self->state.account_funds;
    },
    [=](positions_atom) {
      ++self->state.positionbook_calls;
      return self->state.positions;
    },
    [=](orders_atom) {
      ++self->state.orderbook_calls;
      return self->state.book;
    },
    [=](holdings_atom) { return self->state.holdings; },
    [=](analyzer_atom) { return self->state.mode; },
    [=](trades_atom) {
      auto& st = self->state;
      ++st.tradebook_calls;
      if (st.trades)
        return *st.trades;
      std::vector<broker_trade> out;
      for (auto& p : st.positions)
        if (p.net_quantity != 0)
          out.push_back({"T", "T", p.inst, p.net_quantity > 0 ? side::buy : side::sell,
                         p.order_product, std::llabs(p.net_quantity), p.average_price, "", ""});
      return out;
    },
    [=](symbol_atom, const instrument& inst) -> caf::result<symbol_info> {
      ++self->state.symbol_calls;
      auto i = self->state.lot_sizes.find(inst.symbol);
      if (i == self->state.lot_sizes.end())
        return make_error(errc::not_found, "Symbol " + inst.symbol + " not found");
      return symbol_info{inst, i->second, 0, 0.05};
    },
    [=](caf::get_atom, const instrument& inst) -> caf::result<quote> {
      quote q;
      q.inst = inst;
      auto i = self->state.quotes.find(inst.symbol);
      q.ltp = i == self->state.quotes.end() ? 123.45 : i->second;
      return q;
    },
    [=](quotes_atom, const std::vector<instrument>& insts) -> caf::result<std::vector<quote>> {
      auto& st = self->state;
      st.multiquote_calls.push_back(insts);
      if (st.hold_multiquotes) {
        auto rp = self->make_response_promise<std::vector<quote>>();
        st.held_multiquotes.push_back(rp);
        return rp;
      }
      std::vector<quote> out;
      for (auto& i : insts) {
        auto q = st.quotes.find(i.symbol);
        out.push_back(quote{i, q == st.quotes.end() ? 123.45 : q->second, 0, 0, 0, 0, 0, 0, 0, 0});
      }
      return out;
    },
    [=](expiries_atom, const std::string&, exchange, const std::string&) {
      return std::vector<std::string>{"01-DEC-26", "08-DEC-26", "29-DEC-26"};
    },
    [=](history_atom, const instrument&, const std::string&, const std::string&,
        const std::string&) { return self->state.history; },
  };
}

struct fake_link_state {
  int64_t account_id = 0;
  std::set<std::pair<instrument, feed_mode>> subscribed;
  int subscribe_calls = 0;
  int unsubscribe_calls = 0;
  bool orders = false;
  bool closed = false;
  static inline const char* name = "fake_link";
};

using fake_link_pointer = market_data_link_actor::stateful_pointer<fake_link_state>;

inline market_data_link_actor::behavior_type fake_link(fake_link_pointer self, int64_t account) {
  self->state.account_id = account;
  return {
    [=](caf::subscribe_atom, const instrument& inst, feed_mode mode) {
      ++self->state.subscribe_calls;
      self->state.subscribed.emplace(inst, mode);
    },
    [=](caf::unsubscribe_atom, const instrument& inst, feed_mode mode) {
      ++self->state.unsubscribe_calls;
      self->state.subscribed.erase({inst, mode});
    },
    [=](caf::subscribe_atom, orders_atom) { self->state.orders = true; },
    [=](caf::close_atom) {
      self->state.closed = true;
      self->quit();
    },
  };
}

struct recorder_state {
  std::vector<tick> ticks;
  std::vector<price_stale> stale;
  std::vector<feed_state> states;
  static inline const char* name = "recorder";
};

using recorder_pointer = tick_subscriber_actor::stateful_pointer<recorder_state>;

inline tick_subscriber_actor::behavior_type recorder(recorder_pointer self) {
  return {
    [=](const tick& t) { self->state.ticks.push_back(t); },
    [=](const price_stale& s) { self->state.stale.push_back(s); },
    [=](const feed_state& s) { self->state.states.push_back(s); },
  };
}

struct update_recorder_state {
  std::vector<order_update> updates;
  static inline const char* name = "update_recorder";
};

inline order_listener_actor::behavior_type
update_recorder(order_listener_actor::stateful_pointer<update_recorder_state> self) {
  return {[=](const order_update& u) { self->state.updates.push_back(u); }};
}

/// Places intents on an account (and asks it to shut down) and keeps every answer.
struct placer_state {
  std::vector<order_accepted> accepted;
  std::vector<caf::error> errors;
  int settled = 0; ///< shutdown answers
  static inline const char* name = "placer";
};

using placer_actor = caf::typed_actor<
  caf::reacts_to<place_atom, order_intent, order_listener_actor>,
  caf::reacts_to<shutdown_atom>>;

inline placer_actor::behavior_type placer(placer_actor::stateful_pointer<placer_state> self,
                                          account_actor account) {
  return {
    [=](place_atom, const order_intent& i, const order_listener_actor& l) {
      self->request(account, caf::infinite, place_atom_v, i, l)
        .then([=](const order_accepted& a) { self->state.accepted.push_back(a); },
              [=](const caf::error& e) { self->state.errors.push_back(e); });
    },
    [=](shutdown_atom) {
      self->request(account, caf::infinite, shutdown_atom_v)
        .then([=](caf::ok_atom) { ++self->state.settled; },
              [=](const caf::error& e) { self->state.errors.push_back(e); });
    },
  };
}

/// A price feed that only keeps subscriptions: tests push ticks to the subscribers of a symbol.
struct fake_feed_state {
  std::map<instrument, std::vector<tick_subscriber_actor>> subscribers;
  std::map<std::string, tick> last; ///< the last valid price by symbol (none: not found)
  int unsubscribes = 0;
  std::set<caf::actor_addr> paced; ///< subscribed for the paced price (tests send it every tick)
  static inline const char* name = "fake_feed";
};

using fake_feed_pointer = price_feed_actor::stateful_pointer<fake_feed_state>;

inline price_feed_actor::behavior_type fake_feed(fake_feed_pointer self) {
  return {
    [=](const tick&) {},
    [=](const price_stale&) {},
    [=](const feed_state&) {},
    [=](const session_opened&) {},
    [=](const session_closed&) {},
    [=](const timer_due&) {},
    [=](caf::subscribe_atom, const instrument& inst, feed_mode, const tick_subscriber_actor& s) {
      self->state.subscribers[inst].push_back(s);
    },
    [=](caf::subscribe_atom, const instrument& inst, feed_mode, const tick_subscriber_actor& s,
        paced_atom) {
      self->state.subscribers[inst].push_back(s);
      self->state.paced.insert(s.address());
    },
    [=](caf::unsubscribe_atom, const instrument& inst, feed_mode, const tick_subscriber_actor& s) {
      ++self->state.unsubscribes;
      auto& v = self->state.subscribers[inst];
      v.erase(std::remove(v.begin(), v.end(), s), v.end());
    },
    [=](caf::get_atom, const instrument& inst) -> caf::result<tick> {
      if (auto i = self->state.last.find(inst.symbol); i != self->state.last.end())
        return i->second;
      return make_error(errc::not_found, "no price of " + inst.symbol);
    },
    [=](caf::get_atom, status_atom) { return feed_state{1, feed_condition::connected, {}}; },
    [=](const link_status&) {},
  };
}

} // namespace algomirror::testing
