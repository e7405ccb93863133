#include "persistence/database.hpp"

#include <filesystem>

#include <pqxx/pqxx>
#include <sqlite3.h>
#include <unordered_map>

namespace algomirror {

namespace {

using error_kind = database_error::kind;

// -- SQLite ---------------------------------------------------------------------------------

class sqlite_database final : public database {
public:
  sqlite_database(sqlite3* handle, std::string url) : db_(handle), url_(std::move(url)) {}

  ~sqlite_database() override {
    for (auto& [sql, stmt] : statements_)
      sqlite3_finalize(stmt);
    sqlite3_close_v2(db_);
  }

  schema::dialect dialect() const override { return schema::dialect::sqlite; }

  const std::string& display_url() const override { return url_; }

  void execute_script(std::string_view sql) override {
    char* message = nullptr;
    std::string text{sql};
    int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message);
    if (rc != SQLITE_OK) {
      std::string error = message != nullptr ? message : sqlite3_errmsg(db_);
      sqlite3_free(message);
      throw database_error(classify(rc), "SQLite: " + error);
    }
  }

  uint64_t execute(std::string_view sql, const std::vector<sql_value>& params) override {
    auto* stmt = run(sql, params, [](sqlite3_stmt*) {});
    (void) stmt;
    return static_cast<uint64_t>(sqlite3_changes(db_));
  }

  std::vector<sql_row> query(std::string_view sql,
                             const std::vector<sql_value>& params) override {
    std::vector<sql_row> rows;
    run(sql, params, [&](sqlite3_stmt* stmt) {
      sql_row row;
      int n = sqlite3_column_count(stmt);
      for (int i = 0; i < n; ++i) {
        if (sqlite3_column_type(stmt, i) == SQLITE_NULL) {
          row.emplace_back(std::nullopt);
        } else {
          auto text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, i));
          row.emplace_back(std::string{text, static_cast<size_t>(sqlite3_column_bytes(stmt, i))});
        }
      }
      rows.push_back(std::move(row));
    });
    return rows;
  }

  int64_t insert(std::string_view sql, const std::vector<sql_value>& params) override {
    run(sql, params, [](sqlite3_stmt*) {});
    return sqlite3_last_insert_rowid(db_);
  }

  std::optional<int64_t> last_insert_id() const override {
    return sqlite3_last_insert_rowid(db_);
  }

  void begin() override {
    execute_script("BEGIN IMMEDIATE");
    in_tx_ = true;
  }

  void commit() override {
    execute_script("COMMIT");
    in_tx_ = false;
  }

  void rollback() override {
    in_tx_ = false;
    if (!sqlite3_get_autocommit(db_))
      execute_script("ROLLBACK");
  }

  bool in_transaction() const override { return in_tx_; }

  void defer_checkpoints() override {
    execute_script("PRAGMA wal_autocheckpoint=0");
    sqlite3_wal_hook(
      db_,
      [](void* me, sqlite3*, const char*, int pages) {
        static_cast<sqlite_database*>(me)->log_pages_ = static_cast<uint64_t>(pages);
        return SQLITE_OK;
      },
      this);
  }

  uint64_t log_pages() const override { return log_pages_; }

  void checkpoint() override {
    int in_log = 0, copied = 0;
    int rc = sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, &in_log,
                                       &copied);
    if (rc != SQLITE_OK && rc != SQLITE_BUSY)
      throw database_error(classify(rc), "SQLite: checkpoint: " + std::string{sqlite3_errmsg(db_)});
    // The pages still to copy (a reader holding an old snapshot keeps some): 0 lets the next
    // commit start the log from its beginning again.
    log_pages_ = in_log > copied ? static_cast<uint64_t>(in_log - copied) : 0;
  }

