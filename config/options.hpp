#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace CLI {
class App;
} // namespace CLI

namespace algomirror {

struct logging_options {
  std::string level = "info";
  std::string file; ///< empty = logs/<program>.log; "-" or "none" = console only
  bool json = false;
  int max_file_mb = 20;
  int max_files = 5;
};

/// Options every executable takes: configuration file, clock, logging, CAF pass-through.
struct common_options {
  std::string config_file;
  std::string clock_start; ///< empty = real time
  double clock_speed = 1.0;
  logging_options log;
  /// `--caf.KEY=VALUE` and the `[caf]` section of the config file, in order of appearance.
  std::vector<std::pair<std::string, std::string>> caf_settings;
};

/// The node's own options.
struct node_options : common_options {
  std::string db_url = "sqlite:algomirror.db";
  int scheduler_threads = 2;
  std::string scheduler_policy = "stealing";
  /// Busy-poll briefly before sleeping (work-stealing.moderate-sleep-duration=0): work that
  /// enters from I/O threads is picked up in microseconds instead of ~130 µs.
  bool low_latency = true;
  int shutdown_timeout_s = 30;
  int store_flush_ms = 100;      ///< routine writes wait at most this long
  int store_batch_rows = 500;    ///< … or until this many are queued
  int store_queue_bound = 100'000; ///< routine writes beyond it are refused (back-pressure)
  std::string master_key_file; ///< empty: ALGOMIRROR_MASTER_KEY
  // Accounts and the price feed (every delay configurable, so tests run in seconds).
  int order_rate = 10;            ///< orders per window per account (the broker's limit)
  int order_window_ms = 1000;
  int request_timeout_ms = 10'000; ///< REST connect/request timeout
  int status_poll_ms = 1000;       ///< at most one order-status call per account per interval
  int ping_interval_ms = 30'000;
  int ping_failures = 3;           ///< consecutive failed pings = disconnected
  int unknown_settle_ms = 2000;    ///< wait before asking the orderbook about an unknown outcome
  int feed_stall_ms = 5000;        ///< no tick this long while the market is open = stall
  int feed_check_ms = 100;
  int feed_connect_timeout_ms = 3000;
  int feed_backoff_ms = 1000;      ///< a failed account rests this long (doubling, max 60 s)
  int quote_interval_ms = 500;     ///< REST quotes while every feed is down
  // Strategy runs (trading-rules.md §6, §10).
  int hedge_fill_timeout_ms = 30'000; ///< BUY legs filled within this, or no SELL legs
  int exit_retry_ms = 10'000;         ///< §10 step 5: retry delay
  bool parallel_symbol_orders = false; ///< tests only: a symbol's orders not one after another
  int coherence_timeout_ms = 2'000;   ///< §8 coherent prices: protective rules fire after this
  int exit_attempts = 5;              ///< §10 step 5: then exit_stuck
  // The console endpoint and the lease (operating.md §1, §2).
  std::string console_bind = "127.0.0.1";
  int console_port = 4343; ///< 0 = no console
  std::string tls_dir;     ///< ca.crt, node.crt, node.key; required off loopback
  int console_idle_timeout_s = 1800;
  int lease_heartbeat_ms = 5000; ///< the lease row's heartbeat; PostgreSQL: the lock's check
  bool migrate_only = false; ///< migrate the database, then exit
  int rollback_steps = 0;    ///< undo the newest N migrations, then exit
};

/// Adds --config, --clock-start, --clock-speed and the logging options to `app`.
void add_common_options(CLI::App& app, common_options& opts);

/// Adds the common options plus the node's (--db, scheduler, shutdown timeout).
void add_node_options(CLI::App& app, node_options& opts);

/// Parses the command line into the options registered on `app`.
///
/// Precedence, lowest first: defaults, the config file (`--config FILE` or
/// `ALGOMIRROR_CONFIG`), environment variables (`ALGOMIRROR_<OPTION>`), the command line.
/// Arguments `--caf.KEY=VALUE` (and keys of the config file's `[caf]` sections) are collected
/// into `opts.caf_settings`. Returns an exit code when the program should stop here: 0 after
/// --help or --version, 2 after printing an error that names the option, the bad value and
/// what is allowed; nothing when the program should go on.
std::optional<int> parse_command_line(CLI::App& app, int argc, const char* const* argv,
                                      common_options& opts, std::ostream& out, std::ostream& err);

/// The version string printed by --version.
std::string version_text(const std::string& program);

} // namespace algomirror
