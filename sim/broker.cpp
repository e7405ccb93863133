#include "sim/broker.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "domain/strikes.hpp"
#include "messages/names.hpp"

namespace algomirror::sim {

namespace {

using namespace std::chrono;

constexpr double volatility = 0.15; // annual, for the random walk and option premiums
constexpr double seconds_per_year = 365.0 * 24 * 3600;
constexpr int32_t mis_square_off = 15 * 3600 + 15 * 60; // 15:15 IST (NSE, BSE and their F&O)
constexpr int32_t mis_opens = 9 * 3600;                  // MIS orders allowed again from 09:00

int32_t ist_seconds(utc_instant t) {
  auto local = t + ist_offset;
  return static_cast<int32_t>(duration_cast<seconds>(local - floor<days>(local)).count());
}

double default_spot(const std::string& name) {
  if (name == "NIFTY")
    return 24000;
  if (name == "BANKNIFTY")
    return 51000;
  if (name == "SENSEX")
    return 80000;
  return 10000;
}

double normal_cdf(double x) {
  return 0.5 * std::erfc(-x / std::sqrt(2.0));
}

bool is_derivative_exchange(exchange e) {
  return e == exchange::nfo || e == exchange::bfo || e == exchange::mcx || e == exchange::cds;
}

double leverage(const instrument& inst, product p, bool is_future) {
  if (!is_derivative_exchange(inst.exch))
    return p == product::mis ? 5.0 : 1.0;
  return is_future ? 10.0 : 1.0;
}

std::string money(double x) {
  char buf[48];
  std::snprintf(buf, sizeof(buf), "\u20b9%.2f", x);
  return buf;
}

std::string ist_timestamp(utc_instant t) {
  auto local = t + ist_offset;
  auto day = floor<days>(local);
  year_month_day ymd{day};
  hh_mm_ss<microseconds> hms{local - day};
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%04d-%02u-%02u %02ld:%02ld:%02ld", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<long>(hms.hours().count()), static_cast<long>(hms.minutes().count()),
                static_cast<long>(hms.seconds().count()));
  return buf;
}

} // namespace

broker::broker(instrument_table table, const clock& time, uint64_t seed)
  : table_(std::move(table)), time_(time), rng_(seed) {
  for (auto& spec : table_.specs())
    underlyings_[spec.name] = {spec, default_spot(spec.name), time_.now()};
  // A few NSE equities (lot 1), as in the recorded transcripts.
  for (auto [name, price] : {std::pair{"RELIANCE", 1500.0}, {"SBIN", 800.0}, {"INFY", 1600.0}}) {
    underlying_spec equity{name, exchange::nse, exchange::nse, 0.05, 1, 1, 1'000'000, false, 0};
    equities_[name] = {equity, price, time_.now()};
  }
}

void broker::add_account(const std::string& name, double capital) {
  accounts_[name].capital = capital;
}

bool broker::has_account(const std::string& name) const {
  return accounts_.count(name) > 0;
}

void broker::set_spot(const std::string& underlying, double spot) {
  if (auto e = equities_.find(underlying); e != equities_.end()) {
    e->second.spot = spot;
    e->second.updated = time_.now();
  }
  if (auto i = underlyings_.find(underlying); i != underlyings_.end()) {
    i->second.spot = spot;
    i->second.updated = time_.now();
  }
}

void broker::advance_prices() {
  auto now = time_.now();
  std::normal_distribution<double> normal{0, 1};
  for (auto* prices : {&underlyings_, &equities_}) for (auto& [name, u] : *prices) {
    if (auto scripted = script_.find(name); scripted != script_.end()) {
      u.spot = spot_at(scripted->second, now);
      u.updated = now;
      continue;
    }
    double dt = duration<double>(now - u.updated).count();
    if (dt <= 0)
      continue;
    double sigma = volatility * std::sqrt(std::min(dt, 86400.0) / seconds_per_year);
    u.spot *= std::exp(sigma * normal(rng_) - 0.5 * sigma * sigma);
    u.updated = now;
  }
}

