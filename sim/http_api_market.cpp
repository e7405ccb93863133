// openalgo-sim's REST endpoints: market data and the instrument master: quotes, depth, history, expiries, option chain and symbols, search.

#include "sim/http_api_detail.hpp"

namespace algomirror::sim {

using namespace api_detail;

/// `intervals`.
http_reply http_api::on_intervals(const api_call& c) {
  auto& j = c.j;
  auto& w = c.w;
  // The intervals `history` serves (openalgo-api.md, intervals), keys sorted as Flask writes.
  w.StartObject();
  key(w, "data");
  w.StartObject();
  auto list = [&w](const char* k, std::initializer_list<const char*> xs) {
    key(w, k);
    w.StartArray();
    for (auto* x : xs)
      w.String(x);
    w.EndArray();
  };
  list("days", {"D"});
  list("hours", {"1h", "2h", "3h", "4h"});
  list("minutes", {"1m", "2m", "3m", "5m", "10m", "15m", "20m", "30m"});
  list("months", {});
  list("seconds", {});
  list("weeks", {});
  w.EndObject();
  str(w, "status", "success");
  w.EndObject();
  return json_reply(200, j.done());
}

/// `symbol`.
http_reply http_api::on_symbol(const api_call& c) {
  auto& doc = c.doc;
  auto& j = c.j;
  auto& w = c.w;
  instrument inst;
  inst.symbol = text(member(doc, "symbol"));
  auto exch_text = text(member(doc, "exchange"));
  int64_t lot = 0;
  if (!parse_word(member(doc, "exchange"), inst.exch, false) || !broker_.known(inst, lot))
    return error_d(404, "Symbol " + inst.symbol + " not found in exchange " + exch_text, false);
  w.StartObject();
  key(w, "data");
  write_instrument(w, inst, lot, true);
  str(w, "status", "success");
  w.EndObject();
  return json_reply(200, j.done());
}

/// `search`.
http_reply http_api::on_search(const api_call& c) {
  auto& doc = c.doc;
  auto& j = c.j;
  auto& w = c.w;
  // Every token of the query (upper-cased) within the symbol; optionally one exchange.
  std::vector<std::string> tokens;
  std::string query = text(member(doc, "query")), token;
  for (char c : query + " ") {
    if (c == ' ') {
      if (!token.empty())
        tokens.push_back(token);
      token.clear();
    } else {
      token += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
  }
  std::optional<exchange> only;
  if (member(doc, "exchange") != nullptr) {
    exchange x{};
    if (!parse_word(member(doc, "exchange"), x, false))
      return error_b({{"exchange", "Must be one of: NSE, NFO, CDS, BSE, BFO, BCD, MCX, NCDEX, "
                                   "NCO, NSE_INDEX, BSE_INDEX, MCX_INDEX, GLOBAL_INDEX, CRYPTO."}});
    only = x;
  }
  w.StartObject();
  key(w, "data");
  w.StartArray();
  size_t found = 0;
  for (auto& inst : broker_.instruments()) {
    if (only && inst.exch != *only)
      continue;
    bool all = !tokens.empty();
    for (auto& t : tokens)
      all = all && inst.symbol.find(t) != std::string::npos;
    int64_t lot = 0;
    if (!all || !broker_.known(inst, lot))
      continue;
    write_instrument(w, inst, lot, false);
    ++found;
  }
  w.EndArray();
  str(w, "message", found == 0 ? std::string{"No matching symbols found"}
                               : "Found " + std::to_string(found) + " matching symbols");
  str(w, "status", "success");
  w.EndObject();
  return json_reply(200, j.done());
}

/// `quotes`.
http_reply http_api::on_quotes(const api_call& c) {
  auto& doc = c.doc;
  auto& j = c.j;
  auto& w = c.w;
  instrument inst;
  inst.symbol = text(member(doc, "symbol"));
  if (!parse_word(member(doc, "exchange"), inst.exch, false))
    return error_b({{"exchange", "Must be one of: NSE, NFO, CDS, BSE, BFO, BCD, MCX, NCDEX, "
                                 "NCO, NSE_INDEX, BSE_INDEX, MCX_INDEX, GLOBAL_INDEX, CRYPTO."}});
  auto q = broker_.quote_of(inst);
  if (!q)
    return error_d(400, "Symbol '" + inst.symbol + "' not found for exchange '"
                          + to_string(inst.exch)
                          + "'. Please verify the symbol name and ensure master contracts "
                            "are downloaded.",
                   false);
  w.StartObject();
  key(w, "data");
  write_quote_data(w, *q);
  str(w, "status", "success");
  w.EndObject();
  return json_reply(200, j.done());
}

/// `multiquotes`.
http_reply http_api::on_multiquotes(const api_call& c) {
  auto& doc = c.doc;
  auto& j = c.j;
  auto& w = c.w;
  auto* symbols = member(doc, "symbols");
  if (symbols == nullptr || !symbols->IsArray() || symbols->Empty())
    return error_b({{"symbols", "Shorter than minimum length 1."}});
  std::vector<std::pair<instrument, std::optional<quote>>> rows;
  for (auto& s : symbols->GetArray()) {
    instrument inst;
    if (s.IsObject()) {
      inst.symbol = text(member(s, "symbol"));
      parse_word(member(s, "exchange"), inst.exch, false);
    }
    rows.emplace_back(inst, broker_.quote_of(inst));
  }
  std::stable_partition(rows.begin(), rows.end(),
                        [](auto& r) { return !r.second.has_value(); }); // invalid first
  w.StartObject();
  key(w, "results");
  w.StartArray();
  for (auto& [inst, q] : rows) {
    w.StartObject();
    if (q) {
      key(w, "data");
      write_quote_data(w, *q);
    } else {
      str(w, "error", "Symbol '" + inst.symbol + "' not found for exchange '"
                        + to_string(inst.exch)
                        + "'. Please verify the symbol name and ensure master contracts are "
                          "downloaded.");
    }
    str(w, "exchange", to_string(inst.exch));
    str(w, "symbol", inst.symbol);
    w.EndObject();
  }
  w.EndArray();
  str(w, "status", "success");
  w.EndObject();
  return json_reply(200, j.done());
}

/// `expiry`.
http_reply http_api::on_expiry(const api_call& c) {
  auto& doc = c.doc;
  auto& j = c.j;
  auto& w = c.w;
  auto underlying = text(member(doc, "symbol"));
  auto type = text(member(doc, "instrumenttype"));
  if (type != "options" && type != "futures")
    return error_b({{"instrumenttype", "Must be one of: futures, options."}});
  auto list = broker_.expiries(underlying, type == "futures");
  w.StartObject();
  key(w, "data");
  w.StartArray();
  for (auto& d : list)
    w.String(format_expiry(d).c_str());
  w.EndArray();
  str(w, "message", "Found " + std::to_string(list.size()) + " expiry dates for " + underlying
                      + " " + type + " in " + text(member(doc, "exchange")));
  str(w, "status", "success");
  w.EndObject();
  return json_reply(200, j.done());
}

/// `history`.
http_reply http_api::on_history(const api_call& c) {
  auto& doc = c.doc;
  auto& j = c.j;
  auto& w = c.w;
  instrument inst;
  inst.symbol = text(member(doc, "symbol"));
  if (!parse_word(member(doc, "exchange"), inst.exch, false))
    return error_b({{"exchange", "Must be one of: NSE, NFO, CDS, BSE, BFO, BCD, MCX, NCDEX, "
                                 "NCO, NSE_INDEX, BSE_INDEX, MCX_INDEX, GLOBAL_INDEX, CRYPTO."}});
  // What the real server's schema allows (openalgo-api.md, history); of those the simulator
  // serves minutes, hours and days (D: one bar per session, 09:15-15:30 IST).
  static const std::vector<std::string> allowed = {
    "1s", "5s", "10s", "15s", "30s", "45s", "1m", "2m", "3m", "5m", "10m", "15m",
    "20m", "30m", "1h", "2h", "3h", "4h", "D", "W", "M", "Q", "Y"};
  static const std::map<std::string, int> intervals = {
    {"1m", 1},   {"2m", 2},   {"3m", 3},    {"5m", 5},    {"10m", 10},  {"15m", 15},
    {"20m", 20}, {"30m", 30}, {"1h", 60},   {"2h", 120},  {"3h", 180},  {"4h", 240},
    {"D", 375}};
  auto asked = text(member(doc, "interval"));
  if (std::find(allowed.begin(), allowed.end(), asked) == allowed.end()) {
    std::string list;
    for (auto& a : allowed)
      list += (list.empty() ? "" : ", ") + a;
    return error_b({{"interval", "Must be one of: " + list + "."}});
  }
  auto interval = intervals.find(asked);
  if (interval == intervals.end())
    return error_d(400, "Interval '" + asked + "' is not supported", false);
  auto from = parse_iso8601(text(member(doc, "start_date")) + "T00:00:00");
  auto to = parse_iso8601(text(member(doc, "end_date")) + "T00:00:00");
  if (!from || !to)
    return error_b({{"start_date", "Not a valid date."}});
  int64_t lot = 0;
  if (!broker_.known(inst, lot))
    return error_d(400, "Symbol '" + inst.symbol + "' not found for exchange '"
                          + to_string(inst.exch)
                          + "'. Please verify the symbol name and ensure master contracts "
                            "are downloaded.",
                   false);
  auto ist_day = [](utc_instant t) {
    return date{std::chrono::floor<std::chrono::days>(t + ist_offset)};
  };
  auto bars = broker_.history(inst, interval->second, ist_day(*from), ist_day(*to));
  w.StartObject();
  key(w, "data");
  w.StartArray();
  for (auto& b : bars) {
    w.StartObject();
    num(w, "close", b.close);
    num(w, "high", b.high);
    num(w, "low", b.low);
    integer(w, "oi", 0);
    num(w, "open", b.open);
    integer(w, "timestamp", std::chrono::duration_cast<std::chrono::seconds>(
                              b.start.time_since_epoch())
                              .count());
    integer(w, "volume", b.volume);
    w.EndObject();
  }
  w.EndArray();
  str(w, "status", "success");
  w.EndObject();
  return json_reply(200, j.done());
}

/// `depth`.
http_reply http_api::on_depth(const api_call& c) {
  auto& doc = c.doc;
  auto& j = c.j;
  auto& w = c.w;
  instrument inst;
  inst.symbol = text(member(doc, "symbol"));
  parse_word(member(doc, "exchange"), inst.exch, false);
  auto q = broker_.quote_of(inst);
  if (!q)
    return error_d(400, "Symbol '" + inst.symbol + "' not found for exchange '"
                          + to_string(inst.exch)
                          + "'. Please verify the symbol name and ensure master contracts "
                            "are downloaded.",
                   false);
  auto levels = [&](const char* name, double best, double step) {
    key(w, name);
    w.StartArray();
    for (int i = 0; i < 5; ++i) {
      w.StartObject();
      num(w, "price", best > 0 ? std::max(0.05, round_to_tick(best + i * step)) : 0.0);
      integer(w, "quantity", best > 0 ? 75 * (i + 1) : 0);
      w.EndObject();
    }
    w.EndArray();
  };
  w.StartObject();
  key(w, "data");
  w.StartObject();
  levels("asks", q->ask, 0.05);
  levels("bids", q->bid, -0.05);
  num(w, "high", q->high);
  num(w, "low", q->low);
  num(w, "ltp", q->ltp);
  integer(w, "ltq", 75);
  integer(w, "oi", q->open_interest);
  num(w, "open", q->open);
  num(w, "prev_close", q->prev_close);
  integer(w, "totalbuyqty", q->bid > 0 ? 1125 : 0);
  integer(w, "totalsellqty", q->ask > 0 ? 1125 : 0);
  integer(w, "volume", q->volume);
  w.EndObject();
  str(w, "status", "success");
  w.EndObject();
  return json_reply(200, j.done());
}

/// `optionchain`.
http_reply http_api::on_optionchain(const api_call& c) {
  auto& doc = c.doc;
  auto underlying = text(member(doc, "underlying"));
  auto* spec = default_instruments().find(underlying);
  auto expiry = parse_symbol_expiry(text(member(doc, "expiry_date")));
  auto spot = spec != nullptr ? broker_.quote_of({underlying, spec->index_exchange}) : std::nullopt;
  if (spec == nullptr || !spot)
    return error_d(404, "Underlying " + underlying + " not found", false);
  if (!expiry)
    return json_reply(400, "{\"errors\": {\"expiry_date\": [\"" + expiry.error()
                             + "\"]}, \"message\": \"Validation error\", \"status\": \"error\"}\n");
  auto listed = broker_.expiries(underlying, false);
  if (std::find(listed.begin(), listed.end(), *expiry) == listed.end())
    return error_d(404, "No strikes found for " + underlying + " expiring "
                          + format_symbol_expiry(*expiry)
                          + ". Please check expiry date or update master contract.",
                   false);
  int count = 10;
  if (auto c = number(member(doc, "strike_count"))) {
    if (*c < 1 || *c > 100)
      return json_reply(400, "{\"errors\": {\"strike_count\": [\"Must be between 1 and 100.\"]}, "
                             "\"message\": \"Validation error\", \"status\": \"error\"}\n");
    count = static_cast<int>(*c);
  }
  auto atm = atm_strike(spot->ltp, spec->strike_step);
  auto f = [](double x) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.2f", x);
    std::string t = buf;
    while (t.size() > 3 && t.back() == '0' && t[t.size() - 2] != '.')
      t.pop_back();
    return t;
  };
  auto leg = [&](double strike, option_type type) -> std::string {
    auto symbol = option_symbol(underlying, *expiry, strike, type);
    int64_t lot = 0;
    auto q = broker_.known({symbol, spec->derivative_exchange}, lot)
               ? broker_.quote_of({symbol, spec->derivative_exchange})
               : std::nullopt;
    if (!q)
      return "null";
    int k = static_cast<int>(std::lround((strike - atm) / spec->strike_step));
    bool call = type == option_type::ce;
    std::string label = k == 0 ? "ATM"
                               : ((k < 0) == call ? "ITM" : "OTM") + std::to_string(std::abs(k));
    return "{\"symbol\": \"" + symbol + "\", \"label\": \"" + label + "\", \"ltp\": "
           + f(q->ltp) + ", \"bid\": " + f(q->bid) + ", \"ask\": " + f(q->ask)
           + ", \"bid_qty\": 75, \"ask_qty\": 75, \"open\": " + f(q->open) + ", \"high\": "
           + f(q->high) + ", \"low\": " + f(q->low) + ", \"prev_close\": " + f(q->prev_close)
           + ", \"volume\": " + std::to_string(q->volume) + ", \"oi\": 0, \"lotsize\": "
           + std::to_string(lot) + ", \"tick_size\": 0.05}";
  };
  std::string chain = "[";
  for (int k = -count; k <= count; ++k) {
    double strike = atm + k * spec->strike_step;
    if (strike <= 0)
      continue;
    if (chain.size() > 1)
      chain += ", ";
    chain += "{\"strike\": " + f(strike) + ", \"ce\": " + leg(strike, option_type::ce)
             + ", \"pe\": " + leg(strike, option_type::pe) + "}";
  }
  chain += "]";
  auto expiry_ts = std::chrono::duration_cast<std::chrono::seconds>(
                     (std::chrono::sys_days{*expiry} + std::chrono::hours{15}
                      + std::chrono::minutes{30} - ist_offset)
                       .time_since_epoch())
                     .count();
  auto server_ts = std::chrono::duration_cast<std::chrono::seconds>(
                     broker_.now().time_since_epoch())
                     .count();
  // restx serialisation: insertion order, ", " and ": ".
  return json_reply(
    200, "{\"status\": \"success\", \"underlying\": \"" + underlying
           + "\", \"underlying_symbol\": \"" + underlying + "\", \"underlying_exchange\": \""
           + to_string(spec->index_exchange) + "\", \"underlying_ltp\": " + f(spot->ltp)
           + ", \"underlying_prev_close\": " + f(spot->prev_close) + ", \"expiry_date\": \""
           + format_symbol_expiry(*expiry) + "\", \"expiry_ts\": " + std::to_string(expiry_ts)
           + ", \"server_ts\": " + std::to_string(server_ts) + ", \"atm_strike\": " + f(atm)
           + ", \"quotes_included\": true, \"greeks_included\": false, \"forward_price\": "
             "null, \"chain\": "
           + chain + "}\n");
}

/// `optionsymbol`.
http_reply http_api::on_optionsymbol(const api_call& c) {
  auto& doc = c.doc;
  auto validation = [](const std::string& field, const std::string& message) {
    return json_reply(400, "{\"errors\": {\"" + field + "\": [\"" + message
                             + "\"]}, \"message\": \"Validation error\", \"status\": \"error\"}\n");
  };
  auto underlying = text(member(doc, "underlying"));
  auto type_text = text(member(doc, "option_type"));
  for (auto& c : type_text)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (type_text != "CE" && type_text != "PE")
    return validation("option_type", "Must be one of: CE, PE, ce, pe.");
  auto offset = text(member(doc, "offset"));
  for (auto& c : offset)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  int steps = 0;
  strike_selection selection = strike_selection::atm;
  if (offset != "ATM") {
    auto digits = offset.size() > 3 ? offset.substr(3) : std::string{};
    steps = std::atoi(digits.c_str());
    if ((offset.rfind("ITM", 0) != 0 && offset.rfind("OTM", 0) != 0) || steps < 1 || steps > 50
        || std::to_string(steps) != digits)
      return validation("offset", "Offset must be ATM, ITM1-ITM50 or OTM1-OTM50.");
    selection = offset[0] == 'I' ? strike_selection::itm : strike_selection::otm;
  }
  auto spot_quote = broker_.quote_of({underlying, exchange::nse_index});
  if (!spot_quote)
    spot_quote = broker_.quote_of({underlying, exchange::bse_index});
  auto* spec = default_instruments().find(underlying);
  if (!spot_quote || spec == nullptr)
    return error_d(404, "Underlying " + underlying + " not found", false);
  auto expiries = broker_.expiries(underlying, false);
  date expiry = expiries.empty() ? date{} : expiries.front();
  if (auto e = text(member(doc, "expiry_date")); !e.empty()) {
    auto parsed = parse_symbol_expiry(e);
    if (!parsed)
      return validation("expiry_date", parsed.error());
    expiry = *parsed;
  }
  auto atm = atm_strike(spot_quote->ltp, spec->strike_step);
  auto strike = selection == strike_selection::atm
                  ? atm
                  : (selection == strike_selection::itm) == (type_text == "CE")
                      ? atm - steps * spec->strike_step
                      : atm + steps * spec->strike_step;
  auto symbol = option_symbol(underlying, expiry, strike,
                              type_text == "CE" ? option_type::ce : option_type::pe);
  int64_t lot = 0;
  if (!broker_.known({symbol, spec->derivative_exchange}, lot))
    return error_d(404, "Option symbol " + symbol + " not found in "
                          + to_string(spec->derivative_exchange)
                          + ". Symbol may not exist or master contract needs update.",
                   false);
  char ltp[32];
  std::snprintf(ltp, sizeof(ltp), "%.1f", spot_quote->ltp);
  std::string ltp_text = ltp;
  if (std::fabs(std::round(spot_quote->ltp * 10) / 10 - spot_quote->ltp) > 1e-9) {
    std::snprintf(ltp, sizeof(ltp), "%.2f", spot_quote->ltp);
    ltp_text = ltp;
  }
  // restx serialisation: insertion order, ", " and ": ".
  return json_reply(200, "{\"status\": \"success\", \"symbol\": \"" + symbol
                           + "\", \"exchange\": \"" + to_string(spec->derivative_exchange)
                           + "\", \"lotsize\": " + std::to_string(lot)
                           + ", \"tick_size\": 0.05, \"freeze_qty\": "
                           + std::to_string(spec->freeze_quantity)
                           + ", \"underlying_ltp\": " + ltp_text + "}\n");
}


} // namespace algomirror::sim
