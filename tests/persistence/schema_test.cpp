// The schema, migrations and the database interface, on one backend: compiled twice, for
// SQLite (a temporary file) and for PostgreSQL (ALGOMIRROR_TEST_PG_URL, a private server the
// test command starts), so the same tests run on both.
#ifdef ALGOMIRROR_TEST_POSTGRESQL
#  define CAF_SUITE persistence.postgresql
#else
#  define CAF_SUITE persistence.sqlite
#endif
#include "tests/test.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <map>
#include <set>
#include <unistd.h>

#include "domain/clock.hpp"
#include "domain/reconcile.hpp"
#include "persistence/database.hpp"
#include "persistence/loaders.hpp"
#include "persistence/admin.hpp"
#include "persistence/calendar_admin.hpp"
#include "persistence/upkeep.hpp"
#include "domain/calendar.hpp"
#include "persistence/lease.hpp"
#include "persistence/migrations.hpp"
#include "persistence/json_columns.hpp"
#include "persistence/writes.hpp"

using namespace algomirror;

namespace {

/// A fresh, empty database of the backend under test.
struct fresh_database {
  std::unique_ptr<database> db;
  std::string path;

  fresh_database() {
#ifdef ALGOMIRROR_TEST_POSTGRESQL
    auto env = std::getenv("ALGOMIRROR_TEST_PG_URL");
    CAF_REQUIRE(env != nullptr);
    auto opened = open_database(env);
    if (!opened)
      CAF_FAIL(opened.error());
    db = std::move(*opened);
    db->execute_script("DROP SCHEMA public CASCADE; CREATE SCHEMA public;");
#else
    char name[] = "/tmp/algomirror-schema-test-XXXXXX";
    CAF_REQUIRE(mkdtemp(name) != nullptr);
    path = name;
    auto opened = open_database("sqlite:" + path + "/test.db");
    if (!opened)
      CAF_FAIL(opened.error());
    db = std::move(*opened);
#endif
  }