std::vector<date> broker::expiries(const std::string& underlying, bool futures) const {
  std::vector<date> out;
  auto it = underlyings_.find(underlying);
  if (it == underlyings_.end())
    return out;
  auto& spec = it->second.spec;
  auto today = date{floor<days>(time_.now() + ist_offset)};
  weekday target{static_cast<unsigned>(spec.expiry_weekday)};
  auto add = [&](sys_days d) {
    if (d >= sys_days{today} && std::find(out.begin(), out.end(), date{d}) == out.end())
      out.push_back(date{d});
  };
  // Three monthly contracts (this month's only while it has not expired).
  for (int m = 0, listed = 0; m < 4 && listed < 3; ++m) {
    auto month_start = date{today.year() / today.month() / 1} + months{m};
    auto monthly = sys_days{month_start.year() / month_start.month() / target[last]};
    if (monthly >= sys_days{today}) {
      add(monthly);
      ++listed;
    }
  }
  if (!futures && spec.weekly_expiries) {
    auto d = sys_days{today};
    d += (target - weekday{d});
    for (int w = 0; w < 6; ++w)
      add(d + days{7 * w});
  }
  std::sort(out.begin(), out.end(), [](date a, date b) { return sys_days{a} < sys_days{b}; });
  if (futures && out.size() > 3)
    out.resize(3);
  return out;
}

broker::underlying_state* broker::underlying_of(const std::string& symbol,
                                                derivative_symbol* parsed) {
  if (auto e = equities_.find(symbol); e != equities_.end())
    return &e->second;
  if (auto i = underlyings_.find(symbol); i != underlyings_.end())
    return &i->second;
  auto s = parse_derivative_symbol(symbol, table_);
  if (!s)
    return nullptr;
  if (parsed != nullptr)
    *parsed = *s;
  return &underlyings_.at(s->underlying);
}

bool broker::known(const instrument& inst, int64_t& lot_size) const {
  if (auto e = equities_.find(inst.symbol); e != equities_.end()) {
    lot_size = 1;
    return inst.exch == exchange::nse || inst.exch == exchange::bse;
  }
  if (auto i = underlyings_.find(inst.symbol); i != underlyings_.end()) {
    lot_size = 1;
    return inst.exch == i->second.spec.index_exchange;
  }
  auto s = parse_derivative_symbol(inst.symbol, table_);
  if (!s)
    return false;
  auto& u = underlyings_.at(s->underlying);
  if (inst.exch != u.spec.derivative_exchange)
    return false;
  auto listed = expiries(s->underlying, s->kind == instrument_kind::future);
  if (std::find(listed.begin(), listed.end(), s->expiry) == listed.end())
    return false;
  if (s->kind == instrument_kind::option && !check_fixed_strike(s->strike, u.spec.strike_step))
    return false;
  lot_size = u.spec.lot_size;
  return true;
}

double broker::premium(const derivative_symbol& s, double spot) const {
  return premium_at(s, spot, time_.now());
}

double broker::premium_at(const derivative_symbol& s, double spot, utc_instant t) const {
  if (s.kind == instrument_kind::future)
    return round_to_tick(spot * 1.002);
  auto expiry_close = sys_days{s.expiry} + hours{15} + minutes{30} - ist_offset;
  double years = std::max(60.0, duration<double>(expiry_close - t).count()) / seconds_per_year;
  double sd = volatility * std::sqrt(years);
  double d1 = (std::log(spot / s.strike) + 0.5 * sd * sd) / sd;
  double d2 = d1 - sd;
  double call = spot * normal_cdf(d1) - s.strike * normal_cdf(d2);
  double put = call - spot + s.strike;
  return std::max(0.05, round_to_tick(s.option == option_type::ce ? call : put));
}

