// `algomirror-node demo`: everything a first look needs, on this machine alone.

#include <array>
#include <cstring>
#include <chrono>
#include <cmath>
#include <csignal>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <poll.h>
#include <regex>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include <spdlog/sinks/sink.h>
#include <spdlog/spdlog.h>

#include "config/logging.hpp"
#include "config/options.hpp"
#include "config/signals.hpp"
#include "config/secrets.hpp"
#include "config/strategy_file.hpp"
#include "runtime/node_runtime.hpp"
#include "persistence/admin.hpp"
#include "persistence/database.hpp"
#include "persistence/migrations.hpp"
#include "session_commands.hpp"

extern char** environ;

namespace algomirror {

namespace {

namespace fs = std::filesystem;

/// The simulated market day: the node and the simulator share this clock.
constexpr const char* demo_clock_start = "2026-11-25T09:20:00+05:30";

/// NIFTY drifts up after the entry and breaks out: the short call's loss breaches the max loss.
/// The scripted NIFTY spot moves in jumps, one every 15 market seconds, as an index does on news:
/// quiet for the first minutes after the entry (a few points either way), then from 09:24 a
/// rally of 30 points a jump (120 a minute) that takes the short call into the money; the max
/// loss fires on the way up. The legs tick one after the other after each jump: the run
/// confirms a crossing on refreshed prices of every leg (trading-rules.md §8), so no jump shows
/// a P&L that no market ever had.
std::string demo_prices() {
  std::string out = "time,underlying,spot\n2026-11-25T09:00:00,NIFTY,26000\n";
  for (int t = 21 * 60; t <= 45 * 60; t += 15) {
    double spot = 26000 + (t < 24 * 60 ? 8 * std::sin(t / 20.0) : (t - 24 * 60) * 2.0);
    char row[80];
    std::snprintf(row, sizeof(row), "2026-11-25T09:%02d:%02d,NIFTY,%.2f\n", t / 60, t % 60, spot);
    out += row;
  }
  return out;
}

constexpr const char* demo_strategy_name = "demo: NIFTY hedged short straddle";

constexpr const char* demo_strategy = R"({
  "name": "demo: NIFTY hedged short straddle",
  "description": "Sell the ATM call and put, buy OTM4 wings first; max loss per account with a trailing stop",
  "market_condition": "any",
  "risk_profile": "fixed_lots",
  "square_off_time": "15:15",
  "max_loss": 1000,
  "trailing_stop": {"type": "percentage", "value": 30},
  "risk_scope": "account",
  "product": "MIS",
  "accounts": ["alpha", "beta", "gamma"],
  "legs": [
    {"underlying": "NIFTY", "product": "options", "expiry": "current_week", "action": "BUY",
     "option_type": "CE", "strike": "OTM", "strike_offset": 4, "lots": 1},
    {"underlying": "NIFTY", "product": "options", "expiry": "current_week", "action": "BUY",
     "option_type": "PE", "strike": "OTM", "strike_offset": 4, "lots": 1},
    {"underlying": "NIFTY", "product": "options", "expiry": "current_week", "action": "SELL",
     "option_type": "CE", "strike": "ATM", "lots": 1},
    {"underlying": "NIFTY", "product": "options", "expiry": "current_week", "action": "SELL",
     "option_type": "PE", "strike": "ATM", "lots": 1}
  ]
})";

const std::array<const char*, 3> demo_accounts{"alpha", "beta", "gamma"};

