#include "persistence/migrations.hpp"

#include <algorithm>

namespace algomirror {

namespace {

void create_initial_tables(database& db) {
  for (auto& t : schema::tables()) {
    db.execute(schema::render_create_table(t, db.dialect()));
    for (auto& ix : schema::render_indexes(t, db.dialect()))
      db.execute(ix);
  }
}

void drop_initial_tables(database& db) {
  auto& all = schema::tables();
  for (auto i = all.rbegin(); i != all.rend(); ++i)
    db.execute(schema::render_drop_table(*i, db.dialect()));
}

/// The NSE trading holidays of 2026 (algomirror-python.md §8); BSE observes the same days.
constexpr const char* holidays_2026[][2] = {
  {"2026-01-26", "Republic Day"},    {"2026-03-03", "Holi"},
  {"2026-03-26", "Shri Ram Navami"}, {"2026-03-31", "Shri Mahavir Jayanti"},
  {"2026-04-03", "Good Friday"},     {"2026-04-14", "Dr. Baba Saheb Ambedkar Jayanti"},
  {"2026-05-01", "Maharashtra Day"}, {"2026-05-28", "Bakri Id"},
  {"2026-06-26", "Muharram"},        {"2026-09-14", "Ganesh Chaturthi"},
  {"2026-10-02", "Mahatma Gandhi Jayanti"}, {"2026-10-20", "Dussehra"},
  {"2026-11-10", "Diwali Balipratipada"},   {"2026-11-24", "Prakash Gurpurb Sri Guru Nanak Dev"},
  {"2026-12-25", "Christmas"},
};

/// Defaults of trading-rules.md §1, §4 and §11. Rows with user_id NULL are the defaults every
/// user starts from; a user's own row (same instrument or grade) overrides them.
void seed_defaults(database& db) {
  struct grade {
    const char* name;
    double percent;
    const char* source;
    const char* risk;
  };
  for (auto g : {grade{"A", 95, "available", "aggressive"}, grade{"B", 65, "available", "moderate"},
                 grade{"C", 36, "available", "conservative"}})
    db.execute("INSERT INTO trade_qualities (user_id, quality_grade, margin_percentage, "
               "margin_source, risk_level, description) VALUES (NULL, ?, ?, ?, ?, ?)",
               {std::string{g.name}, g.percent, std::string{g.source}, std::string{g.risk},
                std::string{"default grade "} + g.name});
  struct margins {
    const char* instrument;
    double sell_expiry, sell_non_expiry, straddle_expiry, straddle_non_expiry, futures;
  };
  for (auto m : {margins{"NIFTY", 205000, 250000, 250000, 320000, 215000},
                 margins{"BANKNIFTY", 205000, 250000, 250000, 320000, 215000},
                 margins{"SENSEX", 180000, 220000, 225000, 290000, 185000}})
    db.execute("INSERT INTO margin_requirements (user_id, instrument, ce_pe_sell_expiry, "
               "ce_pe_sell_non_expiry, ce_and_pe_sell_expiry, ce_and_pe_sell_non_expiry, "
               "futures_expiry, futures_non_expiry, buy_premium_per_lot) "
               "VALUES (NULL, ?, ?, ?, ?, ?, ?, ?, ?)",
               {std::string{m.instrument}, m.sell_expiry, m.sell_non_expiry, m.straddle_expiry,
                m.straddle_non_expiry, m.futures, m.futures, 20000.0});
  struct settings {
    const char* symbol;
    double step;
    int64_t lot, next_lot, freeze;
    bool weekly;
    int64_t weekday;
    const char* index_exchange;
    const char* derivative_exchange;
  };
  for (auto s : {settings{"NIFTY", 50, 65, 65, 1800, true, 2, "NSE_INDEX", "NFO"},
                 settings{"BANKNIFTY", 100, 30, 30, 600, false, 2, "NSE_INDEX", "NFO"},
                 settings{"SENSEX", 100, 20, 20, 1000, true, 4, "BSE_INDEX", "BFO"}})
    db.execute("INSERT INTO trading_settings (user_id, symbol, lot_size, next_month_lot_size, "
               "freeze_quantity, max_lots_per_order, strike_step, weekly_expiries, "
               "expiry_weekday, index_exchange, derivative_exchange) "
               "VALUES (NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
               {std::string{s.symbol}, s.lot, s.next_lot, s.freeze, s.freeze / s.lot, s.step,
                s.weekly, s.weekday, std::string{s.index_exchange},
                std::string{s.derivative_exchange}});
  struct hours {
    const char* name;
    const char* market;
    const char* open;
    const char* close;
    const char* pre_start;
    const char* pre_end;
  };
  for (auto h : {hours{"equity", "NSE", "09:15:00", "15:30:00", "09:00:00", "09:08:00"},
                 hours{"commodity", "MCX", "09:00:00", "23:30:00", nullptr, nullptr},
                 hours{"currency", "CDS", "09:00:00", "17:00:00", nullptr, nullptr}}) {
    auto opt = [](const char* s) -> sql_value {
      return s != nullptr ? sql_value{std::string{s}} : sql_value{};
    };
    db.execute("INSERT INTO trading_hours_templates (name, market, market_open, market_close, "
               "pre_open_start, pre_open_end) VALUES (?, ?, ?, ?, ?, ?)",
               {std::string{h.name}, std::string{h.market}, std::string{h.open},
                std::string{h.close}, opt(h.pre_start), opt(h.pre_end)});
  }
  for (auto& h : holidays_2026)
    db.execute("INSERT INTO market_holidays (date, name, markets) VALUES (?, ?, ?)",
               {std::string{h[0]}, std::string{h[1]}, std::string{R"(["NSE","BSE"])"}});
}

void unseed_defaults(database& db) {
  for (auto table : {"trade_qualities", "margin_requirements", "trading_settings"})
    db.execute(std::string{"DELETE FROM "} + table + " WHERE user_id IS NULL");
  db.execute("DELETE FROM trading_hours_templates WHERE name IN ('equity', 'commodity', "
             "'currency')");
  for (auto& h : holidays_2026)
    db.execute("DELETE FROM market_holidays WHERE date = ?", {std::string{h[0]}});
}

/// operating.md §1 and §3: the node's lease (one row, for humans; the lock itself is a file lock
/// or an advisory lock) and the master key check (a known text sealed under the key).
void create_node_tables(database& db) {
  const char* id = db.dialect() == schema::dialect::sqlite ? "INTEGER" : "BIGINT";
  db.execute(std::string{"CREATE TABLE node_lease (id "} + id
             + " PRIMARY KEY, host TEXT NOT NULL, pid " + id
             + " NOT NULL, version TEXT NOT NULL, started_at TEXT NOT NULL, heartbeat_at TEXT "
               "NOT NULL, released_at TEXT)");
  db.execute(std::string{"CREATE TABLE key_check (id "} + id
             + " PRIMARY KEY, sealed TEXT NOT NULL, created_at TEXT NOT NULL)");
}

void drop_node_tables(database& db) {
  db.execute("DROP TABLE IF EXISTS key_check");
  db.execute("DROP TABLE IF EXISTS node_lease");
}

bool table_exists(database& db, const std::string& name) {
  auto rows =
      db.dialect() == schema::dialect::sqlite
          ? db.query("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?", {name})
          : db.query("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = "
                     "current_schema() AND table_name = ?",
                     {name});
  return !rows.empty() && rows[0][0] && *rows[0][0] != "0";
}

bool column_exists(database& db, const std::string& table, const std::string& column) {
  auto rows =
      db.dialect() == schema::dialect::sqlite
          ? db.query("SELECT COUNT(*) FROM pragma_table_info(?) WHERE name = ?", {table, column})
          : db.query("SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = "
                     "current_schema() AND table_name = ? AND column_name = ?",
                     {table, column});
  return !rows.empty() && rows[0][0] && *rows[0][0] != "0";
}

void create_table_if_missing(database& db, const std::string& name) {
  if (table_exists(db, name))
    return;
  auto& t = *schema::find_table(name);
  db.execute(schema::render_create_table(t, db.dialect()));
  for (auto& ix : schema::render_indexes(t, db.dialect()))
    db.execute(ix);
}

/// Issue 15: every order the node places, the ledger per account, the calendar's
/// acknowledgements. A database made by migration 1 of this build has all of it already; one
/// made by an older build gets the new columns, tables and unique indexes here.
void add_order_ledger_and_calendar(database& db) {
  create_table_if_missing(db, "orders_archive");
  create_table_if_missing(db, "calendar_acknowledgements");
  if (column_exists(db, "orders", "is_external"))
    return;
  auto& orders = *schema::find_table("orders");
  for (auto name : {"execution_id", "is_external", "updated_at"})
    db.execute(schema::render_add_column(orders, *orders.find(name), db.dialect()));
  // An older build never wrote these two tables, so no duplicates stand in the way.
  db.execute("CREATE UNIQUE INDEX ux_orders__account_id_order_id ON orders (account_id, order_id)");
  db.execute("CREATE UNIQUE INDEX ux_margin_trackers__account_id ON margin_trackers (account_id)");
}

/// The columns stay (older builds ignore them); the new tables go.
void drop_order_archive_and_calendar(database& db) {
  db.execute(
      schema::render_drop_table(*schema::find_table("calendar_acknowledgements"), db.dialect()));
  db.execute(schema::render_drop_table(*schema::find_table("orders_archive"), db.dialect()));
}

/// The tables whose rows carry `updated_at` (kept by the triggers of migration 5).
std::vector<std::string> tables_with_updated_at() {
  std::vector<std::string> out;
  for (auto& t : schema::tables())
    if (t.find("updated_at") != nullptr && t.find("id") != nullptr)
      out.push_back(t.name);
  return out;
}

/// The seed's "Data Integrity": `updated_at` set by the database on every update that does
/// not set it itself, and account names of at least 3 characters (the commands check it
/// first; this keeps a hand-made row out too).
void add_integrity_rules(database& db) {
  if (db.dialect() == schema::dialect::sqlite) {
    for (auto& t : tables_with_updated_at())
      db.execute("CREATE TRIGGER IF NOT EXISTS trg_" + t + "__updated_at AFTER UPDATE ON " + t
                 + " FOR EACH ROW WHEN NEW.updated_at IS OLD.updated_at BEGIN UPDATE " + t
                 + " SET updated_at = CURRENT_TIMESTAMP WHERE id = NEW.id; END");
    for (auto when : {"INSERT", "UPDATE OF account_name"})
      db.execute(std::string{"CREATE TRIGGER IF NOT EXISTS trg_trading_accounts__name_"}
                 + (when[0] == 'I' ? "insert" : "update") + " BEFORE " + when
                 + " ON trading_accounts FOR EACH ROW WHEN LENGTH(NEW.account_name) < 3 BEGIN "
                   "SELECT RAISE(ABORT, 'check_account_name_length: account_name must be at "
                   "least 3 characters'); END");
    return;
  }
  db.execute_script("CREATE OR REPLACE FUNCTION algomirror_touch_updated_at() RETURNS trigger "
                    "LANGUAGE plpgsql AS $$ BEGIN IF NEW.updated_at IS NOT DISTINCT FROM "
                    "OLD.updated_at THEN NEW.updated_at := NOW() AT TIME ZONE 'UTC'; END IF; "
                    "RETURN NEW; END $$;");
  for (auto& t : tables_with_updated_at())
    db.execute_script("DROP TRIGGER IF EXISTS trg_" + t + "__updated_at ON " + t
                      + "; CREATE TRIGGER trg_" + t + "__updated_at BEFORE UPDATE ON " + t
                      + " FOR EACH ROW EXECUTE FUNCTION algomirror_touch_updated_at();");
  // NOT VALID: rows from before stay (db check names them); new and changed rows are held to it.
  db.execute_script("ALTER TABLE trading_accounts DROP CONSTRAINT IF EXISTS "
                    "check_account_name_length; ALTER TABLE trading_accounts ADD CONSTRAINT "
                    "check_account_name_length CHECK (LENGTH(account_name) >= 3) NOT VALID;");
}

void drop_integrity_rules(database& db) {
  bool sqlite = db.dialect() == schema::dialect::sqlite;
  for (auto& t : tables_with_updated_at())
    db.execute("DROP TRIGGER IF EXISTS trg_" + t + "__updated_at" + (sqlite ? "" : " ON " + t));
  if (sqlite) {
    db.execute("DROP TRIGGER IF EXISTS trg_trading_accounts__name_insert");
    db.execute("DROP TRIGGER IF EXISTS trg_trading_accounts__name_update");
    return;
  }
  db.execute("DROP FUNCTION IF EXISTS algomirror_touch_updated_at()");
  db.execute("ALTER TABLE trading_accounts DROP CONSTRAINT IF EXISTS check_account_name_length");
}

std::vector<migration> make_migrations() {
  return {
    {1, "initial_schema", create_initial_tables, drop_initial_tables},
    {2, "seed_defaults", seed_defaults, unseed_defaults},
    {3, "node_lease_and_key_check", create_node_tables, drop_node_tables},
    {4, "order_ledger_and_calendar", add_order_ledger_and_calendar,
     drop_order_archive_and_calendar},
    {5, "integrity_rules", add_integrity_rules, drop_integrity_rules},
  };
}

std::string describe(const migration& m, const char* direction) {
  return std::to_string(m.version) + " " + m.name + " (" + direction + ")";
}

} // namespace

const std::vector<migration>& migrations() {
  static const std::vector<migration> all = make_migrations();
  return all;
}

int latest_schema_version() {
  return migrations().back().version;
}

int current_schema_version(database& db) {
  db.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
             "name VARCHAR(100) NOT NULL, applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP)");
  auto rows = db.query("SELECT MAX(version) FROM schema_migrations");
  if (rows.empty() || rows[0].empty() || !rows[0][0])
    return 0;
  return std::stoi(*rows[0][0]);
}

