#include "sim/http_server.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <optional>
#include <rapidjson/document.h>
#include <sys/socket.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "messages/names.hpp"

namespace algomirror::sim {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

/// One keep-alive connection: read a request, answer it (or not), read the next.
class session : public std::enable_shared_from_this<session> {
public:
  session(tcp::socket socket, std::shared_ptr<http_server> server)
    : stream_(std::move(socket)), server_(std::move(server)) {}

  /// Headers first, then the body, acknowledging at once before each: a client that writes a
  /// request in two writes (as the OpenAlgo Python SDK 2.0.1 does) holds its body under Nagle
  /// until the headers are acknowledged, and a delayed acknowledgement would cost it 40 ms.
  void read() {
    parser_.emplace();
    parser_->body_limit(8 * 1024 * 1024);
    quick_ack();
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = shared_from_this()](beast::error_code ec, size_t) {
                              if (ec)
                                return;
                              self->quick_ack();
                              http::async_read(self->stream_, self->buffer_, *self->parser_,
                                               [self](beast::error_code ec2, size_t) {
                                                 if (ec2)
                                                   return;
                                                 self->request_ = self->parser_->release();
                                                 self->quick_ack();
                                                 self->on_request();
                                               });
                            });
  }

private:
  void quick_ack() {
#ifdef TCP_QUICKACK
    int one = 1;
    ::setsockopt(stream_.socket().native_handle(), IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
#endif
  }

  void on_request() {
    auto self = shared_from_this();
    std::string content_type{request_[http::field::content_type]};
    server_->serve(std::string{request_.method_string()}, std::string{request_.target()},
                   content_type, request_.body(), [self](http_reply reply, bool close) {
                     if (close) {
                       beast::error_code ignored;
                       self->stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
                       self->stream_.close();
                       return;
                     }
                     self->write(std::move(reply));
                   });
  }

  void write(http_reply reply) {
    auto res = std::make_shared<http::response<http::string_body>>(
      static_cast<http::status>(reply.status), request_.version());
    res->set(http::field::server, "openalgo-sim");
    res->set(http::field::content_type, reply.content_type);
    res->keep_alive(request_.keep_alive());
    res->body() = std::move(reply.body);
    res->prepare_payload();
    http::async_write(stream_, *res,
                      [self = shared_from_this(), res](beast::error_code ec, size_t) {
                        if (!ec && res->keep_alive())
                          self->read();
                      });
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::request<http::string_body> request_;
  std::shared_ptr<http_server> server_;
};

http_server::http_server(asio::io_context& io, const tcp::endpoint& at, http_api& api,
                         broker& b, std::string account, rate_limits limits)
  : io_(io), acceptor_(io), api_(api), broker_(b), account_(std::move(account)),
    limits_(limits) {
  acceptor_.open(at.protocol());
  acceptor_.set_option(asio::socket_base::reuse_address(true));
  acceptor_.bind(at);
  acceptor_.listen();
}

uint16_t http_server::start() {
  accept();
  return acceptor_.local_endpoint().port();
}

void http_server::stop() {
  beast::error_code ignored;
  acceptor_.close(ignored);
  hung_.clear();
}

void http_server::accept() {
  acceptor_.async_accept([self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
    if (ec)
      return; // closed
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    std::make_shared<session>(std::move(socket), self)->read();
    self->accept();
  });
}

namespace {

/// ORDER_RATE_LIMIT and SMART_ORDER_RATE_LIMIT endpoints (openalgo-api.md §1.4); the rest
/// take API_RATE_LIMIT. Buckets are per endpoint either way.
bool order_limited(const std::string& endpoint) {
  return endpoint == "placeorder" || endpoint == "modifyorder" || endpoint == "cancelorder"
         || endpoint == "placesmartorder";
}

} // namespace

bool http_server::over_limit(const std::string& endpoint) {
  bool orders = order_limited(endpoint);
  int limit = orders ? limits_.orders_per_second : limits_.api_per_second;
  auto& window = windows_[endpoint];
  auto now = std::chrono::steady_clock::now();
  while (!window.empty() && now - window.front() >= std::chrono::seconds{1})
    window.pop_front();
  if (static_cast<int>(window.size()) >= limit)
    return true;
  window.push_back(now);
  return false;
}

void http_server::serve(const std::string& method, const std::string& target,
                        const std::string& content_type, const std::string& body,
                        std::function<void(http_reply, bool)> respond) {
  if (target.rfind("/control/", 0) == 0) {
    respond(control(target, body), false);
    return;
  }
  std::string endpoint = target.rfind("/api/v1/", 0) == 0 ? target.substr(8) : target;
  if (!endpoint.empty() && endpoint.back() == '/')
    endpoint.pop_back();
  bool applies = faults_.endpoint.empty() || faults_.endpoint == endpoint;
  if (applies && faults_.drop > 0) {
    --faults_.drop;
    respond({}, true);
    return;
  }
  if (applies && faults_.hang > 0) {
    --faults_.hang;
    hung_.push_back(std::move(respond)); // open and silent: the client's timeout fires
    return;
  }
  if (applies && faults_.lose > 0) {
    --faults_.lose;
    api_.handle(method, target, content_type, body); // done, but the reply is lost
    respond({}, true);
    return;
  }
  http_reply reply;
  if (applies && faults_.count > 0 && faults_.status != 0) {
    --faults_.count;
    reply = {faults_.status,
             faults_.status == 429 ? "{\"message\": \"10 per 1 second\"}\n"
                                   : "{\"message\":\"An unexpected error occurred in the API "
                                     "endpoint\",\"status\":\"error\"}\n",
             "application/json"};
  } else if (over_limit(endpoint)) {
    bool orders = order_limited(endpoint);
    reply = {429,
             "{\"message\": \"" + std::to_string(orders ? limits_.orders_per_second
                                                        : limits_.api_per_second)
               + " per 1 second\"}\n",
             "application/json"};
  } else {
    reply = api_.handle(method, target, content_type, body);
  }
  auto latency = std::chrono::milliseconds{faults_.latency_ms};
  if (endpoint == "placeorder" && broker_.faults(account_).position_race)
    latency = std::max(latency, order_faults::race_window); // the sandbox's engine at work
  if (latency.count() > 0) {
    auto timer = std::make_shared<asio::steady_timer>(io_);
    timer->expires_after(latency);
    timer->async_wait([timer, reply, respond](beast::error_code) { respond(reply, false); });
    return;
  }
  respond(std::move(reply), false);
}

http_reply http_server::control(const std::string& target, const std::string& body) {
  rapidjson::Document doc;
  doc.Parse(body.c_str());
  auto get_int = [&](const char* k) {
    auto it = doc.IsObject() ? doc.FindMember(k) : doc.MemberEnd();
    return doc.IsObject() && it != doc.MemberEnd() && it->value.IsInt() ? it->value.GetInt() : 0;
  };
  if (target == "/control/faults") {
    if (!doc.IsObject())
      return {400, "{\"message\":\"faults: a JSON object expected\",\"status\":\"error\"}\n"};
    faults_ = {};
    faults_.status = get_int("status");
    faults_.count = get_int("count");
    faults_.drop = get_int("drop");
    faults_.hang = get_int("hang");
    faults_.lose = get_int("lose");
    faults_.latency_ms = get_int("latency_ms");
    if (auto it = doc.FindMember("endpoint"); it != doc.MemberEnd() && it->value.IsString())
      faults_.endpoint = it->value.GetString();
    return {200, "{\"status\":\"success\"}\n"};
  }
  if (target == "/control/ws_faults") {
    if (!ws_)
      return {404, "{\"message\":\"this account serves no WebSocket\",\"status\":\"error\"}\n"};
    if (!doc.IsObject())
      return {400, "{\"message\":\"ws_faults: a JSON object expected\",\"status\":\"error\"}\n"};
    auto& f = ws_->faults();
    auto get_bool = [&](const char* k, bool fallback) {
      auto it = doc.FindMember(k);
      return it != doc.MemberEnd() && it->value.IsBool() ? it->value.GetBool() : fallback;
    };
    // The reply says how many injected ticks of the previous call were still to be sent
    // (a test sees that its faults went out).
    auto zero_left = f.zero_ticks;
    auto garbage_left = f.garbage_ticks;
    f.stall = get_bool("stall", f.stall);
    f.refuse_auth = get_int("refuse_auth");
    f.zero_ticks = get_int("zero_ticks");
    f.garbage_ticks = get_int("garbage_ticks");
    if (get_bool("disconnect", false))
      ws_->disconnect_all();
    return {200, "{\"garbage_ticks_left\":" + std::to_string(garbage_left)
                   + ",\"status\":\"success\",\"zero_ticks_left\":" + std::to_string(zero_left)
                   + "}\n"};
  }
  if (target == "/control/order_faults") {
    if (!doc.IsObject())
      return {400, "{\"message\":\"order_faults: a JSON object expected\",\"status\":\"error\"}\n"};
    auto& f = broker_.faults(account_);
    f.reject = get_int("reject");
    f.partial = get_int("partial");
    f.delay_fill = std::chrono::milliseconds{get_int("delay_fill_ms")};
    if (auto it = doc.FindMember("position_race"); it != doc.MemberEnd() && it->value.IsBool())
      f.position_race = it->value.GetBool();
    if (auto it = doc.FindMember("reject_message"); it != doc.MemberEnd() && it->value.IsString())
      f.reject_message = it->value.GetString();
    return {200, "{\"status\":\"success\"}\n"};
  }
  if (target == "/control/square_off") {
    // The broker squares off every open position (as MIS auto square-off does).
    auto closed = broker_.close_all(account_);
    return {200, "{\"closed_positions\":" + std::to_string(closed) + ",\"status\":\"success\"}\n"};
  }
  if (target == "/control/spot") {
    if (doc.IsObject())
      for (auto it = doc.MemberBegin(); it != doc.MemberEnd(); ++it)
        if (it->value.IsNumber())
          broker_.set_spot(it->name.GetString(), it->value.GetDouble());
    return {200, "{\"status\":\"success\"}\n"};
  }
  if (target == "/control/ledger") {
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w{buf};
    auto field = [&w](const char* k, const std::string& v) {
      w.Key(k);
      w.String(v.c_str(), static_cast<rapidjson::SizeType>(v.size()));
    };
    w.StartObject();
    w.Key("ledger");
    w.StartArray();
    for (auto& e : broker_.ledger()) {
      if (e.account != account_)
        continue;
      w.StartObject();
      field("orderid", e.broker_order_id);
      field("symbol", e.inst.symbol);
      field("exchange", to_string(e.inst.exch));
      field("action", to_string(e.action));
      w.Key("quantity");
      w.Int64(e.quantity);
      field("strategy", e.strategy_tag);
      field("outcome", e.outcome);
      w.Key("at_us"); // the simulator's clock when the request arrived, in microseconds
      w.Int64(std::chrono::duration_cast<std::chrono::microseconds>(e.at.time_since_epoch())
                .count());
      w.EndObject();
    }
    w.EndArray();
    field("status", "success");
    w.EndObject();
    return {200, std::string{buf.GetString(), buf.GetSize()} + "\n"};
  }
  return {404, "{\"message\":\"unknown control endpoint\",\"status\":\"error\"}\n"};
}

} // namespace algomirror::sim
