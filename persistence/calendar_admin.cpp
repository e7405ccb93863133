#include "persistence/calendar_admin.hpp"

#include <algorithm>
#include <set>

#include "domain/clock.hpp"
#include "persistence/internal/admin_support.hpp"
#include "persistence/json_columns.hpp"
#include "persistence/loaders.hpp"

namespace algomirror {

using admin_support::details;
using admin_support::in_transaction;
using admin_support::log_activity;

namespace {

const std::set<std::string> holiday_markets{"NSE", "BSE", "MCX"};
const std::set<std::string> session_markets{"NSE", "BSE", "NFO", "BFO", "MCX", "CDS", "BCD"};

std::string joined(const std::vector<std::string>& xs) {
  std::string out;
  for (auto& x : xs)
    out += (out.empty() ? "" : ",") + x;
  return out;
}

std::string year_prefix(int year) {
  return year == 0 ? std::string{} : std::to_string(year) + "-";
}

bool in_year(const std::string& date, int year) {
  auto prefix = year_prefix(year);
  return date.compare(0, prefix.size(), prefix) == 0;
}

/// The date written `YYYY-MM-DD`, or the failure naming `field`.
result<std::string> checked_date(const std::string& text, const char* field) {
  if (auto d = parse_calendar_date(text))
    return *d;
  return result<std::string>::failure(field + std::string{": '"} + text
                                      + "' is not a date (YYYY-MM-DD or DD-MMM-YYYY, e.g. "
                                        "2027-01-26 or 26-Jan-2027)");
}

std::string checked_markets(const std::vector<std::string>& markets) {
  for (auto& m : markets)
    if (holiday_markets.count(m) == 0)
      return "--market: '" + m + "' is not one of NSE, BSE, MCX";
  return {};
}

struct stored_holiday {
  int64_t id = 0;
  market_holiday h;
};

std::optional<stored_holiday> holiday_on(database& db, const std::string& date) {
  for (auto& row : db.query("SELECT id, date, name, markets FROM market_holidays WHERE date = ?",
                            {date})) {
    std::string problem;
    return stored_holiday{std::stoll(row[0].value_or("0")),
                          {row[1].value_or("").substr(0, 10), row[2].value_or(""),
                           strings_from_json(row[3].value_or(""), problem)}};
  }
  return std::nullopt;
}

enum class merge_outcome { added, merged, known };

/// Adds or merges one (checked) holiday; no transaction of its own.
merge_outcome merge_holiday(database& db, const market_holiday& h) {
  auto old = holiday_on(db, h.date);
  if (!old) {
    db.execute("INSERT INTO market_holidays (date, name, markets) VALUES (?, ?, ?)",
               {h.date, h.name, strings_to_json(h.markets)});
    return merge_outcome::added;
  }
  auto markets = old->h.markets;
  for (auto& m : h.markets)
    if (std::find(markets.begin(), markets.end(), m) == markets.end())
      markets.push_back(m);
  auto name = h.name.empty() ? old->h.name : h.name;
  if (markets == old->h.markets && name == old->h.name)
    return merge_outcome::known;
  db.execute("UPDATE market_holidays SET name = ?, markets = ? WHERE id = ?",
             {name, strings_to_json(markets), old->id});
  return merge_outcome::merged;
}

std::string checked_holiday(market_holiday& h) {
  auto d = checked_date(h.date, "DATE");
  if (!d)
    return d.error();
  h.date = *d;
  if (h.markets.empty())
    return "--market: a holiday needs at least one market (NSE, BSE, MCX)";
  if (auto why = checked_markets(h.markets); !why.empty())
    return why;
  if (h.name.size() > 100)
    return "NAME: at most 100 characters (it has " + std::to_string(h.name.size()) + ")";
  return {};
}

} // namespace

/// The rows of `year` (all when 0) of a list of dated rows.
template <class T>
std::vector<T> of_year(const std::vector<T>& rows, int year) {
  std::vector<T> out;
  for (auto& x : rows)
    if (in_year(x.date, year))
      out.push_back(x);
  return out;
}

std::vector<market_holiday> list_holidays(database& db, int year) {
  load_problems problems;
  return of_year(load_calendar(db, problems).holidays, year);
}

result<std::string> add_holiday(database& db, const user_row& user, const market_holiday& h) {
  using r = result<std::string>;
  auto checked = h;
  if (auto why = checked_holiday(checked); !why.empty())
    return r::failure(why);
  return in_transaction(db, [&]() -> r {
    auto outcome = merge_holiday(db, checked);
    if (outcome == merge_outcome::known)
      return "holiday " + checked.date + " (" + joined(checked.markets)
             + ") is listed already; nothing changed";
    log_activity(db, user.id, "holiday_added",
                 details({{"date", checked.date},
                          {"name", checked.name},
                          {"markets", joined(checked.markets)}}));
    return std::string{outcome == merge_outcome::added ? "added" : "merged into"} + " holiday "
           + checked.date + (checked.name.empty() ? "" : " " + checked.name) + " ("
           + joined(holiday_on(db, checked.date)->h.markets) + ")";
  });
}

result<std::string> remove_holiday(database& db, const user_row& user, const std::string& date,
                                   const std::vector<std::string>& markets) {
  using r = result<std::string>;
  auto d = checked_date(date, "DATE");
  if (!d)
    return r::failure(d.error());
  if (auto why = checked_markets(markets); !why.empty())
    return r::failure(why);
  return in_transaction(db, [&]() -> r {
    auto old = holiday_on(db, *d);
    if (!old)
      return r::failure("no holiday on " + *d + " ('calendar holidays list' shows them)");
    std::vector<std::string> left;
    if (!markets.empty())
      for (auto& m : old->h.markets)
        if (std::find(markets.begin(), markets.end(), m) == markets.end())
          left.push_back(m);
    if (left.size() == old->h.markets.size())
      return r::failure("the holiday on " + *d + " is not one of " + joined(markets)
                        + " (it is " + joined(old->h.markets) + "); nothing changed");
    if (left.empty())
      db.execute("DELETE FROM market_holidays WHERE id = ?", {old->id});
    else
      db.execute("UPDATE market_holidays SET markets = ? WHERE id = ?",
                 {strings_to_json(left), old->id});
    log_activity(db, user.id, "holiday_removed",
                 details({{"date", *d}, {"markets", joined(markets.empty() ? old->h.markets
                                                                            : markets)}}));
    return left.empty() ? "removed holiday " + *d
                        : "holiday " + *d + " now of " + joined(left) + " only";
  });
}

result<std::string> import_holidays(database& db, const user_row& user,
                                    const std::vector<market_holiday>& holidays) {
  using r = result<std::string>;
  std::vector<market_holiday> checked;
  for (size_t k = 0; k < holidays.size(); ++k) {
    auto h = holidays[k];
    if (auto why = checked_holiday(h); !why.empty())
      return r::failure("holiday " + std::to_string(k + 1) + ": " + why + "; nothing imported");
    checked.push_back(std::move(h));
  }
  if (checked.empty())
    return r::failure("the file lists no holiday; nothing imported");
  return in_transaction(db, [&]() -> r {
    int added = 0, merged = 0, known = 0;
    std::set<std::string> years;
    for (auto& h : checked) {
      years.insert(h.date.substr(0, 4));
      switch (merge_holiday(db, h)) {
        case merge_outcome::added: ++added; break;
        case merge_outcome::merged: ++merged; break;
        case merge_outcome::known: ++known; break;
      }
    }
    std::string year_list;
    for (auto& y : years)
      year_list += (year_list.empty() ? "" : ", ") + y;
    log_activity(db, user.id, "holidays_imported",
                 details({{"added", std::to_string(added)},
                          {"merged", std::to_string(merged)},
                          {"known", std::to_string(known)},
                          {"years", year_list}}));
    return "imported " + std::to_string(checked.size()) + " holiday(s) of " + year_list + ": "
           + std::to_string(added) + " new, " + std::to_string(merged) + " merged, "
           + std::to_string(known) + " already listed";
  });
}

std::vector<special_session> list_special_sessions(database& db, int year) {
  load_problems problems;
  return of_year(load_calendar(db, problems).special_sessions, year);
}

result<std::string> add_special_session(database& db, const user_row& user,
                                        const special_session& s) {
  using r = result<std::string>;
  auto d = checked_date(s.date, "DATE");
  if (!d)
    return r::failure(d.error());
  if (session_markets.count(s.market) == 0)
    return r::failure("--market: '" + s.market + "' is not one of NSE, BSE, NFO, BFO, MCX, CDS, "
                                                 "BCD");
  if (s.open.seconds < 0 || s.close.seconds <= s.open.seconds)
    return r::failure("--close: the session must close after it opens ("
                      + format_time_of_day(s.open) + " – " + format_time_of_day(s.close) + ")");
  if (s.name.size() > 100)
    return r::failure("NAME: at most 100 characters");
  return in_transaction(db, [&]() -> r {
    auto gone = db.execute("DELETE FROM special_trading_sessions WHERE date = ? AND market = ?",
                           {*d, s.market});
    db.execute("INSERT INTO special_trading_sessions (date, name, market, market_open, "
               "market_close) VALUES (?, ?, ?, ?, ?)",
               {*d, s.name, s.market, format_time_of_day(s.open, true),
                format_time_of_day(s.close, true)});
    log_activity(db, user.id, "special_session_added",
                 details({{"date", *d},
                          {"market", s.market},
                          {"open", format_time_of_day(s.open)},
                          {"close", format_time_of_day(s.close)}}));
    return std::string{gone > 0 ? "replaced" : "added"} + " special session " + *d + " "
           + s.market + " " + format_time_of_day(s.open) + "–" + format_time_of_day(s.close)
           + (s.name.empty() ? "" : " (" + s.name + ")");
  });
}

result<std::string> remove_special_session(database& db, const user_row& user,
                                           const std::string& date, const std::string& market) {
  using r = result<std::string>;
  auto d = checked_date(date, "DATE");
  if (!d)
    return r::failure(d.error());
  return in_transaction(db, [&]() -> r {
    auto gone = db.execute("DELETE FROM special_trading_sessions WHERE date = ? AND market = ?",
                           {*d, market});
    if (gone == 0)
      return r::failure("no " + market + " special session on " + *d
                        + " ('calendar sessions list' shows them)");
    log_activity(db, user.id, "special_session_removed",
                 details({{"date", *d}, {"market", market}}));
    return "removed special session " + *d + " " + market;
  });
}

std::vector<trading_hours> list_templates(database& db) {
  std::vector<trading_hours> out;
  load_problems problems;
  // load_calendar keeps the active ones; the list shows them all.
  for (auto& row : db.query("SELECT id, name, market, market_open, market_close, "
                            "pre_open_start, pre_open_end, weekdays FROM "
                            "trading_hours_templates ORDER BY name")) {
    auto t = [&](size_t i) {
      auto text = row[i].value_or("");
      auto parsed = parse_time_of_day(text.substr(0, 5));
      return parsed ? *parsed : time_of_day{};
    };
    trading_hours h{row[1].value_or(""), row[2].value_or(""), t(3), t(4), t(5), t(6), {}};
    for (char c : row[7].value_or(""))
      if (c >= '0' && c <= '6')
        h.weekdays.push_back(c - '0');
    out.push_back(std::move(h));
  }
  return out;
}

result<std::string> set_template(database& db, const user_row& user, const trading_hours& t) {
  using r = result<std::string>;
  if (t.name.empty() || t.name.size() > 50)
    return r::failure("NAME: 1 to 50 characters (equity, commodity and currency are the ones "
                      "the calendar uses)");
  if (t.open.seconds < 0 || t.close.seconds <= t.open.seconds)
    return r::failure("--close: the market must close after it opens ("
                      + format_time_of_day(t.open) + " – " + format_time_of_day(t.close) + ")");
  bool pre = t.pre_open_start.seconds >= 0 || t.pre_open_end.seconds >= 0;
  if (pre && (t.pre_open_start.seconds < 0 || t.pre_open_end.seconds <= t.pre_open_start.seconds
              || t.pre_open_end.seconds > t.open.seconds))
    return r::failure("--pre-open: it must be START-END, ending by the open ("
                      + format_time_of_day(t.open) + ")");
  if (t.weekdays.empty())
    return r::failure("--weekdays: at least one day (0 = Sunday … 6 = Saturday, e.g. 1,2,3,4,5)");
  std::string days;
  for (auto d : t.weekdays) {
    if (d < 0 || d > 6)
      return r::failure("--weekdays: " + std::to_string(d)
                        + " is not a day (0 = Sunday … 6 = Saturday)");
    days += (days.empty() ? "" : ",") + std::to_string(d);
  }
  auto opt = [](time_of_day x) -> sql_value {
    return x.seconds >= 0 ? sql_value{format_time_of_day(x, true)} : sql_value{};
  };
  return in_transaction(db, [&]() -> r {
    auto changed = db.execute("UPDATE trading_hours_templates SET market = COALESCE(?, market), "
                              "market_open = ?, "
                              "market_close = ?, pre_open_start = ?, pre_open_end = ?, "
                              "weekdays = ?, is_active = ? WHERE name = ?",
                              {t.market.empty() ? sql_value{} : sql_value{t.market},
                               opt(t.open), opt(t.close), opt(t.pre_open_start),
                               opt(t.pre_open_end), days, true, t.name});
    if (changed == 0)
      db.execute("INSERT INTO trading_hours_templates (name, market, market_open, market_close, "
                 "pre_open_start, pre_open_end, weekdays) VALUES (?, ?, ?, ?, ?, ?, ?)",
                 {t.name, t.market, opt(t.open), opt(t.close), opt(t.pre_open_start),
                  opt(t.pre_open_end), days});
    log_activity(db, user.id, "trading_hours_set",
                 details({{"name", t.name},
                          {"open", format_time_of_day(t.open)},
                          {"close", format_time_of_day(t.close)},
                          {"weekdays", days}}));
    return std::string{changed > 0 ? "set" : "added"} + " template " + t.name + ": "
           + format_time_of_day(t.open) + "–" + format_time_of_day(t.close) + " on days "
           + days;
  });
}

std::vector<calendar_acknowledgement> list_acknowledgements(database& db) {
  load_problems problems;
  return load_calendar(db, problems).acknowledged;
}

result<std::string> acknowledge_year(database& db, const user_row& user,
                                     const std::string& market, int year) {
  using r = result<std::string>;
  if (holiday_markets.count(market) == 0)
    return r::failure("--market: '" + market + "' is not one of NSE, BSE, MCX");
  if (year < 2000 || year > 2100)
    return r::failure("YEAR: " + std::to_string(year) + " is not a year (2000-2100)");
  return in_transaction(db, [&]() -> r {
    if (!db.query("SELECT id FROM calendar_acknowledgements WHERE market = ? AND year = ?",
                  {market, int64_t{year}})
           .empty())
      return market + " " + std::to_string(year) + " is acknowledged already; nothing changed";
    db.execute("INSERT INTO calendar_acknowledgements (market, year, acknowledged_by) "
               "VALUES (?, ?, ?)",
               {market, int64_t{year}, user.username});
    log_activity(db, user.id, "calendar_year_acknowledged",
                 details({{"market", market}, {"year", std::to_string(year)}}));
    return "acknowledged " + market + " " + std::to_string(year)
           + ": scheduled entries run on its weekdays although no holiday of it is listed "
             "(add them with 'calendar holidays import FILE')";
  });
}

} // namespace algomirror
