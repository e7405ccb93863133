// The console session's changes (operating.md §2, §3): account add/test/set-primary/enable/
// disable/remove, strategy delete/enable/disable, and option-chain sessions. The database
// keeps the guards (open positions, unfinished runs); the node adopts or retires what changed.

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <optional>

#include <spdlog/spdlog.h>

#include <caf/actor_system.hpp>

#include "actors/internal/console_session_state.hpp"
#include "actors/internal/json_writer.hpp"
#include "actors/ws_session.hpp"
#include "domain/calendar.hpp"
#include "domain/endpoint.hpp"
#include "domain/instruments.hpp"

namespace algomirror::console_internal {

namespace {

bool plain_name(const std::string& name) {
  if (name.empty() || name.size() > 100)
    return false;
  for (unsigned char c : name)
    if (c < 0x20 || c == 0x7f)
      return false;
  return true;
}

/// The account of that name the user may act on (their own; the admin's pick of anyone's).
const account_record* find_mine(const session_state& st, const std::string& name) {
  for (auto& a : st.cfg.accounts)
    if (a.name == name && owns_account(st, a.id))
      return &a;
  return nullptr;
}

/// The database's answer (every account of that user) becomes the session's and the node's.
void adopt_accounts(session_pointer self, const std::vector<account_record>& after,
                    int64_t user_id) {
  auto& st = self->state;
  std::vector<account_record> kept;
  for (auto& a : st.cfg.accounts)
    if (a.user_id != user_id)
      kept.push_back(a);
  for (auto& a : after) {
    kept.push_back(a);
    self->request(st.cfg.node, ask_timeout, caf::put_atom_v, a)
      .then([](caf::ok_atom) {},
            [self, name = a.name](const caf::error& err) {
              spdlog::error("console: the node did not take the change of account {}: {}", name,
                            self->system().render(err));
            });
  }
  st.cfg.accounts = std::move(kept);
}

std::string primary_of(const std::vector<account_record>& accounts) {
  for (auto& a : accounts)
    if (a.is_primary)
      return a.name;
  return {};
}

/// `account add`: checked, its key sealed, pinged (unless offline), stored, started.
caf::result<std::string> add_account(session_pointer self, account_change c) {
  auto& st = self->state;
  if (find_mine(st, c.name) != nullptr)
    return make_error(errc::rejected, "account add: you have an account named '" + c.name
                                        + "' already ('accounts' lists them)");
  if (auto url = parse_endpoint_url(c.host_url, "http", "--host-url"); !url)
    return make_error(errc::invalid_input, "account add: " + url.error());
  if (c.websocket_url.empty())
    return make_error(errc::invalid_input,
                      "account add: --ws-url is missing (the OpenAlgo WebSocket, such as "
                      "ws://127.0.0.1:8765)");
  if (auto url = parse_endpoint_url(c.websocket_url, "ws", "--ws-url"); !url)
    return make_error(errc::invalid_input, "account add: " + url.error());
  if (c.api_key.empty() || c.api_key.size() > 512)
    return make_error(errc::invalid_input,
                      "account add: the API key is missing or longer than 512 characters");
  if (c.offline && c.broker.empty())
    return make_error(errc::invalid_input, "account add --offline: give --broker NAME (without "
                                           "a ping the broker is not known)");
  auto sealed = st.cfg.seal_secret ? st.cfg.seal_secret(c.api_key) : std::string{};
  c.api_key.clear(); // the plain key goes no further
  if (sealed.empty())
    return make_error(errc::unavailable,
                      "account add: the node has no master key to seal the API key with; start "
                      "it with --master-key-file (or ALGOMIRROR_MASTER_KEY)");
  c.api_key = sealed;
  auto rp = self->make_response_promise<std::string>();
  auto store = [self, rp](account_change c) mutable {
    auto user_id = self->state.user.id;
    self->request(self->state.cfg.records, ask_timeout, c, user_id)
      .then(
        [self, rp, c, user_id](const std::vector<account_record>& after) mutable {
          adopt_accounts(self, after, user_id);
          record_activity(self, "console_account_add",
                          json_object{}.add("account", c.name).add("broker", c.broker).str());
          bool primary = primary_of(after) == c.name;
          rp.deliver("account '" + c.name + "' added (broker " + c.broker
                     + (primary ? ", primary" : "") + ") and started");
        },
        [rp](const caf::error& err) mutable { rp.deliver(err); });
  };
  if (c.offline) {
    store(std::move(c));
    return rp;
  }
  account_record probe;
  probe.user_id = st.user.id;
  probe.name = c.name;
  probe.host_url = c.host_url;
  probe.websocket_url = c.websocket_url;
  probe.api_key_encrypted = sealed;
  self->request(st.cfg.node, std::chrono::seconds{20}, caf::ping_atom_v, probe)
    .then(
      [store, c](const std::string& broker) mutable {
        c.broker = broker; // what the ping reports, whatever was typed
        store(std::move(c));
      },
      [self, rp, name = c.name](const caf::error& err) mutable {
        rp.deliver(make_error(errc::unavailable,
                              "account add: '" + name + "' did not answer a ping ("
                                + self->system().render(err)
                                + "); nothing was stored. Check --host and the API key, "
                                  "or add it with --offline --broker NAME"));
      });
  return rp;
}

} // namespace

caf::result<std::string> change_account(session_pointer self, const account_change& c) {
  touch(self);
  auto& st = self->state;
  static constexpr const char* actions[] = {"add",    "test",    "set-primary",
                                            "enable", "disable", "remove"};
  if (std::find_if(std::begin(actions), std::end(actions),
                   [&](const char* a) { return c.action == a; })
      == std::end(actions))
    return make_error(errc::invalid_input, "account: '" + c.action
                                             + "' is not add, test, set-primary, enable, "
                                               "disable or remove");
  if (!plain_name(c.name))
    return make_error(errc::invalid_input, "account " + c.action
                                             + ": the name must be 1-100 printable characters");
  if (c.action == "add")
    return add_account(self, c);
  auto* found = find_mine(st, c.name);
  if (found == nullptr)
    return not_found("no account named '" + c.name + "' ('accounts' lists yours)");
  auto rec = *found;
  auto rp = self->make_response_promise<std::string>();
  if (c.action == "test") {
    self->request(st.cfg.node, std::chrono::seconds{20}, caf::ping_atom_v, rec)
      .then(
        [rp, name = rec.name](const std::string& broker) mutable {
          rp.deliver("account '" + name + "' answers: broker " + broker);
        },
        [self, rp, name = rec.name](const caf::error& err) mutable {
          rp.deliver(make_error(errc::unavailable, "account '" + name
                                                     + "' did not answer: "
                                                     + self->system().render(err)));
        });
    return rp;
  }
  account_change change{c.action, rec.name, {}, {}, {}, {}, false, false};
  auto before = primary_of(my_accounts(st));
  st.account_actors.erase(rec.id);
  self->request(st.cfg.records, ask_timeout, change, rec.user_id)
    .then(
      [self, rp, rec, action = c.action, before](const std::vector<account_record>& after) mutable {
        auto& st = self->state;
        std::string text;
        if (action == "remove") {
          self->request(st.cfg.node, ask_timeout, caf::delete_atom_v, account_atom_v, rec.id)
            .then([](caf::ok_atom) {},
                  [self, name = rec.name](const caf::error& err) {
                    spdlog::error("console: account {} removed from the database but still "
                                  "running: {}",
                                  name, self->system().render(err));
                  });
          text = "account '" + rec.name + "' removed";
        } else if (action == "set-primary") {
          text = "account '" + rec.name + "' is the primary now (the feed fails over in that "
                                          "order from the next start)";
        } else if (action == "enable") {
          text = "account '" + rec.name + "' enabled: it takes new entries";
        } else {
          text = "account '" + rec.name + "' disabled: no new entries on it; exits of its open "
                                          "positions keep working";
        }
        adopt_accounts(self, after, rec.user_id);
        auto now = primary_of(after);
        if (action != "set-primary" && now != before && !now.empty())
          text += "; '" + now + "' is the primary now";
        record_activity(self, "console_account_" + action,
                        json_object{}.add("account", rec.name).str());
        rp.deliver(text);
      },
      [rp](const caf::error& err) mutable { rp.deliver(err); });
  return rp;
}

caf::result<std::string> change_strategy(session_pointer self, const strategy_change& c) {
  touch(self);
  auto& st = self->state;
  if (c.action != "delete" && c.action != "enable" && c.action != "disable")
    return make_error(errc::invalid_input,
                      "strategy: '" + c.action + "' is not delete, enable or disable");
  if (!plain_name(c.name))
    return make_error(errc::invalid_input, "strategy " + c.action
                                             + ": the name must be 1-100 printable characters");
  // Active strategies are the node's; a disabled one is only in the database (the user's own).
  int64_t owner = st.user.id;
  for (auto& s : st.cfg.strategies)
    if (s.name == c.name && owns_strategy(st, s.id)) {
      owner = s.user_id;
      if (s.user_id == st.user.id)
        break;
    }
  auto rp = self->make_response_promise<std::string>();
  self->request(st.cfg.records, ask_timeout, c, owner)
    .then(
      [self, rp, c](const strategy_definition& s) mutable {
        auto& st = self->state;
        std::vector<strategy_definition> kept;
        for (auto& k : st.cfg.strategies)
          if (k.id != s.id)
            kept.push_back(k);
        std::string text;
        if (c.action == "enable") {
          kept.push_back(s);
          self->send(st.cfg.node, caf::put_atom_v, s);
          text = "strategy '" + s.name + "' enabled";
        } else {
          self->send(st.cfg.node, caf::delete_atom_v, strategies_atom_v, s.id);
          text = "strategy '" + s.name + "' "
                 + (c.action == "delete" ? "deleted"
                                         : "disabled: it is not scheduled or run until enabled");
        }
        st.cfg.strategies = std::move(kept);
        record_activity(self, "console_strategy_" + c.action,
                        json_object{}.add("strategy", s.name).str());
        rp.deliver(text);
      },
      [rp](const caf::error& err) mutable { rp.deliver(err); });
  return rp;
}

// -- option chains --------------------------------------------------------------------------

namespace {

constexpr auto chain_ttl = std::chrono::seconds{30};
constexpr int32_t chain_heartbeat_s = 10;
constexpr size_t chains_per_session = 4;

std::optional<date> parse_iso_date(const std::string& text) {
  unsigned y = 0, m = 0, d = 0;
  char tail = 0;
  if (text.size() != 10 || std::sscanf(text.c_str(), "%4u-%2u-%2u%c", &y, &m, &d, &tail) != 3)
    return std::nullopt;
  date out{std::chrono::year{static_cast<int>(y)}, std::chrono::month{m}, std::chrono::day{d}};
  if (!out.ok())
    return std::nullopt;
  return out;
}

std::string iso(date d) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(d.year()),
                static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day()));
  return buf;
}