  ~fresh_database() {
    db.reset();
    if (!path.empty())
      std::filesystem::remove_all(path);
  }
};

int64_t count(database& db, const std::string& sql, const std::vector<sql_value>& params = {}) {
  auto rows = db.query(sql, params);
  return std::stoll(*rows.at(0).at(0));
}

/// A description of the schema as the database reports it, to compare before and after.
std::set<std::string> describe_schema(database& db) {
  std::set<std::string> out;
  if (db.dialect() == schema::dialect::sqlite) {
    for (auto& row : db.query("SELECT type, name, sql FROM sqlite_master "
                              "WHERE name NOT LIKE 'sqlite_%' ORDER BY name"))
      out.insert(row[0].value_or("") + " " + row[1].value_or("") + " " + row[2].value_or(""));
  } else {
    for (auto& row : db.query("SELECT table_name, column_name, data_type, "
                              "COALESCE(column_default, ''), is_nullable "
                              "FROM information_schema.columns WHERE table_schema = 'public'"))
      out.insert(*row[0] + "." + *row[1] + " " + *row[2] + " " + *row[3] + " " + *row[4]);
    for (auto& row : db.query("SELECT indexname, indexdef FROM pg_indexes "
                              "WHERE schemaname = 'public'"))
      out.insert(*row[0] + " " + *row[1]);
  }
  return out;
}

/// A value for a column of `type`, unique per `n` where the column must be unique.
sql_value sample_value(const schema::column& c, int n) {
  using ct = schema::column_type;
  switch (c.type) {
    case ct::integer:
    case ct::big_integer:
      return int64_t{7 + n};
    case ct::real:
      return 0.25 + n;
    case ct::money:
      return 1234.5 + n;
    case ct::boolean:
      return true;
    case ct::varchar: {
      auto text = "v" + std::to_string(n);
      return text.substr(0, static_cast<size_t>(c.length));
    }
    case ct::text:
      return std::string{"text with 'quotes' and ; semicolons"};
    case ct::timestamp:
      return std::string{"2026-11-25 03:45:00"};
    case ct::date:
      return "2027-01-" + std::to_string(10 + n % 18);
    case ct::time:
      return std::string{"09:15:00"};
    case ct::json:
      return std::string{R"({"k":1})"};
    default:
      return {};
  }
}

/// Does the text the database gave back mean the value we wrote?
bool same_value(const schema::column& c, const sql_value& written, const std::string& read) {
  using ct = schema::column_type;
  return std::visit(
    [&](const auto& v) -> bool {
      using T = std::decay_t<decltype(v)>;
      if constexpr (std::is_same_v<T, std::monostate>)
        return false;
      else if constexpr (std::is_same_v<T, bool>)
        return read == "1" || read == "t" || read == "true";
      else if constexpr (std::is_same_v<T, int64_t> || std::is_same_v<T, double>)
        return std::fabs(std::stod(read) - static_cast<double>(v)) < 1e-9;
      else if (c.type == ct::json) {
        std::string a = v, b = read;
        std::erase(a, ' ');
        std::erase(b, ' ');
        return a == b;
      } else if (c.type == ct::timestamp)
        return read.rfind(v, 0) == 0; // PostgreSQL prints no fraction when there is none
      else
        return read == v;
    },
    written);
}

/// Inserts a row with every column set into `t` (parents first, each with values of its own
/// number from `counter`) and returns its id and its number.
std::pair<int64_t, int> insert_full_row(database& db, const schema::table& t, int& counter) {
  int n = ++counter;
  std::vector<std::string> names;
  std::vector<sql_value> values;
  for (auto& c : t.columns) {
    if (c.type == schema::column_type::id)
      continue;
    names.push_back("\"" + c.name + "\"");
    if (c.type == schema::column_type::reference)
      values.emplace_back(insert_full_row(db, *schema::find_table(c.references), counter).first);
    else
      values.push_back(sample_value(c, n));
  }
  std::string sql = "INSERT INTO " + t.name + " (";
  std::string marks;
  for (size_t i = 0; i < names.size(); ++i) {
    sql += (i ? ", " : "") + names[i];
    marks += i ? ", ?" : "?";
  }
  sql += ") VALUES (" + marks + ")";
  try {
    return {db.insert(sql, values), n};
  } catch (const std::exception& e) {
    CAF_FAIL("insert into " << t.name << " failed: " << e.what());
  }
  return {0, n};
}

/// Runs a prepared write the way the store does (statements, then the id query).
int64_t apply_write(database& db, const prepared_write& w) {
  if (!w.error.empty())
    CAF_FAIL("write refused: " << w.error);
  for (auto& st : w.statements)
    db.execute(*st.sql, st.values);
  if (w.id_query == nullptr)
    return 0;
  return std::stoll(*db.query(*w.id_query, w.id_query_values).at(0).at(0));
}

utc_instant at_utc(const char* iso) {
  return *parse_iso8601(iso);
}

struct migrated_database : fresh_database {
  migrated_database() {
    auto report = migrate(*db);
    if (!report)
      CAF_FAIL(report.error());
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(schema_tests, migrated_database)

CAF_TEST(migration creates every table and records its versions) {
  CAF_CHECK_EQUAL(current_schema_version(*db), latest_schema_version());
  CAF_CHECK_EQUAL(count(*db, "SELECT COUNT(*) FROM schema_migrations"),
                  static_cast<int64_t>(migrations().size()));
  for (auto& t : schema::tables())
    CAF_CHECK_EQUAL(count(*db, "SELECT COUNT(*) FROM " + t.name + " WHERE 1 = 0"), 0);
  // the seed's 20 + strategy_runs, order_intents, orders_archive, calendar_acknowledgements
  CAF_CHECK_EQUAL(schema::tables().size(), 24u);
  auto again = migrate(*db); // nothing left to do
  CAF_REQUIRE(again.ok());
  CAF_CHECK(again->applied.empty());
}

CAF_TEST(seed rows hold the defaults of the trading rules) {
  CAF_CHECK_EQUAL(count(*db, "SELECT COUNT(*) FROM trade_qualities WHERE user_id IS NULL"), 3);
  CAF_CHECK_EQUAL(count(*db, "SELECT margin_percentage FROM trade_qualities "
                             "WHERE quality_grade = ?", {std::string{"B"}}),
                  65);
  CAF_CHECK_EQUAL(count(*db, "SELECT lot_size FROM trading_settings WHERE symbol = ?",
                        {std::string{"NIFTY"}}),
                  65);
  CAF_CHECK_EQUAL(count(*db, "SELECT freeze_quantity FROM trading_settings WHERE symbol = ?",
                        {std::string{"SENSEX"}}),
                  1000);
  CAF_CHECK_EQUAL(count(*db, "SELECT ce_and_pe_sell_non_expiry FROM margin_requirements "
                             "WHERE instrument = ?", {std::string{"SENSEX"}}),
                  290000);
  CAF_CHECK_EQUAL(count(*db, "SELECT COUNT(*) FROM market_holidays"), 15);
  CAF_CHECK_EQUAL(count(*db, "SELECT COUNT(*) FROM market_holidays WHERE date = ?",
                        {std::string{"2026-11-24"}}),
                  1);
  CAF_CHECK_EQUAL(count(*db, "SELECT COUNT(*) FROM trading_hours_templates"), 3);
}

CAF_TEST(every table round trips every column) {
  int counter = 100;
  for (auto& t : schema::tables()) {
    auto [id, n] = insert_full_row(*db, t, counter);
    CAF_REQUIRE(id > 0);
    std::string columns;
    for (auto& c : t.columns)
      columns += (columns.empty() ? "\"" : ", \"") + c.name + "\"";
    auto rows = db->query("SELECT " + columns + " FROM " + t.name + " WHERE id = ?", {id});
    CAF_REQUIRE_EQUAL(rows.size(), 1u);
    for (size_t i = 0; i < t.columns.size(); ++i) {
      auto& c = t.columns[i];
      if (c.type == schema::column_type::id || c.type == schema::column_type::reference)
        continue;
      auto& cell = rows[0][i];
      if (!cell) {
        CAF_FAIL(t.name << "." << c.name << " came back NULL");
      }
      if (!same_value(c, sample_value(c, n), *cell))
        CAF_FAIL(t.name << "." << c.name << " came back as '" << *cell << "'");
    }
  }
}

CAF_TEST(defaults apply when a column is left out) {
  auto user = db->insert("INSERT INTO users (username, email, password_hash) VALUES (?, ?, ?)",
                         {std::string{"alice"}, std::string{"a@example.com"}, std::string{"h"}});
  auto rows = db->query("SELECT is_admin, is_active, created_at FROM users WHERE id = ?", {user});
  CAF_REQUIRE_EQUAL(rows.size(), 1u);
  CAF_CHECK(*rows[0][0] == "0" || *rows[0][0] == "f");
  CAF_CHECK(*rows[0][1] == "1" || *rows[0][1] == "t");
  CAF_CHECK(rows[0][2].has_value());
  auto account = db->insert("INSERT INTO trading_accounts (user_id, account_name, broker) "
                            "VALUES (?, ?, ?)",
                            {user, std::string{"main"}, std::string{"zerodha"}});
  rows = db->query("SELECT host_url, connection_status FROM trading_accounts WHERE id = ?",
                   {account});
  CAF_CHECK_EQUAL(*rows[0][0], "http://127.0.0.1:5000");
  CAF_CHECK_EQUAL(*rows[0][1], "disconnected");
}

CAF_TEST(foreign keys cascade or set null as the seed says) {
  auto user = db->insert("INSERT INTO users (username, email, password_hash) VALUES (?, ?, ?)",
                         {std::string{"bob"}, std::string{"b@example.com"}, std::string{"h"}});
  auto account = db->insert("INSERT INTO trading_accounts (user_id, account_name, broker) "
                            "VALUES (?, ?, ?)",
                            {user, std::string{"acc"}, std::string{"dhan"}});
  db->insert("INSERT INTO orders (account_id, order_id, symbol, exchange, action, quantity, "
             "order_type, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
             {account, std::string{"1"}, std::string{"NIFTY"}, std::string{"NFO"},
              std::string{"BUY"}, int64_t{65}, std::string{"MARKET"}, std::string{"open"}});
  auto log = db->insert("INSERT INTO activity_logs (user_id, action) VALUES (?, ?)",
                        {user, std::string{"login"}});
  auto failover = db->insert("INSERT INTO failover_events (from_account_id, reason) VALUES (?, ?)",
                             {account, std::string{"stall"}});
  db->execute("DELETE FROM users WHERE id = ?", {user});
  CAF_CHECK_EQUAL(count(*db, "SELECT COUNT(*) FROM trading_accounts WHERE id = ?", {account}), 0);
  CAF_CHECK_EQUAL(count(*db, "SELECT COUNT(*) FROM orders WHERE account_id = ?", {account}), 0);
  auto rows = db->query("SELECT user_id FROM activity_logs WHERE id = ?", {log});
  CAF_REQUIRE_EQUAL(rows.size(), 1u); // kept, user set to NULL
  CAF_CHECK(!rows[0][0].has_value());
  rows = db->query("SELECT from_account_id FROM failover_events WHERE id = ?", {failover});
  CAF_REQUIRE_EQUAL(rows.size(), 1u);
  CAF_CHECK(!rows[0][0].has_value());
}

CAF_TEST(constraint violations are reported as bad input) {
  db->insert("INSERT INTO users (username, email, password_hash) VALUES (?, ?, ?)",
             {std::string{"carol"}, std::string{"c@example.com"}, std::string{"h"}});
  try {
    db->insert("INSERT INTO users (username, email, password_hash) VALUES (?, ?, ?)",
               {std::string{"carol"}, std::string{"other@example.com"}, std::string{"h"}});
    CAF_FAIL("a duplicate username was accepted");
  } catch (const database_error& e) {
    CAF_CHECK(e.what_kind == database_error::kind::constraint);
  }
  try {
    db->insert("INSERT INTO trading_accounts (user_id, account_name, broker) VALUES (?, ?, ?)",
               {int64_t{999999}, std::string{"x"}, std::string{"y"}});
    CAF_FAIL("an account of a missing user was accepted");
  } catch (const database_error& e) {
    CAF_CHECK(e.what_kind == database_error::kind::constraint);
  }
  // The connection stays usable after an error.
  CAF_CHECK_EQUAL(count(*db, "SELECT COUNT(*) FROM users"), 1);
}

CAF_TEST(values are checked against the column definitions before they are written) {
  auto& users = *schema::find_table("users");
  sql_value ok_name = std::string{"grace"}, email = std::string{"g@example.com"};
  CAF_CHECK_EQUAL(schema::check_values(users, {"username", "email"}, {ok_name, email}), "");
  CAF_CHECK_EQUAL(schema::check_values(users, {"username"}, {std::string(81, 'x')}),
                  "users.username: 81 characters, at most 80 allowed");
  CAF_CHECK_EQUAL(schema::check_values(users, {"password_hash"}, {sql_value{}}),
                  "users.password_hash: must not be empty (NULL)");
  CAF_CHECK_EQUAL(schema::check_values(users, {"colour"}, {ok_name}),
                  "users.colour: no such column");
  CAF_CHECK_EQUAL(schema::check_values(users, {"username"}, {std::string(80, 'y')}), "");
}

CAF_TEST(rolled back transactions leave nothing) {
  db->begin();
  db->insert("INSERT INTO users (username, email, password_hash) VALUES (?, ?, ?)",
             {std::string{"dave"}, std::string{"d@example.com"}, std::string{"h"}});
  db->rollback();
  CAF_CHECK_EQUAL(count(*db, "SELECT COUNT(*) FROM users"), 0);
  db->begin();
  db->insert("INSERT INTO users (username, email, password_hash) VALUES (?, ?, ?)",
             {std::string{"erin"}, std::string{"e@example.com"}, std::string{"h"}});
  db->commit();
  CAF_CHECK_EQUAL(count(*db, "SELECT COUNT(*) FROM users"), 1);
}

CAF_TEST(migrations up then down then up leave the same schema) {
  auto migrated = describe_schema(*db);
  auto down = rollback(*db, latest_schema_version());
  CAF_REQUIRE(down.ok());
  CAF_CHECK_EQUAL(down->to, 0);
  CAF_CHECK_EQUAL(current_schema_version(*db), 0);
  for (auto& t : schema::tables())
    CAF_CHECK(describe_schema(*db).count("table " + t.name) == 0);
  auto up = migrate(*db);
  CAF_REQUIRE(up.ok());
  CAF_CHECK_EQUAL(up->to, latest_schema_version());
  CAF_CHECK(describe_schema(*db) == migrated);
}

CAF_TEST(an old database migrates forward without losing rows) {
  // back to version 1: tables without the seed rows
  auto down = rollback(*db, latest_schema_version() - 1);
  CAF_REQUIRE(down.ok());
  CAF_CHECK_EQUAL(count(*db, "SELECT COUNT(*) FROM market_holidays"), 0);
  auto user = db->insert("INSERT INTO users (username, email, password_hash) VALUES (?, ?, ?)",
                         {std::string{"frank"}, std::string{"f@example.com"}, std::string{"h"}});
  auto up = migrate(*db);
  CAF_REQUIRE(up.ok());
  CAF_CHECK_EQUAL(up->from, 1);
  CAF_CHECK_EQUAL(count(*db, "SELECT COUNT(*) FROM users WHERE id = ?", {user}), 1);
  CAF_CHECK_EQUAL(count(*db, "SELECT COUNT(*) FROM market_holidays"), 15);
}

CAF_TEST(a database of an older build gains the order ledger and the calendar acknowledgements) {
  // The shape version 3 had: orders without the ledger columns and their unique key, no
  // archive, no acknowledgements, margin_trackers without one row per account.
  auto down = rollback(*db, latest_schema_version() - 3);
  CAF_REQUIRE(down.ok());
  CAF_CHECK_EQUAL(down->to, 3);
  auto old_orders = *schema::find_table("orders");
  std::erase_if(old_orders.columns, [](const schema::column& c) {
    return c.name == "execution_id" || c.name == "is_external" || c.name == "updated_at";
  });
  old_orders.unique_constraints.clear();
  auto old_trackers = *schema::find_table("margin_trackers");
  old_trackers.unique_constraints.clear();
  for (auto* t : {&old_orders, &old_trackers}) {
    db->execute(schema::render_drop_table(*t, db->dialect()));
    db->execute(schema::render_create_table(*t, db->dialect()));
  }
  auto user = db->insert("INSERT INTO users (username, email, password_hash) VALUES (?, ?, ?)",
                         {std::string{"gina"}, std::string{"g@example.com"}, std::string{"h"}});
  auto account = db->insert("INSERT INTO trading_accounts (user_id, account_name, broker) "
                            "VALUES (?, ?, ?)",
                            {user, std::string{"main"}, std::string{"zerodha"}});
  db->insert("INSERT INTO orders (account_id, order_id, symbol, exchange, action, quantity, "
             "order_type, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
             {account, std::string{"26112500000001"}, std::string{"NIFTY25NOV2524000CE"},
              std::string{"NFO"}, std::string{"SELL"}, int64_t{75}, std::string{"MARKET"},
              std::string{"EXECUTED"}});

  auto up = migrate(*db);
  CAF_REQUIRE(up.ok());
  CAF_CHECK_EQUAL(up->from, 3);
  CAF_CHECK_EQUAL(up->to, latest_schema_version());
  CAF_CHECK_EQUAL(count(*db, "SELECT COUNT(*) FROM orders WHERE is_external = FALSE "
                             "AND execution_id IS NULL"),
                  1);
  CAF_CHECK_EQUAL(count(*db, "SELECT COUNT(*) FROM orders_archive"), 0);
  CAF_CHECK_EQUAL(count(*db, "SELECT COUNT(*) FROM calendar_acknowledgements"), 0);
  try {
    db->insert("INSERT INTO orders (account_id, order_id, symbol, exchange, action, quantity, "
               "order_type, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
               {account, std::string{"26112500000001"}, std::string{"NIFTY25NOV2524000CE"},
                std::string{"NFO"}, std::string{"SELL"}, int64_t{75}, std::string{"MARKET"},
                std::string{"EXECUTED"}});
    CAF_FAIL("a second row for the same broker order was accepted");
  } catch (const database_error& e) {
    CAF_CHECK(e.what_kind == database_error::kind::constraint);
  }
  db->insert("INSERT INTO margin_trackers (account_id, used_margin) VALUES (?, ?)",
             {account, 100000.0});
  try {
    db->insert("INSERT INTO margin_trackers (account_id, used_margin) VALUES (?, ?)",
               {account, 100000.0});
    CAF_FAIL("a second ledger for the same account was accepted");
  } catch (const database_error& e) {
    CAF_CHECK(e.what_kind == database_error::kind::constraint);
  }
  // Migrating again changes nothing; rolling back keeps the rows.
  CAF_CHECK(migrate(*db).ok());
  CAF_REQUIRE(rollback(*db, 1).ok());
  CAF_CHECK_EQUAL(count(*db, "SELECT COUNT(*) FROM orders"), 1);
  CAF_REQUIRE(migrate(*db).ok());
  CAF_CHECK_EQUAL(current_schema_version(*db), latest_schema_version());
}

CAF_TEST(what the store writes the loaders read back) {
  auto user = db->insert("INSERT INTO users (username, email, password_hash) VALUES (?, ?, ?)",
                         {std::string{"harry"}, std::string{"h@example.com"}, std::string{"h"}});
  auto second = db->insert("INSERT INTO trading_accounts (user_id, account_name, broker, "
                           "priority) VALUES (?, ?, ?, ?)",
                           {user, std::string{"second"}, std::string{"dhan"}, int64_t{2}});
  auto primary = db->insert("INSERT INTO trading_accounts (user_id, account_name, broker, "
                            "is_primary, api_key_encrypted) VALUES (?, ?, ?, ?, ?)",
                            {user, std::string{"main"}, std::string{"zerodha"}, true,
                             std::string{"nonce:cipher"}});
  db->insert("INSERT INTO trading_accounts (user_id, account_name, broker, is_active) "
             "VALUES (?, ?, ?, ?)",
             {user, std::string{"off"}, std::string{"x"}, false});
  auto strategy = db->insert(
    "INSERT INTO strategies (user_id, name, market_condition, risk_profile, entry_time, "
    "square_off_time, max_loss, trailing_sl_type, trailing_sl, supertrend_exit_enabled, "
    "supertrend_exit_type, supertrend_period, supertrend_multiplier, supertrend_timeframe, "
    "risk_scope, selected_accounts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    {user, std::string{"straddle"}, std::string{"non_expiry"}, std::string{"grade_B"},
     std::string{"09:20:00"}, std::string{"15:15:00"}, 5000.0, std::string{"percentage"}, 20.0,
     true, std::string{"breakout"}, int64_t{10}, 2.5, std::string{"10m"}, std::string{"run"},
     std::string{R"(["1","2"])"}});
  auto leg2 = db->insert("INSERT INTO strategy_legs (strategy_id, leg_number, instrument, "
                         "product_type, expiry, action, option_type, strike_selection, "
                         "strike_offset, order_type, lots, stop_loss_type, stop_loss_value) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         {strategy, int64_t{2}, std::string{"NIFTY"}, std::string{"options"},
                          std::string{"current_week"}, std::string{"SELL"}, std::string{"CE"},
                          std::string{"ATM"}, int64_t{0}, std::string{"MARKET"}, int64_t{1},
                          std::string{"percentage"}, 30.0});
  db->insert("INSERT INTO strategy_legs (strategy_id, leg_number, instrument, product_type, "
             "expiry, action, option_type, strike_selection, strike_offset, order_type, lots) "
             "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
             {strategy, int64_t{1}, std::string{"NIFTY"}, std::string{"options"},
              std::string{"current_week"}, std::string{"BUY"}, std::string{"CE"},
              std::string{"OTM"}, int64_t{4}, std::string{"MARKET"}, int64_t{1}});