std::optional<quote> broker::quote_of(const instrument& inst) {
  int64_t lot = 0;
  if (!known(inst, lot))
    return std::nullopt;
  advance_prices();
  derivative_symbol parsed;
  auto* u = underlying_of(inst.symbol, &parsed);
  quote q;
  q.inst = inst;
  bool is_equity = equities_.count(inst.symbol) > 0;
  bool is_index = !is_equity && u->spec.name == inst.symbol;
  q.ltp = is_index || is_equity ? round_to_tick(u->spot) : premium(parsed, u->spot);
  double spread = is_index ? 0 : 0.05; // one tick either side, as the sandbox's book
  q.bid = is_index ? 0 : std::max(0.05, round_to_tick(q.ltp - spread));
  q.ask = is_index ? 0 : round_to_tick(q.ltp + spread);
  q.open = q.ltp;
  q.high = round_to_tick(q.ltp * 1.01);
  q.low = round_to_tick(q.ltp * 0.99);
  q.prev_close = q.ltp;
  q.volume = is_index ? 0 : 100'000;
  return q;
}

std::string broker::next_order_id() {
  // YYMMDD + 6 digits + 2 digits, 14 characters in IST, unique per process.
  auto local = time_.now() + ist_offset;
  year_month_day ymd{floor<days>(local)};
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%02d%02u%02u%08llu", static_cast<int>(ymd.year()) % 100,
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<unsigned long long>(++order_counter_ % 100'000'000));
  return buf;
}

sim_order broker::new_order(const place_request& r) {
  sim_order o;
  o.account = r.account;
  o.placed_at = time_.now();
  auto& b = o.order;
  b.broker_order_id = next_order_id();
  b.inst = r.inst;
  b.action = r.action;
  b.order_product = r.order_product;
  b.kind = r.kind;
  b.quantity = r.quantity;
  b.price = r.price;
  b.trigger_price = r.trigger_price;
  b.strategy_tag = r.strategy;
  b.timestamp = ist_timestamp(o.placed_at);
  return o;
}

