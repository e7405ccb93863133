#include "gateways/openalgo/requests.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "messages/names.hpp"

namespace algomirror::openalgo {

namespace {

/// A small wrapper over RapidJSON's writer: strings are escaped by the library.
class body {
public:
  body() : writer_(buffer_) { writer_.StartObject(); }

  body& str(const char* key, const std::string& value) {
    writer_.Key(key);
    writer_.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
    return *this;
  }

  body& num(const char* key, double value) {
    writer_.Key(key);
    writer_.Double(value);
    return *this;
  }

  body& integer(const char* key, int64_t value) {
    writer_.Key(key);
    writer_.Int64(value);
    return *this;
  }

  rapidjson::Writer<rapidjson::StringBuffer>& raw() { return writer_; }

  std::string done() {
    writer_.EndObject();
    return {buffer_.GetString(), buffer_.GetSize()};
  }

private:
  rapidjson::StringBuffer buffer_;
  rapidjson::Writer<rapidjson::StringBuffer> writer_;
};

} // namespace

std::string key_only_body(const std::string& api_key) {
  return body{}.str("apikey", api_key).done();
}

namespace {

/// The fields of placeorder (shared by splitorder and placesmartorder), written into `b`.
void order_fields(body& b, const std::string& api_key, const order_intent& intent) {
  b.str("apikey", api_key)
    .str("strategy", intent.tag)
    .str("exchange", to_string(intent.inst.exch))
    .str("symbol", intent.inst.symbol)
    .str("action", to_string(intent.action))
    .integer("quantity", intent.quantity)
    .str("pricetype", to_string(intent.kind))
    .str("product", to_string(intent.order_product));
  if (intent.kind == price_type::limit || intent.kind == price_type::stop_limit)
    b.num("price", intent.price);
  if (intent.kind == price_type::stop_limit || intent.kind == price_type::stop_market)
    b.num("trigger_price", intent.trigger_price);
}

} // namespace

std::string place_order_body(const std::string& api_key, const order_intent& intent) {
  body b;
  order_fields(b, api_key, intent);
  return b.done();
}

std::string split_order_body(const std::string& api_key, const order_intent& intent,
                             int64_t split_size) {
  body b;
  order_fields(b, api_key, intent);
  return b.integer("splitsize", split_size).done();
}

std::string smart_order_body(const std::string& api_key, const order_intent& intent,
                             int64_t position_size) {
  body b;
  order_fields(b, api_key, intent);
  return b.integer("position_size", position_size).done();
}

std::string order_id_body(const std::string& api_key, const std::string& strategy,
                          const std::string& broker_order_id) {
  return body{}
    .str("apikey", api_key)
    .str("strategy", strategy)
    .str("orderid", broker_order_id)
    .done();
}

std::string quotes_body(const std::string& api_key, const instrument& inst) {
  return body{}
    .str("apikey", api_key)
    .str("symbol", inst.symbol)
    .str("exchange", to_string(inst.exch))
    .done();
}

std::string multiquotes_body(const std::string& api_key, const std::vector<instrument>& insts) {
  body b;
  b.str("apikey", api_key);
  auto& w = b.raw();
  w.Key("symbols");
  w.StartArray();
  for (auto& i : insts) {
    w.StartObject();
    w.Key("symbol");
    w.String(i.symbol.c_str());
    w.Key("exchange");
    w.String(to_string(i.exch).c_str());
    w.EndObject();
  }
  w.EndArray();
  return b.done();
}

std::string expiry_body(const std::string& api_key, const std::string& underlying,
                        exchange exch, const std::string& instrument_type) {
  return body{}
    .str("apikey", api_key)
    .str("symbol", underlying)
    .str("exchange", to_string(exch))
    .str("instrumenttype", instrument_type)
    .done();
}

std::string history_body(const std::string& api_key, const instrument& inst,
                         const std::string& interval, const std::string& start_date,
                         const std::string& end_date) {
  return body{}
    .str("apikey", api_key)
    .str("symbol", inst.symbol)
    .str("exchange", to_string(inst.exch))
    .str("interval", interval)
    .str("start_date", start_date)
    .str("end_date", end_date)
    .done();
}

std::string modify_order_body(const std::string& api_key, const std::string& strategy,
                              const std::string& broker_order_id, const broker_order& changed) {
  return body{}
    .str("apikey", api_key)
    .str("strategy", strategy)
    .str("exchange", to_string(changed.inst.exch))
    .str("symbol", changed.inst.symbol)
    .str("orderid", broker_order_id)
    .str("action", to_string(changed.action))
    .str("product", to_string(changed.order_product))
    .str("pricetype", to_string(changed.kind))
    .num("price", changed.price)
    .integer("quantity", changed.quantity)
    .integer("disclosed_quantity", 0)
    .num("trigger_price", changed.trigger_price)
    .done();
}

std::string strategy_only_body(const std::string& api_key, const std::string& strategy) {
  return body{}.str("apikey", api_key).str("strategy", strategy).done();
}

std::string open_position_body(const std::string& api_key, const std::string& strategy,
                               const instrument& inst, product p) {
  return body{}
    .str("apikey", api_key)
    .str("strategy", strategy)
    .str("symbol", inst.symbol)
    .str("exchange", to_string(inst.exch))
    .str("product", to_string(p))
    .done();
}

std::string option_symbol_body(const std::string& api_key, const std::string& underlying,
                               exchange underlying_exchange, const std::string& expiry,
                               const std::string& offset, option_type type) {
  body b;
  b.str("apikey", api_key).str("underlying", underlying).str("exchange", to_string(underlying_exchange));
  if (!expiry.empty())
    b.str("expiry_date", expiry);
  return b.str("offset", offset).str("option_type", to_string(type)).done();
}

std::string option_chain_body(const std::string& api_key, const std::string& underlying,
                              exchange underlying_exchange, const std::string& expiry,
                              int strike_count) {
  return body{}
    .str("apikey", api_key)
    .str("underlying", underlying)
    .str("exchange", to_string(underlying_exchange))
    .str("expiry_date", expiry)
    .integer("strike_count", strike_count)
    .done();
}

std::string ws_authenticate(const std::string& api_key) {
  return body{}.str("action", "authenticate").str("api_key", api_key).done();
}

std::string ws_subscribe(const instrument& inst, feed_mode mode) {
  return body{}
    .str("action", "subscribe")
    .str("symbol", inst.symbol)
    .str("exchange", to_string(inst.exch))
    .integer("mode", static_cast<int>(mode))
    .done();
}

std::string ws_unsubscribe(const instrument& inst, feed_mode mode) {
  return body{}
    .str("action", "unsubscribe")
    .str("symbol", inst.symbol)
    .str("exchange", to_string(inst.exch))
    .integer("mode", static_cast<int>(mode))
    .done();
}

std::string ws_subscribe_orders() {
  return body{}.str("action", "subscribe_orders").done();
}

std::string ws_ping(int64_t client_timestamp_ms) {
  return body{}.str("action", "ping").integer("timestamp", client_timestamp_ms).done();
}

} // namespace algomirror::openalgo
