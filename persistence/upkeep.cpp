#include "persistence/upkeep.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <sqlite3.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "persistence/internal/admin_support.hpp"
#include "persistence/schema.hpp"
#include "persistence/writes.hpp"

extern char** environ; // posix_spawn passes the environment on (with PGPASSWORD added)

namespace algomirror {

namespace {

bool is_sqlite(const std::string& url) {
  return url.rfind("sqlite:", 0) == 0;
}

std::string human_bytes(uintmax_t n) {
  char buf[32];
  if (n >= 1024 * 1024)
    std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(n) / (1024.0 * 1024.0));
  else if (n >= 1024)
    std::snprintf(buf, sizeof buf, "%.1f KiB", static_cast<double>(n) / 1024.0);
  else
    std::snprintf(buf, sizeof buf, "%ju bytes", n);
  return buf;
}

result<std::string> backup_sqlite(const std::string& source, const std::string& path) {
  using r = result<std::string>;
  sqlite3* from = nullptr;
  sqlite3* to = nullptr;
  auto close_both = [&] {
    sqlite3_close_v2(from);
    sqlite3_close_v2(to);
  };
  if (sqlite3_open_v2(source.c_str(), &from, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    std::string why = from != nullptr ? sqlite3_errmsg(from) : "cannot open";
    close_both();
    return r::failure("cannot read the database '" + source + "': " + why);
  }
  sqlite3_busy_timeout(from, 5000);
  if (sqlite3_open_v2(path.c_str(), &to, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr)
      != SQLITE_OK) {
    std::string why = to != nullptr ? sqlite3_errmsg(to) : "cannot create";
    close_both();
    return r::failure("PATH: cannot write '" + path + "': " + why);
  }
  auto* b = sqlite3_backup_init(to, "main", from, "main");
  if (b == nullptr) {
    std::string why = sqlite3_errmsg(to);
    close_both();
    return r::failure("the backup did not start: " + why);
  }
  // All pages in one step: one read transaction, a consistent copy; in WAL mode the node's
  // writes go on meanwhile (a stepwise copy would restart at each of them).
  int rc = sqlite3_backup_step(b, -1);
  int pages = sqlite3_backup_pagecount(b);
  sqlite3_backup_finish(b);
  if (rc != SQLITE_DONE) {
    std::string why = sqlite3_errstr(rc);
    close_both();
    std::error_code ec;
    std::filesystem::remove(path, ec);
    return r::failure("the backup failed: " + why + " (nothing kept at '" + path + "')");
  }
  close_both();
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  return "backed up " + source + " to " + path + ": " + std::to_string(pages) + " pages, "
         + human_bytes(ec ? 0 : size);
}

int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/// The URL without its password, and the password (percent-decoded).
std::pair<std::string, std::string> split_password(const std::string& url) {
  auto scheme = url.find("://");
  auto at = scheme == std::string::npos ? std::string::npos : url.find('@', scheme + 3);
  auto colon = scheme == std::string::npos ? std::string::npos : url.find(':', scheme + 3);
  if (at == std::string::npos || colon == std::string::npos || colon > at)
    return {url, {}};
  auto raw = url.substr(colon + 1, at - colon - 1);
  std::string password;
  for (size_t k = 0; k < raw.size(); ++k) {
    if (raw[k] == '%' && k + 2 < raw.size() && hex_value(raw[k + 1]) >= 0
        && hex_value(raw[k + 2]) >= 0) {
      password += static_cast<char>(hex_value(raw[k + 1]) * 16 + hex_value(raw[k + 2]));
      k += 2;
    } else {
      password += raw[k];
    }
  }
  return {url.substr(0, colon) + url.substr(at), password};
}

result<std::string> backup_postgresql(const std::string& url, const std::string& path) {
  using r = result<std::string>;
  auto [bare, password] = split_password(url);
  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e)
    if (std::string_view{*e}.rfind("PGPASSWORD=", 0) != 0)
      env.emplace_back(*e);
  if (!password.empty())
    env.push_back("PGPASSWORD=" + password);
  std::vector<std::string> args{"pg_dump", "--no-password", "--file", path, "--dbname", bare};
  auto pointers = [](std::vector<std::string>& xs) {
    std::vector<char*> out;
    for (auto& x : xs)
      out.push_back(x.data());
    out.push_back(nullptr);
    return out;
  };
  auto argv = pointers(args);
  auto envp = pointers(env);
  pid_t pid = 0;
  if (int rc = posix_spawnp(&pid, "pg_dump", nullptr, nullptr, argv.data(), envp.data());
      rc != 0)
    return r::failure(std::string{"cannot run pg_dump: "} + std::strerror(rc)
                      + " (install it: apt-get install postgresql-client)");
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::error_code ec;
    std::filesystem::remove(path, ec);
    return r::failure("pg_dump failed (exit " + std::to_string(WEXITSTATUS(status))
                      + "; its message is above); nothing kept at '" + path + "'");
  }
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  return "backed up " + mask_password(url) + " to " + path + " with pg_dump: "
         + human_bytes(ec ? 0 : size) + " of SQL (restore: psql -f " + path + ")";
}

int64_t count_of(database& db, const std::string& sql, const std::vector<sql_value>& params) {
  auto rows = db.query(sql, params);
  return rows.empty() || !rows[0][0] ? 0 : std::stoll(*rows[0][0]);
}

std::string column_list(const schema::table& t) {
  std::string out;
  for (auto& c : t.columns)
    out += (out.empty() ? "" : ", ") + c.name;
  return out;
}

} // namespace

