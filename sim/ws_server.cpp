#include "sim/ws_server.hpp"

#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <charconv>
#include <algorithm>
#include <cmath>
#include <deque>
#include <map>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "messages/names.hpp"
#include "sim/python_json.hpp"

namespace algomirror::sim {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

namespace {

std::string error_frame(const std::string& code, const std::string& message) {
  return py_json{}.str("status", "error").str("code", code).str("message", message).done();
}

const char* mode_label(int mode) {
  return mode == 1 ? "LTP" : (mode == 2 ? "Quote" : "Depth");
}

/// The mode of a request: 1/2/3 or LTP/Quote/Depth in any case; 0 when invalid.
int parse_mode(const rapidjson::Value* v, int fallback) {
  if (v == nullptr)
    return fallback;
  if (v->IsInt()) {
    int m = v->GetInt();
    return m >= 1 && m <= 3 ? m : 0;
  }
  if (v->IsString()) {
    std::string s = v->GetString();
    for (auto& c : s)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (s == "ltp")
      return 1;
    if (s == "quote")
      return 2;
    if (s == "depth")
      return 3;
  }
  return 0;
}

/// A JSON value as RapidJSON's writer writes it (compact).
std::string compact_json(const rapidjson::Value& v) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w{buf};
  v.Accept(w);
  return {buf.GetString(), buf.GetSize()};
}

/// Python's str() of a JSON value, as the real server prints what it got in an error.
std::string python_str(const rapidjson::Value& v) {
  if (v.IsString())
    return v.GetString();
  if (v.IsBool())
    return v.GetBool() ? "True" : "False";
  if (v.IsNull())
    return "None";
  if (v.IsInt64())
    return std::to_string(v.GetInt64());
  if (v.IsUint64())
    return std::to_string(v.GetUint64());
  if (v.IsNumber()) {
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v.GetDouble());
    (void) ec;
    std::string s{buf, end};
    if (s.find_first_of(".e") == std::string::npos)
      s += ".0";
    return s;
  }
  rapidjson::StringBuffer buf; // lists and objects: their JSON text
  rapidjson::Writer<rapidjson::StringBuffer> w{buf};
  v.Accept(w);
  return {buf.GetString(), buf.GetSize()};
}

} // namespace

class ws_session : public std::enable_shared_from_this<ws_session> {
public:
  ws_session(tcp::socket socket, std::shared_ptr<ws_server> server)
    : ws_(std::move(socket)), server_(std::move(server)), auth_timer_(ws_.get_executor()),
      spread_timer_(ws_.get_executor()) {}

  void start() {
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws_.async_accept([self = shared_from_this()](beast::error_code ec) {
      if (ec) {
        self->finish();
        return;
      }
      self->auth_timer_.expires_after(self->server_->auth_grace_);
      self->auth_timer_.async_wait([self](beast::error_code ec) {
        if (!ec && !self->authenticated_)
          self->close(4401, "auth timeout");
      });
      self->read();
    });
  }

  /// One interval's ticks (called by the server's timer): every subscription at once in burst
  /// mode; otherwise in a random order, spread evenly over the interval, each priced when it
  /// goes out (so a move reaches the symbols one after another, as from a real feed).
  void send_ticks() {
    if (!authenticated_)
      return;
    round_.clear();
    for (auto& [key, mode] : subscriptions_)
      round_.push_back(key);
    if (server_->tick_burst_) {
      for (auto& key : round_)
        send_tick(key);
      round_.clear();
      return;
    }
    std::shuffle(round_.begin(), round_.end(), server_->order_rng_);
    spread_timer_.cancel();
    send_spread(0, ++round_number_);
  }

  void send_spread(size_t i, uint64_t round) {
    if (i >= round_.size() || round != round_number_ || closing_)
      return;
    send_tick(round_[i]);
    if (i + 1 >= round_.size())
      return;
    spread_timer_.expires_after(server_->tick_interval_ / round_.size());
    spread_timer_.async_wait([self = shared_from_this(), i, round](beast::error_code ec) {
      if (!ec)
        self->send_spread(i + 1, round);
    });
  }

