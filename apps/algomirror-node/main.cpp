// algomirror-node: the long-running node. Parses its options, starts the actor system and the
// node actor on the chosen database, and stops gracefully on SIGINT/SIGTERM.

#include <CLI/CLI.hpp>
#include <csignal>
#include <iostream>
#include <pthread.h>
#include <spdlog/spdlog.h>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/config_value.hpp>
#include <caf/scoped_actor.hpp>

#include "actors/node.hpp"
#include "indicator_command.hpp"
#include "config/logging.hpp"
#include "config/options.hpp"
#include "messages/type_ids.hpp"
#include "persistence/loaders.hpp"
#include "persistence/migrations.hpp"
#include "persistence/store.hpp"

namespace {

using namespace algomirror;

/// Scheduler settings for a latency-sensitive engine on a small machine
/// (caf-0.17-notes.md §7.2), then any --caf.* settings, which win.
bool configure_caf(caf::actor_system_config& cfg, const node_options& opts) {
  add_message_types(cfg);
  cfg.set("scheduler.max-threads", static_cast<size_t>(opts.scheduler_threads));
  cfg.set("scheduler.policy", opts.scheduler_policy == "sharing" ? caf::atom("sharing")
                                                                  : caf::atom("stealing"));
  if (opts.low_latency)
    cfg.set("work-stealing.moderate-sleep-duration", caf::timespan{0});
  cfg.set("middleman.workers", size_t{0});
  for (auto& [key, value] : opts.caf_settings) {
    if (auto parsed = caf::config_value::parse(value)) {
      cfg.set(key, std::move(*parsed));
    } else {
      std::cerr << "algomirror-node: error: --caf." << key << ": bad value '" << value
                << "' (" << caf::to_string(parsed.error()) << ")\n";
      return false;
    }
  }
  return true;
}

std::unique_ptr<scaled_clock> make_clock(const common_options& opts) {
  if (opts.clock_start.empty() && opts.clock_speed == 1.0)
    return std::make_unique<scaled_clock>();
  auto start = opts.clock_start.empty() ? scaled_clock{}.now() : *parse_iso8601(opts.clock_start);
  return std::make_unique<scaled_clock>(start, opts.clock_speed);
}

int run_node(const node_options& opts) {
  auto logger = setup_logging(opts.log, "algomirror-node");
  auto time = make_clock(opts);
  auto db = open_database(opts.db_url);
  if (!db) {
    spdlog::critical("{}", db.error());
    return 1;
  }
  auto label = std::string{(*db)->display_url()};
  auto progress = [](const std::string& step) { spdlog::info("schema migration {}", step); };
  if (opts.rollback_steps > 0) {
    auto report = rollback(**db, opts.rollback_steps, progress);
    if (!report) {
      spdlog::critical("{}", report.error());
      return 1;
    }
    spdlog::info("schema of {} rolled back from version {} to {}", label, report->from,
                 report->to);
    return 0;
  }
  auto report = migrate(**db, progress);
  if (!report) {
    spdlog::critical("{} ({})", report.error(), label);
    return 1;
  }
  spdlog::info("schema of {} at version {}{}", label, report->to,
               report->from == report->to ? "" : " (from " + std::to_string(report->from) + ")");
  if (opts.migrate_only)
    return 0;
  // What the node will rebuild from: the actors that own it arrive with later issues; for now
  // the counts and any unreadable row are logged.
  load_problems problems;
  auto accounts = load_active_accounts(**db, problems);
  auto strategies = load_strategies(**db, problems);
  auto runs = load_unfinished_runs(**db, problems);
  auto executions = load_open_executions(**db, problems);
  auto sessions = load_open_ws_sessions(**db, problems);
  auto calendar = load_calendar(**db, problems);
  spdlog::info("loaded {} active accounts, {} strategies, {} unfinished runs, {} open "
               "executions, {} open sessions, {} holidays",
               accounts.size(), strategies.size(), runs.size(), executions.size(),
               sessions.size(), calendar.holidays.size());
  for (auto& problem : problems)
    spdlog::warn("row left out at start-up: {}", problem);
  caf::actor_system_config cfg;
  if (!configure_caf(cfg, opts))
    return 2;
  int exit_code = 0;
  {
    caf::actor_system sys{cfg};
    store_config store_cfg;
    store_cfg.flush_interval = std::chrono::milliseconds{opts.store_flush_ms};
    store_cfg.batch_rows = static_cast<size_t>(opts.store_batch_rows);
    store_cfg.queue_bound = static_cast<size_t>(opts.store_queue_bound);
    auto store = spawn_store(sys, std::shared_ptr<database>{std::move(*db)}, store_cfg);
    auto node = spawn_node(sys, node_config{store, time.get(), label,
                                            std::chrono::seconds{opts.shutdown_timeout_s}});
    spdlog::info("{} started (pid {}, clock {}{}, {} scheduler threads)",
                 version_text("algomirror-node"), ::getpid(), format_ist(time->now()),
                 time->speed() != 1.0 ? " x" + std::to_string(time->speed()) : std::string{},
                 opts.scheduler_threads);
    // SIGINT/SIGTERM were blocked in main before any thread started; wait for one here.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    int received = 0;
    sigwait(&signals, &received);
    spdlog::info("received {}, shutting down", received == SIGINT ? "SIGINT" : "SIGTERM");
    caf::scoped_actor self{sys};
    self->request(node, std::chrono::seconds{opts.shutdown_timeout_s + 5}, shutdown_atom_v)
      .receive([](caf::ok_atom) {},
               [&](const caf::error& err) {
                 spdlog::error("shutdown incomplete: {}", sys.render(err));
                 exit_code = 1;
               });
    self->send_exit(store, caf::exit_reason::user_shutdown);
  }
  spdlog::info("algomirror-node stopped");
  spdlog::shutdown();
  return exit_code;
}

} // namespace

int main(int argc, char** argv) {
  // Block the stop signals in every thread; the main thread takes them with sigwait.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  CLI::App app{"AlgoMirror node: mirrors option strategies across broker accounts and guards "
               "them with real-time risk exits.",
               "algomirror-node"};
  node_options opts;
  add_node_options(app, opts);
  supertrend_command_options supertrend_opts;
  auto* supertrend_command = add_indicator_commands(app, supertrend_opts);
  if (auto code = parse_command_line(app, argc, argv, opts, std::cout, std::cerr))
    return *code;
  if (*supertrend_command)
    return run_supertrend_command(supertrend_opts, std::cout, std::cerr);
  try {
    return run_node(opts);
  } catch (const std::exception& e) {
    std::cerr << "algomirror-node: error: " << e.what() << "\n";
    return 1;
  }
}
