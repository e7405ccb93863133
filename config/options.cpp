#include "config/options.hpp"
#include "config/validators.hpp"

#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <ostream>

#include "domain/clock.hpp"

namespace algomirror {

namespace {

constexpr const char* version = "0.1.0";

std::string trim(std::string s) {
  auto first = s.find_first_not_of(" \t\r");
  if (first == std::string::npos)
    return {};
  auto last = s.find_last_not_of(" \t\r");
  return s.substr(first, last - first + 1);
}

std::string unquote(std::string s) {
  if (s.size() >= 2 && (s.front() == '"' || s.front() == '\'') && s.back() == s.front())
    return s.substr(1, s.size() - 2);
  return s;
}

struct config_entry {
  std::string key;
  std::string value;
  int line = 0;
};

/// Reads `key = value` lines; `[section]` prefixes keys with `section-` (`[log] level` is the
/// option --log-level) except `[caf...]`, whose keys are CAF settings. `#` and `;` comment.
std::vector<config_entry> read_config_file(const std::string& path) {
  std::ifstream in{path};
  if (!in)
    throw CLI::FileError("config file '" + path + "' cannot be read (missing or no permission)");
  std::vector<config_entry> entries;
  std::string section;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    line = trim(line);
    if (line.empty() || line[0] == '#' || line[0] == ';')
      continue;
    if (line.front() == '[') {
      if (line.back() != ']')
        throw CLI::ConversionError("config file '" + path + "' line " + std::to_string(number)
                                   + ": section header '" + line + "' lacks its closing ']'");
      section = trim(line.substr(1, line.size() - 2));
      continue;
    }
    auto eq = line.find('=');
    if (eq == std::string::npos)
      throw CLI::ConversionError("config file '" + path + "' line " + std::to_string(number)
                                 + ": expected 'key = value', got '" + line + "'");
    auto key = trim(line.substr(0, eq));
    auto value = unquote(trim(line.substr(eq + 1)));
    if (section == "caf")
      key = "caf." + key;
    else if (section.rfind("caf.", 0) == 0)
      key = section + "." + key;
    else if (!section.empty())
      key = section + "-" + key;
    entries.push_back({key, value, number});
  }
  return entries;
}

/// Finds `--config FILE` / `--config=FILE` before CLI11 runs, so that the file's values can
/// become the defaults that environment and command line override.
std::string find_config_path(int argc, const char* const* argv) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg{argv[i]};
    if (arg == "--config" && i + 1 < argc)
      return argv[i + 1];
    if (arg.rfind("--config=", 0) == 0)
      return std::string{arg.substr(9)};
  }
  if (auto env = std::getenv("ALGOMIRROR_CONFIG"))
    return env;
  return {};
}

std::string env_name(const std::string& option) {
  std::string name = "ALGOMIRROR_";
  for (char c : option)
    name += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return name;
}

template <class T>
CLI::Option* add(CLI::App& app, const std::string& name, T& value, const std::string& help) {
  return app.add_option("--" + name, value, help)->envname(env_name(name))->capture_default_str();
}

} // namespace

CLI::Validator positive_number() {
  return CLI::Validator(
    [](std::string& value) -> std::string {
      try {
        size_t used = 0;
        double x = std::stod(value, &used);
        if (used == value.size() && std::isfinite(x) && x > 0)
          return {};
      } catch (...) {
      }
      return "bad value '" + value + "': must be a number greater than 0 (e.g. 1 or 60)";
    },
    "NUMBER>0");
}

CLI::Validator int_range(int lo, int hi) {
  return CLI::Validator(
    [lo, hi](std::string& value) -> std::string {
      try {
        size_t used = 0;
        long x = std::stol(value, &used);
        if (used == value.size() && x >= lo && x <= hi)
          return {};
      } catch (...) {
      }
      return "bad value '" + value + "': must be a whole number from " + std::to_string(lo)
             + " to " + std::to_string(hi);
    },
    "INT in [" + std::to_string(lo) + ".." + std::to_string(hi) + "]");
}

