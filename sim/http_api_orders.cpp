// openalgo-sim's REST endpoints: placing, changing and cancelling orders (one, split, smart, basket).

#include "sim/http_api_detail.hpp"

namespace algomirror::sim {

using namespace api_detail;

/// `basketorder`.
http_reply http_api::on_basketorder(const api_call& c) {
  auto& doc = c.doc;
  auto& account = c.account;
  auto& j = c.j;
  auto& w = c.w;
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

/// `placeorder`, `splitorder`, `placesmartorder`.
http_reply http_api::on_placeorder(const api_call& c) {
  auto& endpoint = c.endpoint;
  auto& doc = c.doc;
  auto& account = c.account;
  auto& j = c.j;
  auto& w = c.w;
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

/// `orderstatus`.
http_reply http_api::on_orderstatus(const api_call& c) {
  auto& doc = c.doc;
  auto& account = c.account;
  auto& j = c.j;
  auto& w = c.w;
  auto id = text(member(doc, "orderid"));
  auto o = broker_.order(account, id);
  if (!o)
    return error_d(404, "Order " + id + " not found", true);
  w.StartObject();
  key(w, "data");
  write_order(w, *o, true);
  return success_reply(j);
}

/// `cancelorder`.
http_reply http_api::on_cancelorder(const api_call& c) {
  auto& doc = c.doc;
  auto& account = c.account;
  auto result = broker_.cancel(account, text(member(doc, "orderid")));
  if (result.status != 200)
    return error_d(result.status, result.message, true);
  return order_ack(200, result.message, result.broker_order_id, "success");
}

/// `modifyorder`.
http_reply http_api::on_modifyorder(const api_call& c) {
  auto& doc = c.doc;
  auto& account = c.account;
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

/// `cancelallorder`.
http_reply http_api::on_cancelallorder(const api_call& c) {
  auto& account = c.account;
  auto& j = c.j;
  auto& w = c.w;
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

/// `closeposition`.
http_reply http_api::on_closeposition(const api_call& c) {
  auto& account = c.account;
  auto& j = c.j;
  auto& w = c.w;
  auto closed = broker_.close_all(account);
  w.StartObject();
  integer(w, "closed_positions", closed);
  integer(w, "failed_closures", 0);
  str(w, "message", closed == 0 ? std::string{"No open positions to close"}
                                : "Closed " + std::to_string(closed) + " positions");
  return success_reply(j);
}

/// `openposition`.
http_reply http_api::on_openposition(const api_call& c) {
  auto& doc = c.doc;
  auto& account = c.account;
  auto& j = c.j;
  auto& w = c.w;
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


} // namespace algomirror::sim