/// The chain's session, once spot and expiry are known.
void start_chain(session_pointer self, const underlying_spec& spec, date expiry, double spot,
                 int32_t strikes, const price_feed_actor& feed,
                 const console_listener_actor& listener,
                 caf::typed_response_promise<chain_view> rp) {
  auto& st = self->state;
  chain_view view;
  view.underlying = spec.name;
  view.expiry = iso(expiry);
  view.spot = spot;
  view.atm = std::round(spot / spec.strike_step) * spec.strike_step;
  view.instruments = option_chain_instruments(spec, spot, expiry, strikes);
  view.heartbeat_s = chain_heartbeat_s;
  auto now = st.cfg.time->now();
  view.session_id = "chain-" + std::to_string(st.user.id) + "-" + std::to_string(++st.chain_seq)
                    + "-" + std::to_string(now.time_since_epoch().count());
  ws_session_config cfg;
  cfg.record.session_id = view.session_id;
  cfg.record.user_id = st.user.id;
  cfg.record.session_type = "option_chain";
  cfg.record.underlying = spec.name;
  cfg.instruments = view.instruments;
  cfg.mode = feed_mode::quote;
  cfg.feed = feed;
  cfg.store = st.cfg.store;
  cfg.time = st.cfg.time;
  cfg.ttl = chain_ttl;
  auto session = spawn_ws_session(self->system(), std::move(cfg));
  self->monitor(listener);
  st.chains.push_back({view.session_id, session, listener, {}, {}});
  arm_stream(self);
  record_activity(self, "console_chain",
                  json_object{}
                    .add("session_id", view.session_id)
                    .add("underlying", spec.name)
                    .add("expiry", view.expiry)
                    .add("symbols", static_cast<int64_t>(view.instruments.size()))
                    .str());
  spdlog::info("console: '{}' opened option chain {} ({} {} , {} symbols)", st.user.username,
               view.session_id, spec.name, view.expiry, view.instruments.size());
  rp.deliver(std::move(view));
}

} // namespace

