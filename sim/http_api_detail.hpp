#pragma once

// Inside openalgo-sim's REST API (sim/http_api*.cpp only): the reply shapes of the real server,
// request reading, and one request's context as the endpoint groups see it.

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "domain/strikes.hpp"
#include "messages/names.hpp"
#include "sim/http_api.hpp"

namespace algomirror::sim::api_detail {

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

inline void key(json_writer& w, const char* k) {
  w.Key(k);
}

inline void str(json_writer& w, const char* k, const std::string& v) {
  w.Key(k);
  w.String(v.c_str(), static_cast<rapidjson::SizeType>(v.size()));
}

inline void num(json_writer& w, const char* k, double v) {
  w.Key(k);
  w.Double(v);
}

inline void integer(json_writer& w, const char* k, int64_t v) {
  w.Key(k);
  w.Int64(v);
}

inline http_reply json_reply(int status, std::string body) {
  return {status, std::move(body), "application/json"};
}

/// Shape D: {"message":"...",["mode":"analyze",]"status":"error"}.
inline http_reply error_d(int status, const std::string& message, bool analyze) {
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
inline http_reply error_b(const std::map<std::string, std::string>& fields) {
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
inline http_reply error_a(const std::map<std::string, std::string>& fields, bool analyze) {
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
inline http_reply order_ack(int http_status, const std::string& message, const std::string& id,
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
inline http_reply order_ack_message(int http_status, const std::string& message) {
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
inline http_reply success_reply(jsonify& j) {
  auto& w = j.w();
  str(w, "mode", "analyze");
  str(w, "status", "success");
  w.EndObject();
  return json_reply(200, j.done());
}

inline http_reply restx_error(int status, const std::string& message) {
  return json_reply(status, "{\"message\": \"" + message + "\"}\n");
}

struct request {
  const Value* doc = nullptr;
  std::string account;
};

inline const Value* member(const Value& v, const char* k) {
  auto it = v.FindMember(k);
  return it == v.MemberEnd() ? nullptr : &it->value;
}

inline std::string text(const Value* v) {
  return v != nullptr && v->IsString() ? std::string{v->GetString(), v->GetStringLength()}
                                       : std::string{};
}

/// A number or numeric string (marshmallow's Float/Int); nullopt otherwise.
inline std::optional<double> number(const Value* v) {
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
inline std::map<std::string, std::string> schema_errors(const Value& doc,
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

inline void write_order(json_writer& w, const broker_order& o, bool status_style) {
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

inline void write_quote_data(json_writer& w, const quote& q) {
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
inline bool parse_word(const Value* v, Enum& out, bool any_case) {
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


/// One row of the instrument master as `symbol` and `search` answer it (keys sorted, as Flask
/// writes them; `search` rows have no id).
inline void write_instrument(json_writer& w, const instrument& inst, int64_t lot, bool with_id) {
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

} // namespace algomirror::sim::api_detail

namespace algomirror::sim {

/// One authenticated request as an endpoint group sees it.
struct api_call {
  const std::string& endpoint;
  const rapidjson::Document& doc;
  const std::string& account;
  api_detail::jsonify& j;
  api_detail::json_writer& w;
};

} // namespace algomirror::sim