private:
  static error_kind classify(int rc) {
    switch (rc & 0xff) {
      case SQLITE_CONSTRAINT:
      case SQLITE_TOOBIG:
      case SQLITE_MISMATCH:
        return error_kind::constraint;
      case SQLITE_BUSY:
      case SQLITE_LOCKED:
      case SQLITE_FULL:
      case SQLITE_IOERR:
        return error_kind::transient;
      default:
        return error_kind::other;
    }
  }

  sqlite3_stmt* prepare(std::string_view sql) {
    // Batches run the same statement again and again: the last one is found by comparing
    // the text (a memcmp), without hashing it.
    if (last_stmt_ != nullptr && sql == last_sql_)
      return last_stmt_;
    auto* stmt = lookup(sql);
    last_sql_.assign(sql);
    last_stmt_ = stmt;
    return stmt;
  }

  sqlite3_stmt* lookup(std::string_view sql) {
    std::string key{sql};
    if (auto i = statements_.find(key); i != statements_.end())
      return i->second;
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v2(db_, key.c_str(), static_cast<int>(key.size()), &stmt, nullptr);
    if (rc != SQLITE_OK)
      throw database_error(classify(rc),
                           "SQLite: " + std::string{sqlite3_errmsg(db_)} + " in: " + key);
    statements_.emplace(std::move(key), stmt);
    return stmt;
  }

  template <class OnRow>
  sqlite3_stmt* run(std::string_view sql, const std::vector<sql_value>& params, OnRow on_row) {
    auto* stmt = prepare(sql);
    sqlite3_reset(stmt);
    if (static_cast<int>(params.size()) != sqlite3_bind_parameter_count(stmt))
      throw database_error(error_kind::other,
                           "SQLite: " + std::to_string(params.size()) + " values for "
                             + std::to_string(sqlite3_bind_parameter_count(stmt))
                             + " parameters in: " + std::string{sql});
    for (size_t i = 0; i < params.size(); ++i) {
      int pos = static_cast<int>(i + 1);
      std::visit(
        [&](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, std::monostate>)
            sqlite3_bind_null(stmt, pos);
          else if constexpr (std::is_same_v<T, int64_t>)
            sqlite3_bind_int64(stmt, pos, v);
          else if constexpr (std::is_same_v<T, double>)
            sqlite3_bind_double(stmt, pos, v);
          else if constexpr (std::is_same_v<T, bool>)
            sqlite3_bind_int(stmt, pos, v ? 1 : 0);
          else
            // `params` outlives the step: no copy needed.
            sqlite3_bind_text(stmt, pos, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
        },
        params[i]);
    }
    for (;;) {
      int rc = sqlite3_step(stmt);
      if (rc == SQLITE_ROW) {
        on_row(stmt);
        continue;
      }
      if (rc == SQLITE_DONE)
        break;
      std::string error = sqlite3_errmsg(db_);
      sqlite3_reset(stmt);
      throw database_error(classify(rc), "SQLite: " + error);
    }
    sqlite3_reset(stmt);
    return stmt;
  }

  sqlite3* db_;
  std::string url_;
  std::unordered_map<std::string, sqlite3_stmt*> statements_;
  std::string last_sql_;
  sqlite3_stmt* last_stmt_ = nullptr;
  bool in_tx_ = false;
  uint64_t log_pages_ = 0; ///< of the write-ahead log, after the last commit or checkpoint
};

// -- PostgreSQL -----------------------------------------------------------------------------

/// `?` placeholders → `$1`, `$2`, … (our SQL has no `?` inside literals).
std::string number_placeholders(std::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 8);
  int n = 0;
  for (char c : sql) {
    if (c == '?')
      out += "$" + std::to_string(++n);
    else
      out += c;
  }
  return out;
}

class postgresql_database final : public database {
public:
  postgresql_database(std::string url, std::string display)
    : connect_url_(std::move(url)), url_(std::move(display)) {
    connect(); // throws when the server cannot be reached at start
  }

  schema::dialect dialect() const override { return schema::dialect::postgresql; }

  const std::string& display_url() const override { return url_; }

  void execute_script(std::string_view sql) override {
    guarded([&](pqxx::transaction_base& tx) { tx.exec(std::string{sql}); });
  }

  uint64_t execute(std::string_view sql, const std::vector<sql_value>& params) override {
    uint64_t changed = 0;
    guarded([&](pqxx::transaction_base& tx) {
      changed = static_cast<uint64_t>(exec(tx, sql, params).affected_rows());
    });
    return changed;
  }

  std::vector<sql_row> query(std::string_view sql,
                             const std::vector<sql_value>& params) override {
    std::vector<sql_row> rows;
    guarded([&](pqxx::transaction_base& tx) {
      for (const auto& r : exec(tx, sql, params)) {
        sql_row row;
        for (const auto& field : r)
          row.emplace_back(field.is_null() ? std::nullopt
                                           : std::optional<std::string>{field.c_str()});
        rows.push_back(std::move(row));
      }
    });
    return rows;
  }

  int64_t insert(std::string_view sql, const std::vector<sql_value>& params) override {
    int64_t id = 0;
    std::string with_returning = std::string{sql} + " RETURNING id";
    guarded([&](pqxx::transaction_base& tx) {
      auto r = exec(tx, with_returning, params);
      id = r.at(0).at(0).as<int64_t>();
    });
    return id;
  }