  void send_tick(const std::pair<std::string, exchange>& key) {
    auto sub = subscriptions_.find(key);
    if (sub == subscriptions_.end())
      return; // unsubscribed within the interval
    int mode = sub->second;
    ++server_->ticks_sent_;
    auto& faults = server_->faults_;
    {
      instrument inst{key.first, key.second};
      auto q = server_->broker_.quote_of(inst);
      if (!q)
        return;
      if (faults.garbage_ticks > 0) {
        --faults.garbage_ticks;
        send("{\"type\": \"market_data\", \"symbol\": ");
        return;
      }
      double ltp = q->ltp;
      if (faults.zero_ticks > 0) {
        --faults.zero_ticks;
        ltp = 0;
      }
      auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  server_->broker_.now().time_since_epoch())
                  .count(); // the simulator's clock (--clock-start / --clock-speed)
      // The fields and their order as the real server writes them (openalgo-transcripts/ws.txt):
      // LTP and Quote carry the last trade time (ltt), Depth five levels a side.
      py_json data;
      data.str("symbol", inst.symbol).str("exchange", to_string(inst.exch)).integer("mode", mode);
      data.num("ltp", ltp);
      if (mode <= 2)
        data.integer("ltt", ms);
      data.integer("timestamp", ms);
      if (mode == 2)
        data.integer("volume", q->volume)
          .num("open", q->open)
          .num("high", q->high)
          .num("low", q->low)
          .num("close", q->prev_close);
      if (mode == 3) {
        auto side_levels = [](double best, double step) {
          py_list levels;
          for (int i = 0; i < 5; ++i) {
            double price = std::round((best + step * i) * 20.0) / 20.0; // one tick (0.05) apart
            levels.push(py_json{}.num("price", std::max(price, 0.0)).integer("quantity", 75)
                          .integer("orders", 1));
          }
          return levels;
        };
        data.add("depth", py_json{}
                            .add("buy", side_levels(q->bid, -0.05))
                            .add("sell", side_levels(q->ask, 0.05)));
      }
      send(py_json{}
             .str("type", "market_data")
             .str("symbol", inst.symbol)
             .str("exchange", to_string(inst.exch))
             .integer("mode", mode)
             .add("data", data)
             .str("broker", "sandbox")
             .done());
    }
  }

  void order_update(const broker_order& o) {
    if (!authenticated_ || !orders_)
      return;
    send(py_json{}
           .str("type", "order_update")
           .str("user_id", server_->account_)
           .str("mode", "analyze")
           .str("broker", "sandbox")
           .str("orderid", o.broker_order_id)
           .str("symbol", o.inst.symbol)
           .str("exchange", to_string(o.inst.exch))
           .str("action", to_string(o.action))
           .integer("quantity", o.quantity)
           .num("price", o.price)
           .num("trigger_price", o.trigger_price)
           .str("pricetype", to_string(o.kind))
           .str("product", to_string(o.order_product))
           .str("order_status", to_string(o.status))
           .integer("filled_quantity", o.filled_quantity)
           .integer("pending_quantity", o.status == order_status::complete ? 0 : o.quantity - o.filled_quantity)
           .num("average_price", o.average_price)
           .str("rejection_reason", o.rejection_reason)
           .str("strategy", o.strategy_tag)
           .done());
  }

  void close(uint16_t code, const char* reason) {
    if (closing_)
      return;
    closing_ = true;
    websocket::close_reason why;
    why.code = code;
    why.reason = reason;
    ws_.async_close(why,
                    [self = shared_from_this()](beast::error_code) { self->finish(); });
  }

  void drop() {
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().shutdown(tcp::socket::shutdown_both, ignored);
    beast::get_lowest_layer(ws_).close();
    finish();
  }

