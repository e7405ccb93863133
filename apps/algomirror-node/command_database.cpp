#include "command_database.hpp"

#include <CLI/CLI.hpp>
#include <ostream>

#include "persistence/lease.hpp"
#include "persistence/migrations.hpp"

namespace algomirror {

std::unique_ptr<database> open_command_database(const std::string& url, command_access access,
                                                std::ostream& err) {
  auto fresh = new_sqlite_file(url);
  auto db = open_database(url, access == command_access::read ? open_mode::existing
                                                              : open_mode::create);
  if (!db) {
    err << "algomirror-node: error: " << db.error() << "\n";
    return nullptr;
  }
  if (!fresh.empty())
    err << "algomirror-node: created a new database at " << fresh << "\n";
  if (access == command_access::live_change) {
    auto holder = current_lease_holder(url);
    if (!holder) {
      err << "algomirror-node: error: " << holder.error() << "\n";
      return nullptr;
    }
    if (*holder) {
      err << "algomirror-node: error: a node is running on this database ("
          << describe_holder(**holder)
          << "): change it through the node with algomirror-console, or stop the node first; "
             "nothing was changed\n";
      return nullptr;
    }
  }
  auto migrated = migrate(**db);
  if (!migrated) {
    err << "algomirror-node: error: " << migrated.error() << "\n";
    return nullptr;
  }
  return std::move(*db);
}

bool any_parsed(std::initializer_list<const CLI::App*> commands) {
  for (auto* c : commands)
    if (c != nullptr && c->parsed())
      return true;
  return false;
}

int report(const result<std::string>& outcome, std::ostream& out, std::ostream& err,
           int failure_code) {
  if (!outcome) {
    err << "algomirror-node: error: " << outcome.error() << "\n";
    return failure_code;
  }
  out << *outcome << "\n";
  return 0;
}

} // namespace algomirror
