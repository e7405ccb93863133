#include "db_commands.hpp"

#include <CLI/CLI.hpp>
#include <ostream>

#include "command_database.hpp"
#include "config/options.hpp"
#include "domain/clock.hpp"
#include "persistence/upkeep.hpp"

namespace algomirror {

bool db_commands::any() const {
  return any_parsed({backup, prune, archive, check});
}

db_commands add_db_commands(CLI::App& app, db_options& opts) {
  db_commands c;
  auto* db = app.add_subcommand("db", "Database upkeep: backup, prune, archive, check");
  db->fallthrough();
  db->require_subcommand(1);
  c.backup = db->add_subcommand("backup", "Copy the database to a new file (SQLite: a "
                                          "consistent copy while the node runs; PostgreSQL: "
                                          "pg_dump's SQL)");
  c.backup->fallthrough();
  c.backup->add_option("PATH", opts.path, "The file to write (must not exist)")->required();
  c.prune = db->add_subcommand("prune", "Delete old activity log rows");
  c.prune->fallthrough();
  c.prune->add_option("--activity-days", opts.activity_days, "Keep this many days")
    ->capture_default_str();
  c.archive = db->add_subcommand("archive", "Move old finished orders into orders_archive");
  c.archive->fallthrough();
  c.archive->add_option("--orders-days", opts.orders_days, "Keep this many days in orders")
    ->capture_default_str();
  c.check = db->add_subcommand("check", "Check the file, its references and the constraints");
  c.check->fallthrough();
  return c;
}

int run_db_command(const db_commands& which, const db_options& opts, const node_options& node,
                   std::ostream& out, std::ostream& err) {
  if (which.backup->parsed()) {
    if (!new_sqlite_file(node.db_url).empty()) {
      err << "algomirror-node: error: --db: no database at '" << node.db_url.substr(7) << "'\n";
      return 2;
    }
    return report(backup_database(node.db_url, opts.path), out, err, 1);
  }
  auto db = open_command_database(
    node.db_url, which.check->parsed() ? command_access::read : command_access::write, err);
  if (!db)
    return 1;
  auto now = system_time().now(); // offline upkeep: the wall clock's days
  if (which.prune->parsed())
    return report(prune_activity(*db, opts.activity_days, now), out, err);
  if (which.archive->parsed())
    return report(archive_orders(*db, opts.orders_days, now), out, err);
  auto report = check_database(*db);
  for (auto& p : report.problems)
    out << "problem: " << p << "\n";
  out << (report.problems.empty() ? std::string{"sound"}
                                  : std::to_string(report.problems.size()) + " problem(s)")
      << " (" << db->display_url() << "; checked";
  for (size_t k = 0; k < report.checked.size(); ++k)
    out << (k == 0 ? " " : ", ") << report.checked[k];
  out << ")\n";
  return report.problems.empty() ? 0 : 1;
}

} // namespace algomirror