result<migration_report> migrate(database& db,
                                 const std::function<void(const std::string&)>& progress) {
  migration_report report;
  try {
    report.from = current_schema_version(db);
    report.to = report.from;
    if (report.from > latest_schema_version())
      return result<migration_report>::failure(
        "the database is at schema version " + std::to_string(report.from)
        + ", newer than this build knows (" + std::to_string(latest_schema_version())
        + "): use a newer algomirror-node, or --rollback with the newer one first");
    for (auto& m : migrations()) {
      if (m.version <= report.from)
        continue;
      db.begin();
      try {
        m.up(db);
        db.execute("INSERT INTO schema_migrations (version, name) VALUES (?, ?)",
                   {int64_t{m.version}, m.name});
        db.commit();
      } catch (...) {
        db.rollback();
        throw;
      }
      report.to = m.version;
      report.applied.push_back(describe(m, "up"));
      if (progress)
        progress(report.applied.back());
    }
  } catch (const std::exception& e) {
    return result<migration_report>::failure("migration to version "
                                             + std::to_string(report.to + 1)
                                             + " failed: " + e.what());
  }
  return report;
}

result<migration_report> rollback(database& db, int steps,
                                  const std::function<void(const std::string&)>& progress) {
  migration_report report;
  try {
    report.from = current_schema_version(db);
    report.to = report.from;
    auto& all = migrations();
    for (int i = 0; i < steps && report.to > 0; ++i) {
      auto m = std::find_if(all.begin(), all.end(),
                            [&](const migration& x) { return x.version == report.to; });
      if (m == all.end())
        return result<migration_report>::failure("schema version " + std::to_string(report.to)
                                                 + " is unknown to this build");
      db.begin();
      try {
        m->down(db);
        db.execute("DELETE FROM schema_migrations WHERE version = ?", {int64_t{m->version}});
        db.commit();
      } catch (...) {
        db.rollback();
        throw;
      }
      report.applied.push_back(describe(*m, "down"));
      if (progress)
        progress(report.applied.back());
      report.to = m == all.begin() ? 0 : std::prev(m)->version;
    }
  } catch (const std::exception& e) {
    return result<migration_report>::failure("rollback of version " + std::to_string(report.to)
                                             + " failed: " + e.what());
  }
  return report;
}

} // namespace algomirror
