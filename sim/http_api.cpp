#include "sim/http_api.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <functional>
#include <optional>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <cstdio>
#include <set>

#include "domain/strikes.hpp"
#include "messages/names.hpp"

namespace algomirror::sim {

namespace {

using rapidjson::Value;
using json_writer = rapidjson::Writer<rapidjson::StringBuffer>;

/// Writes a jsonify-style object: the caller adds keys in sorted order.
class jsonify {
public:
  jsonify() : w_(buf_) {}
  json_writer& w() { return w_; }
  std::string done() { return std::string{buf_.GetString(), buf_.GetSize()} + "\n"; }

private:
  rapidjson::StringBuffer buf_;
  json_writer w_;
};

void key(json_writer& w, const char* k) {
  w.Key(k);
}

void str(json_writer& w, const char* k, const std::string& v) {
  w.Key(k);
  w.String(v.c_str(), static_cast<rapidjson::SizeType>(v.size()));
}

void num(json_writer& w, const char* k, double v) {
  w.Key(k);
  w.Double(v);
}

void integer(json_writer& w, const char* k, int64_t v) {
  w.Key(k);
  w.Int64(v);
}

http_reply json_reply(int status, std::string body) {
  return {status, std::move(body), "application/json"};
}

/// Shape D: {"message":"...",["mode":"analyze",]"status":"error"}.
http_reply error_d(int status, const std::string& message, bool analyze) {
  jsonify j;
  auto& w = j.w();
  w.StartObject();
  str(w, "message", message);
  if (analyze)
    str(w, "mode", "analyze");
  str(w, "status", "error");
  w.EndObject();
  return json_reply(status, j.done());
}

/// Shape B: {"message":{"field":["text"]},"status":"error"}.
http_reply error_b(const std::map<std::string, std::string>& fields) {
  jsonify j;
  auto& w = j.w();
  w.StartObject();
  key(w, "message");
  w.StartObject();
  for (auto& [f, text] : fields) {
    key(w, f.c_str());
    w.StartArray();
    w.String(text.c_str());
    w.EndArray();
  }
  w.EndObject();
  str(w, "status", "error");
  w.EndObject();
  return json_reply(400, j.done());
}

/// Shape A: the same as a Python repr string.
http_reply error_a(const std::map<std::string, std::string>& fields, bool analyze) {
  std::string repr = "{";
  for (auto& [f, text] : fields) {
    if (repr.size() > 1)
      repr += ", ";
    repr += "'" + f + "': ['" + text + "']";
  }
  repr += "}";
  return error_d(400, repr, analyze);
}

/// An order acknowledgement: {"message","mode":"analyze","orderid","status"} (cancel, modify,
/// and a rejection the sandbox still stores).
http_reply order_ack(int http_status, const std::string& message, const std::string& id,
                     const char* status) {
  jsonify j;
  auto& w = j.w();
  w.StartObject();
  str(w, "message", message);
  str(w, "mode", "analyze");
  str(w, "orderid", id);
  str(w, "status", status);
  w.EndObject();
  return json_reply(http_status, j.done());
}

/// {"message","mode":"analyze","status":"success"}: a smart order with nothing to do.
http_reply order_ack_message(int http_status, const std::string& message) {
  jsonify j;
  auto& w = j.w();
  w.StartObject();
  str(w, "message", message);
  str(w, "mode", "analyze");
  str(w, "status", "success");
  w.EndObject();
  return json_reply(http_status, j.done());
}

/// Closes a success body the way OpenAlgo does (`"mode":"analyze","status":"success"}`).
http_reply success_reply(jsonify& j) {
  auto& w = j.w();
  str(w, "mode", "analyze");
  str(w, "status", "success");
  w.EndObject();
  return json_reply(200, j.done());
}

http_reply restx_error(int status, const std::string& message) {
  return json_reply(status, "{\"message\": \"" + message + "\"}\n");
}

struct request {
  const Value* doc = nullptr;
  std::string account;
};

const Value* member(const Value& v, const char* k) {
  auto it = v.FindMember(k);
  return it == v.MemberEnd() ? nullptr : &it->value;
}

std::string text(const Value* v) {
  return v != nullptr && v->IsString() ? std::string{v->GetString(), v->GetStringLength()}
                                       : std::string{};
}

/// A number or numeric string (marshmallow's Float/Int); nullopt otherwise.
std::optional<double> number(const Value* v) {
  if (v == nullptr)
    return std::nullopt;
  if (v->IsNumber() && !v->IsBool())
    return v->GetDouble();
  if (v->IsString()) {
    char* end = nullptr;
    auto s = text(v);
    double x = std::strtod(s.c_str(), &end);
    if (!s.empty() && end == s.c_str() + s.size() && std::isfinite(x))
      return x;
  }
  return std::nullopt;
}

/// Checks field names against the schema: missing required and unknown fields.
std::map<std::string, std::string> schema_errors(const Value& doc,
                                                 const std::set<std::string>& required,
                                                 const std::set<std::string>& optional) {
  std::map<std::string, std::string> errors;
  for (auto& r : required)
    if (member(doc, r.c_str()) == nullptr)
      errors[r] = "Missing data for required field.";
  for (auto it = doc.MemberBegin(); it != doc.MemberEnd(); ++it) {
    std::string name = it->name.GetString();
    if (!required.count(name) && !optional.count(name))
      errors[name] = "Unknown field.";
  }
  return errors;
}

void write_order(json_writer& w, const broker_order& o, bool status_style) {
  w.StartObject();
  str(w, "action", to_string(o.action));
  num(w, "average_price", o.average_price);
  str(w, "exchange", to_string(o.inst.exch));
  integer(w, "filled_quantity", o.filled_quantity);
  str(w, "order_status", to_string(o.status));
  str(w, "orderid", o.broker_order_id);
  integer(w, "pending_quantity", o.status == order_status::complete ? 0 : o.quantity - o.filled_quantity);
  num(w, "price", o.price);
  if (status_style)
    str(w, "price_type", to_string(o.kind));
  else
    str(w, "pricetype", to_string(o.kind));
  str(w, "product", to_string(o.order_product));
  integer(w, "quantity", o.quantity);
  if (!status_style)
    str(w, "rejection_reason", o.rejection_reason);
  str(w, "strategy", o.strategy_tag);
  str(w, "symbol", o.inst.symbol);
  str(w, "timestamp", o.timestamp);
  num(w, "trigger_price", o.trigger_price);
  w.EndObject();
}

void write_quote_data(json_writer& w, const quote& q) {
  w.StartObject();
  num(w, "ask", q.ask);
  num(w, "bid", q.bid);
  num(w, "high", q.high);
  num(w, "low", q.low);
  num(w, "ltp", q.ltp);
  integer(w, "oi", q.open_interest);
  num(w, "open", q.open);
  num(w, "prev_close", q.prev_close);
  integer(w, "volume", q.volume);
  w.EndObject();
}

template <class Enum>
bool parse_word(const Value* v, Enum& out, bool any_case) {
  auto t = text(v);
  if (any_case)
    std::transform(t.begin(), t.end(), t.begin(),
                   [](char c) { return static_cast<char>(std::toupper(static_cast<unsigned char>(c))); });
  if (auto e = parse_enum<Enum>(t)) {
    out = *e;
    return true;
  }
  return false;
}

} // namespace

/// One row of the instrument master as `symbol` and `search` answer it (keys sorted, as Flask
/// writes them; `search` rows have no id).
void write_instrument(json_writer& w, const instrument& inst, int64_t lot, bool with_id) {
  auto parsed = parse_derivative_symbol(inst.symbol, default_instruments());
  const underlying_spec* spec = parsed ? default_instruments().find(parsed->underlying) : nullptr;
  std::string type = !parsed ? "EQ"
                     : parsed->kind == instrument_kind::future
                       ? "FUTIDX"
                       : (parsed->option == option_type::ce ? "CE" : "PE");
  if (!parsed && default_instruments().find(inst.symbol) != nullptr)
    type = "INDEX";
  w.StartObject();
  str(w, "brexchange", to_string(inst.exch));
  str(w, "brsymbol", inst.symbol);
  str(w, "exchange", to_string(inst.exch));
  str(w, "expiry", parsed ? format_expiry(parsed->expiry) : std::string{});
  integer(w, "freeze_qty", spec ? spec->freeze_quantity : 0);
  if (with_id)
    integer(w, "id", static_cast<int64_t>(std::hash<std::string>{}(inst.symbol) % 100000));
  str(w, "instrumenttype", type);
  integer(w, "lotsize", lot);
  str(w, "name", parsed ? parsed->underlying : inst.symbol);
  num(w, "strike", parsed && parsed->kind == instrument_kind::option ? parsed->strike : 0.0);
  str(w, "symbol", inst.symbol);
  num(w, "tick_size", parsed && parsed->kind == instrument_kind::future ? 0.1 : 0.05);
  str(w, "token", parsed && parsed->kind == instrument_kind::option
                    ? std::to_string(static_cast<int64_t>(parsed->strike))
                        + (parsed->option == option_type::ce ? "CE" : "PE")
                    : std::to_string(std::hash<std::string>{}(inst.symbol) % 100000));
  w.EndObject();
}

http_reply http_api::handle(std::string_view method, std::string_view path,
                            std::string_view content_type, std::string_view body) {
  std::string endpoint{path};
  if (endpoint.rfind("/api/v1/", 0) != 0)
    return json_reply(404, "{\"message\":\"Not found\",\"path\":\"" + endpoint
                             + "\",\"status\":\"error\"}\n");
  endpoint = endpoint.substr(8);
  if (!endpoint.empty() && endpoint.back() == '/')
    endpoint.pop_back();
  static const std::set<std::string> known = {
    "ping",        "funds",          "placeorder",    "orderstatus",  "cancelorder",
    "orderbook",   "tradebook",      "positionbook",  "quotes",       "multiquotes",
    "expiry",      "modifyorder",    "cancelallorder", "closeposition", "openposition",
    "history",     "optionsymbol",   "splitorder",    "placesmartorder", "depth",
    "holdings",    "optionchain",    "analyzer",      "analyzer/toggle", "symbol",
    "intervals",   "basketorder",    "search"};
  if (method != "POST" || !known.count(endpoint))
    return json_reply(404, "{\"message\":\"Not found\",\"path\":\"" + std::string{path}
                             + "\",\"status\":\"error\"}\n");
  if (content_type.rfind("application/json", 0) != 0)
    return error_d(500, "An unexpected error occurred", false);
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError())
    return restx_error(400, "The browser (or proxy) sent a request that this server could not "
                            "understand.");
  if (!doc.IsObject())
    return restx_error(500, "Internal Server Error");

