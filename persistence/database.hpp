#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "messages/result.hpp"
#include "persistence/schema.hpp"
#include "persistence/sql_value.hpp"

namespace algomirror {

/// A result row in text form (NULL = nullopt); both backends can give every type as text.
using sql_row = std::vector<std::optional<std::string>>;

/// The form of a statement that can be run for many rows at once: an INSERT of `columns`
/// doing nothing on a conflict with `conflict_key`, or an UPDATE of `columns` by id (the id
/// bound after them). Backends that can send many rows in one statement use it.
struct batch_shape {
  enum class form : uint8_t { insert, update };
  form kind = form::insert;
  std::string table;
  std::vector<std::string> columns;
  std::vector<schema::column_type> types;
  std::string conflict_key;    ///< insert only
  bool touch_updated_at = false; ///< update only
};

/// One database connection behind one interface: SQLite (embedded default) or PostgreSQL.
/// SQL is written once with `?` placeholders; the PostgreSQL backend renumbers them. Statements
/// are prepared once per connection and cached. Not thread-safe: owned by one thread (the
/// persistence actor's). Errors throw `database_error`.
class database {
public:
  virtual ~database() = default;

  virtual schema::dialect dialect() const = 0;

  /// "sqlite" or "postgresql".
  std::string_view backend() const {
    return dialect() == schema::dialect::sqlite ? "sqlite" : "postgresql";
  }

  /// The URL with any password masked, for logs and status.
  virtual const std::string& display_url() const = 0;

  /// Runs statements without parameters (DDL, pragmas); several separated by ';' allowed.
  virtual void execute_script(std::string_view sql) = 0;

  /// Runs one statement with bound parameters; returns the number of rows changed.
  virtual uint64_t execute(std::string_view sql, const std::vector<sql_value>& params = {}) = 0;

  /// Runs one query with bound parameters; returns its rows as text.
  virtual std::vector<sql_row> query(std::string_view sql,
                                     const std::vector<sql_value>& params = {}) = 0;

  /// Runs an INSERT and returns the new row's id.
  virtual int64_t insert(std::string_view sql, const std::vector<sql_value>& params) = 0;

  /// The id of the row the last `execute` inserted, when the backend knows it without a query
  /// (SQLite); only meaningful right after an INSERT that changed one row.
  virtual std::optional<int64_t> last_insert_id() const { return std::nullopt; }

  /// Runs `single_sql` (the one-row form of `shape`) for every row of `rows`; returns the rows
  /// changed. The default runs them one by one; PostgreSQL sends many rows per statement.
  virtual uint64_t execute_batch(const batch_shape& shape, const std::string& single_sql,
                                 const std::vector<const std::vector<sql_value>*>& rows) {
    (void) shape;
    uint64_t changed = 0;
    for (auto* row : rows)
      changed += execute(single_sql, *row);
    return changed;
  }

  /// Write-ahead log upkeep (SQLite; nothing for PostgreSQL). After `defer_checkpoints()` a
  /// commit no longer copies the log into the database when it has grown (SQLite's automatic
  /// checkpoint, a few milliseconds every thousand pages, inside whichever commit crosses the
  /// line): the owner calls `checkpoint()` when it suits it, `log_pages()` says how many pages
  /// of the log are not copied yet.
  virtual void defer_checkpoints() {}
  virtual uint64_t log_pages() const { return 0; }
  /// Copies the log into the database without waiting for readers (PASSIVE).
  virtual void checkpoint() {}

  virtual void begin() = 0;
  virtual void commit() = 0;
  virtual void rollback() = 0;
  virtual bool in_transaction() const = 0;
};

/// What a database call threw; `constraint` is set for unique / foreign-key / not-null
/// violations (bad input: report to the sender, do not retry), `transient` for errors worth
/// retrying (locked, busy, connection lost).
struct database_error : std::runtime_error {
  enum class kind : uint8_t { other, constraint, transient };
  kind what_kind;
  database_error(kind k, const std::string& message) : std::runtime_error(message), what_kind(k) {}
};

/// Opens `url` (`sqlite:PATH` or `postgresql://USER@HOST:PORT/DBNAME`). SQLite is opened
/// with WAL, synchronous=NORMAL, foreign keys on and a busy timeout; PostgreSQL sessions use
/// UTC.
/// How an SQLite database is opened: `create` makes the file when it is not there (the node,
/// the commands that write); `existing` refuses a file that is not there (commands that only
/// read: they would otherwise read a new, empty database and say there is nothing).
enum class open_mode { create, existing };

result<std::unique_ptr<database>> open_database(const std::string& url,
                                                open_mode mode = open_mode::create);

/// The SQLite file of `url` when it does not exist yet (opening it with `create` makes it);
/// empty for PostgreSQL, an in-memory database or a file that exists.
std::string new_sqlite_file(const std::string& url);

/// `url` with the password (if any) replaced by `***`.
std::string mask_password(const std::string& url);

} // namespace algomirror