caf::result<chain_view> open_chain(session_pointer self, const chain_request& req,
                                   const console_listener_actor& listener) {
  auto& st = self->state;
  if (!listener)
    return make_error(errc::invalid_input, "chain: no listener to stream to");
  auto table = default_instruments();
  auto spec = table.find(req.underlying);
  if (spec == nullptr)
    return make_error(errc::invalid_input, "chain: '" + req.underlying
                                             + "' is not an underlying (NIFTY, BANKNIFTY, "
                                               "SENSEX, ...)");
  if (req.strikes < 1 || req.strikes > 25)
    return make_error(errc::invalid_input, "chain --strikes: give 1 to 25 strikes each side");
  std::optional<date> wanted;
  if (!req.expiry.empty()) {
    wanted = parse_iso_date(req.expiry);
    if (!wanted)
      return make_error(errc::invalid_input,
                        "chain --expiry: '" + req.expiry + "' is not a date (YYYY-MM-DD)");
  }
  if (st.chains.size() >= chains_per_session)
    return make_error(errc::rejected, "chain: " + std::to_string(chains_per_session)
                                        + " chains are open in this session already");
  auto rp = self->make_response_promise<chain_view>();
  auto s = *spec;
  auto node = st.cfg.node;
  auto fail = [rp](const caf::error& err) mutable { rp.deliver(err); };
  self->request(node, ask_timeout, caf::get_atom_v, feed_atom_v)
    .then(
      [=](const price_feed_actor& feed) mutable {
        self->request(node, ask_timeout, quotes_atom_v,
                      std::vector<instrument>{instrument{s.name, s.index_exchange}})
          .then(
            [=](const std::vector<quote>& quotes) mutable {
              if (quotes.empty() || !(quotes.front().ltp > 0)) {
                rp.deliver(make_error(errc::unavailable,
                                      "chain: no price for " + s.name + " (its spot)"));
                return;
              }
              auto spot = quotes.front().ltp;
              self->request(node, ask_timeout, expiries_atom_v, s.name, s.derivative_exchange,
                            std::string{"options"})
                .then(
                  [=](const std::vector<std::string>& texts) mutable {
                    auto today = market_calendar::ist_date(self->state.cfg.time->now());
                    std::vector<date> list;
                    for (auto& t : texts)
                      if (auto d = parse_expiry(t); d && *d >= today)
                        list.push_back(*d);
                    std::sort(list.begin(), list.end());
                    if (list.empty()) {
                      rp.deliver(make_error(errc::unavailable,
                                            "chain: the broker lists no expiry of " + s.name));
                      return;
                    }
                    auto expiry = list.front();
                    if (wanted) {
                      if (std::find(list.begin(), list.end(), *wanted) == list.end()) {
                        std::string known;
                        for (size_t i = 0; i < list.size() && i < 6; ++i)
                          known += (i == 0 ? "" : ", ") + iso(list[i]);
                        rp.deliver(make_error(errc::invalid_input,
                                              "chain --expiry " + req.expiry + ": not an expiry of "
                                                + s.name + " (the next ones: " + known + ")"));
                        return;
                      }
                      expiry = *wanted;
                    }
                    start_chain(self, s, expiry, spot, req.strikes, feed, listener, rp);
                  },
                  fail);
            },
            fail);
      },
      [rp](const caf::error&) mutable {
        rp.deliver(make_error(errc::unavailable, "chain: the node has no price feed (no "
                                                 "account is connected)"));
      });
  return rp;
}

