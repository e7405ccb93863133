// The schema, migrations and the database interface, on one backend: compiled twice, for
// SQLite (a temporary file) and for PostgreSQL (ALGOMIRROR_TEST_PG_URL, a private server the
// test command starts), so the same tests run on both.
#ifdef ALGOMIRROR_TEST_POSTGRESQL
#  define CAF_SUITE persistence.postgresql
#else
#  define CAF_SUITE persistence.sqlite
#endif
#include "tests/test.hpp"

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>

#include "persistence/database.hpp"
#include "persistence/migrations.hpp"

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
  CAF_CHECK_EQUAL(schema::tables().size(), 22u); // the seed's 20 + strategy_runs, order_intents
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
  auto down = rollback(*db, 1); // back to version 1: tables without the seed rows
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

CAF_TEST_FIXTURE_SCOPE_END()