  run_record run;
  run.write_id = "run-create-1";
  run.strategy_id = strategy;
  run.phase = run_phase::live;
  run.scope = risk_scope::run;
  run.started_at = at_utc("2026-11-25T09:20:00+05:30");
  run.max_loss_fired = true;
  run.trailing_state_json = R"({"initial":-860,"stop":-760})";
  auto run_id = apply_write(*db, prepare_write(run));
  CAF_CHECK(run_id > 0);
  CAF_CHECK_EQUAL(apply_write(*db, prepare_write(run)), run_id); // replayed creation
  run.id = run_id; // the trailing stops as they moved: restored after a restart
  run.trailing = {{0, true, 860, -860, 1240.5, 380.5}, {7, false, 0, 0, 15, 0}};
  apply_write(*db, prepare_write(run));

  execution_state x;
  x.write_id = "exec-create-1";
  x.run_id = run_id;
  x.strategy_id = strategy;
  x.account_id = primary;
  x.leg_id = leg2;
  x.inst = {"NIFTY25NOV2524000CE", exchange::nfo};
  x.action = side::sell;
  x.order_product = product::nrml;
  x.quantity = 130;
  x.entry_price = 101.255; // stored rounded to 2 decimals
  x.status = execution_status::entered;
  x.entry_order_ids = {"26112500000001", "26112500000002"};
  x.entered_at = at_utc("2026-11-25T09:20:01.5+05:30");
  x.underlying = "NIFTY";
  x.sl_hit_at = at_utc("2026-11-25T09:40:00+05:30");
  x.sl_hit_price = 131.633; // stored rounded to 2 decimals
  x.peak_pnl = 1250.5;
  x.execution_id = apply_write(*db, prepare_write(x));
  CAF_REQUIRE(x.execution_id > 0);
  // An intent on record before it is sent, then what became of it.
  order_intent intent;
  intent.intent_id = "AM:1:1:0";
  intent.account_id = primary;
  intent.run_id = run_id;
  intent.execution_id = x.execution_id;
  intent.inst = x.inst;
  intent.action = side::sell;
  intent.order_product = product::nrml;
  intent.quantity = 130;
  intent.created_at = at_utc("2026-11-25T09:20:00.5+05:30");
  apply_write(*db, prepare_write(intent));
  auto intended = db->query("SELECT status, broker_order_ids FROM order_intents");
  CAF_REQUIRE_EQUAL(intended.size(), 1u);
  CAF_CHECK_EQUAL(intended[0][0].value_or(""), "intended");
  apply_write(*db, prepare_write(order_intent_outcome{"AM:1:1:0", "sent",
                                                      {"26112500000001", "26112500000002"}}));
  auto sent = db->query("SELECT status, broker_order_ids FROM order_intents");
  CAF_CHECK_EQUAL(sent[0][0].value_or(""), "sent");
  auto ids = sent[0][1].value_or("");
  ids.erase(std::remove(ids.begin(), ids.end(), ' '), ids.end()); // PostgreSQL's jsonb spaces it
  CAF_CHECK_EQUAL(ids, R"(["26112500000001","26112500000002"])");
  exit_claim claim{"claim-1", x.execution_id, exit_reason::trailing_stop, 2,
                   at_utc("2026-11-25T10:00:00+05:30"), {}};
  apply_write(*db, prepare_write(claim));
  account_status status{primary, "main", "zerodha", connection_health::connected, 0,
                        at_utc("2026-11-25T09:00:00+05:30"), "live"};
  apply_write(*db, prepare_write(status));

