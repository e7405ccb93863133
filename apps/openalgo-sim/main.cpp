// openalgo-sim: an OpenAlgo-compatible paper broker on loopback, one REST port per account
// (as real deployments run one OpenAlgo instance per account).

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <fstream>
#include <map>
#include <sstream>
#include <iostream>
#include <spdlog/spdlog.h>

#include "config/logging.hpp"
#include "config/options.hpp"
#include "config/validators.hpp"
#include "domain/clock.hpp"
#include "sim/http_server.hpp"

namespace {

using namespace algomirror;
namespace asio = boost::asio;

struct sim_options : common_options {
  std::string host = "127.0.0.1";
  uint16_t port = 5000;
  uint16_t ws_port = 8765;
  int tick_interval_ms = 500;
  bool tick_burst = false; ///< every symbol of an interval at once (benchmarks)
  std::string api_key;
  std::string account_name = "sim";
  std::string accounts_file;
  double capital = 10'000'000;
  uint64_t seed = 1;
  int orders_per_second = 10;
  int api_per_second = 50;
  int match_interval_ms = 200;
  std::string prices_file;
  std::string faults;       ///< JSON as for POST /control/faults, every account
  std::string order_faults; ///< … /control/order_faults
  std::string ws_faults;    ///< … /control/ws_faults
};

struct account_line {
  std::string name;
  std::string api_key;
  uint16_t port = 0;
  uint16_t ws_port = 0;
  double capital = 0;
};

/// `name,api_key,port,ws_port[,capital]` per line; `#` comments. Errors name the line.
std::vector<account_line> read_accounts(const sim_options& opts, std::string& error) {
  std::vector<account_line> out;
  if (opts.accounts_file.empty()) {
    out.push_back({opts.account_name, opts.api_key, opts.port, opts.ws_port, opts.capital});
    return out;
  }
  std::ifstream in{opts.accounts_file};
  if (!in) {
    error = "cannot read accounts file '" + opts.accounts_file + "'";
    return {};
  }
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.empty() || line[0] == '#')
      continue;
    std::vector<std::string> f;
    std::stringstream ss{line};
    for (std::string cell; std::getline(ss, cell, ',');)
      f.push_back(cell);
    auto where = opts.accounts_file + " line " + std::to_string(n) + ": ";
    if (f.size() < 4 || f.size() > 5) {
      error = where + "expected name,api_key,port,ws_port[,capital]";
      return {};
    }
    account_line a{f[0], f[1], 0, 0, f.size() == 5 ? std::atof(f[4].c_str()) : opts.capital};
    int port = std::atoi(f[2].c_str());
    int ws_port = std::atoi(f[3].c_str());
    if (a.name.empty() || a.api_key.empty() || port < 0 || port > 65535 || ws_port < 0
        || ws_port > 65535 || !(a.capital > 0)) {
      error = where + "a name, an API key, ports 0..65535 and a positive capital are required";
      return {};
    }
    a.port = static_cast<uint16_t>(port);
    a.ws_port = static_cast<uint16_t>(ws_port);
    out.push_back(std::move(a));
  }
  if (out.empty())
    error = "accounts file '" + opts.accounts_file + "' lists no account";
  return out;
}

