#include "persistence/lease.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "domain/clock.hpp"
#include "persistence/database.hpp"

namespace algomirror {

namespace {

std::string host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof(buf) - 1) != 0)
    return "unknown host";
  return buf;
}

bool is_sqlite(const std::string& url) {
  return url.rfind("sqlite:", 0) == 0;
}

/// The lock file of an SQLite database, or "" for an in-memory one (nothing to share).
std::string lock_path(const std::string& url) {
  auto path = url.substr(7);
  if (path.empty() || path == ":memory:" || path.rfind("file::memory:", 0) == 0)
    return {};
  return path + ".lock";
}

/// The `node_lease` row, when there is one (and the table exists).
std::optional<lease_holder> read_holder(database& db) {
  try {
    auto rows = db.query("SELECT host, pid, version, started_at, heartbeat_at FROM node_lease "
                         "WHERE id = 1 AND released_at IS NULL");
    if (rows.empty())
      return std::nullopt;
    auto& r = rows.front();
    lease_holder h;
    h.host = r[0].value_or("");
    h.pid = r[1] ? std::stoll(*r[1]) : 0;
    h.version = r[2].value_or("");
    h.since = r[3].value_or("");
    h.heartbeat = r[4].value_or("");
    return h;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::string refusal(const std::optional<lease_holder>& h) {
  auto who = h ? describe_holder(*h) : std::string{"another node (its lease row is not written yet)"};
  return "the database is held by " + who
         + ": stop it, or operate it with algomirror-console";
}

/// Does our PostgreSQL session hold an advisory lock (the lease)?
bool session_holds_lock(database& db) {
  auto rows = db.query("SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                       "AND pid = pg_backend_pid()");
  return !rows.empty() && rows.front()[0] && std::stoll(*rows.front()[0]) > 0;
}

bool try_lock(database& db) {
  auto rows = db.query("SELECT pg_try_advisory_lock(?)", {lease_lock_key});
  auto v = rows.empty() ? std::nullopt : rows.front()[0];
  return v && (*v == "t" || *v == "true" || *v == "1");
}

} // namespace

std::string describe_holder(const lease_holder& h) {
  std::string since = h.since;
  if (auto t = parse_iso8601(h.since))
    since = format_ist(*t);
  return "node on " + h.host + ", pid " + std::to_string(h.pid) + ", since " + since;
}

struct database_lease::impl {
  std::string url;
  std::string version;
  std::unique_ptr<database> db; ///< the lease's own connection (PostgreSQL: holds the lock)
  int lock_fd = -1;             ///< SQLite: the flock'd PATH.lock
  bool held = false;
  std::string problem;

  ~impl() {
    try {
      if (db && held) {
        db->execute("UPDATE node_lease SET released_at = heartbeat_at WHERE id = 1 AND pid = ?",
                    {int64_t{::getpid()}});
        if (!is_sqlite(url))
          db->query("SELECT pg_advisory_unlock_all()");
      }
    } catch (const std::exception&) {
      // The database is gone: its lock went with the connection.
    }
    db.reset();
    if (lock_fd >= 0) {
      ::flock(lock_fd, LOCK_UN);
      ::close(lock_fd);
    }
  }

  /// An in-memory SQLite database is private to its connection: nothing to record.
  bool records() const { return !is_sqlite(url) || !lock_path(url).empty(); }

  void write_row(utc_instant now) {
    if (!records())
      return;
    auto at = format_utc(now);
    db->execute("DELETE FROM node_lease WHERE id = 1");
    db->execute("INSERT INTO node_lease (id, host, pid, version, started_at, heartbeat_at) "
                "VALUES (1, ?, ?, ?, ?, ?)",
                {host_name(), int64_t{::getpid()}, version, at, at});
  }
};

database_lease::database_lease(std::unique_ptr<impl> p) : impl_(std::move(p)) {}

database_lease::~database_lease() = default;

result<std::unique_ptr<database_lease>> database_lease::acquire(const std::string& url,
                                                                const std::string& version,
                                                                utc_instant now) {
  using result_type = result<std::unique_ptr<database_lease>>;
  auto p = std::make_unique<impl>();
  p->url = url;
  p->version = version;
  auto db = open_database(url);
  if (!db)
    return result_type::failure(db.error());
  p->db = std::move(*db);
  try {
    if (is_sqlite(url)) {
      auto path = lock_path(url);
      if (!path.empty()) {
        p->lock_fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (p->lock_fd < 0)
          return result_type::failure("cannot open the lease file " + path + ": "
                                      + std::strerror(errno));
        if (::flock(p->lock_fd, LOCK_EX | LOCK_NB) != 0)
          return result_type::failure(refusal(read_holder(*p->db)));
      }
    } else if (!try_lock(*p->db)) {
      return result_type::failure(refusal(read_holder(*p->db)));
    }
    p->held = true;
  } catch (const std::exception& e) {
    return result_type::failure(std::string{"cannot take the database lease: "} + e.what());
  }
  try {
    p->write_row(now);
  } catch (const std::exception&) {
    // A database not migrated yet has no node_lease table: the first heartbeat writes the row.
  }
  return result_type{std::make_unique<database_lease>(std::move(p))};
}

bool database_lease::heartbeat(utc_instant now) {
  auto& p = *impl_;
  try {
    if (!is_sqlite(p.url)) {
      // The backend reconnects by itself after a drop; a new session holds no lock until it
      // takes it again, which fails while another node holds it.
      if (!session_holds_lock(*p.db) && !try_lock(*p.db)) {
        p.held = false;
        p.problem = refusal(read_holder(*p.db));
        return false;
      }
    }
    if (p.records()
        && p.db->execute("UPDATE node_lease SET heartbeat_at = ? WHERE id = 1 AND pid = ? AND "
                         "released_at IS NULL",
                         {format_utc(now), int64_t{::getpid()}})
             == 0)
      p.write_row(now); // first heartbeat after migration, or re-taken after a loss
    p.held = true;
    p.problem.clear();
  } catch (const std::exception& e) {
    if (!is_sqlite(p.url)) {
      p.held = false;
      p.problem = std::string{"the lease's database connection is down: "} + e.what();
    }
    // SQLite: the flock is held by the process whatever the row's write did.
  }
  return p.held;
}

bool database_lease::held() const {
  return impl_->held;
}

const std::string& database_lease::problem() const {
  return impl_->problem;
}

result<std::optional<lease_holder>> current_lease_holder(const std::string& url) {
  using result_type = result<std::optional<lease_holder>>;
  auto db = open_database(url);
  if (!db)
    return result_type::failure(db.error());
  try {
    if (is_sqlite(url)) {
      auto path = lock_path(url);
      if (path.empty())
        return result_type{std::optional<lease_holder>{}};
      int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
      if (fd < 0)
        return result_type::failure("cannot open the lease file " + path + ": "
                                    + std::strerror(errno));
      bool free = ::flock(fd, LOCK_EX | LOCK_NB) == 0;
      if (free)
        ::flock(fd, LOCK_UN);
      ::close(fd);
      if (free)
        return result_type{std::optional<lease_holder>{}};
    } else {
      if (try_lock(**db)) {
        (*db)->query("SELECT pg_advisory_unlock(?)", {lease_lock_key});
        return result_type{std::optional<lease_holder>{}};
      }
    }
    auto h = read_holder(**db);
    return result_type{h ? std::move(h) : std::optional<lease_holder>{lease_holder{"unknown host", 0, "", "", ""}}};
  } catch (const std::exception& e) {
    return result_type::failure(std::string{"cannot check the database lease: "} + e.what());
  }
}

} // namespace algomirror