  load_problems problems;
  auto accounts = load_active_accounts(*db, problems);
  CAF_REQUIRE_EQUAL(accounts.size(), 2u);
  CAF_CHECK_EQUAL(accounts[0].id, primary); // primary first, then by priority
  CAF_CHECK_EQUAL(accounts[0].api_key_encrypted, "nonce:cipher");
  CAF_CHECK(accounts[0].health == connection_health::connected);
  CAF_CHECK_EQUAL(accounts[1].id, second);

  auto strategies = load_strategies(*db, problems);
  CAF_REQUIRE_EQUAL(strategies.size(), 1u);
  auto& s = strategies[0];
  CAF_CHECK_EQUAL(s.name, "straddle");
  CAF_CHECK(s.condition == market_condition::non_expiry);
  CAF_CHECK_EQUAL(s.entry_time.seconds, 9 * 3600 + 20 * 60);
  CAF_CHECK_EQUAL(s.max_loss, 5000.0);
  CAF_CHECK(s.trailing_stop == (threshold{threshold_kind::percentage, 20}));
  CAF_CHECK(s.supertrend == (supertrend_settings{true, supertrend_exit_kind::breakout, 10, 2.5, "10m"}));
  CAF_CHECK(s.scope == risk_scope::run);
  CAF_CHECK(s.account_ids == (std::vector<int64_t>{1, 2}));
  CAF_REQUIRE_EQUAL(s.legs.size(), 2u);
  CAF_CHECK_EQUAL(s.legs[0].leg_number, 1);
  CAF_CHECK(s.legs[0].strike == strike_selection::otm);
  CAF_CHECK_EQUAL(s.legs[0].strike_offset, 4);
  CAF_CHECK(s.legs[1].action == side::sell);
  CAF_CHECK(s.legs[1].stop_loss == (threshold{threshold_kind::percentage, 30}));
  CAF_CHECK(s.legs[0].stop_loss.kind == threshold_kind::off);

  auto runs = load_unfinished_runs(*db, problems);
  CAF_REQUIRE_EQUAL(runs.size(), 1u);
  CAF_CHECK_EQUAL(runs[0].id, run_id);
  CAF_CHECK(runs[0].phase == run_phase::live);
  CAF_CHECK(runs[0].max_loss_fired && !runs[0].trailing_stop_fired);
  CAF_CHECK(runs[0].started_at == run.started_at);
  CAF_CHECK(runs[0].trailing == run.trailing);

  auto executions = load_open_executions(*db, problems);
  CAF_REQUIRE_EQUAL(executions.size(), 1u);
  auto& e = executions[0];
  CAF_CHECK_EQUAL(e.execution_id, x.execution_id);
  CAF_CHECK(e.status == execution_status::exit_pending);
  CAF_CHECK(e.reason == exit_reason::trailing_stop);
  CAF_CHECK_EQUAL(e.exit_attempts, 2);
  CAF_CHECK_EQUAL(e.entry_price, 101.26);
  CAF_CHECK(e.entry_order_ids == x.entry_order_ids);
  CAF_CHECK(e.entered_at == x.entered_at);
  CAF_CHECK(e.exit_claimed_at == claim.claimed_at);
  CAF_CHECK(e.inst == x.inst);
  CAF_CHECK(e.order_product == product::nrml);
  CAF_CHECK_EQUAL(e.underlying, "NIFTY");
  CAF_CHECK(e.sl_hit_at == x.sl_hit_at);
  CAF_CHECK_EQUAL(e.sl_hit_price, 131.63);
  CAF_CHECK(e.tp_hit_at == utc_instant{}); // never hit: NULL
  CAF_CHECK_EQUAL(e.tp_hit_price, 0);
  CAF_CHECK_EQUAL(e.peak_pnl, 1250.5);
  CAF_CHECK(problems.empty());

  // A row with a word we do not know is reported and left out; the others still load.
  db->execute("UPDATE strategy_executions SET status = ? WHERE id = ?",
              {std::string{"weird"}, x.execution_id});
  db->execute("UPDATE strategy_runs SET status = ? WHERE id = ?", {std::string{"odd"}, run_id});
  CAF_CHECK(load_open_executions(*db, problems).empty());
  CAF_REQUIRE_EQUAL(load_unfinished_runs(*db, problems).size(), 0u);
  CAF_REQUIRE_EQUAL(problems.size(), 1u);
  CAF_CHECK(problems[0].find("strategy_runs") != std::string::npos
            && problems[0].find("'odd'") != std::string::npos);
}

CAF_TEST(an exit order the execution row never heard of is known from its intent) {
  auto user = db->insert("INSERT INTO users (username, email, password_hash) VALUES (?, ?, ?)",
                         {std::string{"ivy"}, std::string{"i@example.com"}, std::string{"h"}});
  auto account = db->insert("INSERT INTO trading_accounts (user_id, account_name, broker) "
                            "VALUES (?, ?, ?)",
                            {user, std::string{"main"}, std::string{"zerodha"}});
  auto strategy = db->insert("INSERT INTO strategies (user_id, name) VALUES (?, ?)",
                             {user, std::string{"short call"}});
  auto leg = db->insert("INSERT INTO strategy_legs (strategy_id, leg_number, instrument, "
                        "product_type, expiry, action, option_type, strike_selection, "
                        "strike_offset, order_type, lots) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        {strategy, int64_t{1}, std::string{"NIFTY"}, std::string{"options"},
                         std::string{"current_week"}, std::string{"SELL"}, std::string{"CE"},
                         std::string{"ATM"}, int64_t{0}, std::string{"MARKET"}, int64_t{1}});
  run_record run;
  run.write_id = "run-intents-1";
  run.strategy_id = strategy;
  run.phase = run_phase::exiting;
  run.started_at = at_utc("2026-11-25T09:20:00+05:30");
  auto run_id = apply_write(*db, prepare_write(run));
  execution_state x;
  x.write_id = "exec-intents-1";
  x.run_id = run_id;
  x.strategy_id = strategy;
  x.account_id = account;
  x.leg_id = leg;
  x.inst = {"NIFTY25NOV2524000CE", exchange::nfo};
  x.action = side::sell;
  x.quantity = 75;
  x.entry_price = 100;
  x.status = execution_status::entered;
  x.entry_order_ids = {"E1"};
  x.execution_id = apply_write(*db, prepare_write(x));
  // The exit was claimed, its intent written and sent, the broker answered X9; the node died
  // before the execution's row took the id (and this broker drops our tag).
  apply_write(*db, prepare_write(exit_claim{"claim-x", x.execution_id, exit_reason::max_loss, 1,
                                            at_utc("2026-11-25T10:00:00+05:30"), {}}));
  order_intent intent;
  intent.intent_id = "AM:x:1";
  intent.account_id = account;
  intent.run_id = run_id;
  intent.execution_id = x.execution_id;
  intent.attempt = 1;
  intent.inst = x.inst;
  intent.action = side::buy;
  intent.quantity = 75;
  intent.created_at = at_utc("2026-11-25T10:00:00.1+05:30");
  apply_write(*db, prepare_write(intent));
  apply_write(*db, prepare_write(order_intent_outcome{"AM:x:1", "sent", {"X9"}}));

