#include "run_view.hpp"

#include <cstdio>
#include <set>

#include "domain/clock.hpp"
#include "messages/names.hpp"

namespace algomirror {

namespace {

std::string money(double x) {
  char buf[48];
  std::snprintf(buf, sizeof(buf), "%+.2f", x);
  return buf;
}

std::string price(double x) {
  if (x <= 0)
    return "-";
  char buf[48];
  std::snprintf(buf, sizeof(buf), "%.2f", x);
  return buf;
}

std::string name_of(const account_names& names, int64_t id) {
  if (id == 0)
    return "all accounts";
  auto i = names.find(id);
  return i == names.end() ? "account " + std::to_string(id) : i->second;
}

/// The last price a leg's P&L implies (the run knows entry, quantity and unrealized P&L).
double implied_ltp(const execution_state& e) {
  if (e.status == execution_status::exited)
    return e.exit_price;
  if (e.quantity <= 0 || e.entry_price <= 0 || (e.unrealized_pnl == 0 && e.last_price <= 0))
    return e.last_price;
  auto per_unit = e.unrealized_pnl / static_cast<double>(e.quantity);
  return e.action == side::buy ? e.entry_price + per_unit : e.entry_price - per_unit;
}

std::string pad(std::string s, size_t n) {
  if (s.size() < n)
    s.append(n - s.size(), ' ');
  return s;
}

std::string lpad(const std::string& s, size_t n) {
  return s.size() >= n ? s : std::string(n - s.size(), ' ') + s;
}

std::string status_word(const execution_state& e) {
  auto word = to_string(e.status);
  if (e.reason != exit_reason::none)
    word += " (" + to_string(e.reason) + ")";
  return word;
}

std::string exiting_text(const run_status& st, const scope_status& s) {
  if (s.exiting == exit_reason::none)
    return {};
  return (st.phase == run_phase::finished ? "   exited: " : "   EXITING: ") + to_string(s.exiting);
}

} // namespace

std::string render_run(const run_status& st, const account_names& names,
                       const std::string& clock_line) {
  std::string out;
  out += "AlgoMirror — " + st.strategy_name + " (run " + std::to_string(st.run_id) + ") — "
         + clock_line + "\n";
  out += "phase: " + to_string(st.phase)
         + (st.end_reason.empty() ? std::string{} : "  (" + st.end_reason + ")") + "\n\n";
  out += pad("account", 10) + pad("leg", 24) + pad("side", 6) + lpad("qty", 6)
         + lpad("entry", 10) + lpad("ltp", 10) + lpad("P&L", 12) + "  status\n";
  std::set<int64_t> accounts;
  for (auto& e : st.executions)
    accounts.insert(e.account_id);
  for (auto id : accounts) {
    for (auto& e : st.executions) {
      if (e.account_id != id)
        continue;
      out += pad(name_of(names, id), 10) + pad(e.inst.symbol, 24) + pad(to_string(e.action), 6)
             + lpad(std::to_string(e.quantity), 6) + lpad(price(e.entry_price), 10)
             + lpad(price(implied_ltp(e)), 10)
             + lpad(money(e.realized_pnl + e.unrealized_pnl), 12) + "  " + status_word(e) + "\n";
    }
    for (auto& s : st.scopes)
      if (s.account_id == id)
        out += pad("", 10) + "P&L " + money(s.pnl) + "   trailing stop "
               + (s.trailing_armed ? money(s.trailing_stop) + " (peak " + money(s.peak) + ")"
                                   : std::string{"not armed"})
               + exiting_text(st, s) + "\n";
    out += "\n";
  }
  for (auto& s : st.scopes)
    if (s.account_id == 0)
      out += "run P&L " + money(s.pnl) + "   trailing stop "
             + (s.trailing_armed ? money(s.trailing_stop) + " (peak " + money(s.peak) + ")"
                                 : std::string{"not armed"})
             + exiting_text(st, s) + "\n";
  for (auto& s : st.skipped)
    out += "skipped: " + name_of(names, s.account_id) + ": " + s.reason + "\n";
  if (!st.risk_events.empty()) {
    out += "risk events:\n";
    for (auto& ev : st.risk_events)
      out += "  " + format_ist(ev.at) + "  " + name_of(names, ev.account_id) + "  "
             + to_string(ev.rule) + ": " + ev.reason + "\n";
  }
  return out;
}

std::string render_run_line(const run_status& st, const account_names& names) {
  std::string out = "run " + std::to_string(st.run_id) + " " + to_string(st.phase);
  for (auto& s : st.scopes) {
    out += " | " + name_of(names, s.account_id) + " " + money(s.pnl);
    if (s.trailing_armed)
      out += " stop " + money(s.trailing_stop);
  }
  return out;
}

std::string render_changes(const run_status& before, const run_status& now,
                           const account_names& names) {
  std::string out;
  for (auto& e : now.executions) {
    const execution_state* old = nullptr;
    for (auto& b : before.executions)
      if (b.execution_id == e.execution_id)
        old = &b;
    if (old != nullptr && old->status == e.status)
      continue;
    out += "  " + name_of(names, e.account_id) + " " + to_string(e.action) + " "
           + std::to_string(e.quantity) + " " + e.inst.symbol + ": " + status_word(e);
    if (e.status == execution_status::entered)
      out += " at " + price(e.entry_price);
    if (e.status == execution_status::exited)
      out += " at " + price(e.exit_price) + ", realized " + money(e.realized_pnl);
    if (!e.error_message.empty()
        && (e.status == execution_status::failed || e.status == execution_status::skipped
            || e.status == execution_status::exit_stuck))
      out += " — " + e.error_message;
    out += "\n";
  }
  for (size_t i = before.risk_events.size(); i < now.risk_events.size(); ++i) {
    auto& ev = now.risk_events[i];
    out += "  RISK " + to_string(ev.rule) + " on " + name_of(names, ev.account_id) + ": "
           + ev.reason + "\n";
  }
  if (before.phase != now.phase)
    out += "  phase: " + to_string(now.phase) + "\n";
  return out;
}

std::string render_summary(const run_status& st, const account_names& names) {
  std::string out = "\nSummary of run " + std::to_string(st.run_id) + " (" + st.strategy_name
                    + "): " + to_string(st.phase)
                    + (st.end_reason.empty() ? std::string{} : ", " + st.end_reason) + "\n";
  for (auto& ev : st.risk_events) {
    // What the event was: a rule that exited, a crossing being confirmed (it may be refuted),
    // an exit's outcome, a hedge held.
    auto what = ev.action == "confirmation_pending" ? std::string{"rule crossed, confirming"}
                : ev.action == "exit_completed"     ? std::string{"exit completed"}
                : ev.action == "exit_failed"        ? std::string{"EXIT FAILED"}
                : ev.action == "exit_held"          ? std::string{"hedge held"}
                                                    : std::string{"rule fired"};
    out += "  " + what + ": " + to_string(ev.rule) + " on " + name_of(names, ev.account_id)
           + " (" + ev.reason + ")\n";
  }
  std::set<int64_t> accounts;
  for (auto& e : st.executions)
    accounts.insert(e.account_id);
  out += "  " + pad("account", 10) + lpad("realized P&L", 14) + lpad("orders", 8)
         + "  legs exited\n";
  double total = 0;
  size_t total_orders = 0;
  for (auto id : accounts) {
    double realized = 0;
    size_t orders = 0, exited = 0, legs = 0;
    for (auto& e : st.executions)
      if (e.account_id == id) {
        realized += e.realized_pnl;
        orders += e.entry_order_ids.size() + e.exit_order_ids.size();
        exited += e.status == execution_status::exited ? 1 : 0;
        ++legs;
      }
    total += realized;
    total_orders += orders;
    out += "  " + pad(name_of(names, id), 10) + lpad(money(realized), 14)
           + lpad(std::to_string(orders), 8) + "  " + std::to_string(exited) + "/"
           + std::to_string(legs) + "\n";
  }
  out += "  " + pad("total", 10) + lpad(money(total), 14) + lpad(std::to_string(total_orders), 8)
         + "\n";
  return out;
}

} // namespace algomirror