void heartbeat_chain(session_pointer self, const std::string& id) {
  for (auto& c : self->state.chains)
    if (c.session_id == id)
      self->send(c.session, heartbeat_atom_v);
}

void close_chain(session_pointer self, const std::string& id, const char* why) {
  auto& st = self->state;
  std::vector<chain_watch> kept;
  for (auto& c : st.chains) {
    if (c.session_id != id) {
      kept.push_back(std::move(c));
      continue;
    }
    self->send(c.session, caf::close_atom_v);
    self->send(c.listener, console_event{"end", {}, {}, {}, std::string{"the chain was "} + why});
  }
  st.chains = std::move(kept);
}

void stream_chains(session_pointer self) {
  for (auto& c : self->state.chains)
    self->request(c.session, ask_timeout, caf::get_atom_v)
      .then(
        [self, id = c.session_id](const std::vector<tick>& ticks) {
          for (auto& c : self->state.chains) {
            if (c.session_id != id)
              continue;
            // The whole board when a price moved, at most once a second (a person reads it).
            bool moved = false;
            for (auto& t : ticks)
              moved = moved || c.sent[t.inst.symbol] != t.ltp;
            auto now = self->clock().now();
            if (!moved || now - c.pushed_at < std::chrono::seconds{1})
              continue;
            c.pushed_at = now;
            for (auto& t : ticks)
              c.sent[t.inst.symbol] = t.ltp;
            self->send(c.listener, console_event{"chain", {}, {}, ticks, id});
          }
        },
        [self, id = c.session_id](const caf::error&) {
          // The chain's session ended on its own (no heartbeat came in time).
          close_chain(self, id, "closed: no heartbeat came in time");
        });
}

} // namespace algomirror::console_internal
