#include "sim/http_api.hpp"

#include "sim/http_api_detail.hpp"

namespace algomirror::sim {

using namespace api_detail;

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
  api_call call{endpoint, doc, account, j, w};
  for (auto group : {&http_api::orders, &http_api::books, &http_api::market})
    if (auto reply = (this->*group)(call))
      return std::move(*reply);
  return error_d(500, "An unexpected error occurred", false);
}

} // namespace algomirror::sim