  load_problems problems;
  auto executions = load_open_executions(*db, problems);
  CAF_REQUIRE_EQUAL(executions.size(), 1u);
  auto& e = executions[0];
  CAF_CHECK(e.entry_order_ids == std::vector<std::string>{"E1"}); // not counted twice
  CAF_CHECK(e.exit_order_ids == std::vector<std::string>{"X9"});
  CAF_CHECK(problems.empty());
  // Recovery adopts that exit: still open at the broker, it is followed, never sent again
  // (what the row alone knew would send a second one)...
  broker_order exit_order;
  exit_order.broker_order_id = "X9";
  exit_order.inst = x.inst;
  exit_order.action = side::buy;
  exit_order.quantity = 75;
  exit_order.status = order_status::open;
  auto without = e;
  without.exit_order_ids.clear();
  CAF_CHECK(reconcile_execution(e, {exit_order}, -75).action == recovery_action::track);
  CAF_CHECK(reconcile_execution(without, {exit_order}, -75).action == recovery_action::send_exit);
  // ...and once filled it is the exit, at its price (not a position the broker closed).
  exit_order.status = order_status::complete;
  exit_order.filled_quantity = 75;
  exit_order.average_price = 120;
  auto d = reconcile_execution(e, {exit_order}, 0);
  CAF_CHECK(d.action == recovery_action::exited);
  CAF_CHECK_EQUAL(d.price, 120);
  CAF_CHECK(reconcile_execution(without, {exit_order}, 0).action
            == recovery_action::closed_by_broker);
}

CAF_TEST(the trailing state reads back and a damaged one is named not guessed) {
  std::vector<scope_trailing> scopes{{3, true, 500, -500, 912.25, 412.25}};
  std::string problem;
  CAF_CHECK(trailing_from_json(trailing_to_json(scopes), problem) == scopes);
  CAF_CHECK(problem.empty());
  CAF_CHECK(trailing_from_json(R"({"initial":-860,"stop":-760})", problem).empty()); // older
  CAF_CHECK(problem.empty());
  CAF_CHECK(trailing_from_json("{not json", problem).empty());
  CAF_CHECK_EQUAL(problem, "trailing_state: not a JSON object");
  problem.clear();
  CAF_CHECK(trailing_from_json(R"({"scopes":[{"scope":1,"armed":true,"peak":"high"}]})", problem)
              .empty());
  CAF_CHECK(problem.find("trailing_state.scopes") == 0);
}

CAF_TEST(the margins a run holds read back beside its trailing stops) {
  std::vector<scope_trailing> scopes{{0, false, 500, -500, 0, -500}};
  std::vector<margin_reservation> margins{{1, 250000}, {7, 180000.5}};
  auto text = trailing_to_json(scopes, margins);
  std::string problem;
  CAF_CHECK(margins_from_json(text, problem) == margins);
  CAF_CHECK(trailing_from_json(text, problem) == scopes);
  CAF_CHECK(problem.empty());
  CAF_CHECK(margins_from_json(trailing_to_json(scopes), problem).empty()); // none held
  CAF_CHECK(problem.empty());
  CAF_CHECK(margins_from_json(R"({"scopes":[],"margins":[{"account":1,"amount":-5}]})", problem)
              .empty());
  CAF_CHECK(problem.find("trailing_state.margins") == 0);
}

CAF_TEST(many rows of one form go out together and land as one by one would) {
  auto user = db->insert("INSERT INTO users (username, email, password_hash) VALUES (?, ?, ?)",
                         {std::string{"ivy"}, std::string{"i@example.com"}, std::string{"h"}});
  // 300 rows: chunks of 128, 128, 32, 8 and 4 on PostgreSQL.
  std::vector<prepared_write> creates;
  for (int i = 0; i < 300; ++i)
    creates.push_back(prepare_write(activity_entry{"batch-" + std::to_string(i), user, "batched",
                                                   "{}", "test",
                                                   at_utc("2026-11-25T09:15:00+05:30")}));
  creates.push_back(creates[7]); // a replayed write in the same statement does nothing
  std::vector<const std::vector<sql_value>*> rows;
  for (auto& w : creates)
    rows.push_back(&w.statements[0].values);
  auto& first = creates[0].statements[0];
  db->begin();
  auto changed = db->execute_batch(*first.batch, *first.sql, rows);
  db->commit();
  CAF_CHECK_EQUAL(changed, 300u);
  CAF_CHECK_EQUAL(count(*db, "SELECT COUNT(*) FROM activity_logs WHERE action = 'batched'"), 300);
  // Updates by id, many rows per statement, typed values (money, timestamps, JSON, NULL).
  auto account = db->insert("INSERT INTO trading_accounts (user_id, account_name, broker) "
                            "VALUES (?, ?, ?)",
                            {user, std::string{"acc"}, std::string{"b"}});
  auto strategy = db->insert("INSERT INTO strategies (user_id, name) VALUES (?, ?)",
                             {user, std::string{"s"}});
  auto leg = db->insert("INSERT INTO strategy_legs (strategy_id, leg_number) VALUES (?, ?)",
                        {strategy, int64_t{1}});
  std::vector<prepared_write> updates;
  for (int i = 0; i < 40; ++i) {
    execution_state x;
    x.write_id = "exec-" + std::to_string(i);
    x.strategy_id = strategy;
    x.account_id = account;
    x.leg_id = leg;
    x.inst = {"NIFTY25NOV2524000CE", exchange::nfo};
    x.status = execution_status::entered;
    x.execution_id = apply_write(*db, prepare_write(x));
    x.last_price = 100.0 + i;
    x.entry_order_ids = {"id-" + std::to_string(i)};
    x.entered_at = at_utc("2026-11-25T09:16:00+05:30");
    updates.push_back(prepare_write(x));
  }
  rows.clear();
  for (auto& w : updates)
    rows.push_back(&w.statements[0].values);
  auto& upd = updates[0].statements[0];
  db->begin();
  changed = db->execute_batch(*upd.batch, *upd.sql, rows);
  db->commit();
  CAF_CHECK_EQUAL(changed, 40u);
  CAF_CHECK_EQUAL(count(*db, "SELECT COUNT(*) FROM strategy_executions WHERE last_price >= 100 "
                             "AND entry_time IS NOT NULL AND order_id LIKE 'id-%'"),
                  40);
  CAF_CHECK_EQUAL(count(*db, "SELECT CAST(last_price AS INTEGER) FROM strategy_executions "
                             "WHERE write_id = 'exec-39'"),
                  139);
}