broker_result broker::place(const place_request& r) {
  auto reject = [&](int status, std::string message) {
    ledger_.push_back({time_.now(), r.account, {}, r.inst, r.action, r.quantity, r.strategy,
                       "rejected: " + message});
    return broker_result{status, std::move(message), {}};
  };
  auto acct = accounts_.find(r.account);
  if (acct == accounts_.end())
    return reject(403, "Invalid openalgo apikey");
  auto& a = acct->second;
  int64_t lot = 0;
  if (!known(r.inst, lot))
    return reject(400, "Symbol " + r.inst.symbol + " not found on " + to_string(r.inst.exch));
  if (r.inst.exch == exchange::nse_index || r.inst.exch == exchange::bse_index)
    return reject(400, "Cannot place orders on " + to_string(r.inst.exch) + " (index)");
  bool derivative = is_derivative_exchange(r.inst.exch);
  if (r.order_product == product::nrml && !derivative)
    return reject(400, "NRML product not allowed for " + to_string(r.inst.exch)
                         + " equity segment. Use CNC for delivery or MIS for intraday.");
  if (r.order_product == product::cnc && derivative)
    return reject(400, "CNC product not allowed for F&O. Use NRML or MIS.");
  if (r.quantity <= 0 || r.quantity % lot != 0)
    return reject(400, "Quantity must be in multiples of lot size " + std::to_string(lot));
  if (r.order_product == product::mis) {
    auto now_s = ist_seconds(time_.now());
    auto& held = a.positions[{r.inst.symbol, product::mis}];
    bool reduces = held.net_quantity != 0 && (held.net_quantity > 0) == (r.action == side::sell)
                   && r.quantity <= std::llabs(held.net_quantity);
    if ((now_s >= mis_square_off || now_s < mis_opens) && !reduces)
      return reject(400, "MIS orders are not accepted between the square-off time 15:15 and "
                         "09:00 IST unless they reduce a position. Use NRML or CNC.");
  }
  if (r.order_product == product::cnc && r.action == side::sell) {
    auto held = a.positions.find({r.inst.symbol, product::cnc});
    if (held == a.positions.end() || held->second.net_quantity < r.quantity) {
      // The sandbox stores this one as a rejected order and answers with its id.
      auto message = "Cannot sell " + r.inst.symbol
                     + " in CNC. No positions or holdings available. CNC (delivery) requires "
                       "existing shares. Use MIS for intraday short selling.";
      auto o = new_order(r);
      o.order.status = order_status::rejected;
      o.order.rejection_reason = message;
      auto id = o.order.broker_order_id;
      a.orders[id] = std::move(o);
      ledger_.push_back({time_.now(), r.account, id, r.inst, r.action, r.quantity, r.strategy,
                         "rejected: " + message});
      return {400, message, id};
    }
  }
  if ((r.kind == price_type::limit || r.kind == price_type::stop_limit) && !(r.price > 0))
    return reject(400, "LIMIT orders require price");
  if ((r.kind == price_type::stop_market || r.kind == price_type::stop_limit)
      && !(r.trigger_price > 0))
    return reject(400, to_string(r.kind) + " orders require trigger_price");
  if (r.kind == price_type::limit && r.trigger_price > 0)
    return reject(400, "LIMIT orders do not accept a trigger_price");
  auto q = quote_of(r.inst);
  if (!q || !(q->ltp > 0))
    return reject(400, "Cannot place MARKET order for " + r.inst.symbol
                         + " - unable to fetch current price");
  // Margin for the part that opens or adds to a position.
  auto& pos = a.positions[{r.inst.symbol, r.order_product}];
  int64_t signed_qty = r.action == side::buy ? r.quantity : -r.quantity;
  int64_t opening = 0;
  if (pos.net_quantity == 0 || (pos.net_quantity > 0) == (signed_qty > 0))
    opening = r.quantity;
  else
    opening = std::max<int64_t>(0, r.quantity - std::llabs(pos.net_quantity));
  double ref_price = r.kind == price_type::market
                       ? q->ltp
                       : (r.kind == price_type::limit ? r.price : r.trigger_price);
  derivative_symbol parsed;
  underlying_of(r.inst.symbol, &parsed);
  bool is_future = derivative && parsed.kind == instrument_kind::future;
  double margin = static_cast<double>(opening) * ref_price
                  / leverage(r.inst, r.order_product, is_future);
  auto f = funds_of(r.account);
  if (margin > f.available_cash + 1e-9)
    return reject(400, "Insufficient funds. Required: " + money(margin) + ", Available: "
                         + money(f.available_cash) + ", Shortage: "
                         + money(margin - f.available_cash));
  auto o = new_order(r);
  o.margin_blocked = margin;
  if (a.faults.delay_fill.count() > 0)
    o.fill_after = time_.now() + duration_cast<microseconds>(a.faults.delay_fill);
  if (a.faults.partial > 0) {
    --a.faults.partial;
    o.partial = true;
  }
  auto& b = o.order;
  if (r.kind == price_type::market)
    b.price = q->ltp; // as the sandbox books it: the last price at placement, not 0
  b.status = (r.kind == price_type::stop_market || r.kind == price_type::stop_limit)
               ? order_status::trigger_pending
               : order_status::open;
  a.exchanges[r.inst.symbol] = r.inst.exch;
  auto id = b.broker_order_id;
  auto& stored = a.orders[id] = std::move(o);
  a.working.insert(id);
  notify(stored);
  ledger_.push_back(
    {time_.now(), r.account, id, r.inst, r.action, r.quantity, r.strategy, "accepted"});
  if (a.faults.reject > 0) {
    // Accepted with an id, then rejected (as an exchange or RMS rejection arrives).
    --a.faults.reject;
    stored.order.status = order_status::rejected;
    stored.order.rejection_reason = a.faults.reject_message;
    stored.margin_blocked = 0;
    notify(stored);
    return {200, {}, id};
  }
  // Immediate fills (§1.9).
  bool buy = r.action == side::buy;
  if (r.kind == price_type::market) {
    double px = buy ? q->ask : q->bid;
    execute(a, stored, px > 0 ? px : q->ltp);
  } else if (r.kind == price_type::limit && (buy ? q->ltp <= r.price : q->ltp >= r.price)) {
    execute(a, stored, q->ltp);
  } else if (r.kind == price_type::stop_market
             && (buy ? q->ltp >= r.trigger_price : q->ltp <= r.trigger_price)) {
    execute(a, stored, q->ltp);
  }
  return {200, {}, id};
}

