#define CAF_SUITE actors.store
#include "tests/actors/fixture.hpp"

#include <filesystem>

#include "persistence/migrations.hpp"
#include "persistence/store.hpp"

using namespace algomirror;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

/// A database that can be switched off: every call then fails like a database that is down
/// (transient), the way a stopped PostgreSQL or a locked SQLite file does.
class flaky_database final : public database {
public:
  explicit flaky_database(std::unique_ptr<database> real) : real_(std::move(real)) {}

  bool down = false;
  int begun = 0;

  schema::dialect dialect() const override { return real_->dialect(); }
  const std::string& display_url() const override { return real_->display_url(); }
  void execute_script(std::string_view sql) override {
    check();
    real_->execute_script(sql);
  }
  uint64_t execute(std::string_view sql, const std::vector<sql_value>& params) override {
    check();
    return real_->execute(sql, params);
  }
  std::vector<sql_row> query(std::string_view sql,
                             const std::vector<sql_value>& params) override {
    check();
    return real_->query(sql, params);
  }
  int64_t insert(std::string_view sql, const std::vector<sql_value>& params) override {
    check();
    return real_->insert(sql, params);
  }
  std::optional<int64_t> last_insert_id() const override { return real_->last_insert_id(); }
  void begin() override {
    check();
    ++begun;
    real_->begin();
  }
  void commit() override {
    check();
    real_->commit();
  }
  void rollback() override { real_->rollback(); }
  bool in_transaction() const override { return real_->in_transaction(); }
  void defer_checkpoints() override { real_->defer_checkpoints(); }
  uint64_t log_pages() const override { return real_->log_pages(); }
  void checkpoint() override {
    check();
    real_->checkpoint();
  }

private:
  void check() {
    if (down)
      throw database_error(database_error::kind::transient, "database is locked (test)");
  }
  std::unique_ptr<database> real_;
};

struct store_fixture : testing::fixture {
  std::filesystem::path dir;
  std::shared_ptr<flaky_database> db;
  store_actor store;
  int64_t account_id = 0;
  int64_t execution_id = 0;

  explicit store_fixture(store_config cfg = {}) {
    char name[] = "/tmp/algomirror-store-test-XXXXXX";
    CAF_REQUIRE(mkdtemp(name) != nullptr);
    dir = name;
    db = std::make_shared<flaky_database>(open("sqlite:" + (dir / "store.db").string()));
    CAF_REQUIRE(migrate(*db).ok());
    seed_rows();
    store = spawn_store(sys, db, cfg, false);
    run();
  }

  ~store_fixture() {
    db->down = false; // lets pending retries finish
    anon_send_exit(store, caf::exit_reason::user_shutdown);
    run();
    std::filesystem::remove_all(dir);
  }

  static std::unique_ptr<database> open(const std::string& url) {
    auto opened = open_database(url);
    if (!opened)
      CAF_FAIL(opened.error());
    return std::move(*opened);
  }

  /// A user, an account, a strategy with one leg and one execution row.
  void seed_rows() {
    auto user = db->insert("INSERT INTO users (username, email, password_hash) VALUES (?, ?, ?)",
                           {std::string{"u"}, std::string{"u@example.com"}, std::string{"h"}});
    account_id = db->insert("INSERT INTO trading_accounts (user_id, account_name, broker) "
                            "VALUES (?, ?, ?)",
                            {user, std::string{"acct"}, std::string{"b"}});
    auto strategy = db->insert("INSERT INTO strategies (user_id, name) VALUES (?, ?)",
                               {user, std::string{"s"}});
    auto leg = db->insert("INSERT INTO strategy_legs (strategy_id, leg_number) VALUES (?, ?)",
                          {strategy, int64_t{1}});
    execution_id = db->insert("INSERT INTO strategy_executions (strategy_id, account_id, leg_id, "
                              "status) VALUES (?, ?, ?, ?)",
                              {strategy, account_id, leg, std::string{"entered"}});
  }

