#include "gateways/openalgo/frames.hpp"

#include <algorithm>
#include <cmath>
#include <rapidjson/document.h>

#include "gateways/openalgo/json_read.hpp"
#include "messages/names.hpp"

namespace algomirror::openalgo {

namespace {

using rapidjson::Value;

using namespace detail;

frame garbage(std::string why) {
  frame f;
  f.kind = frame_kind::garbage;
  f.message = std::move(why);
  return f;
}

frame market_data(const Value& doc, utc_instant received_at) {
  frame f;
  f.kind = frame_kind::market_data;
  f.broker = text_of(member(doc, "broker"));
  f.price.inst.symbol = text_of(member(doc, "symbol"));
  if (f.price.inst.symbol.empty() || !word_of(member(doc, "exchange"), f.price.inst.exch, true))
    return garbage("market_data without a known symbol and exchange");
  auto mode = number_or(member(doc, "mode"), 0);
  if (mode == 1 || mode == 2 || mode == 3)
    f.mode = static_cast<feed_mode>(static_cast<int>(mode));
  auto* data = member(doc, "data");
  if (data == nullptr || !data->IsObject())
    return garbage("market_data without data");
  // LTP as sent: zero, negative or missing is left for the feed to drop (and count).
  f.price.ltp = number_or(member(*data, "ltp"), 0);
  f.price.volume = static_cast<int64_t>(number_or(member(*data, "volume"), 0));
  if (auto* depth = member(*data, "depth"); depth != nullptr && depth->IsObject()) {
    auto best = [&](const char* side) {
      auto* levels = member(*depth, side);
      if (levels == nullptr || !levels->IsArray() || levels->Empty())
        return 0.0;
      return number_or(member((*levels)[0], "price"), 0);
    };
    f.price.bid = best("buy");
    f.price.ask = best("sell");
  }
  f.price.bid = number_or(member(*data, "bid"), f.price.bid);
  f.price.ask = number_or(member(*data, "ask"), f.price.ask);
  auto ms = number_or(member(*data, "timestamp"), 0);
  f.price.exchange_time = utc_instant{std::chrono::milliseconds{static_cast<int64_t>(ms)}};
  f.price.received_at = received_at;
  return f;
}

frame order_update(const Value& doc) {
  frame f;
  f.kind = frame_kind::order_update;
  f.broker = text_of(member(doc, "broker"));
  auto& o = f.order;
  o.broker_order_id = text_of(member(doc, "orderid"));
  o.inst.symbol = text_of(member(doc, "symbol"));
  if (o.broker_order_id.empty() || !word_of(member(doc, "exchange"), o.inst.exch, true)
      || !word_of(member(doc, "action"), o.action, true))
    return garbage("order_update without orderid, exchange or action");
  word_of(member(doc, "product"), o.order_product, true);
  word_of(member(doc, "pricetype"), o.kind, true);
  o.quantity = static_cast<int64_t>(number_or(member(doc, "quantity"), 0));
  o.filled_quantity = static_cast<int64_t>(number_or(member(doc, "filled_quantity"), 0));
  o.average_price = number_or(member(doc, "average_price"), 0);
  o.price = number_or(member(doc, "price"), 0);
  o.trigger_price = number_or(member(doc, "trigger_price"), 0);
  auto status = text_of(member(doc, "order_status"));
  std::transform(status.begin(), status.end(), status.begin(),
                 [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); });
  o.status = parse_enum<order_status>(status).value_or(order_status::unknown);
  o.rejection_reason = text_of(member(doc, "rejection_reason"));
  o.strategy_tag = text_of(member(doc, "strategy"));
  return f;
}

} // namespace

frame decode_frame(std::string_view text_frame, utc_instant received_at) {
  if (text_frame.size() > 4 * 1024 * 1024)
    return garbage("frame of " + std::to_string(text_frame.size()) + " bytes");
  rapidjson::Document doc;
  doc.Parse(text_frame.data(), text_frame.size());
  if (doc.HasParseError())
    return garbage("not JSON");
  if (!doc.IsObject())
    return garbage("not a JSON object");
  auto type = text_of(member(doc, "type"));
  auto status = text_of(member(doc, "status"));
  if (type == "market_data")
    return market_data(doc, received_at);
  if (type == "order_update")
    return order_update(doc);
  frame f;
  f.ok = status == "success";
  f.message = text_of(member(doc, "message"));
  f.broker = text_of(member(doc, "broker"));
  f.code = text_of(member(doc, "code"));
  if (type == "auth")
    f.kind = frame_kind::auth;
  else if (type == "subscribe")
    f.kind = frame_kind::subscribe_ack;
  else if (type == "unsubscribe")
    f.kind = frame_kind::unsubscribe_ack;
  else if (type == "subscribe_orders" || type == "unsubscribe_orders")
    f.kind = frame_kind::orders_ack;
  else if (type == "pong")
    f.kind = frame_kind::pong;
  else if (type.empty() && status == "error")
    f.kind = frame_kind::error;
  else if (!type.empty())
    f.kind = frame_kind::other;
  else
    return garbage("a frame without type or error status");
  return f;
}

} // namespace algomirror::openalgo
