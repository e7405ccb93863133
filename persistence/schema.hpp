#pragma once

// The database schema as data: one definition, rendered into SQLite's or PostgreSQL's DDL by
// `render_*` (the only place that knows the dialect differences). The tables are the seed's
// (../shared/seed/algomirror-database-schema.md) plus what the rules need (architecture.md,
// Persistence): strategy_runs, run ids, exit attempts, claim and retry times, child order ids.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "persistence/sql_value.hpp"

namespace algomirror::schema {

enum class dialect : uint8_t { sqlite, postgresql };

enum class column_type : uint8_t {
  id,        ///< the primary key, auto-increment
  reference, ///< a foreign key to another table's id
  integer,
  big_integer,
  real,      ///< a price or a ratio without fixed decimals (double precision)
  money,     ///< NUMERIC(14,2) in PostgreSQL, REAL in SQLite (trading-rules.md §7)
  boolean,
  varchar,   ///< with a length we check ourselves (SQLite ignores it)
  text,
  timestamp, ///< UTC, 'YYYY-MM-DD HH:MM:SS.ffffff'
  date,      ///< 'YYYY-MM-DD'
  time,      ///< 'HH:MM:SS' (IST wall-clock time)
  json,
};

enum column_flags : unsigned {
  none = 0,
  not_null = 1,
  unique = 2,
};

struct column {
  std::string name;
  column_type type = column_type::text;
  int length = 0;                ///< varchar only
  unsigned flags = none;
  std::string default_value;     ///< SQL literal valid in both dialects; empty = none
  std::string references;        ///< table for column_type::reference
  std::string on_delete;         ///< CASCADE | SET NULL (references only)
};

struct index {
  std::vector<std::string> columns;
  bool unique = false;
};

struct table {
  std::string name;
  std::vector<column> columns;
  std::vector<std::vector<std::string>> unique_constraints;
  std::vector<index> indexes;

  const column* find(std::string_view column_name) const;
};

/// Every table, in creation order (referenced tables first).
const std::vector<table>& tables();

/// The table named `name`, or nullptr.
const table* find_table(std::string_view name);

/// CREATE TABLE (columns, defaults, foreign keys, unique constraints) in `d`.
std::string render_create_table(const table& t, dialect d);

/// CREATE INDEX statements of `t` (named ix_<table>__<columns>).
std::vector<std::string> render_indexes(const table& t, dialect d);

/// Checks values against the column definitions of `t` before they reach the database:
/// unknown columns, text longer than a VARCHAR's length (SQLite does not enforce it), NULL in
/// a NOT NULL column. Returns the first problem as "table.column: what is wrong", or "".
/// `columns[i]` names the column of `values[i]`.
std::string check_values(const table& t, const std::vector<std::string>& columns,
                         const std::vector<sql_value>& values);

/// The same check for values already matched to their column definitions (hot path: the
/// definitions are looked up once per kind of write, not per value).
std::string check_values(const std::string& table_name, const std::vector<const column*>& defs,
                         const std::vector<sql_value>& values);

/// ALTER TABLE ... ADD COLUMN for a column of `t` that an older database lacks. SQLite cannot
/// add a column whose default is not a constant (CURRENT_TIMESTAMP): such a column is added
/// without its default there (the writes set it).
std::string render_add_column(const table& t, const column& c, dialect d);

/// DROP TABLE.
std::string render_drop_table(const table& t, dialect d);

} // namespace algomirror::schema