int run(const sim_options& opts) {
  setup_logging(opts.log, "openalgo-sim");
  std::string error;
  auto accounts = read_accounts(opts, error);
  if (!error.empty()) {
    std::cerr << "openalgo-sim: error: " << error << "\n";
    return 2;
  }
  scaled_clock time = opts.clock_start.empty() && opts.clock_speed == 1.0
                        ? scaled_clock{}
                        : scaled_clock{opts.clock_start.empty() ? scaled_clock{}.now()
                                                                : *parse_iso8601(opts.clock_start),
                                       opts.clock_speed};
  sim::broker broker{default_instruments(), time, opts.seed};
  if (!opts.prices_file.empty()) {
    std::ifstream in{opts.prices_file};
    std::stringstream text;
    text << in.rdbuf();
    auto script = sim::parse_price_script(text.str());
    if (!in || !script) {
      std::cerr << "openalgo-sim: error: --prices " << opts.prices_file << ":\n"
                << (in ? script.error() : "cannot read the file") << "\n";
      return 2;
    }
    broker.set_script(std::move(*script));
  }
  asio::io_context io{1};
  std::vector<std::unique_ptr<sim::http_api>> apis;
  std::vector<std::shared_ptr<sim::http_server>> servers;
  std::vector<std::shared_ptr<sim::ws_server>> ws_servers;
  std::map<std::string, std::shared_ptr<sim::ws_server>> ws_by_account;
  broker.on_order_change = [&](const std::string& account, const broker_order& o) {
    if (auto i = ws_by_account.find(account); i != ws_by_account.end())
      i->second->order_changed(o);
  };
  for (auto& a : accounts) {
    broker.add_account(a.name, a.capital);
    apis.push_back(std::make_unique<sim::http_api>(broker, std::map<std::string, std::string>{
                                                             {a.api_key, a.name}}));
    try {
      auto server = std::make_shared<sim::http_server>(
        io, asio::ip::tcp::endpoint{asio::ip::make_address(opts.host), a.port}, *apis.back(),
        broker, a.name, sim::rate_limits{opts.orders_per_second, opts.api_per_second});
      auto port = server->start();
      servers.push_back(server);
      auto ws = std::make_shared<sim::ws_server>(
        io, asio::ip::tcp::endpoint{asio::ip::make_address(opts.host), a.ws_port}, broker, a.name,
        a.api_key, std::chrono::milliseconds{opts.tick_interval_ms});
      ws->set_tick_burst(opts.tick_burst);
      ws->set_tick_seed(opts.seed + ws_servers.size()); // each account its own order, seeded
      auto ws_port = ws->start();
      server->set_ws(ws);
      ws_servers.push_back(ws);
      ws_by_account[a.name] = ws;
      for (auto [target, json] : {std::pair{"/control/faults", &opts.faults},
                                  {"/control/order_faults", &opts.order_faults},
                                  {"/control/ws_faults", &opts.ws_faults}}) {
        if (json->empty())
          continue;
        if (auto reply = server->control(target, *json); reply.status != 200) {
          std::cerr << "openalgo-sim: error: " << target << " " << *json << ": " << reply.body;
          return 2;
        }
      }
      spdlog::info("openalgo-sim: account {} on http://{}:{} ws://{}:{}", a.name, opts.host, port,
                   opts.host, ws_port);
    } catch (const std::exception& e) {
      std::cerr << "openalgo-sim: error: cannot listen on " << opts.host << ":" << a.port
                << " for account " << a.name << ": " << e.what() << "\n";
      return 1;
    }
  }
  spdlog::info("openalgo-sim started: {} account(s), clock {}", accounts.size(),
               format_ist(time.now()));
  // Resting orders are matched against moving prices on a timer.
  asio::steady_timer matcher{io};
  std::function<void()> match = [&] {
    matcher.expires_after(std::chrono::milliseconds{opts.match_interval_ms});
    matcher.async_wait([&](boost::system::error_code ec) {
      if (ec)
        return;
      broker.match();
      match();
    });
  };
  match();
  asio::signal_set signals{io, SIGINT, SIGTERM};
  signals.async_wait([&](boost::system::error_code, int sig) {
    spdlog::info("openalgo-sim: received {}, stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
    matcher.cancel();
    for (auto& s : servers)
      s->stop();
    for (auto& w : ws_servers)
      w->stop();
    io.stop();
  });
  io.run();
  spdlog::info("openalgo-sim stopped ({} orders in the ledger)", broker.ledger().size());
  spdlog::shutdown();
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"openalgo-sim: an OpenAlgo-compatible paper broker on loopback (REST), one port "
               "per account",
               "openalgo-sim"};
  sim_options opts;
  add_common_options(app, opts);
  app.add_option("--host", opts.host, "Address to listen on (loopback by default)")
    ->capture_default_str();
  app.add_option("--port", opts.port, "REST port of the single account (0 = any free port)")
    ->capture_default_str();
  app.add_option("--ws-port", opts.ws_port,
                 "WebSocket port of the single account (0 = any free port)")
    ->capture_default_str();
  app.add_option("--tick-interval-ms", opts.tick_interval_ms,
                 "Ticks of every subscription are streamed this often")
    ->capture_default_str()
    ->check(int_range(1, 60000));
  app.add_flag("--tick-burst", opts.tick_burst,
               "Send every subscription's tick of an interval at once, in one burst (by "
               "default each symbol ticks on its own frame, spread over the interval in a "
               "seeded random order, as a real feed sends them)");
  app.add_option("--api-key", opts.api_key, "API key of the single account");
  app.add_option("--account-name", opts.account_name, "Name of the single account")
    ->capture_default_str();
  app.add_option("--accounts", opts.accounts_file,
                 "Serve several accounts: a file of name,api_key,port,ws_port[,capital] lines")
    ->check(CLI::ExistingFile);
  app.add_option("--capital", opts.capital, "Starting funds per account (INR)")
    ->capture_default_str()
    ->check(positive_number());
  app.add_option("--seed", opts.seed, "Seed of the price random walk")->capture_default_str();
  app.add_option("--rate-limit-orders", opts.orders_per_second,
                 "placeorder/cancelorder requests per second before 429")
    ->capture_default_str()
    ->check(int_range(1, 100000));
  app.add_option("--rate-limit-api", opts.api_per_second,
                 "Other requests per second (per endpoint) before 429")
    ->capture_default_str()
    ->check(int_range(1, 100000));
  app.add_option("--prices", opts.prices_file,
                 "Scripted prices: time,underlying,spot rows (the spot steps at each time; "
                 "other underlyings follow a seeded random walk)")
    ->check(CLI::ExistingFile);
  app.add_option("--faults", opts.faults,
                 "Faults at start, every account: JSON as for POST /control/faults, e.g. "
                 "'{\"status\":500,\"count\":2}'");
  app.add_option("--order-faults", opts.order_faults,
                 "Order faults at start: JSON as for POST /control/order_faults, e.g. "
                 "'{\"reject\":1}'");
  app.add_option("--ws-faults", opts.ws_faults,
                 "WebSocket faults at start: JSON as for POST /control/ws_faults, e.g. "
                 "'{\"refuse_auth\":1}'");
  app.add_option("--match-interval-ms", opts.match_interval_ms,
                 "How often resting LIMIT and stop orders are checked against prices")
    ->capture_default_str()
    ->check(int_range(1, 60000));
  if (auto code = parse_command_line(app, argc, argv, opts, std::cout, std::cerr))
    return *code;
  if (opts.accounts_file.empty() && opts.api_key.empty()) {
    std::cerr << "openalgo-sim: error: --api-key is required (or --accounts FILE for several "
                 "accounts)\n";
    return 2;
  }
  try {
    return run(opts);
  } catch (const std::exception& e) {
    std::cerr << "openalgo-sim: error: " << e.what() << "\n";
    return 1;
  }
}
