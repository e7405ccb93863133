#include "gateways/openalgo/rest_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <deque>
#include <vector>

namespace algomirror::openalgo {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

struct pending_request {
  std::string target;
  std::string body;
  rest_client::handler done;
};

/// One keep-alive connection serving its queue one request at a time (HTTP/1.1, no
/// pipelining). After any error it is closed and reconnects for the next request.
class connection : public std::enable_shared_from_this<connection> {
public:
  connection(asio::io_context& io, const rest_client_config& cfg) : io_(io), cfg_(cfg), stream_(io) {}

  size_t load() const { return queue_.size(); }

  void enqueue(pending_request r) {
    queue_.push_back(std::move(r));
    if (queue_.size() == 1)
      next();
  }

  void close() {
    closed_ = true;
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
    connected_ = false;
    auto failed = std::move(queue_);
    queue_.clear();
    for (auto& r : failed)
      r.done({0, {}, "closed"});
  }

private:
  void next() {
    if (queue_.empty() || closed_)
      return;
    if (!connected_) {
      connect();
      return;
    }
    send();
  }

  void connect() {
    auto self = shared_from_this();
    tcp::resolver resolver{io_};
    beast::error_code ec;
    auto endpoints = resolver.resolve(cfg_.host, std::to_string(cfg_.port), ec);
    if (ec) {
      fail("cannot resolve " + cfg_.host + ": " + ec.message());
      return;
    }
    stream_.expires_after(cfg_.timeout);
    stream_.async_connect(endpoints, [self](beast::error_code ec, const tcp::endpoint&) {
      if (self->closed_)
        return;
      if (ec) {
        self->fail(ec == beast::error::timeout ? "timeout" : "connect: " + ec.message());
        return;
      }
      self->connected_ = true;
      // Requests are small and latency is everything: no Nagle delay (a waiting ACK would
      // hold a request back for up to 40 ms).
      beast::error_code ignored;
      self->stream_.socket().set_option(tcp::no_delay(true), ignored);
      self->send();
    });
  }

  void send() {
    if (queue_.empty() || closed_)
      return; // closed while connecting: its requests have failed already
    auto self = shared_from_this();
    auto& r = queue_.front();
    request_ = {http::verb::post, r.target, 11};
    request_.set(http::field::host, cfg_.host);
    request_.set(http::field::content_type, "application/json");
    request_.set(http::field::connection, "keep-alive");
    request_.body() = r.body;
    request_.prepare_payload();
    stream_.expires_after(cfg_.timeout);
    http::async_write(stream_, request_, [self](beast::error_code ec, size_t) {
      if (self->closed_)
        return;
      if (ec) {
        self->fail(ec == beast::error::timeout ? "timeout" : "write: " + ec.message());
        return;
      }
      self->response_ = {};
      self->parser_.emplace();
      self->parser_->body_limit(64 * 1024 * 1024);
      http::async_read(self->stream_, self->buffer_, *self->parser_,
                       [self](beast::error_code ec, size_t) { self->on_read(ec); });
    });
  }

  void on_read(beast::error_code ec) {
    // close() may have run between the read's completion and this handler: it failed every
    // request of the queue already (a reply read now has nobody waiting for it).
    if (closed_ || queue_.empty())
      return;
    if (ec) {
      fail(ec == beast::error::timeout ? "timeout" : "read: " + ec.message());
      return;
    }
    auto res = parser_->release();
    auto r = std::move(queue_.front());
    queue_.pop_front();
    if (!res.keep_alive()) {
      beast::error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
      stream_.close();
      connected_ = false;
    }
    r.done({static_cast<int>(res.result_int()), std::move(res.body()), {}});
    next();
  }

  /// The request in flight failed: it completes with the error; the connection is dropped and
  /// the queue goes on over a new one.
  void fail(std::string why) {
    if (closed_)
      return;
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
    buffer_.clear();
    connected_ = false;
    if (queue_.empty())
      return;
    auto r = std::move(queue_.front());
    queue_.pop_front();
    r.done({0, {}, std::move(why)});
    next();
  }

  asio::io_context& io_;
  const rest_client_config& cfg_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  http::response<http::string_body> response_;
  std::optional<http::response_parser<http::string_body>> parser_;
  std::deque<pending_request> queue_;
  bool connected_ = false;
  bool closed_ = false;
};

} // namespace

struct rest_client::impl {
  asio::io_context& io;
  rest_client_config cfg;
  std::vector<std::shared_ptr<connection>> pool;

  impl(asio::io_context& io_ctx, rest_client_config c) : io(io_ctx), cfg(std::move(c)) {
    for (size_t i = 0; i < std::max<size_t>(1, cfg.connections); ++i)
      pool.push_back(std::make_shared<connection>(io, cfg));
  }
};

rest_client::rest_client(asio::io_context& io, rest_client_config cfg)
  : impl_(std::make_shared<impl>(io, std::move(cfg))) {
}

rest_client::~rest_client() {
  close();
}

void rest_client::post(std::string endpoint, std::string body, handler done) {
  auto target = endpoint.rfind('/', 0) == 0 ? endpoint : "/api/v1/" + endpoint;
  asio::post(impl_->io, [impl = impl_, r = pending_request{std::move(target), std::move(body),
                                                           std::move(done)}]() mutable {
    // The least loaded connection takes it.
    auto best = impl->pool.front();
    for (auto& c : impl->pool)
      if (c->load() < best->load())
        best = c;
    best->enqueue(std::move(r));
  });
}

void rest_client::close() {
  asio::post(impl_->io, [impl = impl_] {
    for (auto& c : impl->pool)
      c->close();
  });
}

} // namespace algomirror::openalgo
