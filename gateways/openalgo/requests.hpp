#pragma once

// The JSON bodies we send to OpenAlgo: only documented fields (unknown fields are rejected by
// the server). Bodies carry the API key: they are never logged.

#include <string>
#include <vector>

#include "messages/market_data.hpp"
#include "messages/orders.hpp"

namespace algomirror::openalgo {

/// ping, funds, orderbook, tradebook, positionbook, holdings, analyzer.
std::string key_only_body(const std::string& api_key);

/// placeorder from an intent: its tag as `strategy`; price and trigger price as set.
std::string place_order_body(const std::string& api_key, const order_intent& intent);

/// splitorder: children of at most `split_size` units (the server places them one by one).
std::string split_order_body(const std::string& api_key, const order_intent& intent,
                             int64_t split_size);

/// placesmartorder: `position_size` is the signed net position wanted.
std::string smart_order_body(const std::string& api_key, const order_intent& intent,
                             int64_t position_size);

/// orderstatus and cancelorder.
std::string order_id_body(const std::string& api_key, const std::string& strategy,
                          const std::string& broker_order_id);

std::string quotes_body(const std::string& api_key, const instrument& inst);

std::string multiquotes_body(const std::string& api_key, const std::vector<instrument>& insts);

/// expiry: `instrument_type` is "options" or "futures".
std::string expiry_body(const std::string& api_key, const std::string& underlying,
                        exchange exch, const std::string& instrument_type);

/// history: dates as YYYY-MM-DD, interval as OpenAlgo names it (5m, 1h, D).
std::string history_body(const std::string& api_key, const instrument& inst,
                         const std::string& interval, const std::string& start_date,
                         const std::string& end_date);

/// modifyorder: every field is required by the server.
std::string modify_order_body(const std::string& api_key, const std::string& strategy,
                              const std::string& broker_order_id, const broker_order& changed);

/// cancelallorder and closeposition.
std::string strategy_only_body(const std::string& api_key, const std::string& strategy);

/// openposition.
std::string open_position_body(const std::string& api_key, const std::string& strategy,
                               const instrument& inst, product p);

/// optionsymbol: `offset` ATM, ITMn or OTMn; `expiry` DDMMMYY (empty = nearest).
std::string option_symbol_body(const std::string& api_key, const std::string& underlying,
                               exchange underlying_exchange, const std::string& expiry,
                               const std::string& offset, option_type type);

/// optionchain: `expiry` DDMMMYY; `strike_count` strikes each side of ATM.
std::string option_chain_body(const std::string& api_key, const std::string& underlying,
                              exchange underlying_exchange, const std::string& expiry,
                              int strike_count);

// -- WebSocket ------------------------------------------------------------------------------

std::string ws_authenticate(const std::string& api_key);
std::string ws_subscribe(const instrument& inst, feed_mode mode);
std::string ws_unsubscribe(const instrument& inst, feed_mode mode);
std::string ws_subscribe_orders();
std::string ws_ping(int64_t client_timestamp_ms);

} // namespace algomirror::openalgo