  uint64_t execute_batch(const batch_shape& shape, const std::string& single_sql,
                         const std::vector<const std::vector<sql_value>*>& rows) override {
    (void) single_sql;
    uint64_t changed = 0;
    size_t done = 0;
    // Chunks of 128 rows, the rest in powers of two: a handful of statement texts per shape.
    while (done < rows.size()) {
      size_t left = rows.size() - done;
      size_t n = 128;
      while (n > left)
        n /= 2;
      auto& sql = batch_sql(shape, n);
      std::vector<sql_value> values;
      values.reserve(n * (shape.columns.size() + 1));
      for (size_t i = done; i < done + n; ++i)
        values.insert(values.end(), rows[i]->begin(), rows[i]->end());
      changed += execute(sql, values);
      done += n;
    }
    return changed;
  }

  void begin() override {
    mapped([&] {
      ensure_connected();
      tx_ = std::make_unique<pqxx::work>(*conn_);
    });
  }

  void commit() override {
    auto tx = std::move(tx_);
    if (!tx)
      throw database_error(error_kind::transient, "PostgreSQL: the transaction was lost");
    mapped([&] { tx->commit(); });
  }

  void rollback() override {
    if (tx_) {
      try {
        tx_->abort();
      } catch (...) {
      }
      tx_.reset();
    }
  }

  bool in_transaction() const override { return tx_ != nullptr; }

private:
  void connect() {
    conn_ = std::make_unique<pqxx::connection>(connect_url_);
    prepared_.clear();
    pqxx::nontransaction tx{*conn_};
    tx.exec("SET TIME ZONE 'UTC'");
  }

  void ensure_connected() {
    if (!conn_ || !conn_->is_open())
      connect();
  }

