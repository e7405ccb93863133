#include "persistence/database.hpp"

#include <pqxx/pqxx>
#include <sqlite3.h>
#include <stdexcept>

namespace algomirror {

namespace {

class sqlite_database final : public database {
public:
  sqlite_database(sqlite3* handle, std::string url) : db_(handle), url_(std::move(url)) {}

  ~sqlite_database() override { sqlite3_close_v2(db_); }

  std::string_view backend() const override { return "sqlite"; }

  const std::string& display_url() const override { return url_; }

  void execute(std::string_view sql) override {
    char* message = nullptr;
    std::string text{sql};
    if (sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
      std::string error = message != nullptr ? message : sqlite3_errmsg(db_);
      sqlite3_free(message);
      throw std::runtime_error("SQLite: " + error);
    }
  }

private:
  sqlite3* db_;
  std::string url_;
};

class postgresql_database final : public database {
public:
  postgresql_database(const std::string& url, std::string display)
    : conn_(url), url_(std::move(display)) {}

  std::string_view backend() const override { return "postgresql"; }

  const std::string& display_url() const override { return url_; }

  void execute(std::string_view sql) override {
    pqxx::work tx{conn_};
    tx.exec(std::string{sql});
    tx.commit();
  }

private:
  pqxx::connection conn_;
  std::string url_;
};

} // namespace

std::string mask_password(const std::string& url) {
  auto scheme = url.find("://");
  if (scheme == std::string::npos)
    return url;
  auto at = url.find('@', scheme + 3);
  if (at == std::string::npos)
    return url;
  auto colon = url.find(':', scheme + 3);
  if (colon == std::string::npos || colon > at)
    return url;
  return url.substr(0, colon + 1) + "***" + url.substr(at);
}

result<std::unique_ptr<database>> open_database(const std::string& url) {
  using result_type = result<std::unique_ptr<database>>;
  if (url.rfind("sqlite:", 0) == 0) {
    auto path = url.substr(7);
    sqlite3* handle = nullptr;
    int rc = sqlite3_open_v2(path.c_str(), &handle,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                             nullptr);
    if (rc != SQLITE_OK) {
      std::string error = handle != nullptr ? sqlite3_errmsg(handle) : sqlite3_errstr(rc);
      sqlite3_close_v2(handle);
      return result_type::failure("cannot open SQLite database '" + path + "': " + error
                                  + " (check --db and that the directory is writable)");
    }
    auto db = std::make_unique<sqlite_database>(handle, url);
    try {
      db->execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                  "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=5000;");
    } catch (const std::exception& e) {
      return result_type::failure("cannot use SQLite database '" + path + "': " + e.what());
    }
    return result_type{std::move(db)};
  }
  if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0) {
    try {
      return result_type{std::make_unique<postgresql_database>(url, mask_password(url))};
    } catch (const std::exception& e) {
      return result_type::failure("cannot connect to PostgreSQL at '" + mask_password(url)
                                  + "': " + e.what());
    }
  }
  return result_type::failure("unsupported database URL '" + mask_password(url)
                              + "': use sqlite:PATH or postgresql://USER@HOST:PORT/DBNAME");
}

} // namespace algomirror