  bool order_endpoint = endpoint == "placeorder" || endpoint == "splitorder"
                        || endpoint == "basketorder"
                        || endpoint == "placesmartorder" || endpoint == "orderstatus"
                        || endpoint == "cancelorder" || endpoint == "modifyorder"
                        || endpoint == "cancelallorder" || endpoint == "closeposition"
                        || endpoint == "openposition";
  // Schema first (shape A for order endpoints, B for the rest), then the key.
  std::set<std::string> required{"apikey"}, optional;
  if (endpoint == "placeorder" || endpoint == "splitorder" || endpoint == "placesmartorder") {
    required.insert({"strategy", "exchange", "symbol", "action", "quantity"});
    optional = {"pricetype", "product", "price", "trigger_price", "disclosed_quantity"};
    if (endpoint == "splitorder")
      required.insert("splitsize");
    if (endpoint == "placesmartorder")
      required.insert("position_size");
  } else if (endpoint == "depth") {
    required.insert({"symbol", "exchange"});
  } else if (endpoint == "orderstatus" || endpoint == "cancelorder") {
    required.insert({"strategy", "orderid"});
  } else if (endpoint == "quotes") {
    required.insert({"symbol", "exchange"});
  } else if (endpoint == "multiquotes") {
    required.insert("symbols");
  } else if (endpoint == "expiry") {
    required.insert({"symbol", "exchange", "instrumenttype"});
  } else if (endpoint == "modifyorder") {
    required.insert({"strategy", "exchange", "symbol", "orderid", "action", "product", "pricetype",
                     "price", "quantity", "disclosed_quantity", "trigger_price"});
  } else if (endpoint == "cancelallorder" || endpoint == "closeposition") {
    required.insert("strategy");
  } else if (endpoint == "openposition") {
    required.insert({"strategy", "symbol", "exchange", "product"});
  } else if (endpoint == "history") {
    required.insert({"symbol", "exchange", "interval", "start_date", "end_date"});
    optional = {"source"};
  } else if (endpoint == "analyzer/toggle") {
    required.insert("mode");
  } else if (endpoint == "symbol") {
    required.insert({"symbol", "exchange"});
  } else if (endpoint == "basketorder") {
    required.insert({"strategy", "orders"});
  } else if (endpoint == "search") {
    required.insert("query");
    optional = {"exchange"};
  } else if (endpoint == "optionchain") {
    required.insert({"underlying", "exchange", "expiry_date"});
    optional = {"strike_count", "with_greeks", "interest_rate"};
  } else if (endpoint == "optionsymbol") {
    required.insert({"underlying", "exchange", "offset", "option_type"});
    optional = {"expiry_date", "strike_int", "strategy"};
  }
  if (auto errors = schema_errors(doc, required, optional); !errors.empty()) {
    if (endpoint == "optionsymbol" || endpoint == "optionchain") {
      std::string fields;
      for (auto& [f, text] : errors)
        fields += (fields.empty() ? "" : ", ") + ("\"" + f + "\": [\"" + text + "\"]");
      return json_reply(400, "{\"errors\": {" + fields
                               + "}, \"message\": \"Validation error\", \"status\": \"error\"}\n");
    }
    if (endpoint.rfind("analyzer", 0) == 0)
      return error_a(errors, false); // shape A, never with "mode"
    return order_endpoint ? error_a(errors, endpoint != "placeorder") : error_b(errors);
  }
  auto key_it = keys_.find(text(member(doc, "apikey")));
  if (key_it == keys_.end())
    return error_d(403, "Invalid openalgo apikey", false);
  auto& account = key_it->second;
  broker_.match();