  pqxx::result exec(pqxx::transaction_base& tx, std::string_view sql,
                    const std::vector<sql_value>& params) {
    std::string key{sql};
    auto i = prepared_.find(key);
    if (i == prepared_.end()) {
      auto name = "s" + std::to_string(prepared_.size() + 1);
      conn_->prepare(name, number_placeholders(sql));
      i = prepared_.emplace(std::move(key), std::move(name)).first;
    }
    std::vector<std::string> texts(params.size());
    std::vector<const char*> values(params.size(), nullptr);
    for (size_t k = 0; k < params.size(); ++k) {
      std::visit(
        [&](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, std::monostate>)
            return;
          else if constexpr (std::is_same_v<T, bool>)
            texts[k] = v ? "true" : "false";
          else if constexpr (std::is_same_v<T, std::string>)
            texts[k] = v;
          else
            texts[k] = pqxx::to_string(v);
          values[k] = texts[k].c_str();
        },
        params[k]);
    }
    return tx.exec_prepared(i->second, pqxx::prepare::make_dynamic_params(values));
  }

  /// Maps libpqxx's exceptions to database_error; a lost connection is dropped, to be made
  /// again on the next use (prepared statements are prepared again on the new one).
  template <class F>
  void mapped(F f) {
    try {
      f();
    } catch (const pqxx::broken_connection& e) {
      drop_connection();
      throw database_error(error_kind::transient, std::string{"PostgreSQL: "} + e.what());
    } catch (const pqxx::in_doubt_error& e) {
      drop_connection();
      throw database_error(error_kind::transient, std::string{"PostgreSQL: "} + e.what());
    } catch (const pqxx::integrity_constraint_violation& e) {
      throw database_error(error_kind::constraint, std::string{"PostgreSQL: "} + e.what());
    } catch (const pqxx::data_exception& e) {
      throw database_error(error_kind::constraint, std::string{"PostgreSQL: "} + e.what());
    } catch (const pqxx::sql_error& e) {
      // The server going down mid-statement shows as an SQL error on a now-closed connection.
      if (conn_ && !conn_->is_open()) {
        drop_connection();
        throw database_error(error_kind::transient, std::string{"PostgreSQL: "} + e.what());
      }
      throw database_error(error_kind::other, std::string{"PostgreSQL: "} + e.what());
    } catch (const pqxx::transaction_rollback& e) {
      throw database_error(error_kind::transient, std::string{"PostgreSQL: "} + e.what());
    } catch (const pqxx::failure& e) {
      drop_connection();
      throw database_error(error_kind::transient, std::string{"PostgreSQL: "} + e.what());
    }
  }

  /// Runs `f` in the open transaction, or in its own committed one.
  template <class F>
  void guarded(F f) {
    mapped([&] {
      if (tx_) {
        f(*tx_);
      } else {
        ensure_connected();
        pqxx::work tx{*conn_};
        f(tx);
        tx.commit();
      }
    });
  }

  /// The statement text of `shape` for `n` rows (cached).
  const std::string& batch_sql(const batch_shape& shape, size_t n) {
    auto key = std::to_string(reinterpret_cast<uintptr_t>(&shape)) + "/" + std::to_string(n);
    auto i = batch_sql_.find(key);
    if (i != batch_sql_.end())
      return i->second;
    std::string sql;
    size_t width = shape.columns.size() + (shape.kind == batch_shape::form::update ? 1 : 0);
    auto quoted = [](const std::string& c) { return "\"" + c + "\""; };
    if (shape.kind == batch_shape::form::insert) {
      sql = "INSERT INTO " + shape.table + " (";
      for (size_t c = 0; c < shape.columns.size(); ++c)
        sql += (c ? ", " : "") + quoted(shape.columns[c]);
      sql += ") VALUES ";
      for (size_t r = 0; r < n; ++r) {
        sql += r ? ", (" : "(";
        for (size_t c = 0; c < width; ++c)
          sql += c ? ", ?" : "?";
        sql += ")";
      }
      sql += " ON CONFLICT (" + quoted(shape.conflict_key) + ") DO NOTHING";
    } else {
      sql = "UPDATE " + shape.table + " AS t SET ";
      for (size_t c = 0; c < shape.columns.size(); ++c)
        sql += (c ? ", " : "") + quoted(shape.columns[c]) + " = v." + quoted(shape.columns[c]);
      if (shape.touch_updated_at)
        sql += ", updated_at = CURRENT_TIMESTAMP";
      sql += " FROM (VALUES ";
      for (size_t r = 0; r < n; ++r) {
        sql += r ? ", (" : "(";
        for (size_t c = 0; c < width; ++c) {
          sql += c ? ", ?::" : "?::";
          sql += c < shape.types.size() ? pg_type(shape.types[c]) : "bigint";
        }
        sql += ")";
      }
      sql += ") AS v (";
      for (size_t c = 0; c < shape.columns.size(); ++c)
        sql += quoted(shape.columns[c]) + ", ";
      sql += "\"__id\") WHERE t.id = v.\"__id\"";
    }
    return batch_sql_.emplace(std::move(key), std::move(sql)).first->second;
  }

  static const char* pg_type(schema::column_type t) {
    using ct = schema::column_type;
    switch (t) {
      case ct::id:
      case ct::reference:
      case ct::big_integer:
        return "bigint";
      case ct::integer:
        return "integer";
      case ct::real:
        return "double precision";
      case ct::money:
        return "numeric";
      case ct::boolean:
        return "boolean";
      case ct::timestamp:
        return "timestamp";
      case ct::date:
        return "date";
      case ct::time:
        return "time";
      case ct::json:
        return "jsonb";
      default:
        return "text";
    }
  }

  void drop_connection() {
    tx_.reset();
    conn_.reset();
    prepared_.clear();
  }

  std::string connect_url_;
  std::string url_;
  std::unique_ptr<pqxx::connection> conn_;
  std::unique_ptr<pqxx::work> tx_;
  std::unordered_map<std::string, std::string> prepared_;
  std::unordered_map<std::string, std::string> batch_sql_;
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

std::string new_sqlite_file(const std::string& url) {
  if (url.rfind("sqlite:", 0) != 0)
    return {};
  auto path = url.substr(7);
  if (path.empty() || path == ":memory:" || path.rfind("file:", 0) == 0)
    return {};
  std::error_code ec;
  return std::filesystem::exists(path, ec) || ec ? std::string{} : path;
}

result<std::unique_ptr<database>> open_database(const std::string& url, open_mode mode) {
  using result_type = result<std::unique_ptr<database>>;
  if (url.rfind("sqlite:", 0) == 0) {
    auto path = url.substr(7);
    if (mode == open_mode::existing && !new_sqlite_file(url).empty())
      return result_type::failure("no database at '" + path
                                  + "': nothing to read (check --db; the node makes one when "
                                    "it starts, as do the commands that add users, accounts "
                                    "or strategies)");
    sqlite3* handle = nullptr;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX
                | (mode == open_mode::create ? SQLITE_OPEN_CREATE : 0);
    int rc = sqlite3_open_v2(path.c_str(), &handle, flags, nullptr);
    if (rc != SQLITE_OK) {
      std::string error = handle != nullptr ? sqlite3_errmsg(handle) : sqlite3_errstr(rc);
      sqlite3_close_v2(handle);
      return result_type::failure("cannot open SQLite database '" + path + "': " + error
                                  + " (check --db and that the directory is writable)");
    }
    auto db = std::make_unique<sqlite_database>(handle, url);
    try {
      db->execute_script("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
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