private:
  void read() {
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) {
        self->finish();
        return;
      }
      std::string text = beast::buffers_to_string(self->buffer_.data());
      self->buffer_.consume(self->buffer_.size());
      self->handle(text);
      self->read();
    });
  }

  void handle(const std::string& text) {
    rapidjson::Document doc;
    doc.Parse(text.c_str(), text.size());
    if (doc.HasParseError() || !doc.IsObject()) {
      send(error_frame("INVALID_JSON", "Invalid JSON message"));
      return;
    }
    auto member = [&](const char* k) -> const rapidjson::Value* {
      auto it = doc.FindMember(k);
      return it == doc.MemberEnd() ? nullptr : &it->value;
    };
    auto text_of = [&](const char* k) {
      auto* v = member(k);
      return v != nullptr && v->IsString() ? std::string{v->GetString()} : std::string{};
    };
    auto action = text_of("action");
    if (action.empty())
      action = text_of("type");
    if (action == "authenticate" || action == "auth") {
      auto key = text_of("api_key");
      if (key.empty())
        key = text_of("apikey");
      if (key.empty()) {
        send(error_frame("AUTHENTICATION_ERROR", "API key is required"));
        return;
      }
      auto& faults = server_->faults_;
      if (key != server_->api_key_ || faults.refuse_auth > 0) {
        if (faults.refuse_auth > 0)
          --faults.refuse_auth;
        send(error_frame("AUTHENTICATION_ERROR", "Invalid API key"));
        return;
      }
      authenticated_ = true;
      auth_timer_.cancel();
      send(py_json{}
             .str("type", "auth")
             .str("status", "success")
             .str("message", "Authentication successful")
             .str("broker", "sandbox")
             .str("user_id", server_->account_)
             .add("supported_features",
                  py_json{}.boolean("ltp", true).boolean("quote", true).boolean("depth", true))
             .done());
      return;
    }
    if (action == "ping") {
      py_json pong;
      pong.str("type", "pong").str("status", "success").integer(
        "server_timestamp", std::chrono::duration_cast<std::chrono::milliseconds>(
                              server_->broker_.now().time_since_epoch())
                              .count()); // the simulator's clock, as its ticks' timestamps
      if (auto* ts = member("timestamp"); ts != nullptr && ts->IsInt64())
        pong.integer("client_timestamp", ts->GetInt64());
      send(pong.done());
      return;
    }
    if (action != "subscribe" && action != "unsubscribe" && action != "unsubscribe_all"
        && action != "subscribe_orders" && action != "unsubscribe_orders") {
      send(error_frame("INVALID_ACTION", "Invalid action: " + action));
      return;
    }
    if (!authenticated_) {
      send(error_frame("NOT_AUTHENTICATED", "You must authenticate first"));
      return;
    }
    if (action == "subscribe_orders" || action == "unsubscribe_orders") {
      orders_ = action == "subscribe_orders";
      send(py_json{}
             .str("type", action)
             .str("status", "success")
             .str("message", orders_ ? "Subscribed to order updates" : "Unsubscribed from order updates")
             .done());
      return;
    }
    if (action == "unsubscribe_all") {
      subscriptions_.clear();
      send(py_json{}.str("type", "unsubscribe").str("status", "success")
             .str("message", "Unsubscription processing complete").done());
      return;
    }
    // One symbol (SDK format) or a `symbols` list.
    std::vector<std::pair<instrument, int>> items;
    int mode = parse_mode(member("mode"), action == "subscribe" ? 1 : 2);
    if (mode == 0) {
      // As the real server words it: the mode it got (Python's str() of the value), then the
      // modes it takes (openalgo-transcripts/ws.txt, "subscribe bad mode").
      send(error_frame("INVALID_MODE", "Invalid mode " + python_str(*member("mode"))
                                         + "; expected 1 (LTP), 2 (Quote), or 3 (Depth)"));
      return;
    }
    auto add_item = [&](const rapidjson::Value& v, int m) {
      instrument inst;
      auto s = v.FindMember("symbol");
      auto e = v.FindMember("exchange");
      if (s == v.MemberEnd() || e == v.MemberEnd() || !s->value.IsString() || !e->value.IsString())
        return;
      inst.symbol = s->value.GetString();
      if (auto ex = parse_enum<exchange>(e->value.GetString()))
        inst.exch = *ex;
      else
        return;
      items.emplace_back(inst, m);
    };
    if (auto* list = member("symbols"); list != nullptr && list->IsArray()) {
      for (auto& v : list->GetArray())
        if (v.IsObject())
          add_item(v, parse_mode(v.HasMember("mode") ? &v["mode"] : nullptr, mode));
    } else {
      add_item(doc, mode);
    }
    if (items.empty()) {
      send(error_frame("INVALID_PARAMETERS", "At least one symbol must be specified"));
      return;
    }
    py_list list;
    bool all_subscribed = true;
    for (auto& [inst, m] : items) {
      int64_t lot = 0;
      bool known = action != "subscribe" || server_->broker_.known(inst, lot);
      if (action == "subscribe" && known)
        subscriptions_[{inst.symbol, inst.exch}] = std::max(subscriptions_[{inst.symbol, inst.exch}], m);
      else if (action != "subscribe")
        subscriptions_.erase({inst.symbol, inst.exch});
      if (!known) { // as the real server answers a symbol its broker does not know
        all_subscribed = false;
        list.push(py_json{}
                       .str("symbol", inst.symbol)
                       .str("exchange", to_string(inst.exch))
                       .str("status", "error")
                       .str("message", "Symbol " + inst.symbol + " not found for exchange "
                                         + to_string(inst.exch))
                       .str("broker", "sandbox"));
        continue;
      }
      py_json item;
      item.str("symbol", inst.symbol)
        .str("exchange", to_string(inst.exch))
        .str("status", "success")
        .str("mode", mode_label(m));
      if (action == "subscribe")
        item.integer("depth", 5);
      list.push(item.str("broker", "sandbox"));
    }
    if (action == "subscribe") {
      py_json reply;
      reply.str("type", "subscribe")
        .str("status", all_subscribed ? "success" : "partial")
        .add("subscriptions", list)
        .str("message", "Subscription processing complete")
        .str("broker", "sandbox");
      if (auto* id = member("request_id"))
        reply.raw("request_id", compact_json(*id));
      send(reply.done());
    }
    else
      send(py_json{}
             .str("type", "unsubscribe")
             .str("status", "success")
             .str("message", "Unsubscription processing complete")
             .add("successful", list)
             .add("failed", py_list{})
             .str("broker", "sandbox")
             .done());
  }

  void send(std::string frame) {
    if (closing_)
      return;
    ++server_->frames_sent_;
    outbox_.push_back(std::move(frame));
    if (outbox_.size() == 1)
      write_next();
  }

  void write_next() {
    ws_.text(true);
    ws_.async_write(asio::buffer(outbox_.front()),
                    [self = shared_from_this()](beast::error_code ec, size_t) {
                      if (ec) {
                        self->finish();
                        return;
                      }
                      self->outbox_.pop_front();
                      if (!self->outbox_.empty())
                        self->write_next();
                    });
  }

  void finish() {
    auth_timer_.cancel();
    spread_timer_.cancel();
    server_->sessions_.erase(shared_from_this());
  }

  websocket::stream<beast::tcp_stream> ws_;
  std::shared_ptr<ws_server> server_;
  asio::steady_timer auth_timer_;
  asio::steady_timer spread_timer_; ///< the next tick of the interval in progress
  std::vector<std::pair<std::string, exchange>> round_; ///< this interval's order
  uint64_t round_number_ = 0;
  beast::flat_buffer buffer_;
  std::deque<std::string> outbox_;
  std::map<std::pair<std::string, exchange>, int> subscriptions_;
  bool authenticated_ = false;
  bool orders_ = false;
  bool closing_ = false;
};