  jsonify j;
  auto& w = j.w();
  if (endpoint == "basketorder") {
    // Each item validated as the real schema does (errors keyed by the item's index), then
    // BUY items placed before SELL items, as the sandbox does; every result is reported.
    auto* orders = member(doc, "orders");
    if (!orders->IsArray())
      return error_d(400, "{'orders': ['Not a valid list.']}", true);
    const std::set<std::string> item_required = {"exchange", "symbol", "action", "quantity"};
    const std::set<std::string> item_optional = {"pricetype", "product", "price",
                                                 "trigger_price", "disclosed_quantity"};
    std::vector<place_request> items;
    std::string problems;
    rapidjson::SizeType index = 0;
    for (auto& item : orders->GetArray()) {
      std::map<std::string, std::string> errors;
      place_request r;
      r.account = account;
      r.strategy = text(member(doc, "strategy"));
      if (!item.IsObject()) {
        errors["_schema"] = "Invalid input type.";
      } else {
        errors = schema_errors(item, item_required, item_optional);
        r.inst.symbol = text(item.HasMember("symbol") ? &item["symbol"] : nullptr);
        if (!errors.count("exchange") && !parse_word(&item["exchange"], r.inst.exch, false))
          errors["exchange"] = "Must be one of: NSE, NFO, CDS, BSE, BFO, BCD, MCX, NCDEX, NCO, "
                               "NSE_INDEX, BSE_INDEX, MCX_INDEX, GLOBAL_INDEX, CRYPTO.";
        if (!errors.count("action") && !parse_word(&item["action"], r.action, true))
          errors["action"] = "Must be one of: BUY, SELL, buy, sell.";
        if (!errors.count("quantity")) {
          auto qty = number(&item["quantity"]);
          if (!qty || *qty <= 0 || std::floor(*qty) != *qty)
            errors["quantity"] = "Quantity must be a positive number.";
          else
            r.quantity = static_cast<int64_t>(*qty);
        }
        if (item.HasMember("pricetype") && !parse_word(&item["pricetype"], r.kind, false))
          errors["pricetype"] = "Must be one of: MARKET, LIMIT, SL, SL-M.";
        if (item.HasMember("product") && !parse_word(&item["product"], r.order_product, false))
          errors["product"] = "Must be one of: MIS, NRML, CNC.";
        if (auto p = item.HasMember("price") ? number(&item["price"]) : std::optional<double>{})
          r.price = *p;
        if (auto p = item.HasMember("trigger_price") ? number(&item["trigger_price"])
                                                     : std::optional<double>{})
          r.trigger_price = *p;
      }
      if (!errors.empty()) {
        std::string fields;
        for (auto& [f, t] : errors)
          fields += (fields.empty() ? "" : ", ") + ("'" + f + "': ['" + t + "']");
        problems += (problems.empty() ? "" : ", ") + std::to_string(index) + ": {" + fields + "}";
      }
      items.push_back(std::move(r));
      ++index;
    }
    if (!problems.empty())
      return error_d(400, "{'orders': {" + problems + "}}", true);
    std::stable_partition(items.begin(), items.end(),
                          [](const place_request& r) { return r.action == side::buy; });
    w.StartObject();
    str(w, "mode", "analyze");
    key(w, "results");
    w.StartArray();
    for (size_t i = 0; i < items.size(); ++i) {
      auto result = broker_.place(items[i]);
      w.StartObject();
      if (result.status == 200) {
        key(w, "batch_order");
        w.Bool(true);
        str(w, "exchange", to_string(items[i].inst.exch));
        key(w, "is_last_order");
        w.Bool(i + 1 == items.size());
        str(w, "orderid", result.broker_order_id);
        str(w, "product", to_string(items[i].order_product));
        str(w, "status", "success");
        str(w, "symbol", items[i].inst.symbol);
      } else {
        str(w, "message", result.message);
        str(w, "status", "error");
        str(w, "symbol", items[i].inst.symbol);
      }
      w.EndObject();
    }
    w.EndArray();
    str(w, "status", "success");
    w.EndObject();
    return json_reply(200, j.done());
  }
  if (endpoint == "intervals") {
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
  if (endpoint == "symbol") {
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
  if (endpoint == "search") {
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
  if (endpoint == "analyzer" || endpoint == "analyzer/toggle") {
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
  if (endpoint == "ping") {
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
  if (endpoint == "funds") {
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
  if (endpoint == "placeorder" || endpoint == "splitorder" || endpoint == "placesmartorder") {
    place_request r;
    r.account = account;
    r.strategy = text(member(doc, "strategy"));
    r.inst.symbol = text(member(doc, "symbol"));
    std::map<std::string, std::string> errors;
    if (!parse_word(member(doc, "exchange"), r.inst.exch, false))
      errors["exchange"] = "Must be one of: NSE, NFO, CDS, BSE, BFO, BCD, MCX, NCDEX, NCO, "
                           "NSE_INDEX, BSE_INDEX, MCX_INDEX, GLOBAL_INDEX, CRYPTO.";
    if (!parse_word(member(doc, "action"), r.action, true))
      errors["action"] = "Must be one of: BUY, SELL, buy, sell.";
    auto qty = number(member(doc, "quantity"));
    bool smart = endpoint == "placesmartorder";
    if (!qty || *qty < 0 || (*qty == 0 && !smart))
      errors["quantity"] = "Quantity must be a positive number.";
    else if (std::floor(*qty) != *qty)
      errors["quantity"] = "Fractional quantity (" + std::to_string(*qty)
                           + ") is not allowed for non-crypto exchanges.";
    else
      r.quantity = static_cast<int64_t>(*qty);
    if (member(doc, "pricetype") != nullptr && !parse_word(member(doc, "pricetype"), r.kind, false))
      errors["pricetype"] = "Must be one of: MARKET, LIMIT, SL, SL-M.";
    if (member(doc, "product") != nullptr && !parse_word(member(doc, "product"), r.order_product, false))
      errors["product"] = "Must be one of: MIS, NRML, CNC.";
    if (member(doc, "price") != nullptr) {
      auto p = number(member(doc, "price"));
      if (!p || *p < 0)
        errors["price"] = "Price must be a non-negative number.";
      else
        r.price = *p;
    }
    if (member(doc, "trigger_price") != nullptr) {
      auto p = number(member(doc, "trigger_price"));
      if (!p || *p < 0)
        errors["trigger_price"] = "Trigger price must be a non-negative number.";
      else
        r.trigger_price = *p;
    }
    std::optional<double> position_size, split_size;
    if (smart && !(position_size = number(member(doc, "position_size"))))
      errors["position_size"] = "Not a valid number.";
    if (endpoint == "splitorder") {
      split_size = number(member(doc, "splitsize"));
      if (!split_size || *split_size < 1 || std::floor(*split_size) != *split_size)
        errors["splitsize"] = "Split size must be a positive integer.";
    }
    if (!errors.empty())
      return error_a(errors, endpoint != "placeorder");
    if (smart) {
      // The sandbox executes smart orders as MARKET toward the signed target position.
      r.kind = price_type::market;
      auto current = broker_.open_position(account, r.inst, r.order_product);
      auto target = static_cast<int64_t>(*position_size);
      if (target == 0 && current == 0 && r.quantity == 0)
        return order_ack_message(200, "No OpenPosition Found. Not placing Exit order.");
      if (target != 0 || current != 0) {
        if (target == current)
          return order_ack_message(200, "Positions Already Matched. No Action needed.");
        r.action = target > current ? side::buy : side::sell;
        r.quantity = std::llabs(target - current);
      }
    }
    if (endpoint == "splitorder") {
      auto size = static_cast<int64_t>(*split_size);
      if ((r.quantity + size - 1) / size > 100)
        return error_d(400, "Total number of orders would exceed maximum limit of 100", true);
      w.StartObject();
      str(w, "mode", "analyze");
      key(w, "results");
      w.StartArray();
      int n = 0;
      for (int64_t left = r.quantity; left > 0; left -= size) {
        auto child = r;
        child.quantity = std::min(left, size);
        auto result = broker_.place(child);
        w.StartObject();
        if (result.status == 200) {
          integer(w, "order_num", ++n);
          str(w, "orderid", result.broker_order_id);
          integer(w, "quantity", child.quantity);
          str(w, "status", "success");
        } else {
          str(w, "message", result.message);
          integer(w, "order_num", ++n);
          integer(w, "quantity", child.quantity);
          str(w, "status", "error");
        }
        w.EndObject();
      }
      w.EndArray();
      integer(w, "split_size", size);
      str(w, "status", "success");
      integer(w, "total_quantity", r.quantity);
      w.EndObject();
      return json_reply(200, j.done());
    }
    auto result = broker_.place(r);
    if (result.status != 200 && !result.broker_order_id.empty())
      return order_ack(result.status, result.message, result.broker_order_id, "error");
    if (result.status != 200)
      return error_d(result.status, result.message, true);
    w.StartObject();
    str(w, "mode", "analyze");
    str(w, "orderid", result.broker_order_id);
    str(w, "status", "success");
    w.EndObject();
    return json_reply(200, j.done());
  }
  if (endpoint == "orderstatus") {
    auto id = text(member(doc, "orderid"));
    auto o = broker_.order(account, id);
    if (!o)
      return error_d(404, "Order " + id + " not found", true);
    w.StartObject();
    key(w, "data");
    write_order(w, *o, true);
    return success_reply(j);
  }
  if (endpoint == "cancelorder") {
    auto result = broker_.cancel(account, text(member(doc, "orderid")));
    if (result.status != 200)
      return error_d(result.status, result.message, true);
    return order_ack(200, result.message, result.broker_order_id, "success");
  }
  if (endpoint == "orderbook") {
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
  if (endpoint == "tradebook") {
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
  if (endpoint == "positionbook") {
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
  if (endpoint == "quotes") {
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
  if (endpoint == "multiquotes") {
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
  if (endpoint == "expiry") {
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
  if (endpoint == "modifyorder") {
    auto qty = number(member(doc, "quantity"));
    auto price = number(member(doc, "price"));
    auto trigger = number(member(doc, "trigger_price"));
    if (!qty || !price || !trigger)
      return error_a({{"quantity", "Not a valid number."}}, true);
    auto result = broker_.modify(account, text(member(doc, "orderid")),
                                 static_cast<int64_t>(*qty), *price, *trigger);
    if (result.status != 200)
      return error_d(result.status, result.message, true);
    return order_ack(200, result.message, result.broker_order_id, "success");
  }
  if (endpoint == "cancelallorder") {
    auto ids = broker_.cancel_all(account);
    w.StartObject();
    key(w, "canceled_orders");
    w.StartArray();
    for (auto& id : ids)
      w.String(id.c_str());
    w.EndArray();
    key(w, "failed_cancellations");
    w.StartArray();
    w.EndArray();
    str(w, "message", ids.empty() ? std::string{"No open orders to cancel"}
                                  : "Canceled " + std::to_string(ids.size())
                                      + " orders. Failed to cancel 0 orders.");
    return success_reply(j);
  }
  if (endpoint == "closeposition") {
    auto closed = broker_.close_all(account);
    w.StartObject();
    integer(w, "closed_positions", closed);
    integer(w, "failed_closures", 0);
    str(w, "message", closed == 0 ? std::string{"No open positions to close"}
                                  : "Closed " + std::to_string(closed) + " positions");
    return success_reply(j);
  }
  if (endpoint == "openposition") {
    instrument inst;
    inst.symbol = text(member(doc, "symbol"));
    parse_word(member(doc, "exchange"), inst.exch, false);
    product p = product::mis;
    if (!parse_word(member(doc, "product"), p, false))
      return error_a({{"product", "Must be one of: MIS, NRML, CNC."}}, true);
    w.StartObject();
    str(w, "mode", "analyze");
    integer(w, "quantity", broker_.open_position(account, inst, p));
    str(w, "status", "success");
    w.EndObject();
    return json_reply(200, j.done());
  }
  if (endpoint == "history") {
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
  if (endpoint == "depth") {
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
  if (endpoint == "holdings") {
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
  if (endpoint == "optionchain") {
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
  if (endpoint == "optionsymbol") {
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
  return error_d(500, "An unexpected error occurred", false);
}

} // namespace algomirror::sim