std::string random_hex(size_t bytes) {
  std::ifstream in{"/dev/urandom", std::ios::binary};
  std::string out;
  static const char* digits = "0123456789abcdef";
  for (size_t i = 0; i < bytes; ++i) {
    auto c = static_cast<unsigned char>(in.get());
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

/// The openalgo-sim executable: --sim, else beside this executable in the build tree, else
/// installed next to it.
std::string find_sim(const std::string& given) {
  if (!given.empty())
    return given;
  std::error_code ec;
  auto self = fs::read_symlink("/proc/self/exe", ec);
  if (ec)
    return {};
  for (auto candidate : {self.parent_path().parent_path() / "openalgo-sim" / "openalgo-sim",
                         self.parent_path() / "openalgo-sim"})
    if (fs::exists(candidate, ec))
      return candidate.string();
  return {};
}

/// The simulator as a child process: its start lines tell its ports; the rest of its output
/// goes to a log file.
class sim_process {
public:
  ~sim_process() { stop(); }

  bool start(const std::string& path, const std::vector<std::string>& args,
             const std::string& log_path, std::string& error) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
      error = "cannot make a pipe for the simulator";
      return false;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDERR_FILENO);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    std::vector<std::string> all{path};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : all)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    // The child must not inherit our blocked SIGINT/SIGTERM, or it could not be stopped.
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
    int rc = ::posix_spawn(&pid_, path.c_str(), &actions, &attr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    ::close(fds[1]);
    if (rc != 0) {
      ::close(fds[0]);
      pid_ = -1;
      error = "cannot start " + path + ": " + std::strerror(rc);
      return false;
    }
    out_ = fds[0];
    log_path_ = log_path;
    return true;
  }

  /// Reads the start lines until every account's ports are known (or the timeout).
  std::map<std::string, std::pair<int, int>> wait_ports(size_t accounts,
                                                        std::chrono::seconds timeout,
                                                        std::string& seen) {
    std::map<std::string, std::pair<int, int>> ports;
    std::regex line{R"(account ([A-Za-z0-9_-]+) on http://127\.0\.0\.1:([0-9]+) ws://127\.0\.0\.1:([0-9]+))"};
    auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string pending;
    while (ports.size() < accounts && std::chrono::steady_clock::now() < deadline) {
      pollfd fd{out_, POLLIN, 0};
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
      if (::poll(&fd, 1, static_cast<int>(std::max<int64_t>(1, left.count()))) <= 0)
        continue;
      char buf[4096];
      auto n = ::read(out_, buf, sizeof(buf));
      if (n <= 0)
        break; // the simulator exited
      pending.append(buf, static_cast<size_t>(n));
      for (size_t nl; (nl = pending.find('\n')) != std::string::npos;) {
        auto text = pending.substr(0, nl);
        pending.erase(0, nl + 1);
        seen += text + "\n";
        std::smatch m;
        if (std::regex_search(text, m, line))
          ports[m[1]] = {std::stoi(m[2]), std::stoi(m[3])};
      }
    }
    // From now on its output goes to the log file.
    drain_ = std::thread{[fd = out_, path = log_path_, head = seen] {
      std::ofstream log{path, std::ios::app};
      log << head;
      char buf[4096];
      for (ssize_t n; (n = ::read(fd, buf, sizeof(buf))) > 0;)
        log.write(buf, n);
    }};
    return ports;
  }

  void stop() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status = 0;
      ::waitpid(pid_, &status, 0);
      pid_ = -1;
    }
    if (drain_.joinable())
      drain_.join();
    if (out_ >= 0) {
      ::close(out_);
      out_ = -1;
    }
  }

private:
  pid_t pid_ = -1;
  int out_ = -1;
  std::string log_path_;
  std::thread drain_;
};

/// The demo user, its three accounts (at the simulator's ports, keys sealed under the master
/// key) and the strategy, in the database. An earlier demo's accounts keep their history and
/// point at this simulator.
/// A file only its owner can read (mode 0600), written whole.
bool write_private_file(const fs::path& path, const std::string& text) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    return false;
  ::fchmod(fd, 0600);
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  return ::close(fd) == 0 && ok;
}

bool prepare_database(const std::string& url, const master_key& key,
                      const std::map<std::string, std::pair<int, int>>& ports,
                      const std::map<std::string, std::string>& api_keys, std::ostream& out,
                      std::string& error) {
  auto db = open_database(url);
  if (!db) {
    error = db.error();
    return false;
  }
  if (auto m = migrate(**db); !m) {
    error = m.error();
    return false;
  }
  auto user = find_user(**db, "demo");
  if (!user) {
    auto hash = hash_password("Demo#" + random_hex(12)); // nobody logs in as the demo user
    if (!hash) {
      error = hash.error();
      return false;
    }
    user = add_user(**db, "demo", "demo@algomirror.invalid", *hash);
    if (!user) {
      error = user.error();
      return false;
    }
    out << "demo user created\n";
  }
  for (auto name : demo_accounts) {
    auto [http, ws] = ports.at(name);
    new_account a{name,
                  "openalgo-sim",
                  "http://127.0.0.1:" + std::to_string(http),
                  "ws://127.0.0.1:" + std::to_string(ws),
                  encrypt_secret(key, api_keys.at(name)),
                  std::string{name} == "alpha",
                  0};
    auto added = find_account(**db, *user, name) ? update_account_endpoint(**db, *user, a)
                                                 : add_account(**db, *user, a);
    if (!added) {
      error = "account " + std::string{name} + ": " + added.error();
      return false;
    }
  }
  auto docs = read_strategy_file(demo_strategy, default_instruments());
  if (!docs) {
    error = "the demo strategy: " + docs.error();
    return false;
  }
  auto s = docs->front().definition;
  for (auto& a : list_accounts(**db, *user))
    for (auto& name : docs->front().account_names)
      if (a.name == name)
        s.account_ids.push_back(a.id);
  if (auto saved = save_strategy(**db, *user, s); !saved) {
    error = saved.error();
    return false;
  }
  out << "accounts alpha, beta, gamma and strategy '" << s.name << "' ready\n";
  return true;
}

} // namespace

