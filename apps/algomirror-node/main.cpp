// algomirror-node: the long-running node. Parses its options, starts the actor system and the
// node actor on the chosen database, and stops gracefully on SIGINT/SIGTERM.

#include <CLI/CLI.hpp>
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <pthread.h>
#include <spdlog/spdlog.h>

#include "admin_commands.hpp"
#include "calendar_commands.hpp"
#include "db_commands.hpp"
#include "settings_commands.hpp"
#include "certs_command.hpp"
#include "config/logging.hpp"
#include "config/options.hpp"
#include "config/signals.hpp"
#include "indicator_command.hpp"
#include "runtime/node_runtime.hpp"
#include "session_commands.hpp"
#include "persistence/database.hpp"
#include "persistence/migrations.hpp"

namespace {

using namespace algomirror;

/// --migrate-only and --rollback N: the schema alone, then exit.
int run_schema_command(const node_options& opts) {
  auto fresh = new_sqlite_file(opts.db_url);
  // A rollback has nothing to undo in a database that is not there.
  auto db = open_database(opts.db_url,
                          opts.rollback_steps > 0 ? open_mode::existing : open_mode::create);
  if (!db) {
    spdlog::critical("{}", db.error());
    return 1;
  }
  if (!fresh.empty())
    std::fprintf(stderr, "algomirror-node: created a new database at %s\n", fresh.c_str());
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
  spdlog::info("schema of {} at version {}", label, report->to);
  return 0;
}

int run_node(const node_options& opts) {
  auto logger = setup_logging(opts.log, "algomirror-node");
  if (opts.rollback_steps > 0 || opts.migrate_only)
    return run_schema_command(opts);
  std::string error;
  int code = 0;
  auto fresh = new_sqlite_file(opts.db_url);
  auto runtime = node_runtime::start(opts, error, code);
  if (!runtime) {
    spdlog::critical("{}", error);
    return code;
  }
  if (!fresh.empty())
    std::fprintf(stderr, "algomirror-node: created a new database at %s\n", fresh.c_str());
  // SIGINT/SIGTERM were blocked in main before any thread started; wait for one here, and
  // keep the database lease between them.
  int received = 0;
  while ((received = wait_for_stop_signal(std::chrono::milliseconds{opts.lease_heartbeat_ms}))
         == 0)
    runtime->heartbeat();
  spdlog::info("received {}, shutting down", received == SIGINT ? "SIGINT" : "SIGTERM");
  auto exit_code = runtime->stop();
  runtime.reset();
  spdlog::info("algomirror-node stopped");
  spdlog::shutdown();
  return exit_code;
}

} // namespace

int main(int argc, char** argv) {
  // Block the stop signals in every thread; the main thread takes them with sigwait.
  block_stop_signals();

  CLI::App app{"AlgoMirror node: mirrors option strategies across broker accounts and guards "
               "them with real-time risk exits.",
               "algomirror-node"};
  node_options opts;
  add_node_options(app, opts);
  supertrend_command_options supertrend_opts;
  auto* supertrend_command = add_indicator_commands(app, supertrend_opts);
  admin_options admin_opts;
  auto admin = add_admin_commands(app, admin_opts);
  calendar_options calendar_opts;
  auto calendar = add_calendar_commands(app, calendar_opts);
  db_options db_opts;
  auto db_upkeep = add_db_commands(app, db_opts);
  settings_options settings_opts;
  auto settings = add_settings_commands(app, settings_opts);
  certs_options certs_opts;
  auto certs = add_certs_commands(app, certs_opts);
  session_options session_opts;
  demo_options demo_opts;
  auto sessions = add_session_commands(app, session_opts, demo_opts);
  if (auto code = parse_command_line(app, argc, argv, opts, std::cout, std::cerr))
    return *code;
  try {
    if (sessions.run->parsed())
      return run_command(session_opts, opts, std::cout, std::cerr);
    if (sessions.demo->parsed())
      return run_demo(demo_opts, opts, app.get_option("--db")->count() > 0, std::cout,
                      std::cerr);
  } catch (const std::exception& e) {
    std::cerr << "algomirror-node: error: " << e.what() << "\n";
    return 1;
  }
  if (certs.init->parsed() || certs.issue->parsed())
    return run_certs_command(certs, certs_opts, std::cout, std::cerr);
  if (*supertrend_command)
    return run_supertrend_command(supertrend_opts, std::cout, std::cerr);
  if (admin.any() || calendar.any() || db_upkeep.any() || settings.any()) {
    try {
      if (settings.any())
        return run_settings_command(settings, settings_opts, opts, std::cout, std::cerr);
      if (db_upkeep.any())
        return run_db_command(db_upkeep, db_opts, opts, std::cout, std::cerr);
      if (calendar.any())
        return run_calendar_command(calendar, calendar_opts, opts, std::cout, std::cerr);
      return run_admin_command(admin, admin_opts, opts, std::cout, std::cerr);
    } catch (const std::exception& e) {
      std::cerr << "algomirror-node: error: " << e.what() << "\n";
      return 1;
    }
  }
  try {
    return run_node(opts);
  } catch (const std::exception& e) {
    std::cerr << "algomirror-node: error: " << e.what() << "\n";
    return 1;
  }
}