CLI::Validator one_of(std::vector<std::string> allowed) {
  std::string list;
  for (auto& a : allowed)
    list += (list.empty() ? "" : ", ") + a;
  return CLI::Validator(
    [allowed, list](std::string& value) -> std::string {
      for (auto& a : allowed)
        if (a == value)
          return {};
      return "bad value '" + value + "': allowed values are " + list;
    },
    "{" + list + "}");
}

CLI::Validator iso8601_instant() {
  return CLI::Validator(
    [](std::string& value) -> std::string {
      if (value.empty())
        return {};
      auto parsed = parse_iso8601(value);
      return parsed ? std::string{} : "bad value: " + parsed.error();
    },
    "ISO-8601");
}

CLI::Validator database_url() {
  return CLI::Validator(
    [](std::string& value) -> std::string {
      if (value.rfind("sqlite:", 0) == 0 && value.size() > 7)
        return {};
      if (value.rfind("postgresql://", 0) == 0 || value.rfind("postgres://", 0) == 0)
        return {};
      return "bad value '" + value
             + "': use sqlite:PATH (e.g. sqlite:algomirror.db) or "
               "postgresql://USER@HOST:PORT/DBNAME";
    },
    "URL");
}

void add_common_options(CLI::App& app, common_options& opts) {
  app.add_option("--config", opts.config_file,
                 "Configuration file: 'option = value' lines, [section] prefixes "
                 "(section 'log' + key 'level' = --log-level), [caf] for CAF settings")
    ->envname("ALGOMIRROR_CONFIG");
  add(app, "clock-start", opts.clock_start,
      "Start the clock at this ISO-8601 instant (no offset = IST); empty = real time")
    ->check(iso8601_instant());
  add(app, "clock-speed", opts.clock_speed, "Clock speed relative to real time")
    ->check(positive_number());
  add(app, "log-level", opts.log.level, "Log level")
    ->check(one_of({"trace", "debug", "info", "warn", "error", "critical", "off"}));
  add(app, "log-file", opts.log.file,
      "Rotating log file ('' = logs/<program>.log, 'none' = console only)");
  app.add_flag("--log-json", opts.log.json, "Write the log file as JSON lines")
    ->envname("ALGOMIRROR_LOG_JSON")
    ->capture_default_str();
  add(app, "log-max-file-mb", opts.log.max_file_mb, "Rotate the log file at this size (MiB)")
    ->check(int_range(1, 10240));
  add(app, "log-max-files", opts.log.max_files, "Rotated log files kept")
    ->check(int_range(1, 1000));
  app.set_version_flag("--version", version_text(app.get_name()));
  app.footer("CAF settings pass through as --caf.KEY=VALUE (e.g. "
             "--caf.work-stealing.moderate-sleep-duration=0us) or a [caf] section of the "
             "config file. Every option also reads ALGOMIRROR_<OPTION> from the environment.");
}

