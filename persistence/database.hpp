#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "domain/result.hpp"

namespace algomirror {

/// One database connection behind one interface: SQLite (embedded default) or PostgreSQL.
/// Not thread-safe: owned by the persistence actor's thread.
class database {
public:
  virtual ~database() = default;

  /// "sqlite" or "postgresql".
  virtual std::string_view backend() const = 0;

  /// The URL with any password masked, for logs and status.
  virtual const std::string& display_url() const = 0;

  /// Runs statements without parameters (schema, pragmas). Throws std::runtime_error.
  virtual void execute(std::string_view sql) = 0;
};

/// Opens `url` (`sqlite:PATH` or `postgresql://USER@HOST:PORT/DBNAME`). SQLite is opened
/// with WAL, synchronous=NORMAL, foreign keys on and a busy timeout.
result<std::unique_ptr<database>> open_database(const std::string& url);

/// `url` with the password (if any) replaced by `***`.
std::string mask_password(const std::string& url);

} // namespace algomirror