ws_server::ws_server(asio::io_context& io, const tcp::endpoint& at, broker& b,
                     std::string account, std::string api_key,
                     std::chrono::milliseconds tick_interval, std::chrono::milliseconds auth_grace)
  : io_(io), acceptor_(io), broker_(b), account_(std::move(account)),
    api_key_(std::move(api_key)), tick_interval_(tick_interval), auth_grace_(auth_grace),
    ticker_(io) {
  acceptor_.open(at.protocol());
  acceptor_.set_option(asio::socket_base::reuse_address(true));
  acceptor_.bind(at);
  acceptor_.listen();
}

uint16_t ws_server::start() {
  accept();
  tick();
  return acceptor_.local_endpoint().port();
}

void ws_server::stop() {
  stopped_ = true;
  beast::error_code ignored;
  acceptor_.close(ignored);
  ticker_.cancel();
  disconnect_all();
}

void ws_server::disconnect_all() {
  auto all = sessions_;
  for (auto& s : all)
    s->drop();
}

void ws_server::order_changed(const broker_order& o) {
  if (faults_.stall)
    return;
  for (auto& s : sessions_)
    s->order_update(o);
}

void ws_server::accept() {
  acceptor_.async_accept([self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
    if (ec)
      return;
    boost::system::error_code ignored; // ticks go out at once, as a real server sends them
    socket.set_option(tcp::no_delay(true), ignored);
    auto session = std::make_shared<ws_session>(std::move(socket), self);
    self->sessions_.insert(session);
    session->start();
    self->accept();
  });
}

void ws_server::tick() {
  if (stopped_)
    return;
  ticker_.expires_after(tick_interval_);
  ticker_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (ec)
      return;
    if (!self->faults_.stall) {
      auto all = self->sessions_;
      for (auto& s : all)
        s->send_ticks();
    }
    self->tick();
  });
}

} // namespace algomirror::sim
