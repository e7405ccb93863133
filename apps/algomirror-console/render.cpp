#include "render.hpp"
#include "render_detail.hpp"

#include <cstdio>
#include <ostream>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "domain/clock.hpp"
#include "messages/names.hpp"
#include "run_view.hpp"

namespace algomirror::console_view {

using namespace detail;

namespace {

using detail::write; // beside this file's own overloads

void write(json_writer& w, const account_view& a) {
  w.StartObject();
  field(w, "id", a.id);
  field(w, "name", a.name);
  field(w, "broker", a.broker);
  field(w, "host_url", a.host_url);
  field(w, "primary", a.is_primary);
  field(w, "priority", a.priority);
  field(w, "active", a.is_active);
  field(w, "health", to_string(a.health));
  field(w, "mode", a.mode);
  w.EndObject();
}

void write(json_writer& w, const execution_state& e) {
  w.StartObject();
  field(w, "execution_id", e.execution_id);
  field(w, "account_id", e.account_id);
  field(w, "leg_id", e.leg_id);
  write(w, e.inst);
  field(w, "action", to_string(e.action));
  field(w, "product", to_string(e.order_product));
  field(w, "quantity", e.quantity);
  field(w, "entry_price", e.entry_price);
  field(w, "exit_price", e.exit_price);
  field(w, "ltp", e.last_price);
  field(w, "realized_pnl", e.realized_pnl);
  field(w, "unrealized_pnl", e.unrealized_pnl);
  field(w, "status", to_string(e.status));
  field(w, "exit_reason", to_string(e.reason));
  field(w, "entered_at", e.entered_at);
  field(w, "exited_at", e.exited_at);
  field(w, "error", e.error_message);
  w.EndObject();
}

void write(json_writer& w, const risk_event& e) {
  w.StartObject();
  field(w, "run_id", e.run_id);
  field(w, "execution_id", e.execution_id);
  field(w, "account_id", e.account_id);
  field(w, "rule", to_string(e.rule));
  field(w, "trigger_value", e.trigger_value);
  field(w, "threshold_value", e.threshold_value);
  field(w, "action", e.action);
  field(w, "reason", e.reason);
  field(w, "details", e.details_json);
  field(w, "at", e.at);
  w.EndObject();
}

/// How many legs a run has: its legs, or a headline's count of them.
int64_t legs_of(const run_status& r) {
  return r.executions.empty() ? int64_t{r.leg_count} : static_cast<int64_t>(r.executions.size());
}

void write(json_writer& w, const run_status& r) {
  w.StartObject();
  field(w, "run_id", r.run_id);
  field(w, "strategy_id", r.strategy_id);
  field(w, "strategy", r.strategy_name);
  field(w, "phase", to_string(r.phase));
  field(w, "realized_pnl", r.realized_pnl);
  field(w, "unrealized_pnl", r.unrealized_pnl);
  field(w, "trailing_stop_armed", r.trailing_stop_armed);
  field(w, "trailing_stop", r.trailing_stop_level);
  field(w, "end_reason", r.end_reason);
  field(w, "attention_reason", r.attention_reason);
  field(w, "leg_count", legs_of(r));
  key(w, "legs");
  w.StartArray();
  for (auto& e : r.executions)
    write(w, e);
  w.EndArray();
  key(w, "scopes");
  w.StartArray();
  for (auto& s : r.scopes) {
    w.StartObject();
    field(w, "account_id", s.account_id);
    field(w, "pnl", s.pnl);
    field(w, "trailing_armed", s.trailing_armed);
    field(w, "trailing_stop", s.trailing_stop);
    field(w, "peak", s.peak);
    field(w, "exiting", to_string(s.exiting));
    w.EndObject();
  }
  w.EndArray();
  key(w, "skipped");
  w.StartArray();
  for (auto& s : r.skipped) {
    w.StartObject();
    field(w, "account_id", s.account_id);
    field(w, "reason", s.reason);
    w.EndObject();
  }
  w.EndArray();
  key(w, "risk_events");
  w.StartArray();
  for (auto& e : r.risk_events)
    write(w, e);
  w.EndArray();
  w.EndObject();
}

} // namespace

void print(std::ostream& out, const context& c, const console_status& x) {
  if (c.json) {
    emit(out, [&](json_writer& w) {
      w.StartObject();
      field(w, "user", x.user);
      field(w, "admin", x.is_admin);
      key(w, "node");
      w.StartObject();
      field(w, "phase", to_string(x.node.phase));
      field(w, "database", x.node.database);
      field(w, "started_at", x.node.started_at);
      field(w, "now", x.node.now);
      field(w, "accounts", x.node.accounts);
      field(w, "live_runs", x.node.live_runs);
      field(w, "restarts", x.node.restarts);
      field(w, "alerts", x.node.alerts);
      key(w, "warnings");
      w.StartArray();
      for (auto& line : x.node.warnings)
        w.String(line.data(), static_cast<rapidjson::SizeType>(line.size()));
      w.EndArray();
      w.EndObject();
      key(w, "lease");
      w.StartObject();
      field(w, "held", x.lease.held);
      field(w, "problem", x.lease.problem);
      w.EndObject();
      key(w, "feed");
      w.StartObject();
      field(w, "account_id", x.feed.account_id);
      field(w, "condition", to_string(x.feed.condition));
      field(w, "reason", x.feed.reason);
      w.EndObject();
      key(w, "accounts");
      w.StartArray();
      for (auto& a : x.accounts)
        write(w, a);
      w.EndArray();
      key(w, "runs");
      w.StartArray();
      for (auto& r : x.runs)
        write(w, r);
      w.EndArray();
      w.EndObject();
    });
    return;
  }
  out << "node      " << to_string(x.node.phase) << " since " << ist(x.node.started_at)
      << " (now " << ist(x.node.now) << ")\n";
  out << "database  " << x.node.database << "; lease "
      << (x.lease.held ? "held" : "NOT HELD: " + x.lease.problem) << "\n";
  auto feed_account = c.account_names.count(x.feed.account_id) != 0
                        ? c.account_names.at(x.feed.account_id)
                        : (x.feed.account_id == 0 ? std::string{"none"}
                                                  : "account " + std::to_string(x.feed.account_id));
  out << "feed      " << to_string(x.feed.condition) << " via " << feed_account
      << (x.feed.reason.empty() ? "" : " (" + x.feed.reason + ")") << "\n";
  out << "restarts  " << x.node.restarts << ", children given up on: " << x.node.alerts << "\n";
  for (auto& line : x.node.warnings)
    out << "WARNING   " << line << "\n";
  out << "user      " << x.user << (x.is_admin ? " (admin)" : "") << "\n\n";
  print(out, c, x.accounts);
  out << "\n";
  if (x.runs.empty())
    out << "no live runs\n";
  else
    print(out, c, x.runs);
}

void print(std::ostream& out, const context& c, const std::vector<account_view>& x) {
  if (c.json) {
    emit(out, [&](json_writer& w) {
      w.StartArray();
      for (auto& a : x)
        write(w, a);
      w.EndArray();
    });
    return;
  }
  if (x.empty()) {
    out << "no accounts\n";
    return;
  }
  table t{{"account", "broker", "health", "mode", "primary", "priority", "active", "openalgo"}};
  for (auto& a : x)
    t.add({a.name, a.broker, to_string(a.health),
           a.mode == "analyze" ? "analyze (sandbox)" : a.mode.empty() ? "?" : a.mode,
           a.is_primary ? "yes" : "no", std::to_string(a.priority), a.is_active ? "yes" : "no",
           a.host_url});
  t.print(out);
}


void print(std::ostream& out, const context& c, const std::vector<strategy_definition>& x,
           bool detailed) {
  if (c.json) {
    emit(out, [&](json_writer& w) {
      w.StartArray();
      for (auto& s : x) {
        w.StartObject();
        field(w, "id", s.id);
        field(w, "name", s.name);
        field(w, "description", s.description);
        field(w, "legs", static_cast<int64_t>(s.legs.size()));
        field(w, "risk_scope", to_string(s.scope));
        field(w, "product", to_string(s.order_product));
        field(w, "max_loss", s.max_loss);
        field(w, "max_profit", s.max_profit);
        field(w, "trailing_stop", to_string(s.trailing_stop.kind));
        field(w, "trailing_stop_value", s.trailing_stop.value);
        field(w, "supertrend", s.supertrend.enabled);
        key(w, "accounts");
        w.StartArray();
        for (auto id : s.account_ids) {
          auto i = c.account_names.find(id);
          auto name = i == c.account_names.end() ? std::to_string(id) : i->second;
          w.String(name.c_str());
        }
        w.EndArray();
        w.EndObject();
      }
      w.EndArray();
    });
    return;
  }
  if (x.empty()) {
    out << "no strategies\n";
    return;
  }
  table t{{"strategy", "legs", "scope", "product", "max loss ₹", "max profit ₹", "trailing"}};
  for (auto& s : x)
    t.add({s.name, std::to_string(s.legs.size()), to_string(s.scope), to_string(s.order_product),
           s.max_loss > 0 ? rupees(s.max_loss) : "off",
           s.max_profit > 0 ? rupees(s.max_profit) : "off",
           s.trailing_stop.kind == threshold_kind::off
             ? std::string{"off"}
             : to_string(s.trailing_stop.kind) + " " + rupees(s.trailing_stop.value)});
  t.print(out);
  if (!detailed)
    return;
  for (auto& s : x) {
    out << "\n" << s.name << (s.description.empty() ? "" : ": " + s.description) << "\n";
    table legs{{"leg", "underlying", "instrument", "expiry", "action", "strike", "lots"}};
    for (auto& l : s.legs)
      legs.add({std::to_string(l.leg_number), l.underlying,
                to_string(l.product_kind) + (l.product_kind == leg_product::options
                                               ? " " + to_string(l.option)
                                               : std::string{}),
                to_string(l.expiry), to_string(l.action), to_string(l.strike),
                std::to_string(l.lots)});
    legs.print(out);
  }
}

void print(std::ostream& out, const context& c, const run_started& x) {
  if (c.json) {
    emit(out, [&](json_writer& w) {
      w.StartObject();
      field(w, "run_id", x.run_id);
      field(w, "strategy_id", x.strategy_id);
      w.EndObject();
    });
    return;
  }
  out << "run " << x.run_id << " started; follow it with: watch " << x.run_id << "\n";
}

void print(std::ostream& out, const context& c, const std::vector<run_status>& x) {
  if (c.json) {
    emit(out, [&](json_writer& w) {
      w.StartArray();
      for (auto& r : x)
        write(w, r);
      w.EndArray();
    });
    return;
  }
  if (x.empty()) {
    out << "no runs\n";
    return;
  }
  table t{{"run", "strategy", "phase", "legs", "realized ₹", "unrealized ₹", "ended by"}};
  for (auto& r : x)
    t.add({std::to_string(r.run_id), r.strategy_name, to_string(r.phase),
           std::to_string(legs_of(r)), rupees(r.realized_pnl),
           rupees(r.unrealized_pnl), r.end_reason.empty() ? "-" : r.end_reason});
  t.print(out);
}

void print(std::ostream& out, const context& c, const run_status& x) {
  if (c.json) {
    emit(out, [&](json_writer& w) { write(w, x); });
    return;
  }
  out << render_run(x, c.account_names, "");
}

void print(std::ostream& out, const context& c, const std::vector<risk_event>& x) {
  if (c.json) {
    emit(out, [&](json_writer& w) {
      w.StartArray();
      for (auto& e : x)
        write(w, e);
      w.EndArray();
    });
    return;
  }
  if (x.empty()) {
    out << "no risk events\n";
    return;
  }
  table t{{"time", "run", "account", "rule", "trigger ₹", "threshold ₹", "action"}};
  for (auto& e : x) {
    auto i = c.account_names.find(e.account_id);
    t.add({ist(e.at), std::to_string(e.run_id),
           e.account_id == 0 ? "run" : (i == c.account_names.end() ? std::to_string(e.account_id)
                                                                  : i->second),
           to_string(e.rule), rupees(e.trigger_value), rupees(e.threshold_value), e.action});
  }
  t.print(out);
}

void print(std::ostream& out, const context& c, const std::vector<alert_line>& x) {
  if (c.json) {
    emit(out, [&](json_writer& w) {
      w.StartArray();
      for (auto& a : x) {
        w.StartObject();
        field(w, "text", a.text);
        w.EndObject();
      }
      w.EndArray();
    });
    return;
  }
  if (x.empty()) {
    out << "no alerts\n";
    return;
  }
  for (auto& a : x) {
    auto text = a.text;
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
      text.pop_back();
    out << text << "\n";
  }
}

void print(std::ostream& out, const context& c, const std::vector<failover_event>& x) {
  auto name = [&](int64_t id) {
    auto i = c.account_names.find(id);
    return id == 0 ? std::string{"-"} : i == c.account_names.end() ? std::to_string(id) : i->second;
  };
  if (c.json) {
    emit(out, [&](json_writer& w) {
      w.StartArray();
      for (auto& f : x) {
        w.StartObject();
        field(w, "from", name(f.from_account_id));
        field(w, "to", name(f.to_account_id));
        field(w, "reason", f.reason);
        field(w, "success", f.success);
        field(w, "error", f.error_message);
        field(w, "at", f.at);
        w.EndObject();
      }
      w.EndArray();
    });
    return;
  }
  if (x.empty()) {
    out << "no failovers\n";
    return;
  }
  table t{{"time", "from", "to", "reason", "ok"}};
  for (auto& f : x)
    t.add({ist(f.at), name(f.from_account_id), name(f.to_account_id), f.reason,
           f.success ? "yes" : "no: " + f.error_message});
  t.print(out);
}

void print(std::ostream& out, const context& c, const std::vector<quote>& x) {
  if (c.json) {
    emit(out, [&](json_writer& w) {
      w.StartArray();
      for (auto& q : x) {
        w.StartObject();
        write(w, q.inst);
        field(w, "ltp", q.ltp);
        field(w, "bid", q.bid);
        field(w, "ask", q.ask);
        field(w, "open", q.open);
        field(w, "high", q.high);
        field(w, "low", q.low);
        field(w, "prev_close", q.prev_close);
        field(w, "volume", q.volume);
        field(w, "oi", q.open_interest);
        w.EndObject();
      }
      w.EndArray();
    });
    return;
  }
  table t{{"symbol", "exchange", "ltp ₹", "bid ₹", "ask ₹", "high ₹", "low ₹", "volume"}};
  for (auto& q : x)
    t.add({q.inst.symbol, to_string(q.inst.exch), rupees(q.ltp), rupees(q.bid), rupees(q.ask),
           rupees(q.high), rupees(q.low), std::to_string(q.volume)});
  t.print(out);
}

void print(std::ostream& out, const context& c, const std::vector<user_view>& x) {
  if (c.json) {
    emit(out, [&](json_writer& w) {
      w.StartArray();
      for (auto& u : x) {
        w.StartObject();
        field(w, "id", u.id);
        field(w, "username", u.username);
        field(w, "email", u.email);
        field(w, "admin", u.is_admin);
        field(w, "active", u.is_active);
        field(w, "last_login", u.last_login);
        w.EndObject();
      }
      w.EndArray();
    });
    return;
  }
  table t{{"user", "email", "admin", "active", "last login"}};
  for (auto& u : x) {
    std::string last = "never";
    if (auto at = parse_iso8601(u.last_login))
      last = format_ist(*at);
    t.add({u.username, u.email, u.is_admin ? "yes" : "no", u.is_active ? "yes" : "no", last});
  }
  t.print(out);
}

void print(std::ostream& out, const context& c, const user_settings& x) {
  if (c.json) {
    emit(out, [&](json_writer& w) {
      w.StartObject();
      key(w, "instruments");
      w.StartArray();
      for (auto& s : x.instruments) {
        w.StartObject();
        field(w, "symbol", s.name);
        field(w, "lot_size", static_cast<int64_t>(s.lot_size));
        field(w, "next_month_lot_size", static_cast<int64_t>(s.next_month_lot_size));
        field(w, "freeze_quantity", static_cast<int64_t>(s.freeze_quantity));
        field(w, "strike_step", s.strike_step);
        field(w, "exchange", to_string(s.derivative_exchange));
        w.EndObject();
      }
      w.EndArray();
      key(w, "grades");
      w.StartArray();
      for (auto& g : x.grades) {
        w.StartObject();
        field(w, "grade", g.grade);
        field(w, "percent", g.percent);
        field(w, "source", g.source);
        w.EndObject();
      }
      w.EndArray();
      key(w, "margins");
      w.StartArray();
      for (auto& m : x.margins) {
        w.StartObject();
        field(w, "instrument", m.instrument);
        field(w, "sell_expiry", m.sell_expiry);
        field(w, "sell_non_expiry", m.sell_non_expiry);
        field(w, "straddle_expiry", m.straddle_expiry);
        field(w, "straddle_non_expiry", m.straddle_non_expiry);
        field(w, "futures_expiry", m.futures_expiry);
        field(w, "futures_non_expiry", m.futures_non_expiry);
        field(w, "buy_premium", m.buy_premium);
        w.EndObject();
      }
      w.EndArray();
      w.EndObject();
    });
    return;
  }
  table instruments{{"instrument", "lot", "next-month lot", "freeze", "strike step", "exchange"}};
  for (auto& s : x.instruments)
    instruments.add({s.name, std::to_string(s.lot_size), std::to_string(s.next_month_lot_size),
                     std::to_string(s.freeze_quantity), rupees(s.strike_step),
                     to_string(s.derivative_exchange)});
  instruments.print(out);
  out << "\n";
  table grades{{"grade", "percent", "of"}};
  for (auto& g : x.grades)
    grades.add({g.grade, rupees(g.percent), g.source});
  grades.print(out);
  out << "\n";
  table margins{{"margin ₹/lot", "sell exp", "sell", "straddle exp", "straddle", "fut exp", "fut",
                 "buy premium"}};
  for (auto& m : x.margins)
    margins.add({m.instrument, rupees(m.sell_expiry), rupees(m.sell_non_expiry),
                 rupees(m.straddle_expiry), rupees(m.straddle_non_expiry),
                 rupees(m.futures_expiry), rupees(m.futures_non_expiry), rupees(m.buy_premium)});
  margins.print(out);
}

void print_event(std::ostream& out, const context& c, const console_event& x) {
  if (c.json && x.kind == "chain") {
    print_chain(out, c, x);
    return;
  }
  if (c.json) {
    emit(out, [&](json_writer& w) {
      w.StartObject();
      field(w, "event", x.kind);
      if (x.kind == "run" || x.kind == "end") {
        key(w, "run");
        write(w, x.run);
      }
      if (!x.events.empty()) {
        key(w, "risk_events");
        w.StartArray();
        for (auto& e : x.events)
          write(w, e);
        w.EndArray();
      }
      field(w, "text", x.text);
      w.EndObject();
    });
    return;
  }
  if (x.kind == "run") {
    out << "\n" << render_run(x.run, c.account_names, "");
  } else if (x.kind == "end") {
    out << "\n" << render_summary(x.run, c.account_names);
  } else if (x.kind == "risk_event") {
    print(out, c, x.events);
  } else if (x.kind == "chain") {
    print_chain(out, c, x);
    return;
  } else {
    out << x.kind << ": " << x.text << "\n";
  }
  out.flush();
}

void print_done(std::ostream& out, const context& c, const std::string& text) {
  if (c.json) {
    emit(out, [&](json_writer& w) {
      w.StartObject();
      field(w, "ok", true);
      field(w, "text", text);
      w.EndObject();
    });
    return;
  }
  out << text << "\n";
}

} // namespace algomirror::console_view