void add_node_options(CLI::App& app, node_options& opts) {
  add_common_options(app, opts);
  add(app, "db", opts.db_url, "Database: sqlite:PATH or postgresql://USER@HOST:PORT/DBNAME")
    ->check(database_url());
  add(app, "scheduler-threads", opts.scheduler_threads, "CAF scheduler worker threads")
    ->check(int_range(1, 256));
  add(app, "scheduler-policy", opts.scheduler_policy, "CAF scheduler policy")
    ->check(one_of({"stealing", "sharing"}));
  add(app, "low-latency", opts.low_latency,
      "Poll briefly before idling (faster reaction to I/O, a little more CPU when busy)")
    ->check(one_of({"true", "false", "1", "0"}));
  add(app, "shutdown-timeout", opts.shutdown_timeout_s,
      "Seconds to let in-flight work settle on shutdown")
    ->check(int_range(1, 3600));
  add(app, "store-flush-ms", opts.store_flush_ms,
      "Persistence: routine writes are committed at most this many ms after they arrive")
    ->check(int_range(1, 60'000));
  add(app, "store-batch-rows", opts.store_batch_rows,
      "Persistence: … or as soon as this many are queued")
    ->check(int_range(1, 1'000'000));
  add(app, "store-queue-bound", opts.store_queue_bound,
      "Persistence: queued routine writes beyond this are refused until the queue drains")
    ->check(int_range(1, 100'000'000));
  add(app, "master-key-file", opts.master_key_file,
      "File holding the master key (64 hex characters, mode 0600) that encrypts API keys; "
      "else ALGOMIRROR_MASTER_KEY");
  add(app, "order-rate", opts.order_rate, "Orders per window per account (the broker's limit)")
    ->check(int_range(1, 1000));
  add(app, "order-window-ms", opts.order_window_ms, "The order rate limit's moving window")
    ->check(int_range(1, 60'000));
  add(app, "request-timeout-ms", opts.request_timeout_ms, "OpenAlgo REST request timeout")
    ->check(int_range(10, 600'000));
  add(app, "status-poll-ms", opts.status_poll_ms,
      "At most one order-status call per account per this many ms")
    ->check(int_range(10, 600'000));
  add(app, "ping-interval-ms", opts.ping_interval_ms, "Account health ping interval")
    ->check(int_range(10, 3'600'000));
  add(app, "ping-failures", opts.ping_failures,
      "Consecutive failed pings before an account is disconnected")
    ->check(int_range(1, 100));
  add(app, "unknown-settle-ms", opts.unknown_settle_ms,
      "Wait before asking the orderbook about an order whose outcome is unknown")
    ->check(int_range(1, 600'000));
  add(app, "feed-stall-ms", opts.feed_stall_ms,
      "No tick for this long while the market is open = the feed stalled")
    ->check(int_range(10, 600'000));
  add(app, "feed-check-ms", opts.feed_check_ms, "How often the feed checks for a stall")
    ->check(int_range(1, 60'000));
  add(app, "feed-connect-timeout-ms", opts.feed_connect_timeout_ms,
      "A feed connection not ready by then counts as failed")
    ->check(int_range(10, 600'000));
  add(app, "feed-backoff-ms", opts.feed_backoff_ms,
      "A failed feed account rests this long before it is tried again (doubling, max 60 s)")
    ->check(int_range(1, 600'000));
  add(app, "quote-interval-ms", opts.quote_interval_ms,
      "While every feed is down: one REST quote per this many ms")
    ->check(int_range(1, 600'000));
  add(app, "hedge-fill-timeout-ms", opts.hedge_fill_timeout_ms,
      "An account's BUY legs must fill within this, or its SELL legs are not sent")
    ->check(int_range(1, 3'600'000));
  app.add_flag("--parallel-symbol-orders", opts.parallel_symbol_orders,
               "Tests only: send the orders of one symbol (a freeze-split leg's children) "
               "together instead of one after another; OpenAlgo's sandbox then loses position "
               "updates");
  add(app, "console-bind", opts.console_bind,
      "Address of the console endpoint; off loopback it needs --tls-dir (mutual TLS)");
  add(app, "console-port", opts.console_port, "Port of the console endpoint (0 = no console)")
    ->check(int_range(0, 65'535));
  add(app, "tls-dir", opts.tls_dir,
      "Directory with ca.crt, node.crt and node.key (made by 'certs init DIR'): the console "
      "takes mutual TLS only");
  add(app, "console-idle-timeout-s", opts.console_idle_timeout_s,
      "A console session without a command for this long ends")
    ->check(int_range(1, 86'400));
  add(app, "lease-heartbeat-ms", opts.lease_heartbeat_ms,
      "How often the database lease is checked and its node_lease row refreshed")
    ->check(int_range(50, 600'000));
  add(app, "coherence-timeout-ms", opts.coherence_timeout_ms,
      "A strategy-level crossing waits this long for the scope's other legs to refresh; then "
      "max loss and trailing stop fire on the prices they have, max profit never")
    ->check(int_range(1, 600'000));
  add(app, "exit-retry-ms", opts.exit_retry_ms,
      "A failed exit (rejected, partly filled) is tried again after this long")
    ->check(int_range(1, 600'000));
  add(app, "exit-attempts", opts.exit_attempts,
      "Exit attempts before a position is exit_stuck and an alert is raised")
    ->check(int_range(1, 100));
  app.add_flag("--migrate-only", opts.migrate_only,
               "Bring the database to the newest schema version, then exit");
  app.add_option("--rollback", opts.rollback_steps,
                 "Undo the newest N schema migrations, then exit")
    ->check(int_range(1, 1000));
}

std::optional<int> parse_command_line(CLI::App& app, int argc, const char* const* argv,
                                      common_options& opts, std::ostream& out,
                                      std::ostream& err) {
  // CAF settings: taken out of argv, since CLI11 does not know them.
  std::vector<const char*> args;
  args.reserve(static_cast<size_t>(argc));
  args.push_back(argv[0]);
  for (int i = 1; i < argc; ++i) {
    std::string_view arg{argv[i]};
    if (arg.rfind("--caf.", 0) == 0) {
      auto eq = arg.find('=');
      if (eq != std::string_view::npos) {
        opts.caf_settings.emplace_back(std::string{arg.substr(6, eq - 6)},
                                       std::string{arg.substr(eq + 1)});
      } else if (i + 1 < argc) {
        opts.caf_settings.emplace_back(std::string{arg.substr(6)}, argv[++i]);
      } else {
        err << app.get_name() << ": error: " << arg << " needs a value (" << arg
            << "=VALUE)\n";
        return 2;
      }
      continue;
    }
    args.push_back(argv[i]);
  }
  try {
    // The config file's values become defaults (validated like command-line values), so the
    // environment and the command line override them.
    if (auto path = find_config_path(argc, argv); !path.empty()) {
      std::vector<std::pair<std::string, std::string>> file_caf;
      for (auto& entry : read_config_file(path)) {
        if (entry.key.rfind("caf.", 0) == 0) {
          file_caf.emplace_back(entry.key.substr(4), entry.value);
          continue;
        }
        auto where = "config file '" + path + "' line " + std::to_string(entry.line) + ": ";
        CLI::Option* opt = nullptr;
        try {
          opt = app.get_option("--" + entry.key);
        } catch (const CLI::OptionNotFound&) {
        }
        if (opt == nullptr || entry.key == "config")
          throw CLI::ConversionError(where + "unknown option '" + entry.key
                                     + "' (see --help for the options)");
        try {
          opt->default_val(entry.value);
        } catch (const CLI::Error& e) {
          throw CLI::ValidationError(where + e.what());
        }
      }
      // Command-line CAF settings win over the file's: put the file's first.
      file_caf.insert(file_caf.end(), opts.caf_settings.begin(), opts.caf_settings.end());
      opts.caf_settings = std::move(file_caf);
    }
    app.parse(static_cast<int>(args.size()), args.data());
  } catch (const CLI::CallForHelp&) {
    out << app.help();
    return 0;
  } catch (const CLI::CallForAllHelp&) {
    out << app.help("", CLI::AppFormatMode::All);
    return 0;
  } catch (const CLI::CallForVersion&) {
    out << version_text(app.get_name()) << "\n";
    return 0;
  } catch (const CLI::ParseError& e) {
    err << app.get_name() << ": error: " << e.what() << "\n"
        << "Run '" << app.get_name() << " --help' for the options and their allowed values.\n";
    return 2;
  }
  return std::nullopt;
}

std::string version_text(const std::string& program) {
  return program + " " + version + " (AlgoMirror)";
}

} // namespace algomirror
