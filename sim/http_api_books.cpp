// openalgo-sim's REST endpoints: the account: ping, funds, the order/trade/position books, holdings, analyzer.

#include "sim/http_api_detail.hpp"

namespace algomirror::sim {

using namespace api_detail;

/// `analyzer`, `analyzer/toggle`.
http_reply http_api::on_analyzer(const api_call& c) {
  auto& endpoint = c.endpoint;
  auto& doc = c.doc;
  auto& account = c.account;
  auto& j = c.j;
  auto& w = c.w;
  auto& on = analyze_.try_emplace(account, true).first->second;
  bool toggle = endpoint == "analyzer/toggle";
  if (toggle) {
    auto* m = member(doc, "mode");
    std::optional<bool> wanted;
    if (m->IsBool())
      wanted = m->GetBool();
    else if (m->IsInt() && (m->GetInt() == 0 || m->GetInt() == 1))
      wanted = m->GetInt() == 1;
    else if (m->IsString()) {
      std::string t = m->GetString();
      for (auto& c : t)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (t == "true" || t == "1" || t == "on" || t == "yes" || t == "y" || t == "t")
        wanted = true;
      else if (t == "false" || t == "0" || t == "off" || t == "no" || t == "n" || t == "f")
        wanted = false;
    }
    if (!wanted)
      return error_a({{"mode", "Not a valid boolean."}}, false);
    on = *wanted;
  }
  w.StartObject();
  key(w, "data");
  w.StartObject(); // keys sorted, as Flask writes them
  key(w, "analyze_mode");
  w.Bool(on);
  if (toggle)
    str(w, "message", on ? "Analyzer mode switched to analyze" : "Analyzer mode switched to live");
  str(w, "mode", on ? "analyze" : "live");
  integer(w, "total_logs", 0);
  w.EndObject();
  str(w, "status", "success");
  w.EndObject();
  return json_reply(200, j.done());
}

/// `ping`.
http_reply http_api::on_ping(const api_call& c) {
  auto& j = c.j;
  auto& w = c.w;
  w.StartObject();
  key(w, "data");
  w.StartObject();
  str(w, "broker", "sandbox");
  str(w, "message", "pong");
  w.EndObject();
  str(w, "status", "success");
  w.EndObject();
  return json_reply(200, j.done());
}

/// `funds`.
http_reply http_api::on_funds(const api_call& c) {
  auto& account = c.account;
  auto& j = c.j;
  auto& w = c.w;
  auto f = broker_.funds_of(account);
  w.StartObject();
  key(w, "data");
  w.StartObject();
  auto r2 = [](double x) { return std::round(x * 100) / 100; };
  double unrealized = 0;
  for (auto& p : broker_.positions(account))
    unrealized += p.pnl;
  unrealized -= f.m2m_realized; // positions report realized + unrealized
  num(w, "availablecash", r2(f.available_cash));
  num(w, "collateral", 0.0);
  num(w, "grossexposure", r2(f.utilised_debits));
  str(w, "last_reset", "");
  num(w, "m2mrealized", r2(f.m2m_realized));
  num(w, "m2munrealized", r2(unrealized));
  integer(w, "reset_count", 0);
  num(w, "today_realized_pnl", r2(f.m2m_realized));
  num(w, "total_realized_pnl", r2(f.m2m_realized));
  num(w, "totalpnl", r2(f.m2m_realized + unrealized));
  num(w, "utiliseddebits", r2(f.utilised_debits));
  w.EndObject();
  return success_reply(j);
}

/// `orderbook`.
http_reply http_api::on_orderbook(const api_call& c) {
  auto& account = c.account;
  auto& j = c.j;
  auto& w = c.w;
  auto orders = broker_.orderbook(account);
  int64_t buys = 0, sells = 0, completed = 0, open = 0, rejected = 0, pending = 0;
  for (auto& o : orders) {
    (o.action == side::buy ? buys : sells)++;
    completed += o.status == order_status::complete;
    open += o.status == order_status::open;
    rejected += o.status == order_status::rejected;
    pending += o.status == order_status::trigger_pending;
  }
  w.StartObject();
  key(w, "data");
  w.StartObject();
  key(w, "orders");
  w.StartArray();
  for (auto& o : orders)
    write_order(w, o, false);
  w.EndArray();
  key(w, "statistics");
  w.StartObject();
  integer(w, "total_buy_orders", buys);
  integer(w, "total_completed_orders", completed);
  integer(w, "total_open_orders", open);
  integer(w, "total_rejected_orders", rejected);
  integer(w, "total_sell_orders", sells);
  integer(w, "total_trigger_pending_orders", pending);
  w.EndObject();
  w.EndObject();
  return success_reply(j);
}

/// `tradebook`.
http_reply http_api::on_tradebook(const api_call& c) {
  auto& account = c.account;
  auto& j = c.j;
  auto& w = c.w;
  w.StartObject();
  key(w, "data");
  w.StartArray();
  for (auto& t : broker_.tradebook(account)) {
    w.StartObject();
    str(w, "action", to_string(t.action));
    num(w, "average_price", t.average_price);
    str(w, "exchange", to_string(t.inst.exch));
    str(w, "orderid", t.broker_order_id);
    num(w, "price", t.average_price);
    str(w, "product", to_string(t.order_product));
    integer(w, "quantity", t.quantity);
    str(w, "strategy", t.strategy_tag);
    str(w, "symbol", t.inst.symbol);
    str(w, "timestamp", t.timestamp);
    num(w, "trade_value", std::round(t.average_price * static_cast<double>(t.quantity) * 100) / 100);
    str(w, "tradeid", t.trade_id);
    w.EndObject();
  }
  w.EndArray();
  return success_reply(j);
}

/// `positionbook`.
http_reply http_api::on_positionbook(const api_call& c) {
  auto& account = c.account;
  auto& j = c.j;
  auto& w = c.w;
  auto r2 = [](double x) { return std::round(x * 100) / 100; };
  double total = 0, unrealized_total = 0, realized_total = 0;
  w.StartObject();
  key(w, "data");
  w.StartArray();
  for (auto& p : broker_.positions(account)) {
    int64_t lot = 1;
    broker_.known(p.inst, lot);
    double unrealized = p.net_quantity > 0
                          ? (p.ltp - p.average_price) * static_cast<double>(p.net_quantity)
                          : (p.average_price - p.ltp) * static_cast<double>(-p.net_quantity);
    double realized = p.pnl - unrealized;
    double invested = std::fabs(p.average_price * static_cast<double>(p.net_quantity));
    total += p.pnl;
    unrealized_total += unrealized;
    realized_total += realized;
    w.StartObject();
    num(w, "average_price", r2(p.average_price));
    str(w, "exchange", to_string(p.inst.exch));
    num(w, "lot_size", static_cast<double>(lot));
    num(w, "ltp", p.ltp);
    num(w, "pnl", r2(p.pnl));
    num(w, "pnlpercent", invested > 0 ? p.pnl / invested * 100 : 0.0);
    str(w, "product", to_string(p.order_product));
    integer(w, "quantity", p.net_quantity);
    str(w, "symbol", p.inst.symbol);
    num(w, "today_realized_pnl", r2(realized));
    num(w, "total_pnl_today", r2(p.pnl));
    num(w, "unrealized_pnl", r2(unrealized));
    w.EndObject();
  }
  w.EndArray();
  str(w, "mode", "analyze");
  str(w, "status", "success");
  num(w, "total_pnl", r2(total));
  num(w, "total_pnl_today", r2(total));
  num(w, "total_today_realized_pnl", r2(realized_total));
  num(w, "total_unrealized_pnl", r2(unrealized_total));
  w.EndObject();
  return json_reply(200, j.done());
}

/// `holdings`.
http_reply http_api::on_holdings(const api_call& c) {
  auto& j = c.j;
  auto& w = c.w;
  // The simulator keeps no delivery holdings (CNC longs stay positions for the day).
  w.StartObject();
  key(w, "data");
  w.StartObject();
  key(w, "holdings");
  w.StartArray();
  w.EndArray();
  key(w, "statistics");
  w.StartObject();
  num(w, "totalholdingvalue", 0.0);
  num(w, "totalinvvalue", 0.0);
  num(w, "totalpnlpercentage", 0.0);
  num(w, "totalprofitandloss", 0.0);
  w.EndObject();
  w.EndObject();
  return success_reply(j);
}


} // namespace algomirror::sim
