#include "sim/http_api.hpp"

#include "sim/http_api_detail.hpp"
#include "sim/python_json.hpp"

namespace algomirror::sim {

using namespace api_detail;

/// How an endpoint's schema errors are written (openalgo-api.md §1.3).
enum class schema_shape {
  a,            ///< an order endpoint: shape A with "mode": "analyze"
  a_plain,      ///< shape A without "mode" (placeorder, analyzer)
  b,            ///< shape B: {"message": {field: [text]}}
  validation,   ///< {"errors": {...}, "message": "Validation error"} (option symbol, chain)
};

/// One endpoint: its handler and its request schema (besides `apikey`, always required).
struct http_api::route {
  http_reply (http_api::*handler)(const api_call&);
  std::set<std::string> required;
  std::set<std::string> optional;
  schema_shape shape = schema_shape::b;
};

const std::map<std::string, http_api::route, std::less<>>& http_api::routes() {
  using s = schema_shape;
  static const std::set<std::string> placing{"strategy", "exchange", "symbol", "action",
                                             "quantity"};
  static const std::set<std::string> order_options{"pricetype", "product", "price",
                                                   "trigger_price", "disclosed_quantity"};
  auto with = [](std::set<std::string> base, std::initializer_list<const char*> more) {
    for (auto* m : more)
      base.insert(m);
    return base;
  };
  static const std::map<std::string, route, std::less<>> table{
    // Orders (sim/http_api_orders.cpp).
    {"placeorder", {&http_api::on_placeorder, placing, order_options, s::a_plain}},
    {"splitorder", {&http_api::on_placeorder, with(placing, {"splitsize"}), order_options, s::a}},
    {"placesmartorder",
     {&http_api::on_placeorder, with(placing, {"position_size"}), order_options, s::a}},
    {"basketorder", {&http_api::on_basketorder, {"strategy", "orders"}, {}, s::a}},
    {"orderstatus", {&http_api::on_orderstatus, {"strategy", "orderid"}, {}, s::a}},
    {"cancelorder", {&http_api::on_cancelorder, {"strategy", "orderid"}, {}, s::a}},
    {"modifyorder",
     {&http_api::on_modifyorder,
      {"strategy", "exchange", "symbol", "orderid", "action", "product", "pricetype", "price",
       "quantity", "disclosed_quantity", "trigger_price"},
      {},
      s::a}},
    {"cancelallorder", {&http_api::on_cancelallorder, {"strategy"}, {}, s::a}},
    {"closeposition", {&http_api::on_closeposition, {"strategy"}, {}, s::a}},
    {"openposition",
     {&http_api::on_openposition, {"strategy", "symbol", "exchange", "product"}, {}, s::a}},
    // The account (sim/http_api_books.cpp).
    {"ping", {&http_api::on_ping, {}, {}, s::b}},
    {"funds", {&http_api::on_funds, {}, {}, s::b}},
    {"orderbook", {&http_api::on_orderbook, {}, {}, s::b}},
    {"tradebook", {&http_api::on_tradebook, {}, {}, s::b}},
    {"positionbook", {&http_api::on_positionbook, {}, {}, s::b}},
    {"holdings", {&http_api::on_holdings, {}, {}, s::b}},
    {"analyzer", {&http_api::on_analyzer, {}, {}, s::a_plain}},
    {"analyzer/toggle", {&http_api::on_analyzer, {"mode"}, {}, s::a_plain}},
    // Market data and the instrument master (sim/http_api_market.cpp).
    {"intervals", {&http_api::on_intervals, {}, {}, s::b}},
    {"symbol", {&http_api::on_symbol, {"symbol", "exchange"}, {}, s::b}},
    {"search", {&http_api::on_search, {"query"}, {"exchange"}, s::b}},
    {"quotes", {&http_api::on_quotes, {"symbol", "exchange"}, {}, s::b}},
    {"multiquotes", {&http_api::on_multiquotes, {"symbols"}, {}, s::b}},
    {"expiry", {&http_api::on_expiry, {"symbol", "exchange", "instrumenttype"}, {}, s::b}},
    {"history",
     {&http_api::on_history, {"symbol", "exchange", "interval", "start_date", "end_date"},
      {"source"},
      s::b}},
    {"depth", {&http_api::on_depth, {"symbol", "exchange"}, {}, s::b}},
    {"optionchain",
     {&http_api::on_optionchain, {"underlying", "exchange", "expiry_date"},
      {"strike_count", "with_greeks", "interest_rate"},
      s::validation}},
    {"optionsymbol",
     {&http_api::on_optionsymbol, {"underlying", "exchange", "offset", "option_type"},
      {"expiry_date", "strike_int", "strategy"},
      s::validation}},
  };
  return table;
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
  auto found = routes().find(endpoint);
  if (method != "POST" || found == routes().end())
    return json_reply(404, "{\"message\":\"Not found\",\"path\":\"" + std::string{path}
                             + "\",\"status\":\"error\"}\n");
  auto& r = found->second;
  ++calls_[found->first];
  if (content_type.rfind("application/json", 0) != 0)
    return error_d(500, "An unexpected error occurred", false);
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError())
    return restx_error(400, "The browser (or proxy) sent a request that this server could not "
                            "understand.");
  if (!doc.IsObject())
    return restx_error(500, "Internal Server Error");
  // Schema first, then the key.
  auto required = r.required;
  required.insert("apikey");
  if (auto errors = schema_errors(doc, required, r.optional); !errors.empty()) {
    switch (r.shape) {
      case schema_shape::validation: {
        // Marshmallow's errors through json.dumps (", " and ": " separators, not jsonify's).
        py_json fields;
        for (auto& [f, text] : errors)
          fields.add(f, py_list{}.push(text));
        return json_reply(400, py_json{}
                                 .add("errors", fields)
                                 .str("message", "Validation error")
                                 .str("status", "error")
                                 .done()
                                 + "\n");
      }
      case schema_shape::a:
        return error_a(errors, true);
      case schema_shape::a_plain:
        return error_a(errors, false);
      case schema_shape::b:
        return error_b(errors);
    }
  }
  auto key_it = keys_.find(text(member(doc, "apikey")));
  if (key_it == keys_.end())
    return error_d(403, "Invalid openalgo apikey", false);
  broker_.match();
  jsonify j;
  api_call call{endpoint, doc, key_it->second, j, j.w()};
  return (this->*r.handler)(call);
}

} // namespace algomirror::sim