CAF_TEST(orders positions holdings and the margin ledger are kept row by row) {
  auto user = db->insert("INSERT INTO users (username, email, password_hash) VALUES (?, ?, ?)",
                         {std::string{"ola"}, std::string{"o@example.com"}, std::string{"h"}});
  auto account = db->insert("INSERT INTO trading_accounts (user_id, account_name, broker) "
                            "VALUES (?, ?, ?)",
                            {user, std::string{"main"}, std::string{"zerodha"}});
  order_record o;
  o.account_id = account;
  o.order_id = "B1";
  o.intent_id = "e7-0-3";
  o.execution_id = 7;
  o.strategy_tag = "AM:3:7:0";
  o.inst = {"NIFTY25NOV2626000CE", exchange::nfo};
  o.action = side::sell;
  o.quantity = 1755;
  o.status = order_status::open;
  o.placed_at = at_utc("2026-11-25T09:20:00+05:30");
  apply_write(*db, prepare_write(o));
  o.status = order_status::complete; // the same order filled: one row, moved on
  o.filled_quantity = 1755;
  o.average_price = 101.255;
  o.executed_at = at_utc("2026-11-25T09:20:01+05:30");
  apply_write(*db, prepare_write(o));
  // Seen again in the orderbook after a restart (no intent answers for it): it keeps its
  // intent, only its status moves.
  auto seen = o;
  seen.intent_id.clear();
  seen.execution_id = 0;
  seen.external = false;
  seen.placed_at = at_utc("2026-11-25T11:00:00+05:30");
  apply_write(*db, prepare_write(seen));
  auto rows = db->query("SELECT order_id, status, filled_quantity, average_price, intent_id, "
                        "execution_id, is_external, quantity, action, placed_at, executed_at "
                        "FROM orders");
  CAF_REQUIRE_EQUAL(rows.size(), 1u);
  CAF_CHECK_EQUAL(*rows[0][1], "EXECUTED");
  CAF_CHECK_EQUAL(*rows[0][2], "1755");
  CAF_CHECK_EQUAL(std::stod(*rows[0][3]), 101.26);
  CAF_CHECK_EQUAL(*rows[0][4], "e7-0-3");
  CAF_CHECK_EQUAL(*rows[0][5], "7");
  CAF_CHECK_EQUAL(*rows[0][8], "SELL");
  CAF_CHECK_EQUAL(rows[0][9]->substr(0, 19), "2026-11-25 03:50:00");
  CAF_CHECK_EQUAL(rows[0][10]->substr(0, 19), "2026-11-25 03:50:01");
  order_record outside; // someone else's order on the account
  outside.account_id = account;
  outside.order_id = "X5";
  outside.inst = {"SBIN", exchange::nse};
  outside.quantity = 10;
  outside.status = order_status::rejected;
  outside.external = true;
  apply_write(*db, prepare_write(outside));
  rows = db->query("SELECT status, is_external FROM orders WHERE order_id = 'X5'");
  CAF_REQUIRE_EQUAL(rows.size(), 1u);
  CAF_CHECK_EQUAL(*rows[0][0], "REJECTED");
  CAF_CHECK(*rows[0][1] == "1" || *rows[0][1] == "t");
  order_record nameless = outside;
  nameless.order_id.clear();
  CAF_CHECK_EQUAL(prepare_write(nameless).error, "orders.order_id: missing (the broker's order id)");

  broker_position ce;
  ce.inst = {"NIFTY25NOV2626000CE", exchange::nfo};
  ce.net_quantity = -1755;
  ce.average_price = 100;
  ce.ltp = 90;
  ce.pnl = 17550;
  broker_position pe = ce;
  pe.inst.symbol = "NIFTY25NOV2626000PE";
  book_record book{account, false, {ce, pe}, at_utc("2026-11-25T09:21:00+05:30")};
  apply_write(*db, prepare_write(book));
  book.rows = {ce}; // the PE was closed and left the book
  book.rows[0].net_quantity = -65;
  apply_write(*db, prepare_write(book));
  rows = db->query("SELECT symbol, quantity, product, pnl, pnl_percent FROM positions ORDER BY "
                   "symbol");
  CAF_REQUIRE_EQUAL(rows.size(), 2u);
  CAF_CHECK_EQUAL(*rows[0][1], "-65");
  CAF_CHECK_EQUAL(*rows[0][2], "MIS");
  CAF_CHECK_EQUAL(*rows[1][0], "NIFTY25NOV2626000PE");
  CAF_CHECK_EQUAL(*rows[1][1], "0"); // closed, not forgotten
  CAF_CHECK_EQUAL(std::stod(*rows[1][4]), 10.0); // 17,550 on 175,500
  broker_position stock;
  stock.inst = {"INFY", exchange::nse};
  stock.order_product = product::cnc;
  stock.net_quantity = 10;
  stock.average_price = 1500;
  stock.ltp = 1650;
  stock.pnl = 1500;
  apply_write(*db, prepare_write(book_record{account, true, {stock}, book.at}));
  rows = db->query("SELECT quantity, invested_value, current_value, pnl_percent FROM holdings");
  CAF_REQUIRE_EQUAL(rows.size(), 1u);
  CAF_CHECK_EQUAL(std::stod(*rows[0][1]), 15000.0);
  CAF_CHECK_EQUAL(std::stod(*rows[0][2]), 16500.0);
  CAF_CHECK_EQUAL(std::stod(*rows[0][3]), 10.0);

  margin_record ledger{account, 1'000'000, 250'000, 750'000, {{"run:3", 250'000}}, 1, book.at};
  apply_write(*db, prepare_write(ledger));
  ledger.used = 0;
  ledger.free = 1'000'000;
  ledger.allocations.clear();
  ledger.update_count = 2;
  apply_write(*db, prepare_write(ledger));
  rows = db->query("SELECT used_margin, free_margin, allocated_margins, update_count FROM "
                   "margin_trackers");
  CAF_REQUIRE_EQUAL(rows.size(), 1u); // one ledger per account
  CAF_CHECK_EQUAL(std::stod(*rows[0][1]), 1'000'000.0);
  CAF_CHECK_EQUAL(*rows[0][2], "{}");
  CAF_CHECK_EQUAL(*rows[0][3], "2");
  CAF_CHECK_EQUAL(allocations_to_json({{"run:3", 250'000.004}, {"run:4", 1}}),
                  R"({"run:3":250000.0,"run:4":1.0})");
}

CAF_TEST(the calendar loads its templates and holidays and special sessions) {
  db->execute("INSERT INTO special_trading_sessions (date, name, market, market_open, "
              "market_close) VALUES (?, ?, ?, ?, ?)",
              {std::string{"2026-11-08"}, std::string{"Muhurat"}, std::string{"NSE"},
               std::string{"18:00:00"}, std::string{"19:15:00"}});
  load_problems problems;
  auto cal = load_calendar(*db, problems);
  CAF_REQUIRE_EQUAL(cal.templates.size(), 3u);
  CAF_CHECK_EQUAL(cal.templates[0].name, "equity");
  CAF_CHECK_EQUAL(cal.templates[0].open.seconds, 9 * 3600 + 15 * 60);
  CAF_CHECK_EQUAL(cal.templates[0].pre_open_end.seconds, 9 * 3600 + 8 * 60);
  CAF_CHECK(cal.templates[0].weekdays == (std::vector<int32_t>{1, 2, 3, 4, 5}));
  CAF_CHECK(cal.templates[1].pre_open_start.seconds < 0); // commodity: no pre-open
  CAF_REQUIRE_EQUAL(cal.holidays.size(), 15u);
  CAF_CHECK_EQUAL(cal.holidays.front().date, "2026-01-26");
  CAF_CHECK(cal.holidays.front().markets == (std::vector<std::string>{"NSE", "BSE"}));
  CAF_REQUIRE_EQUAL(cal.special_sessions.size(), 1u);
  CAF_CHECK_EQUAL(cal.special_sessions[0].name, "Muhurat");
  CAF_CHECK_EQUAL(cal.special_sessions[0].close.seconds, 19 * 3600 + 15 * 60);
  CAF_CHECK(problems.empty());
}

CAF_TEST(the calendar is kept: holidays merged imported removed and a year acknowledged) {
  auto user = add_user(*db, "trader", "t@example.in", "hash");
  CAF_REQUIRE(user.ok());
  auto activity = [&] { return count(*db, "SELECT COUNT(*) FROM activity_logs"); };
  auto before = activity();
  CAF_CHECK(list_holidays(*db, 2027).empty());
  // Added for NSE, then BSE merged into the same date's row (the date is unique).
  auto added = add_holiday(*db, *user, {"26-Jan-2027", "Republic Day", {"NSE"}});
  CAF_REQUIRE(added.ok());
  CAF_CHECK(added->find("added holiday 2027-01-26") != std::string::npos);
  auto merged = add_holiday(*db, *user, {"2027-01-26", "", {"BSE"}});
  CAF_REQUIRE(merged.ok());
  CAF_CHECK(merged->find("merged") != std::string::npos);
  auto y2027 = list_holidays(*db, 2027);
  CAF_REQUIRE_EQUAL(y2027.size(), 1u);
  CAF_CHECK_EQUAL(y2027[0].name, "Republic Day");
  CAF_CHECK(y2027[0].markets == (std::vector<std::string>{"NSE", "BSE"}));
  CAF_CHECK(add_holiday(*db, *user, {"2027-01-26", "", {"NSE"}})->find("nothing changed")
            != std::string::npos);
  // Bad input names the field and changes nothing.
  auto rows = count(*db, "SELECT COUNT(*) FROM market_holidays");
  auto bad_date = add_holiday(*db, *user, {"2027-02-30", "x", {"NSE"}});
  CAF_REQUIRE(!bad_date.ok());
  CAF_CHECK(bad_date.error().find("DATE: '2027-02-30'") != std::string::npos);
  auto bad_market = add_holiday(*db, *user, {"2027-03-01", "x", {"NYSE"}});
  CAF_REQUIRE(!bad_market.ok());
  CAF_CHECK(bad_market.error().find("--market: 'NYSE'") != std::string::npos);
  // An import is all or nothing: a bad line leaves the table as it was.
  auto list = parse_holiday_csv("Date,Description,Market\n2027-03-22,Holi,NSE\n"
                                "2027-01-26,Republic Day,MCX\n2027-04-14,Ambedkar Jayanti,\n",
                                {"NSE", "BSE"});
  CAF_REQUIRE(list.ok());
  auto broken = *list;
  broken.push_back({"2027-13-01", "no such month", {"NSE"}});
  CAF_CHECK(!import_holidays(*db, *user, broken).ok());
  CAF_CHECK_EQUAL(count(*db, "SELECT COUNT(*) FROM market_holidays"), rows);
  auto imported = import_holidays(*db, *user, *list);
  CAF_REQUIRE(imported.ok());
  CAF_CHECK(imported->find("2 new, 1 merged, 0 already listed") != std::string::npos);
  y2027 = list_holidays(*db, 2027);
  CAF_REQUIRE_EQUAL(y2027.size(), 3u);
  CAF_CHECK(y2027[0].markets == (std::vector<std::string>{"NSE", "BSE", "MCX"}));
  CAF_CHECK(y2027[2].markets == (std::vector<std::string>{"NSE", "BSE"})); // the default
  // Removing one market keeps the row for the others; removing the last drops it.
  CAF_CHECK(remove_holiday(*db, *user, "2027-01-26", {"MCX"}).ok());
  CAF_CHECK(list_holidays(*db, 2027)[0].markets == (std::vector<std::string>{"NSE", "BSE"}));
  CAF_CHECK(remove_holiday(*db, *user, "2027-03-22", {}).ok());
  CAF_CHECK_EQUAL(list_holidays(*db, 2027).size(), 2u);
  CAF_CHECK(!remove_holiday(*db, *user, "2027-03-22", {}).ok());
  CAF_CHECK_EQUAL(list_holidays(*db, 2026).size(), 15u); // the seed's year untouched
  // Special sessions: one per date and market, replaced; closing before opening is refused.
  special_session muhurat{"2027-10-29", "Muhurat", "NSE", {18 * 3600}, {19 * 3600 + 15 * 60}};
  CAF_CHECK(add_special_session(*db, *user, muhurat).ok());
  muhurat.close = {19 * 3600};
  CAF_CHECK(add_special_session(*db, *user, muhurat)->find("replaced") != std::string::npos);
  auto sessions = list_special_sessions(*db, 2027);
  CAF_REQUIRE_EQUAL(sessions.size(), 1u);
  CAF_CHECK_EQUAL(sessions[0].close.seconds, 19 * 3600);
  muhurat.close = {17 * 3600};
  CAF_CHECK(!add_special_session(*db, *user, muhurat).ok());
  CAF_CHECK(remove_special_session(*db, *user, "2027-10-29", "NSE").ok());
  CAF_CHECK(list_special_sessions(*db, 2027).empty());
  // A template's hours, and the calendar built from the database uses them.
  auto templates = list_templates(*db);
  CAF_REQUIRE_EQUAL(templates.size(), 3u);
  auto equity = templates.at(2); // by name: commodity, currency, equity
  CAF_REQUIRE_EQUAL(equity.name, "equity");
  equity.close = {15 * 3600 + 40 * 60};
  CAF_CHECK(set_template(*db, *user, equity).ok());
  equity.weekdays = {7};
  CAF_CHECK(!set_template(*db, *user, equity).ok());
  // The acknowledgement lets a year without holidays trade on schedule.
  load_problems problems;
  market_calendar unacknowledged{load_calendar(*db, problems)};
  auto day = date{std::chrono::year{2028} / 1 / 26};
  CAF_CHECK(!unacknowledged.scheduled_entry_allowed("NFO", day));
  CAF_CHECK(acknowledge_year(*db, *user, "NSE", 2028).ok());
  CAF_CHECK(acknowledge_year(*db, *user, "NSE", 2028)->find("already") != std::string::npos);
  CAF_CHECK(!acknowledge_year(*db, *user, "NSE", 1999).ok());
  auto data = load_calendar(*db, problems);
  CAF_CHECK(data.templates[0].close.seconds == 15 * 3600 + 40 * 60); // equity, active first
  market_calendar acknowledged{data};
  CAF_CHECK(acknowledged.scheduled_entry_allowed("NFO", day));
  CAF_CHECK(!acknowledged.scheduled_entry_allowed("BFO", day)); // BSE was not acknowledged
  CAF_CHECK(problems.empty());
  // Every change left its activity row, nothing else did (added, merged, the import, 2
  // removals, 2 sessions and 1 removal, a template, an acknowledgement).
  CAF_CHECK_EQUAL(activity() - before, 10);
}

CAF_TEST(upkeep prunes the activity log archives finished orders and checks the rules) {
  auto user = add_user(*db, "trader", "t@example.in", "hash");
  CAF_REQUIRE(user.ok());
  auto alpha = add_account(*db, *user, {"alpha", "sim", "http://h:1", "ws://h:2", "v1:x", false, 0});
  CAF_REQUIRE(alpha.ok());
  auto now = at_utc("2026-12-01T10:00:00Z");
  for (auto [id, when] : {std::pair{"old", "2026-08-01 10:00:00.000000"},
                          std::pair{"recent", "2026-11-20 10:00:00.000000"}})
    db->execute("INSERT INTO activity_logs (write_id, action, timestamp) VALUES (?, ?, ?)",
                {std::string{id}, std::string{"test"}, std::string{when}});
  auto before = count(*db, "SELECT COUNT(*) FROM activity_logs");
  auto pruned = prune_activity(*db, 90, now);
  CAF_REQUIRE(pruned.ok());
  CAF_CHECK(pruned->find("pruned 1 activity row(s)") != std::string::npos);
  CAF_CHECK_EQUAL(count(*db, "SELECT COUNT(*) FROM activity_logs"), before - 1);
  CAF_CHECK_EQUAL(count(*db, "SELECT COUNT(*) FROM activity_logs WHERE write_id = 'old'"), 0);
  CAF_CHECK(!prune_activity(*db, 0, now).ok());
  // Orders: two old ones (one finished, one still open) and a recent one.
  auto order = [&](const char* id, const char* status, const char* placed) {
    db->execute("INSERT INTO orders (account_id, order_id, symbol, exchange, action, quantity, "
                "order_type, status, filled_quantity, average_price, placed_at) VALUES (?, ?, "
                "?, ?, ?, ?, ?, ?, ?, ?, ?)",
                {alpha->id, std::string{id}, std::string{"NIFTY01DEC2626000CE"},
                 std::string{"NFO"}, std::string{"BUY"}, int64_t{75}, std::string{"MARKET"},
                 std::string{status}, int64_t{75}, 101.5, std::string{placed}});
  };
  order("O1", "complete", "2026-10-01 04:00:00.000000");
  order("O2", "open", "2026-10-01 04:00:00.000000");
  order("O3", "complete", "2026-11-30 04:00:00.000000");
  auto archived = archive_orders(*db, 30, now);
  CAF_REQUIRE(archived.ok());
  CAF_CHECK(archived->find("archived 1 order(s)") != std::string::npos);
  CAF_CHECK(archived->find("1 older one(s) are not finished and stay") != std::string::npos);
  CAF_CHECK_EQUAL(count(*db, "SELECT COUNT(*) FROM orders"), 2);
  auto moved = db->query("SELECT order_id, quantity, average_price, status FROM orders_archive");
  CAF_REQUIRE_EQUAL(moved.size(), 1u);
  CAF_CHECK_EQUAL(moved[0][0].value_or(""), "O1");
  CAF_CHECK_EQUAL(moved[0][1].value_or(""), "75");
  CAF_CHECK_EQUAL(std::stod(moved[0][2].value_or("0")), 101.5);
  CAF_CHECK(archive_orders(*db, 30, now)->find("archived 0 order(s)") != std::string::npos);
  // updated_at is kept by the database on an update that does not set it.
  db->execute("UPDATE trading_accounts SET updated_at = ? WHERE id = ?",
              {std::string{"2020-01-01 00:00:00"}, alpha->id});
  db->execute("UPDATE trading_accounts SET priority = 3 WHERE id = ?", {alpha->id});
  auto touched = db->query("SELECT updated_at FROM trading_accounts WHERE id = ?", {alpha->id});
  CAF_CHECK(touched.at(0).at(0).value_or("").substr(0, 4) != "2020");
  // A name of fewer than 3 characters does not get in, not even by hand.
  bool refused = false;
  try {
    db->execute("UPDATE trading_accounts SET account_name = 'ab' WHERE id = ?", {alpha->id});
  } catch (const std::exception& e) {
    refused = std::string{e.what()}.find("check_account_name_length") != std::string::npos;
  }
  CAF_CHECK(refused);
  auto sound = check_database(*db);
  CAF_CHECK(sound.problems.empty());
  CAF_CHECK(sound.checked.size() >= 4u);
  // Two primaries (made by hand) are named with the fix.
  auto beta = add_account(*db, *user, {"beta", "sim", "http://h:3", "ws://h:4", "v1:y", false, 1});
  CAF_REQUIRE(beta.ok());
  db->execute("UPDATE trading_accounts SET is_primary = ?", {true});
  auto report = check_database(*db);
  CAF_REQUIRE_EQUAL(report.problems.size(), 1u);
  CAF_CHECK(report.problems[0].find("2 primary accounts") != std::string::npos);
}

CAF_TEST(a backup is a database of its own and never overwrites a file) {
  auto user = add_user(*db, "trader", "t@example.in", "hash");
  CAF_REQUIRE(user.ok());
  char dir[] = "/tmp/algomirror-backup-test-XXXXXX";
  CAF_REQUIRE(mkdtemp(dir) != nullptr);
  std::string target = std::string{dir} + "/backup";
#ifdef ALGOMIRROR_TEST_POSTGRESQL
  std::string url = std::getenv("ALGOMIRROR_TEST_PG_URL");
#else
  std::string url = "sqlite:" + path + "/test.db";
#endif
  auto made = backup_database(url, target);
  if (!made)
    CAF_FAIL(made.error());
  CAF_CHECK(made->find("backed up") != std::string::npos);
#ifdef ALGOMIRROR_TEST_POSTGRESQL
  std::ifstream in{target};
  std::stringstream text;
  text << in.rdbuf();
  CAF_CHECK(text.str().find("CREATE TABLE public.strategy_executions") != std::string::npos);
  CAF_CHECK(text.str().find("trader") != std::string::npos);
#else
  auto copy = open_database("sqlite:" + target, open_mode::existing);
  CAF_REQUIRE(copy.ok());
  CAF_CHECK_EQUAL(count(**copy, "SELECT COUNT(*) FROM users WHERE username = 'trader'"), 1);
  CAF_CHECK(check_database(**copy).problems.empty());
#endif
  auto again = backup_database(url, target);
  CAF_REQUIRE(!again.ok());
  CAF_CHECK(again.error().find("exists") != std::string::npos);
  std::filesystem::remove_all(dir);
}

CAF_TEST(users accounts and strategies are entered with one primary and read back whole) {
  auto user = add_user(*db, "trader", "t@example.in", "hash");
  CAF_REQUIRE(user.ok());
  CAF_CHECK(user->is_admin);
  auto second = add_user(*db, "second", "s@example.in", "hash");
  CAF_REQUIRE(second.ok());
  CAF_CHECK(!second->is_admin);
  CAF_CHECK(!add_user(*db, "trader", "x@example.in", "hash").ok());
  auto alpha = add_account(*db, *user, {"alpha", "sim", "http://h:1", "ws://h:2", "v1:x", false, 0});
  auto beta = add_account(*db, *user, {"beta", "sim", "http://h:3", "ws://h:4", "v1:y", true, 1});
  CAF_REQUIRE(alpha.ok() && beta.ok());
  CAF_CHECK(alpha->is_primary); // the first account
  auto listed = list_accounts(*db, *user);
  CAF_REQUIRE_EQUAL(listed.size(), 2u);
  CAF_CHECK_EQUAL(listed[0].name, "beta"); // --primary took the flag
  CAF_CHECK(!listed[1].is_primary);
  CAF_CHECK(remove_account(*db, *user, "beta").ok());
  listed = list_accounts(*db, *user);
  CAF_REQUIRE_EQUAL(listed.size(), 1u);
  CAF_CHECK(listed[0].is_primary); // promoted
  strategy_definition s;
  s.name = "straddle";
  s.description = "test";
  s.entry_time = time_of_day{9 * 3600 + 20 * 60};
  s.square_off_time = time_of_day{15 * 3600 + 15 * 60};
  s.max_loss = 6000;
  s.trailing_stop = {threshold_kind::percentage, 20};
  s.supertrend = {true, supertrend_exit_kind::breakdown, 10, 2.5, "15m"};
  s.scope = risk_scope::run;
  s.account_ids = {listed[0].id};
  leg_definition leg;
  leg.leg_number = 1;
  leg.underlying = "NIFTY";
  leg.action = side::sell;
  leg.option = option_type::pe;
  leg.strike = strike_selection::otm;
  leg.strike_offset = 2;
  leg.stop_loss = {threshold_kind::points, 12.5};
  s.legs = {leg};
  auto saved = save_strategy(*db, *user, s);
  CAF_REQUIRE(saved.ok());
  CAF_CHECK(saved->second);
  s.legs.push_back(leg);
  s.legs.back().leg_number = 2;
  s.legs.back().option = option_type::ce;
  auto replaced = save_strategy(*db, *user, s);
  CAF_REQUIRE(replaced.ok());
  CAF_CHECK(!replaced->second);
  CAF_CHECK_EQUAL(replaced->first, saved->first);
  auto back = user_strategies(*db, *user);
  CAF_REQUIRE_EQUAL(back.size(), 1u);
  s.id = back[0].id;
  s.user_id = user->id;
  for (size_t i = 0; i < s.legs.size(); ++i)
    s.legs[i].id = back[0].legs.at(i).id;
  CAF_CHECK(back[0] == s);
  CAF_CHECK(user_strategies(*db, *second).empty());
  CAF_CHECK(delete_strategy(*db, *user, "straddle").ok());
  CAF_CHECK(user_strategies(*db, *user).empty());
}

CAF_TEST_FIXTURE_SCOPE_END()

namespace {

std::string url_of(const fresh_database& f) {
#ifdef ALGOMIRROR_TEST_POSTGRESQL
  (void) f;
  return std::getenv("ALGOMIRROR_TEST_PG_URL");
#else
  return "sqlite:" + f.path + "/test.db";
#endif
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(lease_tests, fresh_database)

CAF_TEST(one node holds the lease and a second is refused naming it) {
  CAF_REQUIRE(migrate(*db).ok());
  auto url = url_of(*this);
  auto now = *parse_iso8601("2026-11-25T10:00:00+05:30");
  auto free_before = current_lease_holder(url);
  CAF_REQUIRE(free_before.ok());
  CAF_CHECK(!free_before->has_value());
  {
    auto first = database_lease::acquire(url, "test 1", now);
    if (!first)
      CAF_FAIL(first.error());
    CAF_CHECK((*first)->heartbeat(now));
    auto second = database_lease::acquire(url, "test 2", now);
    CAF_REQUIRE(!second.ok());
    CAF_CHECK(second.error().find("held by node on") != std::string::npos);
    CAF_CHECK(second.error().find("pid " + std::to_string(::getpid())) != std::string::npos);
    CAF_CHECK(second.error().find("2026-11-25 10:00:00 IST") != std::string::npos);
    auto held = current_lease_holder(url);
    CAF_REQUIRE(held.ok());
    CAF_REQUIRE(held->has_value());
    CAF_CHECK_EQUAL((*held)->pid, ::getpid());
    CAF_CHECK_EQUAL(count(*db, "SELECT COUNT(*) FROM node_lease WHERE released_at IS NULL"), 1);
  }
  // Released: the row says so and the next node takes it.
  CAF_CHECK_EQUAL(count(*db, "SELECT COUNT(*) FROM node_lease WHERE released_at IS NULL"), 0);
  auto free_after = current_lease_holder(url);
  CAF_REQUIRE(free_after.ok());
  CAF_CHECK(!free_after->has_value());
  auto again = database_lease::acquire(url, "test 3", now);
  CAF_CHECK(again.ok());
}

CAF_TEST_FIXTURE_SCOPE_END()
