// bench/console (performance.md): console commands over the CAF middleman with mutual TLS on
// loopback — p50 and p99 of `status`, `show RUN` and `exit --leg` — beside the floor: a bare
// CAF remote request/response between two processes with the same TLS settings, measured in
// the same run. bench/console/run.py sets up the node (openalgo-sim, N accounts, a live run)
// and calls this program:
//   bench-console floor-server --tls-dir D            a published echo actor (prints its port)
//   bench-console measure --node H:P --tls-dir D --user U --run R --floor-port F [--calls N]
// The password comes from ALGOMIRROR_PASSWORD.

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/openssl/publish.hpp>
#include <caf/openssl/remote_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "gateways/console/transport.hpp"
#include "messages/type_ids.hpp"

namespace {

using namespace algomirror;
using echo_actor = caf::typed_actor<caf::replies_to<int64_t>::with<int64_t>>;
using clock_type = std::chrono::steady_clock;

void tune(caf::actor_system_config& cfg) {
  add_message_types(cfg);
  cfg.set("scheduler.max-threads", size_t{2});
  cfg.set("middleman.workers", size_t{0});
  cfg.set("work-stealing.moderate-sleep-duration", caf::timespan{0});
  cfg.set("logger.console", caf::atom("none"));
}

struct figures {
  double p50 = 0, p99 = 0, mean = 0;
  size_t errors = 0;
};

figures summarize(std::vector<double> us, size_t errors) {
  figures f;
  f.errors = errors;
  if (us.empty())
    return f;
  std::sort(us.begin(), us.end());
  f.p50 = us[us.size() / 2];
  f.p99 = us[std::min(us.size() - 1, us.size() * 99 / 100)];
  double sum = 0;
  for (auto x : us)
    sum += x;
  f.mean = sum / static_cast<double>(us.size());
  return f;
}

template <class Call>
figures time_calls(int calls, Call call) {
  std::vector<double> us;
  size_t errors = 0;
  for (int i = 0; i < calls; ++i) {
    auto t = clock_type::now();
    bool ok = call(i);
    auto d = std::chrono::duration<double, std::micro>(clock_type::now() - t).count();
    if (ok)
      us.push_back(d);
    else
      ++errors;
  }
  return summarize(std::move(us), errors);
}

void print(const char* what, const figures& f, const figures& floor) {
  std::printf("%-22s p50 %8.0f us  p99 %8.0f us  mean %8.0f us  errors %zu  p99/floor %.1fx\n",
              what, f.p50, f.p99, f.mean, f.errors, floor.p99 > 0 ? f.p99 / floor.p99 : 0.0);
}

int floor_server(const std::string& tls_dir) {
  caf::actor_system_config cfg;
  tune(cfg);
  console_transport::configure(cfg, {tls_dir, "node"});
  caf::actor_system sys{cfg};
  auto echo = sys.spawn([]() -> echo_actor::behavior_type {
    return {[](int64_t x) { return x; }};
  });
  auto port = caf::openssl::publish(echo, 0, "127.0.0.1", true);
  if (!port) {
    std::cerr << "bench-console: cannot publish the floor: " << sys.render(port.error()) << "\n";
    return 1;
  }
  std::cout << "floor port " << *port << std::endl;
  std::string line;
  std::getline(std::cin, line); // until the driver closes standard input
  caf::anon_send_exit(echo, caf::exit_reason::user_shutdown);
  return 0;
}

int measure(const std::string& node, const std::string& tls_dir, const std::string& user,
            int64_t run, uint16_t floor_port, int calls) {
  caf::actor_system_config cfg;
  tune(cfg);
  console_transport::configure(cfg, {tls_dir, user});
  caf::actor_system sys{cfg};
  auto colon = node.rfind(':');
  auto host = node.substr(0, colon);
  auto port = static_cast<uint16_t>(std::stoi(node.substr(colon + 1)));
  auto console = console_transport::connect(sys, host, port, true);
  if (!console) {
    std::cerr << "bench-console: cannot connect: " << sys.render(console.error()) << "\n";
    return 1;
  }
  const char* pw = std::getenv("ALGOMIRROR_PASSWORD");
  caf::scoped_actor self{sys};
  console_session_actor session;
  self->request(*console, std::chrono::seconds{30}, login_atom_v, user, std::string{pw ? pw : ""})
    .receive([&](const console_session_actor& s) { session = s; },
             [&](const caf::error& e) { std::cerr << "login: " << sys.render(e) << "\n"; });
  if (!session)
    return 1;
  auto timeout = std::chrono::seconds{10};
  run_status shown;
  self->request(session, timeout, run_atom_v, run)
    .receive([&](const run_status& r) { shown = r; }, [&](const caf::error&) {});
  if (shown.executions.empty()) {
    std::cerr << "bench-console: run " << run << " has no legs\n";
    return 1;
  }
  auto echo = caf::openssl::remote_actor<echo_actor>(sys, "127.0.0.1", floor_port);
  if (!echo) {
    std::cerr << "bench-console: cannot reach the floor: " << sys.render(echo.error()) << "\n";
    return 1;
  }
  // Warm-up, then the floor and each command, interleaved in blocks so noise hits all alike.
  for (int i = 0; i < 100; ++i) {
    self->request(*echo, timeout, int64_t{i}).receive([](int64_t) {}, [](const caf::error&) {});
    self->request(session, timeout, status_atom_v)
      .receive([](const console_status&) {}, [](const caf::error&) {});
  }
  auto floor = time_calls(calls, [&](int i) {
    bool ok = false;
    self->request(*echo, timeout, int64_t{i})
      .receive([&](int64_t) { ok = true; }, [](const caf::error&) {});
    return ok;
  });
  auto status = time_calls(calls, [&](int) {
    bool ok = false;
    self->request(session, timeout, status_atom_v)
      .receive([&](const console_status&) { ok = true; }, [](const caf::error&) {});
    return ok;
  });
  auto show = time_calls(calls, [&](int) {
    bool ok = false;
    self->request(session, timeout, run_atom_v, run)
      .receive([&](const run_status&) { ok = true; }, [](const caf::error&) {});
    return ok;
  });
  auto legs = shown.executions;
  // Each leg exited once (a second exit of a leg, or of a finished run, is a refusal).
  auto exits = time_calls(std::min(calls, static_cast<int>(legs.size())), [&](int i) {
    bool ok = false;
    auto& leg = legs[static_cast<size_t>(i) % legs.size()];
    self->request(session, timeout, exit_command{run, "", leg.execution_id})
      .receive([&](caf::ok_atom) { ok = true; }, [](const caf::error&) {});
    return ok;
  });
  std::printf("console over mutual TLS, %d calls each; run %lld with %zu legs on %zu accounts\n",
              calls, static_cast<long long>(run), legs.size(),
              [&] {
                std::vector<int64_t> ids;
                for (auto& e : legs)
                  ids.push_back(e.account_id);
                std::sort(ids.begin(), ids.end());
                return static_cast<size_t>(std::unique(ids.begin(), ids.end()) - ids.begin());
              }());
  print("floor (bare CAF TLS)", floor, floor);
  print("status", status, floor);
  print("show RUN", show, floor);
  print("exit --leg", exits, floor);
  bool pass = status.p99 <= 10'000 && show.p99 <= 10'000 && exits.p99 <= 10'000;
  std::printf("%s (target p99 <= 10 ms)\n", pass ? "PASS" : "BELOW TARGET");
  self->request(session, timeout, logout_atom_v).receive([](caf::ok_atom) {}, [](const caf::error&) {});
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"bench/console: console round trips over mutual TLS beside a bare CAF floor"};
  std::string tls_dir, node = "127.0.0.1:4343", user = "bench";
  int64_t run = 0;
  int floor_port = 0, calls = 1000;
  auto* server = app.add_subcommand("floor-server", "Publish the floor's echo actor");
  server->add_option("--tls-dir", tls_dir)->required();
  auto* m = app.add_subcommand("measure", "Measure");
  m->add_option("--tls-dir", tls_dir)->required();
  m->add_option("--node", node);
  m->add_option("--user", user);
  m->add_option("--run", run)->required();
  m->add_option("--floor-port", floor_port)->required();
  m->add_option("--calls", calls);
  app.require_subcommand(1);
  CLI11_PARSE(app, argc, argv);
  if (server->parsed())
    return floor_server(tls_dir);
  return measure(node, tls_dir, user, run, static_cast<uint16_t>(floor_port), calls);
}
