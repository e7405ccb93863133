// bench/persistence: rows/s of batched strategy_executions inserts and updates through the
// persistence actor, and the latency of a durable write, each beside the floor measured in the
// same run on the same machine (performance.md): a bare loop of prepared inserts in one
// transaction (SQLite), a bare COPY through pqxx::stream_to (PostgreSQL).

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <pqxx/pqxx>
#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "persistence/migrations.hpp"
#include "persistence/store.hpp"
#include "persistence/writes.hpp"

using namespace algomirror;
using bench_clock = std::chrono::steady_clock;

namespace {

struct parent_rows {
  int64_t strategy = 0, account = 0, leg = 0;
};

parent_rows make_parents(database& db) {
  auto user = db.insert("INSERT INTO users (username, email, password_hash) VALUES (?, ?, ?)",
                        {std::string{"bench"}, std::string{"bench@example.com"}, std::string{"h"}});
  parent_rows p;
  p.account = db.insert("INSERT INTO trading_accounts (user_id, account_name, broker) VALUES "
                        "(?, ?, ?)",
                        {user, std::string{"acc"}, std::string{"sim"}});
  p.strategy = db.insert("INSERT INTO strategies (user_id, name) VALUES (?, ?)",
                         {user, std::string{"bench"}});
  p.leg = db.insert("INSERT INTO strategy_legs (strategy_id, leg_number) VALUES (?, ?)",
                    {p.strategy, int64_t{1}});
  return p;
}

execution_state sample(const parent_rows& p, int i, const std::string& prefix) {
  execution_state x;
  x.write_id = prefix + std::to_string(i);
  x.strategy_id = p.strategy;
  x.account_id = p.account;
  x.leg_id = p.leg;
  x.inst = {"NIFTY25NOV2524000CE", exchange::nfo};
  x.action = i % 2 ? side::sell : side::buy;
  x.quantity = 65;
  x.entry_price = 100 + i % 50;
  x.last_price = 101;
  x.status = execution_status::entered;
  x.entry_order_ids = {"261125" + std::to_string(10000000 + i)};
  x.entered_at = utc_instant{std::chrono::seconds{1'764'000'000 + i}};
  x.underlying = "NIFTY";
  return x;
}

std::string as_text(const sql_value& v, bool& is_null) {
  is_null = false;
  return std::visit(
    [&](const auto& x) -> std::string {
      using T = std::decay_t<decltype(x)>;
      if constexpr (std::is_same_v<T, std::monostate>) {
        is_null = true;
        return {};
      } else if constexpr (std::is_same_v<T, bool>) {
        return x ? "true" : "false";
      } else if constexpr (std::is_same_v<T, std::string>) {
        return x;
      } else {
        return pqxx::to_string(x);
      }
    },
    v);
}

/// The floor for SQLite: the same INSERT, prepared once, bound and stepped in one transaction.
double sqlite_floor(const std::string& path, const parent_rows& p, int rows) {
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
               nullptr, nullptr, nullptr);
  auto first = prepare_write(sample(p, 0, "floor-"));
  const std::string& sql = *first.statements[0].sql;
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr);
  std::vector<prepared_write> writes;
  writes.reserve(static_cast<size_t>(rows));
  for (int i = 0; i < rows; ++i)
    writes.push_back(prepare_write(sample(p, i, "floor-")));
  auto start = bench_clock::now();
  sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
  for (auto& w : writes) {
    auto& values = w.statements[0].values;
    for (size_t k = 0; k < values.size(); ++k) {
      int pos = static_cast<int>(k + 1);
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
            sqlite3_bind_int(stmt, pos, v);
          else
            sqlite3_bind_text(stmt, pos, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
        },
        values[k]);
    }
    sqlite3_step(stmt);
    sqlite3_reset(stmt);
  }
  sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
  double secs = std::chrono::duration<double>(bench_clock::now() - start).count();
  sqlite3_finalize(stmt);
  sqlite3_exec(db, "DELETE FROM strategy_executions", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  return rows / secs;
}

/// libpqxx 6.4's stream_to takes tuples only: a row of `N` cells as a tuple.
template <size_t... I>
auto as_tuple(const std::vector<const char*>& row, std::index_sequence<I...>) {
  return std::make_tuple(row[I]...);
}

constexpr size_t execution_insert_columns = 27;

/// The floor for PostgreSQL: the same rows through COPY (pqxx::stream_to).
double postgresql_floor(const std::string& url, const parent_rows& p, int rows) {
  auto first = prepare_write(sample(p, 0, "floor-"));
  const std::string& sql = *first.statements[0].sql;
  // The column list of our INSERT, for COPY.
  auto open = sql.find('(');
  auto close = sql.find(')');
  std::vector<std::string> columns;
  std::string list = sql.substr(open + 1, close - open - 1);
  for (size_t k = 0; k < list.size();) {
    auto q1 = list.find('"', k);
    if (q1 == std::string::npos)
      break;
    auto q2 = list.find('"', q1 + 1);
    columns.push_back(list.substr(q1 + 1, q2 - q1 - 1));
    k = q2 + 1;
  }
  if (columns.size() != execution_insert_columns) {
    std::cerr << "the execution insert has " << columns.size() << " columns, the COPY floor "
              << execution_insert_columns << "\n";
    return 0;
  }
  std::vector<std::vector<std::string>> texts(static_cast<size_t>(rows));
  std::vector<std::vector<const char*>> cells(static_cast<size_t>(rows));
  for (int i = 0; i < rows; ++i) {
    auto w = prepare_write(sample(p, i, "floor-"));
    auto& values = w.statements[0].values;
    auto& t = texts[static_cast<size_t>(i)];
    t.resize(values.size());
    std::vector<bool> nulls(values.size());
    for (size_t k = 0; k < values.size(); ++k) {
      bool is_null = false;
      t[k] = as_text(values[k], is_null);
      nulls[k] = is_null;
    }
    for (size_t k = 0; k < values.size(); ++k)
      cells[static_cast<size_t>(i)].push_back(nulls[k] ? nullptr : t[k].c_str());
  }
  pqxx::connection conn{url};
  auto start = bench_clock::now();
  {
    pqxx::work tx{conn};
    pqxx::stream_to stream{tx, "strategy_executions", columns};
    for (auto& row : cells)
      stream << as_tuple(row, std::make_index_sequence<execution_insert_columns>{});
    stream.complete();
    tx.commit();
  }
  double secs = std::chrono::duration<double>(bench_clock::now() - start).count();
  pqxx::work tx{conn};
  tx.exec("DELETE FROM strategy_executions");
  tx.commit();
  return rows / secs;
}

/// Sends writes to the store with at most `window` unanswered, and answers `done` with the
/// number refused once all are answered.
struct pump_state {
  store_actor store;
  size_t window = 0;
  std::vector<execution_state> writes;
  size_t next = 0;
  size_t answered = 0;
  size_t refused = 0;
  caf::response_promise done;
  static inline const char* name = "bench_pump";
};

using pump_pointer = caf::stateful_actor<pump_state>*;

void pump_more(pump_pointer self) {
  auto& st = self->state;
  while (st.next < st.writes.size() && st.next - st.answered < st.window) {
    self->request(st.store, caf::infinite, write_atom_v, std::move(st.writes[st.next++]))
      .then(
        [self](caf::ok_atom) {
          ++self->state.answered;
          pump_more(self);
        },
        [self](caf::error&) {
          ++self->state.answered;
          ++self->state.refused;
          pump_more(self);
        });
  }
  if (st.answered == st.writes.size() && st.done.pending())
    st.done.deliver(static_cast<uint64_t>(st.refused));
}

caf::behavior pump(pump_pointer self, store_actor store, size_t window) {
  self->state.store = std::move(store);
  self->state.window = window;
  return {
    [self](std::vector<execution_state>& writes) {
      auto& st = self->state;
      st.writes = std::move(writes);
      st.next = st.answered = st.refused = 0;
      st.done = self->make_response_promise();
      pump_more(self);
      return st.done;
    },
  };
}

struct store_figures {
  double inserts_per_s = 0;
  double updates_per_s = 0;
  double durable_p50_us = 0;
  double durable_p99_us = 0;
};

store_figures through_store(caf::actor_system& sys, std::shared_ptr<database> db,
                            const parent_rows& p, int rows, int durable_samples,
                            store_config store_cfg, size_t window) {
  store_figures f;
  auto store = spawn_store(sys, db, store_cfg);
  // CAF 0.17 keeps a writer's outstanding requests in a structure that costs O(n) per
  // response: a window of two batches keeps the store busy without making the writer slow.
  auto driver = sys.spawn(pump, store, window);
  caf::scoped_actor self{sys};
  auto run = [&](std::vector<execution_state> writes) {
    auto start = bench_clock::now();
    self->request(driver, std::chrono::minutes{10}, std::move(writes))
      .receive([](uint64_t refused) {
                 if (refused != 0)
                   std::cerr << "warning: " << refused << " writes refused\n";
               },
               [&](caf::error& e) { std::cerr << "error: " << sys.render(e) << "\n"; });
    return std::chrono::duration<double>(bench_clock::now() - start).count();
  };
  std::vector<execution_state> creates;
  creates.reserve(static_cast<size_t>(rows));
  for (int i = 0; i < rows; ++i)
    creates.push_back(sample(p, i, "store-"));
  f.inserts_per_s = rows / run(creates);
  // Updates of every row, each execution once (no coalescing helps).
  auto ids = db->query("SELECT id FROM strategy_executions ORDER BY id");
  std::vector<execution_state> updates;
  updates.reserve(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    auto x = sample(p, static_cast<int>(i), "store-");
    x.execution_id = std::stoll(*ids[i][0]);
    x.last_price = 99.5;
    x.unrealized_pnl = -32.5;
    updates.push_back(std::move(x));
  }
  f.updates_per_s = static_cast<double>(updates.size()) / run(updates);
  // Durable writes, one at a time: acknowledged only after the commit.
  std::vector<double> latencies;
  for (int i = 0; i < durable_samples; ++i) {
    risk_event ev{"bench-risk-" + std::to_string(i), 0, 0, p.account, exit_reason::max_loss,
                  -5100, -5000, "exit_all", "bench", "{}",
                  utc_instant{std::chrono::seconds{1'764'000'000 + i}}};
    auto start = bench_clock::now();
    self->request(store, std::chrono::seconds{30}, durable_atom_v, std::move(ev))
      .receive([](uint64_t) {}, [&](caf::error& e) { std::cerr << sys.render(e) << "\n"; });
    latencies.push_back(
      std::chrono::duration<double, std::micro>(bench_clock::now() - start).count());
  }
  std::sort(latencies.begin(), latencies.end());
  if (!latencies.empty()) {
    f.durable_p50_us = latencies[latencies.size() / 2];
    f.durable_p99_us = latencies[std::min(latencies.size() - 1, latencies.size() * 99 / 100)];
  }
  self->send_exit(driver, caf::exit_reason::user_shutdown);
  self->send_exit(store, caf::exit_reason::user_shutdown);
  return f;
}

void line(const std::string& name, double value, const char* unit, double floor, double ratio) {
  if (floor > 0)
    std::printf("%-36s %12.0f %-6s floor %12.0f  ratio %5.1f%%\n", name.c_str(), value, unit,
                floor, ratio * 100);
  else
    std::printf("%-36s %12.1f %-6s\n", name.c_str(), value, unit);
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"Persistence benchmark: batched strategy_executions writes through the "
               "persistence actor beside bare-library floors",
               "bench-persistence"};
  int rows = 100'000;
  int durable_samples = 1'000;
  std::string pg_url;
  std::string dir = "/tmp";
  app.add_option("--rows", rows, "Rows inserted and updated")->capture_default_str();
  app.add_option("--durable-samples", durable_samples, "Durable writes timed one by one")
    ->capture_default_str();
  app.add_option("--pg", pg_url, "PostgreSQL URL (empty: SQLite only)")
    ->envname("ALGOMIRROR_BENCH_PG_URL");
  app.add_option("--dir", dir, "Directory for the SQLite file")->capture_default_str();
  store_config store_cfg;
  app.add_option("--batch-rows", store_cfg.batch_rows, "The store's batch size")
    ->capture_default_str();
  size_t window = 1'000;
  app.add_option("--window", window, "Writes the benchmark keeps unanswered")
    ->capture_default_str();
  bool low_latency = false;
  app.add_flag("--low-latency", low_latency,
               "Busy-poll scheduler workers (work-stealing.moderate-sleep-duration=0)");
  CLI11_PARSE(app, argc, argv);
  spdlog::set_level(spdlog::level::warn);

  caf::actor_system_config cfg;
  add_message_types(cfg);
  cfg.set("scheduler.max-threads", size_t{2});
  if (low_latency)
    cfg.set("work-stealing.moderate-sleep-duration", caf::timespan{0});
  caf::actor_system sys{cfg};
  bool pass = true;
  std::string decided;

  // SQLite.
  auto path = (std::filesystem::path{dir} / ("bench-persistence-" + std::to_string(::getpid())
                                             + ".db")).string();
  {
    auto db = std::shared_ptr<database>{std::move(*open_database("sqlite:" + path))};
    if (!migrate(*db)) {
      std::cerr << "cannot migrate " << path << "\n";
      return 1;
    }
    auto parents = make_parents(*db);
    auto floor = sqlite_floor(path, parents, rows);
    auto f = through_store(sys, db, parents, rows, durable_samples, store_cfg, window);
    std::printf("SQLite (%d rows, WAL, synchronous=NORMAL)\n", rows);
    line("sqlite.inserts", f.inserts_per_s, "rows/s", floor, f.inserts_per_s / floor);
    line("sqlite.updates", f.updates_per_s, "rows/s", floor, f.updates_per_s / floor);
    line("sqlite.durable_p50", f.durable_p50_us, "us", 0, 0);
    line("sqlite.durable_p99", f.durable_p99_us, "us", 0, 0);
    if (f.inserts_per_s < 0.5 * floor) {
      pass = false;
      decided += " sqlite.inserts below 50% of the floor;";
    }
    if (f.durable_p99_us > 2000) {
      pass = false;
      decided += " sqlite.durable_p99 above 2 ms;";
    }
  }
  for (auto suffix : {"", "-wal", "-shm"})
    std::filesystem::remove(path + suffix);

  // PostgreSQL.
  if (!pg_url.empty()) {
    auto opened = open_database(pg_url);
    if (!opened) {
      std::cerr << opened.error() << "\n";
      return 1;
    }
    auto db = std::shared_ptr<database>{std::move(*opened)};
    db->execute_script("DROP SCHEMA public CASCADE; CREATE SCHEMA public;");
    if (!migrate(*db)) {
      std::cerr << "cannot migrate " << pg_url << "\n";
      return 1;
    }
    auto parents = make_parents(*db);
    auto floor = postgresql_floor(pg_url, parents, rows);
    auto f = through_store(sys, db, parents, rows, durable_samples, store_cfg, window);
    std::printf("PostgreSQL (%d rows)\n", rows);
    line("postgresql.inserts", f.inserts_per_s, "rows/s", floor, f.inserts_per_s / floor);
    line("postgresql.updates", f.updates_per_s, "rows/s", floor, f.updates_per_s / floor);
    line("postgresql.durable_p50", f.durable_p50_us, "us", 0, 0);
    line("postgresql.durable_p99", f.durable_p99_us, "us", 0, 0);
    if (f.inserts_per_s < 0.3 * floor) {
      pass = false;
      decided += " postgresql.inserts below 30% of the floor;";
    }
  }
  if (pass)
    std::printf("PASS (sqlite inserts >= 50%% of floor, durable p99 <= 2 ms%s)\n",
                pg_url.empty() ? "" : ", postgresql inserts >= 30% of floor");
  else
    std::printf("BELOW TARGET:%s\n", decided.c_str());
  return 0;
}