result<std::string> backup_database(const std::string& url, const std::string& path) {
  using r = result<std::string>;
  if (path.empty())
    return r::failure("PATH: give the file to write the backup to");
  std::error_code ec;
  if (std::filesystem::exists(path, ec))
    return r::failure("PATH: '" + path + "' exists; choose a new file (a backup never "
                                         "overwrites one)");
  if (is_sqlite(url)) {
    auto source = url.substr(7);
    if (source.empty() || source == ":memory:")
      return r::failure("--db: an in-memory database has nothing to back up");
    if (!std::filesystem::exists(source, ec))
      return r::failure("--db: no database at '" + source + "'");
    return backup_sqlite(source, path);
  }
  return backup_postgresql(url, path);
}

result<std::string> prune_activity(database& db, int days, utc_instant now) {
  using r = result<std::string>;
  if (days < 1)
    return r::failure("--activity-days: " + std::to_string(days) + " must be at least 1");
  auto cutoff = sql_time(now - std::chrono::hours{24} * days);
  auto gone = db.execute("DELETE FROM activity_logs WHERE timestamp < ?", {cutoff});
  auto left = count_of(db, "SELECT COUNT(*) FROM activity_logs", {});
  return "pruned " + std::to_string(gone) + " activity row(s) older than " + std::to_string(days)
         + " days; " + std::to_string(left) + " kept";
}

result<std::string> archive_orders(database& db, int days, utc_instant now) {
  using r = result<std::string>;
  if (days < 1)
    return r::failure("--orders-days: " + std::to_string(days) + " must be at least 1");
  auto* orders = schema::find_table("orders");
  auto columns = column_list(*orders);
  auto cutoff = sql_time(now - std::chrono::hours{24} * days);
  std::string which = " FROM orders WHERE placed_at < ? AND status IN ('complete', 'cancelled', "
                      "'rejected')";
  return admin_support::in_transaction(db, [&]() -> r {
    auto moved = db.execute("INSERT INTO orders_archive (" + columns + ") SELECT " + columns
                              + which,
                            {cutoff});
    auto gone = db.execute("DELETE" + which, {cutoff});
    if (gone != moved)
      return r::failure("archive: " + std::to_string(moved) + " copied but "
                        + std::to_string(gone) + " to delete; nothing moved");
    auto open = count_of(db,
                         "SELECT COUNT(*) FROM orders WHERE placed_at < ? AND status NOT IN "
                         "('complete', 'cancelled', 'rejected')",
                         {cutoff});
    return "archived " + std::to_string(moved) + " order(s) placed more than "
           + std::to_string(days) + " days ago"
           + (open > 0 ? "; " + std::to_string(open) + " older one(s) are not finished and stay"
                       : std::string{});
  });
}

check_report check_database(database& db) {
  check_report out;
  auto problem = [&](std::string text) { out.problems.push_back(std::move(text)); };
  if (db.dialect() == schema::dialect::sqlite) {
    out.checked.push_back("integrity_check");
    for (auto& row : db.query("PRAGMA integrity_check"))
      if (row[0].value_or("") != "ok")
        problem("integrity: " + row[0].value_or("?")
                + " (restore the latest backup: algomirror-node db backup makes one)");
    out.checked.push_back("foreign_key_check");
    for (auto& row : db.query("PRAGMA foreign_key_check"))
      problem(row[0].value_or("?") + " row " + row[1].value_or("?") + ": refers to a missing "
              + row[2].value_or("?") + " row");
  } else {
    out.checked.push_back("references");
    for (auto& t : schema::tables())
      for (auto& c : t.columns)
        if (c.type == schema::column_type::reference) {
          auto orphans = count_of(db,
                                  "SELECT COUNT(*) FROM " + t.name + " x WHERE x." + c.name
                                    + " IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "
                                    + c.references + " y WHERE y.id = x." + c.name + ")",
                                  {});
          if (orphans > 0)
            problem(t.name + ": " + std::to_string(orphans) + " row(s) whose " + c.name
                    + " refers to a missing " + c.references + " row");
        }
  }
  out.checked.push_back("account names");
  for (auto& row : db.query("SELECT id, account_name FROM trading_accounts WHERE "
                            "LENGTH(account_name) < 3"))
    problem("trading_accounts " + row[0].value_or("?") + ": account name '"
            + row[1].value_or("") + "' is shorter than 3 characters (rename it)");
  for (auto& row : db.query("SELECT user_id, account_name, COUNT(*) FROM trading_accounts "
                            "GROUP BY user_id, account_name HAVING COUNT(*) > 1"))
    problem("trading_accounts: user " + row[0].value_or("?") + " has "
            + row[2].value_or("?") + " accounts named '" + row[1].value_or("")
            + "' (names are unique per user)");
  out.checked.push_back("primary accounts");
  for (auto& row : db.query("SELECT user_id, COUNT(*) FROM trading_accounts WHERE is_primary = "
                            "? GROUP BY user_id HAVING COUNT(*) > 1",
                            {true}))
    problem("trading_accounts: user " + row[0].value_or("?") + " has " + row[1].value_or("?")
            + " primary accounts (algomirror-node account set-primary NAME keeps one)");
  out.checked.push_back("updated_at");
  for (auto& t : schema::tables())
    if (t.find("updated_at") != nullptr) {
      auto missing = count_of(db, "SELECT COUNT(*) FROM " + t.name + " WHERE updated_at IS NULL",
                              {});
      if (missing > 0)
        problem(t.name + ": " + std::to_string(missing) + " row(s) without updated_at");
    }
  return out;
}

} // namespace algomirror