  int64_t count(const std::string& sql, const std::vector<sql_value>& params = {}) {
    auto reader = open("sqlite:" + (dir / "store.db").string()); // a second connection
    return std::stoll(*reader->query(sql, params).at(0).at(0));
  }

  /// The store's statistics, delivering messages only: the fixture's request helper also
  /// fires timers, which never ends while the retry timer keeps re-arming (database down).
  store_stats stats() {
    store_stats result;
    auto pending = self->request(store, caf::infinite, caf::get_atom_v, stats_atom_v);
    sched.run();
    pending.receive([&](store_stats& s) { result = s; },
                    [&](caf::error& e) { CAF_FAIL("stats: " << sys.render(e)); });
    return result;
  }

  static activity_entry activity(int i, std::string action = "test") {
    return {"w" + std::to_string(i), 0, std::move(action), "{}", "test",
            utc_instant{std::chrono::seconds{1'764'000'000 + i}}};
  }

  execution_state execution_update(double last_price) {
    execution_state x;
    x.execution_id = execution_id;
    x.account_id = account_id;
    x.inst = {"NIFTY25NOV2524000CE", exchange::nfo};
    x.status = execution_status::entered;
    x.quantity = 65;
    x.entry_price = 100;
    x.last_price = last_price;
    x.unrealized_pnl = (last_price - 100) * 65;
    return x;
  }
};

/// A writer that records every answer of the store.
struct writer_state {
  int ok = 0;
  std::vector<caf::error> errors;
  std::vector<uint64_t> sequences;
  std::vector<int> ok_when_sequenced; ///< how many routine writes were answered before each
  std::vector<int64_t> ids;
  std::vector<std::vector<int64_t>> batches; ///< the ids of each batch of new executions
  static inline const char* name = "writer";
};

caf::behavior writer(caf::stateful_actor<writer_state>* self, store_actor store) {
  auto on_error = [self](caf::error& e) { self->state.errors.push_back(std::move(e)); };
  auto on_ok = [self](caf::ok_atom) { ++self->state.ok; };
  auto on_sequence = [self](uint64_t n) {
    self->state.sequences.push_back(n);
    self->state.ok_when_sequenced.push_back(self->state.ok);
  };
  auto on_id = [self](int64_t id) { self->state.ids.push_back(id); };
  return {
    [=](write_atom a, activity_entry& x) {
      self->request(store, caf::infinite, a, std::move(x)).then(on_ok, on_error);
    },
    [=](write_atom a, execution_state& x) {
      self->request(store, caf::infinite, a, std::move(x)).then(on_ok, on_error);
    },
    [=](durable_atom a, risk_event& x) {
      self->request(store, caf::infinite, a, std::move(x)).then(on_sequence, on_error);
    },
    [=](durable_atom a, order_intent& x) {
      self->request(store, caf::infinite, a, std::move(x)).then(on_sequence, on_error);
    },
    [=](durable_atom a, exit_claim& x) {
      self->request(store, caf::infinite, a, std::move(x)).then(on_sequence, on_error);
    },
    [=](durable_atom a, execution_state& x) {
      self->request(store, caf::infinite, a, std::move(x)).then(on_id, on_error);
    },
    [=](durable_atom a, std::vector<execution_state>& rows) {
      self->request(store, caf::infinite, a, std::move(rows))
        .then([self](std::vector<int64_t>& ids) { self->state.batches.push_back(std::move(ids)); },
              on_error);
    },
  };
}

struct store_test : store_fixture {
  caf::actor client;

  explicit store_test(store_config cfg = {}) : store_fixture(cfg) {
    client = sys.spawn(writer, store);
    run();
  }

  writer_state& answers() { return deref<caf::stateful_actor<writer_state>>(client).state; }

  /// Delivers every message, fires no timer.
  void deliver() { sched.run(); }

  std::string error_text(size_t i) { return sys.render(answers().errors.at(i)); }
};

struct small_queue_test : store_test {
  small_queue_test() : store_test(store_config{milliseconds{100}, 500, 10}) {}
};

/// A log checkpointed from 4 pages after 200 ms without a commit; at `bound` pages at once.
store_config checkpointing(uint64_t bound) {
  store_config cfg;
  cfg.checkpoint_pages = 4;
  cfg.checkpoint_idle = milliseconds{200};
  cfg.checkpoint_pages_max = bound;
  return cfg;
}

struct checkpoint_test : store_test {
  checkpoint_test() : store_test(checkpointing(1'000'000)) {}

  /// 200 routine rows, committed by the flush timer 100 ms later.
  void write_round(int round) {
    for (int i = 0; i < 200; ++i)
      caf::anon_send(client, write_atom_v, activity(round * 200 + i));
    deliver();
    advance_time(milliseconds{100});
    deliver();
  }
};

struct bounded_log_test : checkpoint_test {
  bounded_log_test() {
    // The same store with a bound of 8 pages (the fixture's is made again).
    anon_send_exit(store, caf::exit_reason::user_shutdown);
    run();
    store = spawn_store(sys, db, checkpointing(8), false);
    client = sys.spawn(writer, store);
    run();
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(store_tests, store_test)

CAF_TEST(routine writes wait for the flush timer and share one transaction) {
  auto before = stats().transactions;
  for (int i = 0; i < 100; ++i)
    caf::anon_send(client, write_atom_v, activity(i));
  deliver();
  CAF_CHECK_EQUAL(answers().ok, 0); // nothing is answered before its transaction commits
  CAF_CHECK_EQUAL(count("SELECT COUNT(*) FROM activity_logs"), 0);
  advance_time(milliseconds{100});
  deliver();
  CAF_CHECK_EQUAL(answers().ok, 100);
  CAF_CHECK_EQUAL(stats().transactions, before + 1);
  CAF_CHECK_EQUAL(stats().rows_written, 100u);
  CAF_CHECK_EQUAL(count("SELECT COUNT(*) FROM activity_logs"), 100);
}

CAF_TEST(a full batch is written without waiting for the timer) {
  for (int i = 0; i < 500; ++i)
    caf::anon_send(client, write_atom_v, activity(i));
  deliver();
  CAF_CHECK_EQUAL(answers().ok, 500);
  CAF_CHECK_EQUAL(stats().transactions, 4u); // in chunks of 128 rows
}

CAF_TEST(a durable write behind a routine backlog waits for one chunk of it) {
  // 600 order rows queued at once (the full batch at 500 starts the flush), an exit claim amid
  // them: it is committed with the next chunk (its answer comes after that chunk's 128 rows and
  // the first chunk's), not after the whole backlog.
  for (int i = 0; i < 550; ++i)
    caf::anon_send(client, write_atom_v, activity(i));
  exit_claim claim{"claim-7", execution_id, exit_reason::max_loss, 1,
                   utc_instant{seconds{1'764'000'400}}, {}};
  caf::anon_send(client, durable_atom_v, claim);
  for (int i = 550; i < 600; ++i)
    caf::anon_send(client, write_atom_v, activity(i));
  deliver();
  CAF_REQUIRE_EQUAL(answers().ok_when_sequenced.size(), 1u);
  CAF_CHECK_LESS_OR_EQUAL(answers().ok_when_sequenced[0], 256);
  CAF_CHECK_EQUAL(answers().ok, 600); // the rest followed without waiting for the timer
  CAF_CHECK_EQUAL(count("SELECT COUNT(*) FROM activity_logs"), 600);
}

CAF_TEST(a replayed write changes nothing twice) {
  caf::anon_send(client, write_atom_v, activity(7));
  caf::anon_send(client, write_atom_v, activity(7)); // the same write id
  deliver();
  advance_time(milliseconds{100});
  deliver();
  CAF_CHECK_EQUAL(answers().ok, 2);
  CAF_CHECK_EQUAL(count("SELECT COUNT(*) FROM activity_logs WHERE write_id = 'w7'"), 1);
}

CAF_TEST(updates of one execution are coalesced and written at most once a second) {
  for (int i = 1; i <= 5; ++i)
    caf::anon_send(client, write_atom_v, execution_update(100 + i));
  deliver();
  advance_time(milliseconds{100});
  deliver();
  CAF_CHECK_EQUAL(answers().ok, 5);
  CAF_CHECK_EQUAL(stats().writes_coalesced, 4u);
  CAF_CHECK_EQUAL(stats().rows_written, 1u);
  CAF_CHECK_EQUAL(count("SELECT last_price FROM strategy_executions WHERE id = ?",
                        {execution_id}),
                  105);
  // Within a second of that write, the next update waits for the window to pass.
  caf::anon_send(client, write_atom_v, execution_update(120));
  deliver();
  advance_time(milliseconds{100});
  deliver();
  CAF_CHECK_EQUAL(answers().ok, 5);
  CAF_CHECK_EQUAL(count("SELECT last_price FROM strategy_executions WHERE id = ?",
                        {execution_id}),
                  105);
  advance_time(milliseconds{1000});
  deliver();
  CAF_CHECK_EQUAL(answers().ok, 6);
  CAF_CHECK_EQUAL(count("SELECT last_price FROM strategy_executions WHERE id = ?",
                        {execution_id}),
                  120);
}

CAF_TEST(a durable write is on disk when it is acknowledged) {
  risk_event ev{"risk-1", 0, execution_id, account_id, exit_reason::max_loss, -5100, -5000,
                "exit_all", "max loss", "{}", utc_instant{seconds{1'764'000'000}}};
  caf::anon_send(client, durable_atom_v, ev);
  deliver(); // no timer: durable writes are committed at once
  CAF_REQUIRE_EQUAL(answers().sequences.size(), 1u);
  CAF_CHECK_EQUAL(count("SELECT COUNT(*) FROM risk_events WHERE write_id = 'risk-1' AND "
                        "event_type = 'max_loss'"),
                  1);
}

CAF_TEST(a new execution row answers its id and replaying the creation finds the same row) {
  auto x = execution_update(0);
  x.execution_id = 0;
  x.write_id = "create-exec-1";
  x.strategy_id = 1;
  x.leg_id = 1;
  x.status = execution_status::pending;
  caf::anon_send(client, durable_atom_v, x);
  caf::anon_send(client, durable_atom_v, x);
  deliver();
  CAF_REQUIRE_EQUAL(answers().ids.size(), 2u);
  CAF_CHECK(answers().ids[0] > execution_id);
  CAF_CHECK_EQUAL(answers().ids[0], answers().ids[1]);
  CAF_CHECK_EQUAL(count("SELECT COUNT(*) FROM strategy_executions"), 2);
}

CAF_TEST(a run s new executions are one request and one transaction and answer their ids in order) {
  std::vector<execution_state> rows;
  for (auto name : {"batch-a", "batch-b", "batch-c"}) {
    auto x = execution_update(0);
    x.execution_id = 0;
    x.write_id = name;
    x.strategy_id = 1;
    x.leg_id = 1;
    x.status = execution_status::pending;
    rows.push_back(x);
  }
  auto before = stats().transactions;
  caf::anon_send(client, durable_atom_v, rows);
  deliver();
  CAF_REQUIRE_EQUAL(answers().batches.size(), 1u);
  auto& ids = answers().batches[0];
  CAF_REQUIRE_EQUAL(ids.size(), 3u);
  // Each id is its own row's: the rows found again by their write ids, in the order sent.
  for (size_t i = 0; i < 3; ++i)
    CAF_CHECK_EQUAL(ids[i], count("SELECT id FROM strategy_executions WHERE write_id = ?",
                                  {rows[i].write_id}));
  CAF_CHECK_EQUAL(stats().transactions, before + 1);
  // Replayed (a retry after a lost answer): the same rows, the same ids, nothing twice.
  caf::anon_send(client, durable_atom_v, rows);
  deliver();
  CAF_REQUIRE_EQUAL(answers().batches.size(), 2u);
  CAF_CHECK_EQUAL(answers().batches[1], answers().batches[0]);
  CAF_CHECK_EQUAL(count("SELECT COUNT(*) FROM strategy_executions"), 4);
  // A bad row: the request is refused with the field named (the run fails, no order goes).
  rows[1].write_id = "batch-d";
  rows[1].inst.symbol = std::string(101, 'X');
  caf::anon_send(client, durable_atom_v, rows);
  deliver();
  CAF_REQUIRE_EQUAL(answers().errors.size(), 1u);
  CAF_CHECK(error_text(0).find("strategy_executions.symbol") != std::string::npos);
  CAF_CHECK_EQUAL(answers().batches.size(), 2u);
}

CAF_TEST(a routine row told without asking is written and a bad one is refused without harm) {
  // The actors tell their routine rows (store_routine): no answer goes anywhere.
  caf::anon_send(store, write_atom_v, activity(1));
  caf::anon_send(store, write_atom_v, activity(2, std::string(101, 'x'))); // too long
  caf::anon_send(store, write_atom_v, activity(3));
  deliver();
  advance_time(milliseconds{100});
  deliver();
  CAF_CHECK_EQUAL(count("SELECT COUNT(*) FROM activity_logs"), 2);
  auto s = stats();
  CAF_CHECK_EQUAL(s.writes_rejected, 1u);
  CAF_CHECK_EQUAL(s.rows_written, 2u);
  CAF_CHECK_EQUAL(answers().ok, 0); // the writer asked nothing
  CAF_CHECK(answers().errors.empty());
}

CAF_TEST(bad input is refused with the field named and does not poison the batch) {
  caf::anon_send(client, write_atom_v, activity(1));
  caf::anon_send(client, write_atom_v, activity(2, std::string(101, 'x'))); // too long
  caf::anon_send(client, write_atom_v, activity(3));
  deliver();
  CAF_REQUIRE_EQUAL(answers().errors.size(), 1u);
  CAF_CHECK(error_text(0).find("activity_logs.action: 101 characters, at most 100") != std::string::npos);
  // An intent for an account that does not exist passes our checks but not the database's:
  // it is refused, and the good writes of the same transaction still land.
  order_intent bad{"intent-bad", 999'999, 0, 0, 1, {"NIFTY", exchange::nfo}, side::buy,
                   product::mis, price_type::market, 65, 0, 0, "AM:0:0:1",
                   utc_instant{seconds{1'764'000'000}}};
  risk_event good{"risk-good", 0, execution_id, account_id, exit_reason::max_loss, -5100, -5000,
                  "exit_all", "max loss", "{}", utc_instant{seconds{1'764'000'000}}};
  caf::anon_send(client, durable_atom_v, bad);
  caf::anon_send(client, durable_atom_v, good); // the same group commit
  deliver();
  CAF_REQUIRE_EQUAL(answers().errors.size(), 2u);
  CAF_CHECK(error_text(1).find("invalid_input") != std::string::npos);
  CAF_CHECK(error_text(1).find("FOREIGN KEY") != std::string::npos);
  CAF_CHECK_EQUAL(answers().sequences.size(), 1u);
  CAF_CHECK_EQUAL(count("SELECT COUNT(*) FROM risk_events WHERE write_id = 'risk-good'"), 1);
  CAF_CHECK_EQUAL(count("SELECT COUNT(*) FROM order_intents"), 0);
  // The routine writes wait for their timer (exits first), and land.
  advance_time(milliseconds{100});
  deliver();
  CAF_CHECK_EQUAL(answers().ok, 2);
  CAF_CHECK_EQUAL(count("SELECT COUNT(*) FROM activity_logs"), 2);
}

CAF_TEST(durable writes go first and the routine queue waits for its timer) {
  auto before = stats().transactions;
  for (int i = 0; i < 50; ++i) // an entry's order rows, say
    caf::anon_send(client, write_atom_v, activity(i));
  order_intent exit_intent{"x1-1.0-7", account_id, 0, 0, 1, {"NIFTY", exchange::nfo},
                           side::sell, product::mis, price_type::market, 65, 0, 0, "AM:0:0:1",
                           utc_instant{seconds{1'764'000'000}}};
  caf::anon_send(client, durable_atom_v, exit_intent);
  deliver();
  CAF_REQUIRE_EQUAL(answers().sequences.size(), 1u);
  CAF_CHECK_EQUAL(stats().transactions, before + 1);
  CAF_CHECK_EQUAL(stats().rows_written, 1u); // the intent alone
  CAF_CHECK_EQUAL(count("SELECT COUNT(*) FROM order_intents"), 1);
  CAF_CHECK_EQUAL(count("SELECT COUNT(*) FROM activity_logs"), 0);
  CAF_CHECK_EQUAL(answers().ok, 0);
  advance_time(milliseconds{100});
  deliver();
  CAF_CHECK_EQUAL(answers().ok, 50);
  CAF_CHECK_EQUAL(count("SELECT COUNT(*) FROM activity_logs"), 50);
}

CAF_TEST(an exit claim that comes with its order s intent is stored first in its transaction) {
  auto before = stats().transactions;
  order_intent exit_intent{"x1-1.0-7", account_id, 0, execution_id, 1, {"NIFTY", exchange::nfo},
                           side::sell, product::mis, price_type::market, 65, 0, 0, "AM:0:1:1",
                           utc_instant{seconds{1'764'000'000}}, false,
                           exit_claim{"claim:1:1", execution_id, exit_reason::max_loss, 1,
                                      utc_instant{seconds{1'764'000'000}}, {}}};
  caf::anon_send(client, durable_atom_v, exit_intent);
  deliver();
  CAF_REQUIRE_EQUAL(answers().sequences.size(), 1u); // the intent's answer, once both are in
  CAF_CHECK_EQUAL(stats().transactions, before + 1);
  CAF_CHECK_EQUAL(stats().rows_written, 2u);
  CAF_CHECK_EQUAL(count("SELECT COUNT(*) FROM strategy_executions WHERE status = 'exit_pending' "
                        "AND exit_reason = 'max_loss' AND exit_retry_count = 1"),
                  1);
  CAF_CHECK_EQUAL(count("SELECT COUNT(*) FROM order_intents"), 1);
  // A claim the database refuses (no such execution) does not hold its intent back.
  exit_intent.intent_id = "x1-2.0-7";
  exit_intent.claim.write_id = "claim:1:2";
  exit_intent.claim.execution_id = 999'999;
  caf::anon_send(client, durable_atom_v, exit_intent);
  deliver();
  CAF_CHECK_EQUAL(answers().sequences.size(), 2u);
  CAF_CHECK(answers().errors.empty());
  CAF_CHECK_EQUAL(count("SELECT COUNT(*) FROM order_intents"), 2);
}

CAF_TEST(an exit claim takes the execution row queued before it along and is not undone) {
  // A P&L write of the execution (status entered), then its claim: the claim goes first of the
  // queue, and with it that row, before it; written after it, the row would undo the claim.
  caf::anon_send(client, write_atom_v, execution_update(111));
  deliver();
  exit_claim claim{"claim-9", execution_id, exit_reason::max_loss, 1,
                   utc_instant{seconds{1'764'000'300}}, {}};
  caf::anon_send(client, durable_atom_v, claim);
  deliver();
  CAF_REQUIRE_EQUAL(answers().sequences.size(), 1u);
  CAF_CHECK_EQUAL(answers().ok, 1);
  CAF_CHECK_EQUAL(count("SELECT last_price FROM strategy_executions WHERE id = ?", {execution_id}),
                  111);
  advance_time(milliseconds{2000});
  deliver();
  CAF_CHECK_EQUAL(count("SELECT COUNT(*) FROM strategy_executions WHERE id = ? AND status = "
                        "'exit_pending' AND exit_retry_count = 1",
                        {execution_id}),
                  1);
  CAF_CHECK_EQUAL(stats().queued, 0u);
}

CAF_TEST(while the database is down an exit order intent is answered at once and an entry one waits) {
  db->down = true;
  caf::anon_send(client, write_atom_v, activity(1));
  deliver();
  advance_time(milliseconds{100}); // the flush fails: the database is down
  deliver();
  CAF_REQUIRE_EQUAL(stats().database_up, false);
  order_intent exit_intent{"x1-1.0-7", account_id, 0, 0, 1, {"NIFTY", exchange::nfo},
                           side::sell, product::mis, price_type::market, 65, 0, 0, "AM:0:0:1",
                           utc_instant{seconds{1'764'000'000}}};
  auto entry_intent = exit_intent;
  entry_intent.intent_id = "e1-7";
  entry_intent.attempt = 0;
  entry_intent.action = side::buy;
  caf::anon_send(client, durable_atom_v, exit_intent);
  caf::anon_send(client, durable_atom_v, entry_intent);
  deliver();
  CAF_REQUIRE_EQUAL(answers().errors.size(), 1u); // the exit's: it goes out anyway
  CAF_CHECK(error_text(0).find("the exit order's intent is not durable yet") != std::string::npos);
  CAF_CHECK_EQUAL(answers().sequences.size(), 0u); // the entry's waits for the database
  db->down = false;
  advance_time(milliseconds{5000});
  deliver();
  CAF_CHECK_EQUAL(answers().sequences.size(), 1u);
  CAF_CHECK_EQUAL(count("SELECT COUNT(*) FROM order_intents"), 2);
}

CAF_TEST(an update of a missing row is refused) {
  auto x = execution_update(110);
  x.execution_id = 424242;
  caf::anon_send(client, write_atom_v, x);
  deliver();
  advance_time(milliseconds{100});
  deliver();
  CAF_REQUIRE_EQUAL(answers().errors.size(), 1u);
  CAF_CHECK(error_text(0).find("no row to update") != std::string::npos);
}

CAF_TEST(an outage keeps every write and writes each exactly once when the database is back) {
  for (int i = 0; i < 10; ++i)
    caf::anon_send(client, write_atom_v, activity(i));
  deliver();
  db->down = true;
  advance_time(milliseconds{100}); // the flush fails: the database is down
  deliver();
  CAF_CHECK_EQUAL(stats().database_up, false);
  CAF_CHECK_EQUAL(stats().outages, 1u);
  CAF_CHECK_EQUAL(answers().ok, 0);
  for (int i = 10; i < 20; ++i)
    caf::anon_send(client, write_atom_v, activity(i));
  // An exit claim is answered at once, not durable yet, and stays queued.
  exit_claim claim{"claim-1", execution_id, exit_reason::stop_loss, 1,
                   utc_instant{seconds{1'764'000'100}}, {}};
  caf::anon_send(client, durable_atom_v, claim);
  deliver();
  CAF_REQUIRE_EQUAL(answers().errors.size(), 1u);
  CAF_CHECK(error_text(0).find("storage_down") != std::string::npos);
  // Retries back off while it stays down, and the outage counts once.
  for (int i = 0; i < 5; ++i) {
    advance_time(milliseconds{5000});
    deliver();
  }
  CAF_CHECK_EQUAL(stats().outages, 1u);
  CAF_CHECK(stats().failed_flushes >= 3u);
  db->down = false;
  advance_time(milliseconds{5000});
  deliver();
  CAF_CHECK_EQUAL(stats().database_up, true);
  CAF_CHECK_EQUAL(answers().ok, 20);
  CAF_CHECK_EQUAL(count("SELECT COUNT(*) FROM activity_logs"), 20);
  CAF_CHECK_EQUAL(count("SELECT COUNT(DISTINCT write_id) FROM activity_logs"), 20);
  CAF_CHECK_EQUAL(count("SELECT COUNT(*) FROM strategy_executions WHERE status = 'exit_pending' "
                        "AND exit_reason = 'stop_loss' AND exit_retry_count = 1"),
                  1);
  CAF_CHECK_EQUAL(stats().queued, 0u);
}

CAF_TEST(flush writes everything queued and answers after the commit) {
  for (int i = 0; i < 3; ++i)
    caf::anon_send(client, write_atom_v, activity(i));
  deliver();
  auto flushed = request<store_stats>(store, caf::flush_atom_v);
  CAF_CHECK_EQUAL(flushed.queued, 0u);
  CAF_CHECK_EQUAL(count("SELECT COUNT(*) FROM activity_logs"), 3);
}

CAF_TEST_FIXTURE_SCOPE_END()

CAF_TEST_FIXTURE_SCOPE(store_bound_tests, small_queue_test)

CAF_TEST(a full queue pushes back on routine writes but never on durable ones) {
  db->down = true; // nothing drains the queue
  for (int i = 0; i < 12; ++i)
    caf::anon_send(client, write_atom_v, activity(i));
  deliver();
  CAF_REQUIRE_EQUAL(answers().errors.size(), 2u);
  CAF_CHECK(error_text(0).find("queue is full") != std::string::npos);
  exit_claim claim{"claim-2", execution_id, exit_reason::max_loss, 1,
                   utc_instant{seconds{1'764'000'200}}, {}};
  caf::anon_send(client, durable_atom_v, claim);
  deliver();
  CAF_CHECK_EQUAL(stats().queued, 11u); // the claim was taken past the bound
  db->down = false;
  advance_time(milliseconds{5000});
  deliver();
  CAF_CHECK_EQUAL(answers().ok, 10);
  CAF_CHECK_EQUAL(count("SELECT COUNT(*) FROM strategy_executions WHERE status = 'exit_pending'"),
                  1);
}

CAF_TEST_FIXTURE_SCOPE_END()

CAF_TEST_FIXTURE_SCOPE(store_checkpoint_tests, checkpoint_test)

CAF_TEST(the log is copied into the database once writes settle and never between them) {
  for (int round = 0; round < 3; ++round) {
    write_round(round);
    CAF_CHECK_EQUAL(stats().checkpoints, 0u); // a commit every 100 ms: never 200 ms idle
  }
  auto pages = db->log_pages();
  CAF_CHECK_GREATER_OR_EQUAL(pages, 4u);
  advance_time(milliseconds{200});
  deliver();
  CAF_CHECK_EQUAL(stats().checkpoints, 1u);
  CAF_CHECK_EQUAL(db->log_pages(), 0u);
  CAF_CHECK_EQUAL(count("SELECT COUNT(*) FROM activity_logs"), 600);
  // Idle with the log copied: nothing more.
  advance_time(milliseconds{1000});
  deliver();
  CAF_CHECK_EQUAL(stats().checkpoints, 1u);
}

CAF_TEST_FIXTURE_SCOPE_END()

CAF_TEST_FIXTURE_SCOPE(store_bounded_log_tests, bounded_log_test)

CAF_TEST(a log past its bound is copied while writes go on) {
  uint64_t most = 0;
  for (int round = 0; round < 6; ++round) {
    write_round(round);
    most = std::max(most, db->log_pages());
  }
  CAF_CHECK_GREATER_OR_EQUAL(stats().checkpoints, 1u); // never idle, copied all the same
  CAF_CHECK_LESS(most, 8u + 40u);         // about one round's pages past the bound at most
  CAF_CHECK_EQUAL(count("SELECT COUNT(*) FROM activity_logs"), 1200);
}

CAF_TEST_FIXTURE_SCOPE_END()