void broker::notify(const sim_order& o) const {
  if (on_order_change)
    on_order_change(o.account, o.order);
}

void broker::execute(account_state& a, sim_order& o, double price) {
  if (o.fill_after > time_.now())
    return; // a delayed fill: match() fills it once the time has come
  if (o.partial && o.order.filled_quantity == 0) {
    int64_t lot = 1;
    known(o.order.inst, lot);
    int64_t half = std::max<int64_t>(lot, (o.order.quantity / lot / 2) * lot);
    if (half < o.order.quantity) {
      fill_quantity(a, o, price, half);
      return;
    }
  }
  fill(a, o, price);
}

void broker::fill(account_state& a, sim_order& o, double price) {
  fill_quantity(a, o, price, o.order.quantity - o.order.filled_quantity);
}

void broker::fill_quantity(account_state& a, sim_order& o, double price, int64_t quantity) {
  auto& b = o.order;
  double value = b.average_price * static_cast<double>(b.filled_quantity)
                 + price * static_cast<double>(quantity);
  b.filled_quantity += quantity;
  b.average_price = value / static_cast<double>(b.filled_quantity);
  bool done = b.filled_quantity >= b.quantity;
  b.status = done ? order_status::complete : order_status::open;
  if (done)
    o.margin_blocked = 0;
  char trade_id[48];
  std::snprintf(trade_id, sizeof(trade_id), "TRADE-%s-%08llx",
                b.timestamp.substr(0, 10).c_str(),
                static_cast<unsigned long long>(++trade_counter_));
  a.trades.push_back({b.broker_order_id, trade_id, b.inst, b.action, b.order_product, quantity,
                      price, b.strategy_tag, ist_timestamp(time_.now())});
  notify(o);
  auto& pos = a.positions[{b.inst.symbol, b.order_product}];
  if (a.faults.position_race) {
    // Real time, as the sandbox's threads race: a fill inside the window of the previous one
    // read the position before that one wrote it.
    auto& race = a.races[{b.inst.symbol, b.order_product}];
    auto real_now = std::chrono::steady_clock::now();
    if (real_now - race.last_fill < order_faults::race_window)
      pos = race.read;
    else
      race.read = pos;
    race.last_fill = real_now;
  }
  int64_t q = b.action == side::buy ? quantity : -quantity;
  if (pos.net_quantity == 0 || (pos.net_quantity > 0) == (q > 0)) {
    double value = pos.average_price * static_cast<double>(std::llabs(pos.net_quantity))
                   + price * static_cast<double>(std::llabs(q));
    pos.net_quantity += q;
    pos.average_price = value / static_cast<double>(std::llabs(pos.net_quantity));
  } else {
    int64_t closing = std::min(std::llabs(q), std::llabs(pos.net_quantity));
    double per_unit = pos.net_quantity > 0 ? price - pos.average_price : pos.average_price - price;
    pos.realized += per_unit * static_cast<double>(closing);
    int64_t before = pos.net_quantity;
    pos.net_quantity += q;
    if (pos.net_quantity != 0 && (before > 0) != (pos.net_quantity > 0))
      pos.average_price = price; // flipped through zero
    if (pos.net_quantity == 0)
      pos.average_price = 0;
  }
}

std::variant<sim_order*, broker_result>
broker::open_order(const std::string& account, const std::string& id, const char* verb) {
  auto acct = accounts_.find(account);
  if (acct == accounts_.end())
    return broker_result{403, "Invalid openalgo apikey", {}};
  auto i = acct->second.orders.find(id);
  if (i == acct->second.orders.end())
    return broker_result{404, "Order " + id + " not found", {}};
  auto& b = i->second.order;
  if (b.status != order_status::open && b.status != order_status::trigger_pending)
    return broker_result{400, std::string{"Cannot "} + verb + " order in " + to_string(b.status)
                                + " status", {}};
  return &i->second;
}

