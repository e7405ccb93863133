// The console's views of the broker's books (funds, positions, holdings, orders, trades across
// accounts, with totals) and of option chains.

#include <map>

#include "render.hpp"
#include "render_detail.hpp"
#include "domain/instruments.hpp"

namespace algomirror::console_view {

using namespace detail;

void print(std::ostream& out, const context& c, const std::string& what,
           const std::vector<account_book>& x) {
  if (c.json) {
    emit(out, [&](json_writer& w) {
      w.StartObject();
      key(w, "accounts");
      w.StartArray();
      double cash = 0, pnl = 0, realized = 0;
      for (auto& b : x) {
        w.StartObject();
        field(w, "account_id", b.account_id);
        field(w, "account", b.account);
        field(w, "error", b.error);
        if (what == "funds") {
          field(w, "available_cash", b.cash.available_cash);
          field(w, "collateral", b.cash.collateral);
          field(w, "utilised_debits", b.cash.utilised_debits);
          field(w, "m2m_realized", b.cash.m2m_realized);
          field(w, "m2m_unrealized", b.cash.m2m_unrealized);
          cash += b.cash.available_cash;
          realized += b.cash.m2m_realized;
          pnl += b.cash.m2m_unrealized;
        } else if (what == "positions" || what == "holdings") {
          key(w, what.c_str());
          w.StartArray();
          for (auto& p : what == "holdings" ? b.holdings : b.positions) {
            w.StartObject();
            write(w, p.inst);
            field(w, "product", to_string(p.order_product));
            field(w, "quantity", p.net_quantity);
            field(w, "average_price", p.average_price);
            field(w, "ltp", p.ltp);
            field(w, "pnl", p.pnl);
            pnl += p.pnl;
            w.EndObject();
          }
          w.EndArray();
        } else if (what == "orders") {
          key(w, "orders");
          w.StartArray();
          for (auto& o : b.orders) {
            w.StartObject();
            field(w, "order_id", o.broker_order_id);
            write(w, o.inst);
            field(w, "action", to_string(o.action));
            field(w, "product", to_string(o.order_product));
            field(w, "price_type", to_string(o.kind));
            field(w, "quantity", o.quantity);
            field(w, "filled_quantity", o.filled_quantity);
            field(w, "average_price", o.average_price);
            field(w, "status", to_string(o.status));
            field(w, "timestamp", o.timestamp);
            w.EndObject();
          }
          w.EndArray();
        } else {
          key(w, "trades");
          w.StartArray();
          for (auto& t : b.trades) {
            w.StartObject();
            field(w, "order_id", t.broker_order_id);
            field(w, "trade_id", t.trade_id);
            write(w, t.inst);
            field(w, "action", to_string(t.action));
            field(w, "product", to_string(t.order_product));
            field(w, "quantity", t.quantity);
            field(w, "average_price", t.average_price);
            field(w, "timestamp", t.timestamp);
            w.EndObject();
          }
          w.EndArray();
        }
        w.EndObject();
      }
      w.EndArray();
      key(w, "totals");
      w.StartObject();
      if (what == "funds") {
        field(w, "available_cash", cash);
        field(w, "m2m_realized", realized);
        field(w, "m2m_unrealized", pnl);
      } else if (what == "positions" || what == "holdings") {
        field(w, "pnl", pnl);
      }
      w.EndObject();
      w.EndObject();
    });
    return;
  }
  if (what == "funds") {
    table t{{"account", "available ₹", "collateral ₹", "used ₹", "realized ₹", "unrealized ₹"}};
    double cash = 0, realized = 0, unrealized = 0;
    for (auto& b : x) {
      if (!b.error.empty()) {
        t.add({b.account, "error: " + b.error, "", "", "", ""});
        continue;
      }
      t.add({b.account, rupees(b.cash.available_cash), rupees(b.cash.collateral),
             rupees(b.cash.utilised_debits), rupees(b.cash.m2m_realized),
             rupees(b.cash.m2m_unrealized)});
      cash += b.cash.available_cash;
      realized += b.cash.m2m_realized;
      unrealized += b.cash.m2m_unrealized;
    }
    if (x.size() > 1)
      t.add({"total", rupees(cash), "", "", rupees(realized), rupees(unrealized)});
    t.print(out);
    return;
  }
  if (what == "positions" || what == "holdings") {
    table t{{"account", "symbol", "exchange", "product", "qty", "avg ₹", "ltp ₹", "p&l ₹"}};
    double pnl = 0;
    for (auto& b : x) {
      if (!b.error.empty())
        t.add({b.account, "error: " + b.error, "", "", "", "", "", ""});
      for (auto& p : what == "holdings" ? b.holdings : b.positions) {
        t.add({b.account, p.inst.symbol, to_string(p.inst.exch), to_string(p.order_product),
               std::to_string(p.net_quantity), rupees(p.average_price), rupees(p.ltp),
               rupees(p.pnl)});
        pnl += p.pnl;
      }
    }
    if (t.empty()) {
      out << "no " << what << "\n";
      return;
    }
    t.add({"total", "", "", "", "", "", "", rupees(pnl)});
    t.print(out);
    return;
  }
  if (what == "orders") {
    table t{{"account", "order", "symbol", "side", "type", "qty", "filled", "avg ₹", "status",
             "time"}};
    for (auto& b : x) {
      if (!b.error.empty())
        t.add({b.account, "error: " + b.error, "", "", "", "", "", "", "", ""});
      for (auto& o : b.orders)
        t.add({b.account, o.broker_order_id, o.inst.symbol, to_string(o.action), to_string(o.kind),
               std::to_string(o.quantity), std::to_string(o.filled_quantity),
               rupees(o.average_price), to_string(o.status), o.timestamp});
    }
    if (t.empty())
      out << "no orders\n";
    else
      t.print(out);
    return;
  }
  table t{{"account", "trade", "order", "symbol", "side", "qty", "price ₹", "time"}};
  for (auto& b : x) {
    if (!b.error.empty())
      t.add({b.account, "error: " + b.error, "", "", "", "", "", ""});
    for (auto& tr : b.trades)
      t.add({b.account, tr.trade_id, tr.broker_order_id, tr.inst.symbol, to_string(tr.action),
             std::to_string(tr.quantity), rupees(tr.average_price), tr.timestamp});
  }
  if (t.empty())
    out << "no trades\n";
  else
    t.print(out);
}

void print(std::ostream& out, const context& c, const chain_view& x) {
  if (c.json) {
    emit(out, [&](json_writer& w) {
      w.StartObject();
      field(w, "session_id", x.session_id);
      field(w, "underlying", x.underlying);
      field(w, "expiry", x.expiry);
      field(w, "spot", x.spot);
      field(w, "atm", x.atm);
      key(w, "instruments");
      w.StartArray();
      for (auto& i : x.instruments) {
        w.StartObject();
        write(w, i);
        w.EndObject();
      }
      w.EndArray();
      w.EndObject();
    });
    return;
  }
  out << x.underlying << " option chain, expiry " << x.expiry << ": spot " << rupees(x.spot)
      << ", ATM " << format_number(x.atm) << ", " << x.instruments.size()
      << " contracts (session " << x.session_id << "; Ctrl-C closes it)\n";
}

void print_chain(std::ostream& out, const context& c, const console_event& x) {
  if (c.json) {
    emit(out, [&](json_writer& w) {
      w.StartObject();
      field(w, "event", x.kind);
      field(w, "session_id", x.text);
      key(w, "ticks");
      w.StartArray();
      for (auto& t : x.ticks) {
        w.StartObject();
        write(w, t.inst);
        field(w, "ltp", t.ltp);
        field(w, "bid", t.bid);
        field(w, "ask", t.ask);
        field(w, "received_at", t.received_at);
        w.EndObject();
      }
      w.EndArray();
      w.EndObject();
    });
    return;
  }
  // The board: one row per strike, calls left, puts right.
  struct row {
    const tick* call = nullptr;
    const tick* put = nullptr;
  };
  std::map<double, row> board;
  auto table_of = default_instruments();
  for (auto& tk : x.ticks) {
    auto d = parse_derivative_symbol(tk.inst.symbol, table_of);
    if (!d || d->kind != instrument_kind::option)
      continue;
    (d->option == option_type::ce ? board[d->strike].call : board[d->strike].put) = &tk;
  }
  auto cell = [](const tick* t, double tick::*field) {
    return t == nullptr ? std::string{"-"} : rupees(t->*field);
  };
  table t{{"call bid", "call ask", "call ltp ₹", "strike", "put ltp ₹", "put bid", "put ask"}};
  for (auto& [strike, r] : board)
    t.add({cell(r.call, &tick::bid), cell(r.call, &tick::ask), cell(r.call, &tick::ltp),
           format_number(strike), cell(r.put, &tick::ltp), cell(r.put, &tick::bid),
           cell(r.put, &tick::ask)});
  out << "\n";
  t.print(out);
  out.flush();
}

} // namespace algomirror::console_view