int run_demo(const demo_options& opts, node_options node, bool db_given, std::ostream& out,
             std::ostream& err) {
  std::error_code ec;
  fs::create_directories(opts.dir, ec);
  if (ec) {
    err << "algomirror-node: error: demo --dir " << opts.dir << ": " << ec.message() << "\n";
    return 2;
  }
  auto dir = fs::absolute(opts.dir).lexically_normal();
  auto sim_path = find_sim(opts.sim);
  if (sim_path.empty()) {
    err << "algomirror-node: error: demo: openalgo-sim not found beside this executable; give "
           "its path with --sim\n";
    return 2;
  }
  if (!db_given)
    node.db_url = "sqlite:" + (dir / "demo.db").string();
  node.master_key_file = (dir / "master.key").string();
  if (!fs::exists(node.master_key_file)) {
    if (auto written = master_key::generate().write_file(node.master_key_file); !written) {
      err << "algomirror-node: error: demo: " << written.error() << "\n";
      return 1;
    }
    out << "master key written to " << node.master_key_file << " (mode 0600)\n";
  }
  auto key = master_key::from_file(node.master_key_file);
  if (!key) {
    err << "algomirror-node: error: demo: " << key.error() << "\n";
    return 2;
  }
  node.log.file = (dir / "algomirror-node.log").string();
  node.clock_start = demo_clock_start;
  node.clock_speed = opts.speed;
  // Timings for a day that runs at --speed: polls, retries and the feed in short steps.
  node.status_poll_ms = 250;
  node.unknown_settle_ms = 500;
  node.exit_retry_ms = 2000;
  node.feed_stall_ms = 3000;
  auto logger = setup_logging(node.log, "algomirror-node");
  if (!logger->sinks().empty())
    logger->sinks().front()->set_level(::isatty(STDOUT_FILENO) != 0 ? spdlog::level::err
                                                                   : spdlog::level::warn);
  // The simulator: three accounts with fresh keys, the scripted prices.
  std::map<std::string, std::string> api_keys;
  std::ofstream accounts{dir / "sim-accounts.csv"};
  for (auto name : demo_accounts) {
    api_keys[name] = random_hex(32);
    accounts << name << "," << api_keys[name] << ",0,0\n";
  }
  accounts.close();
  std::ofstream{dir / "prices.csv"} << demo_prices();
  ::chmod((dir / "sim-accounts.csv").c_str(), 0600);
  sim_process sim;
  std::string error;
  std::vector<std::string> sim_args{"--accounts",      (dir / "sim-accounts.csv").string(),
                                    "--prices",        (dir / "prices.csv").string(),
                                    "--clock-start",   demo_clock_start,
                                    "--clock-speed",   std::to_string(opts.speed),
                                    "--tick-interval-ms", "200",
                                    "--log-file",      "none"};
  out << "starting openalgo-sim (3 accounts, market clock " << demo_clock_start << ", x"
      << opts.speed << ")\n";
  if (!sim.start(sim_path, sim_args, (dir / "openalgo-sim.log").string(), error)) {
    err << "algomirror-node: error: demo: " << error << "\n";
    return 1;
  }
  std::string seen;
  auto ports = sim.wait_ports(demo_accounts.size(), std::chrono::seconds{30}, seen);
  if (ports.size() < demo_accounts.size()) {
    err << "algomirror-node: error: demo: openalgo-sim did not start its accounts:\n" << seen;
    return 1;
  }
  if (!prepare_database(node.db_url, *key, ports, api_keys, out, error)) {
    err << "algomirror-node: error: demo: " << error << "\n";
    return 1;
  }
  int code = 0;
  auto runtime = node_runtime::start(node, error, code);
  if (!runtime) {
    err << "algomirror-node: error: demo: " << error << "\n";
    return code;
  }
  session_options session;
  session.strategy = demo_strategy_name;
  session.exit_after_s = std::max(10, opts.limit_s - 40); // no rule fired: exit by hand
  session.watch_limit_s = opts.limit_s;
  auto result = run_session(*runtime, session, out, err);
  if (opts.serve && runtime->console_port() != 0) {
    // The demo user gets a password of its own for the console, kept beside the database.
    auto password = "Demo#" + random_hex(12);
    auto path = dir / "console-password";
    if (auto db = open_database(node.db_url); db && write_private_file(path, password)) {
      if (auto hash = hash_password(password))
        (*db)->execute("UPDATE users SET password_hash = ? WHERE username = ?",
                       {*hash, std::string{"demo"}});
      out << "\nThe demo node keeps running (Ctrl-C stops it). From another terminal:\n"
          << "  ALGOMIRROR_PASSWORD=$(cat " << path.string() << ") "
          << "build/apps/algomirror-console/algomirror-console --node 127.0.0.1:"
          << runtime->console_port() << " --user demo status\n"
          << std::flush;
      wait_for_stop_signal();
    } else {
      err << "algomirror-node: error: demo --serve: cannot write " << path.string() << "\n";
    }
  }
  auto stopped = runtime->stop();
  runtime.reset();
  sim.stop();
  out << "\nThe database stays for you to look at: " << node.db_url << "\n"
      << "  e.g. sqlite3 " << (dir / "demo.db").string()
      << " 'SELECT account_id, symbol, action, quantity, entry_price, exit_price, realized_pnl, "
         "status, exit_reason FROM strategy_executions ORDER BY id'\n"
      << "Logs: " << node.log.file << ", " << (dir / "openalgo-sim.log").string() << "\n";
  spdlog::shutdown();
  return result != 0 ? result : stopped;
}

} // namespace algomirror