broker_result broker::cancel(const std::string& account, const std::string& id) {
  auto found = open_order(account, id, "cancel");
  if (auto* refused = std::get_if<broker_result>(&found))
    return *refused;
  auto& o = *std::get<sim_order*>(found);
  o.order.status = order_status::cancelled;
  o.margin_blocked = 0;
  notify(o);
  return {200, "Order cancelled successfully", id};
}

broker_result broker::modify(const std::string& account, const std::string& id,
                             int64_t quantity, double price, double trigger_price) {
  auto found = open_order(account, id, "modify");
  if (auto* refused = std::get_if<broker_result>(&found))
    return *refused;
  auto& o = *std::get<sim_order*>(found);
  auto& b = o.order;
  if (b.kind == price_type::limit && trigger_price > 0)
    return {400, "LIMIT orders do not accept a trigger_price", {}};
  int64_t lot = 1;
  known(b.inst, lot);
  if (quantity <= 0 || quantity % lot != 0)
    return {400, "Quantity must be in multiples of lot size " + std::to_string(lot), {}};
  b.quantity = quantity;
  b.price = price;
  b.trigger_price = trigger_price;
  notify(o);
  return {200, "Order modified successfully", id};
}

std::vector<std::string> broker::cancel_all(const std::string& account) {
  std::vector<std::string> ids;
  auto acct = accounts_.find(account);
  if (acct == accounts_.end())
    return ids;
  for (auto& [id, o] : acct->second.orders)
    if (o.order.status == order_status::open || o.order.status == order_status::trigger_pending)
      ids.push_back(id);
  for (auto& id : ids)
    cancel(account, id);
  return ids;
}

int broker::close_all(const std::string& account) {
  auto acct = accounts_.find(account);
  if (acct == accounts_.end())
    return 0;
  std::vector<place_request> exits;
  for (auto& [key, p] : acct->second.positions)
    if (p.net_quantity != 0)
      exits.push_back({account, "Squareoff", {key.first, acct->second.exchanges[key.first]},
                       p.net_quantity > 0 ? side::sell : side::buy, std::llabs(p.net_quantity),
                       price_type::market, key.second, 0, 0});
  int closed = 0;
  for (auto& r : exits)
    closed += place(r).status == 200;
  return closed;
}

int64_t broker::open_position(const std::string& account, const instrument& inst, product p) {
  auto acct = accounts_.find(account);
  if (acct == accounts_.end())
    return 0;
  auto i = acct->second.positions.find({inst.symbol, p});
  return i == acct->second.positions.end() ? 0 : i->second.net_quantity;
}

std::optional<double> broker::price_at(const instrument& inst, utc_instant t) {
  int64_t lot = 0;
  if (!known(inst, lot))
    return std::nullopt;
  derivative_symbol parsed;
  auto* u = underlying_of(inst.symbol, &parsed);
  double spot = u->spot;
  if (auto scripted = script_.find(u->spec.name); scripted != script_.end()) {
    spot = spot_at(scripted->second, t);
  } else {
    // One continuous path back from today's spot (a walk of one-minute steps, each step seeded
    // by its minute): consecutive bars join, and the path ends at the live price.
    spot *= std::exp(walk_offset(u->spec.name, duration_cast<minutes>(t.time_since_epoch()).count()));
  }
  bool is_spot = equities_.count(inst.symbol) > 0 || u->spec.name == inst.symbol;
  return is_spot ? round_to_tick(spot) : premium_at(parsed, spot, t);
}

double broker::walk_offset(const std::string& underlying, int64_t minute) {
  auto now_minute = duration_cast<minutes>(time_.now().time_since_epoch()).count();
  auto& w = walks_[underlying];
  if (w.anchor != now_minute) {
    w.anchor = now_minute;
    w.back.assign(1, 0.0); // back[k]: the log offset k minutes before the anchor
  }
  auto k = w.anchor - minute;
  if (k <= 0)
    return 0.0;
  double step = volatility * std::sqrt(60.0 / seconds_per_year);
  while (static_cast<int64_t>(w.back.size()) <= k) {
    auto m = w.anchor - static_cast<int64_t>(w.back.size()) + 1; // the step into minute m
    std::mt19937_64 rng{std::hash<std::string>{}(underlying) ^ static_cast<uint64_t>(m)};
    std::normal_distribution<double> normal{0, 1};
    w.back.push_back(w.back.back() - step * normal(rng));
  }
  return w.back[static_cast<size_t>(k)];
}

std::vector<instrument> broker::instruments() {
  std::vector<instrument> out;
  for (auto& [name, e] : equities_)
    out.push_back({name, exchange::nse});
  for (auto& spec : table_.specs()) {
    out.push_back({spec.name, spec.index_exchange});
    for (auto& d : expiries(spec.name, true))
      out.push_back({spec.name + format_symbol_expiry(d) + "FUT", spec.derivative_exchange});
    auto index = quote_of({spec.name, spec.index_exchange});
    if (!index)
      continue;
    auto atm = std::round(index->ltp / spec.strike_step) * spec.strike_step;
    for (auto& d : expiries(spec.name, false))
      for (int k = -20; k <= 20; ++k)
        for (auto t : {option_type::ce, option_type::pe})
          out.push_back({option_symbol(spec.name, d, atm + k * spec.strike_step, t),
                         spec.derivative_exchange});
  }
  return out;
}

std::vector<bar> broker::history(const instrument& inst, int interval_minutes, date from,
                                 date to) {
  std::vector<bar> out;
  int64_t lot = 0;
  if (!known(inst, lot) || interval_minutes <= 0)
    return out;
  auto now = time_.now();
  for (auto d = sys_days{from}; d <= sys_days{to}; d += days{1}) {
    auto wd = weekday{d}.c_encoding();
    if (wd == 0 || wd == 6)
      continue;
    for (int m = 9 * 60 + 15; m + interval_minutes <= 15 * 60 + 30; m += interval_minutes) {
      auto start = utc_instant{d + minutes{m} - ist_offset};
      auto end = start + minutes{interval_minutes};
      if (end > now)
        break;
      // A bar opens where the previous one closed: both are the path at the minute between.
      auto open = *price_at(inst, start);
      auto close = *price_at(inst, end);
      auto mid = *price_at(inst, start + (end - start) / 2);
      out.push_back({start, open, std::max({open, close, mid}), std::min({open, close, mid}),
                     close, 1000});
    }
  }
  return out;
}

std::optional<broker_order> broker::order(const std::string& account, const std::string& id) const {
  auto acct = accounts_.find(account);
  if (acct == accounts_.end())
    return std::nullopt;
  auto i = acct->second.orders.find(id);
  if (i == acct->second.orders.end())
    return std::nullopt;
  return i->second.order;
}

std::vector<broker_order> broker::orderbook(const std::string& account) const {
  std::vector<broker_order> out;
  if (auto acct = accounts_.find(account); acct != accounts_.end())
    for (auto& [id, o] : acct->second.orders)
      out.push_back(o.order);
  std::reverse(out.begin(), out.end()); // newest first
  return out;
}

std::vector<broker_trade> broker::tradebook(const std::string& account) const {
  if (auto acct = accounts_.find(account); acct != accounts_.end())
    return acct->second.trades;
  return {};
}

std::vector<broker_position> broker::positions(const std::string& account) {
  std::vector<broker_position> out;
  auto acct = accounts_.find(account);
  if (acct == accounts_.end())
    return out;
  for (auto& [key, p] : acct->second.positions) {
    auto exch = acct->second.exchanges[key.first];
    instrument inst{key.first, exch};
    auto q = quote_of(inst);
    double ltp = q ? q->ltp : p.average_price;
    double unrealized = p.net_quantity > 0
                          ? (ltp - p.average_price) * static_cast<double>(p.net_quantity)
                          : (p.average_price - ltp) * static_cast<double>(-p.net_quantity);
    out.push_back({inst, key.second, p.net_quantity, p.average_price, ltp, p.realized + unrealized});
  }
  return out;
}

funds broker::funds_of(const std::string& account) {
  funds f;
  auto acct = accounts_.find(account);
  if (acct == accounts_.end())
    return f;
  auto& a = acct->second;
  double used = 0, realized = 0;
  for (auto& [key, p] : a.positions) {
    realized += p.realized;
    derivative_symbol parsed;
    auto* u = underlying_of(key.first, &parsed);
    bool is_future = u != nullptr && parsed.kind == instrument_kind::future;
    instrument inst{key.first, a.exchanges[key.first]};
    used += static_cast<double>(std::llabs(p.net_quantity)) * p.average_price
            / leverage(inst, key.second, is_future);
  }
  for (auto& id : a.working) // only orders that may still fill block margin
    if (auto o = a.orders.find(id); o != a.orders.end())
      used += o->second.margin_blocked;
  f.available_cash = a.capital + realized - used;
  f.utilised_debits = used;
  f.m2m_realized = realized;
  return f;
}

void broker::auto_square_off(const std::string& name, account_state& a, date today) {
  if (a.squared_off_on == today)
    return;
  a.squared_off_on = today;
  std::vector<place_request> exits;
  for (auto& [key, p] : a.positions)
    if (key.second == product::mis && p.net_quantity != 0)
      exits.push_back({name, "Squareoff", {key.first, a.exchanges[key.first]},
                       p.net_quantity > 0 ? side::sell : side::buy, std::llabs(p.net_quantity),
                       price_type::market, product::mis, 0, 0});
  for (auto& r : exits)
    place(r);
}

void broker::match() {
  // After the MIS square-off time on a weekday, each account's MIS positions close once a day
  // (the day and time are worked out once per match, not once per account).
  auto now = time_.now();
  auto today = date{floor<days>(now + ist_offset)};
  auto wd = weekday{sys_days{today}}.c_encoding();
  if (wd != 0 && wd != 6 && ist_seconds(now) >= mis_square_off)
    for (auto& [name, a] : accounts_)
      auto_square_off(name, a, today);
  auto working = [](const broker_order& b) {
    return b.status == order_status::open || b.status == order_status::trigger_pending;
  };
  for (auto& [name, a] : accounts_) {
    if (a.working.empty())
      continue;
    std::vector<std::string> ids(a.working.begin(), a.working.end());
    for (auto& id : ids) {
      auto it = a.orders.find(id);
      if (it == a.orders.end() || !working(it->second.order)) {
        a.working.erase(id); // filled, cancelled or rejected since
        continue;
      }
      auto& o = it->second;
      auto& b = o.order;
      struct leave_if_done { // whatever happens below, a finished order leaves the working set
        account_state& acct;
        const std::string& id;
        const broker_order& order;
        ~leave_if_done() {
          if (order.status != order_status::open && order.status != order_status::trigger_pending)
            acct.working.erase(id);
        }
      } done_check{a, id, b};
      auto q = quote_of(b.inst);
      if (!q || !(q->ltp > 0) || q->ltp < q->low || q->ltp > q->high)
        continue; // the stale-quote guard
      bool buy = b.action == side::buy;
      if (b.kind == price_type::market && b.status == order_status::open) {
        if (o.fill_after <= time_.now()) {
          double px = buy ? q->ask : q->bid;
          fill(a, o, px > 0 ? px : q->ltp);
        }
        continue;
      }
      if (b.status == order_status::trigger_pending) {
        bool hit = buy ? q->ltp >= b.trigger_price : q->ltp <= b.trigger_price;
        if (!hit)
          continue;
        if (b.kind == price_type::stop_market
            || (buy ? q->ltp <= b.price : q->ltp >= b.price)) {
          fill(a, o, q->ltp);
          continue;
        }
        b.status = order_status::open;
        notify(o);
      }
      if (b.kind == price_type::limit || b.kind == price_type::stop_limit) {
        if (buy ? q->ltp <= b.price : q->ltp >= b.price)
          fill(a, o, b.price);
      }
    }
  }
}

} // namespace algomirror::sim
