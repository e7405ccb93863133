#include "calendar_commands.hpp"

#include <CLI/CLI.hpp>
#include <fstream>
#include <sstream>

#include "command_database.hpp"
#include "config/options.hpp"
#include "domain/calendar.hpp"
#include "domain/clock.hpp"
#include "persistence/admin.hpp"
#include "persistence/calendar_admin.hpp"
#include "persistence/loaders.hpp"

namespace algomirror {

namespace {

void add_market_option(CLI::App* cmd, calendar_options& opts, const std::string& what) {
  cmd->add_option("--market", opts.markets, what);
}

std::string joined(const std::vector<std::string>& xs, const char* sep = ",") {
  std::string out;
  for (auto& x : xs)
    out += (out.empty() ? "" : sep) + x;
  return out;
}

/// The markets asked for, upper-cased; `fallback` when none was given.
std::vector<std::string> markets_of(const calendar_options& opts,
                                    std::vector<std::string> fallback) {
  if (opts.markets.empty())
    return fallback;
  std::vector<std::string> out;
  for (auto m : opts.markets) {
    for (auto& c : m)
      c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (m == "ALL") {
      out.push_back("NSE");
      out.push_back("BSE");
    } else {
      out.push_back(m);
    }
  }
  return out;
}

/// A time of day given as `field`, or the error naming it.
bool read_time(const std::string& text, const char* field, time_of_day& out, std::ostream& err) {
  auto t = parse_time_of_day(text);
  if (!t) {
    err << "algomirror-node: error: " << field << ": '" << text
        << "' is not a time of day (HH:MM, IST)\n";
    return false;
  }
  out = *t;
  return true;
}

int list_holidays_command(database& db, const calendar_options& opts, std::ostream& out) {
  auto holidays = list_holidays(db, opts.year);
  if (holidays.empty())
    out << "no holidays" << (opts.year != 0 ? " in " + std::to_string(opts.year) : "") << "\n";
  for (auto& h : holidays)
    out << h.date << "  " << joined(h.markets) << "  " << h.name << "\n";
  for (auto& a : list_acknowledgements(db))
    if (opts.year == 0 || a.year == opts.year)
      out << "acknowledged without a list: " << a.market << " " << a.year << "\n";
  // The warning the node gives, here too (a year listed for neither exchange).
  if (opts.year != 0) {
    load_problems problems;
    market_calendar calendar{load_calendar(db, problems)};
    auto day = date{std::chrono::year{opts.year} / 1 / 1};
    for (auto market : {"NSE", "BSE"})
      if (auto w = calendar.unknown_year_warning(market, day); !w.empty())
        out << "warning: " << w << "\n";
  }
  return 0;
}

int import_command(database& db, const user_row& user, const calendar_options& opts,
                   std::ostream& out, std::ostream& err) {
  std::ifstream in{opts.file, std::ios::binary};
  if (!in) {
    err << "algomirror-node: error: FILE: cannot read '" << opts.file << "'\n";
    return 2;
  }
  std::stringstream text;
  text << in.rdbuf();
  auto parsed = parse_holiday_csv(text.str(), markets_of(opts, {"NSE", "BSE"}));
  if (!parsed) {
    err << "algomirror-node: error: " << opts.file << ": " << parsed.error()
        << "; nothing imported\n";
    return 2;
  }
  return report(import_holidays(db, user, *parsed), out, err);
}

int sessions_list_command(database& db, const calendar_options& opts, std::ostream& out) {
  auto sessions = list_special_sessions(db, opts.year);
  if (sessions.empty())
    out << "no special sessions" << (opts.year != 0 ? " in " + std::to_string(opts.year) : "")
        << "\n";
  for (auto& s : sessions)
    out << s.date << "  " << s.market << "  " << format_time_of_day(s.open) << "-"
        << format_time_of_day(s.close) << "  " << s.name << "\n";
  return 0;
}

int templates_list_command(database& db, std::ostream& out) {
  for (auto& t : list_templates(db)) {
    out << t.name << "  " << (t.market.empty() ? "-" : t.market) << "  "
        << format_time_of_day(t.open) << "-" << format_time_of_day(t.close);
    if (t.pre_open_start.seconds >= 0)
      out << "  pre-open " << format_time_of_day(t.pre_open_start) << "-"
          << format_time_of_day(t.pre_open_end);
    std::vector<std::string> days;
    for (auto d : t.weekdays)
      days.push_back(std::to_string(d));
    out << "  days " << joined(days) << "\n";
  }
  return 0;
}

int templates_set_command(database& db, const user_row& user, const calendar_options& opts,
                          std::ostream& out, std::ostream& err) {
  trading_hours t;
  t.name = opts.name;
  auto markets = markets_of(opts, {});
  t.market = markets.empty() ? std::string{} : markets.front();
  if (!read_time(opts.open, "--open", t.open, err)
      || !read_time(opts.close, "--close", t.close, err))
    return 2;
  if (!opts.pre_open.empty()) {
    auto dash = opts.pre_open.find('-');
    if (dash == std::string::npos) {
      err << "algomirror-node: error: --pre-open: '" << opts.pre_open
          << "' is not START-END (09:00-09:08)\n";
      return 2;
    }
    if (!read_time(opts.pre_open.substr(0, dash), "--pre-open", t.pre_open_start, err)
        || !read_time(opts.pre_open.substr(dash + 1), "--pre-open", t.pre_open_end, err))
      return 2;
  }
  std::stringstream days{opts.weekdays};
  std::string day;
  while (std::getline(days, day, ',')) {
    if (day.empty() || day.find_first_not_of("0123456789") != std::string::npos) {
      err << "algomirror-node: error: --weekdays: '" << day
          << "' is not a day number (0 = Sunday … 6 = Saturday)\n";
      return 2;
    }
    t.weekdays.push_back(std::stoi(day));
  }
  return report(set_template(db, user, t), out, err);
}

} // namespace

bool calendar_commands::any() const {
  return any_parsed({holidays_list, holidays_add, holidays_remove, holidays_import, sessions_list,
                     sessions_add, sessions_remove, templates_list, templates_set, acknowledge});
}

bool calendar_commands::reads_only() const {
  return any_parsed({holidays_list, sessions_list, templates_list});
}

calendar_commands add_calendar_commands(CLI::App& app, calendar_options& opts) {
  calendar_commands c;
  auto* calendar = app.add_subcommand(
    "calendar", "The market calendar: holidays, special sessions, trading hours (changes are "
                "refused while a node runs on the database; it reads them at start)");
  calendar->fallthrough();
  calendar->require_subcommand(1);
  auto with_user = [&](CLI::App* cmd) {
    cmd->fallthrough();
    cmd->add_option("--user", opts.user, "Who makes the change (default: the admin)");
  };

  auto* holidays = calendar->add_subcommand("holidays", "Exchange holidays");
  holidays->fallthrough();
  holidays->require_subcommand(1);
  c.holidays_list = holidays->add_subcommand("list", "List the holidays (and acknowledged years)");
  c.holidays_list->fallthrough();
  c.holidays_list->add_option("--year", opts.year, "Only this year (and warn if it has none)");
  c.holidays_add = holidays->add_subcommand("add", "Add a holiday (merged into one of that date)");
  with_user(c.holidays_add);
  c.holidays_add->add_option("DATE", opts.date, "YYYY-MM-DD or DD-MMM-YYYY")->required();
  c.holidays_add->add_option("NAME", opts.name, "What the holiday is")->required();
  add_market_option(c.holidays_add, opts, "NSE, BSE, MCX or all (repeatable; default all = "
                                          "NSE and BSE)");
  c.holidays_remove = holidays->add_subcommand("remove", "Remove a holiday");
  with_user(c.holidays_remove);
  c.holidays_remove->add_option("DATE", opts.date, "YYYY-MM-DD or DD-MMM-YYYY")->required();
  add_market_option(c.holidays_remove, opts, "Only for this market (default: every market)");
  c.holidays_import = holidays->add_subcommand(
    "import", "Import a holiday list as the exchange publishes it (CSV: date,description,"
              "market; a header line is skipped)");
  with_user(c.holidays_import);
  c.holidays_import->add_option("FILE", opts.file, "The CSV file")->required();
  add_market_option(c.holidays_import, opts, "Market of lines that name none (default all = "
                                             "NSE and BSE)");

  auto* sessions = calendar->add_subcommand("sessions", "Special sessions (Muhurat, Saturdays)");
  sessions->fallthrough();
  sessions->require_subcommand(1);
  c.sessions_list = sessions->add_subcommand("list", "List the special sessions");
  c.sessions_list->fallthrough();
  c.sessions_list->add_option("--year", opts.year, "Only this year");
  c.sessions_add = sessions->add_subcommand("add", "Add a special session (it overrides a "
                                                   "holiday or weekend of its date)");
  with_user(c.sessions_add);
  c.sessions_add->add_option("DATE", opts.date, "YYYY-MM-DD or DD-MMM-YYYY")->required();
  c.sessions_add->add_option("--open", opts.open, "Opens at HH:MM IST")->required();
  c.sessions_add->add_option("--close", opts.close, "Closes at HH:MM IST")->required();
  c.sessions_add->add_option("--name", opts.name, "What the session is");
  add_market_option(c.sessions_add, opts, "NSE, BSE, NFO, BFO, MCX, CDS or BCD (default NSE)");
  c.sessions_remove = sessions->add_subcommand("remove", "Remove a special session");
  with_user(c.sessions_remove);
  c.sessions_remove->add_option("DATE", opts.date, "YYYY-MM-DD or DD-MMM-YYYY")->required();
  add_market_option(c.sessions_remove, opts, "Its market (default NSE)");

  auto* templates = calendar->add_subcommand("templates", "Trading-hours templates (equity, "
                                                          "commodity, currency)");
  templates->fallthrough();
  templates->require_subcommand(1);
  c.templates_list = templates->add_subcommand("list", "List the templates");
  c.templates_list->fallthrough();
  c.templates_set = templates->add_subcommand("set", "Set a template's hours");
  with_user(c.templates_set);
  c.templates_set->add_option("NAME", opts.name, "equity, commodity or currency")->required();
  c.templates_set->add_option("--open", opts.open, "Opens at HH:MM IST")->required();
  c.templates_set->add_option("--close", opts.close, "Closes at HH:MM IST")->required();
  c.templates_set->add_option("--pre-open", opts.pre_open, "Pre-open START-END (09:00-09:08)");
  c.templates_set->add_option("--weekdays", opts.weekdays, "Trading days, 0 = Sunday")
    ->capture_default_str();
  add_market_option(c.templates_set, opts, "Its exchange (NSE, MCX, CDS)");

  c.acknowledge = calendar->add_subcommand(
    "acknowledge", "Let scheduled entries run in a year whose holidays are not listed");
  with_user(c.acknowledge);
  c.acknowledge->add_option("YEAR", opts.year, "The year, e.g. 2027")->required();
  add_market_option(c.acknowledge, opts, "NSE, BSE or MCX (repeatable; default NSE)");
  return c;
}

int run_calendar_command(const calendar_commands& which, const calendar_options& opts,
                         const node_options& node, std::ostream& out, std::ostream& err) {
  auto db = open_command_database(
    node.db_url, which.reads_only() ? command_access::read : command_access::live_change, err);
  if (!db)
    return 1;
  if (which.holidays_list->parsed())
    return list_holidays_command(*db, opts, out);
  if (which.sessions_list->parsed())
    return sessions_list_command(*db, opts, out);
  if (which.templates_list->parsed())
    return templates_list_command(*db, out);
  auto user = find_user(*db, opts.user);
  if (!user) {
    err << "algomirror-node: error: " << user.error() << "\n";
    return 2;
  }
  if (which.holidays_add->parsed())
    return report(
      add_holiday(*db, *user, {opts.date, opts.name, markets_of(opts, {"NSE", "BSE"})}), out,
      err);
  if (which.holidays_remove->parsed())
    return report(remove_holiday(*db, *user, opts.date, markets_of(opts, {})), out, err);
  if (which.holidays_import->parsed())
    return import_command(*db, *user, opts, out, err);
  if (which.sessions_add->parsed()) {
    special_session s;
    s.date = opts.date;
    s.name = opts.name;
    s.market = markets_of(opts, {"NSE"}).front();
    if (!read_time(opts.open, "--open", s.open, err)
        || !read_time(opts.close, "--close", s.close, err))
      return 2;
    return report(add_special_session(*db, *user, s), out, err);
  }
  if (which.sessions_remove->parsed())
    return report(
      remove_special_session(*db, *user, opts.date, markets_of(opts, {"NSE"}).front()), out,
      err);
  if (which.templates_set->parsed())
    return templates_set_command(*db, *user, opts, out, err);
  int code = 0;
  for (auto& market : markets_of(opts, {"NSE"}))
    if (auto c = report(acknowledge_year(*db, *user, market, opts.year), out, err); c != 0)
      code = c;
  return code;
}

} // namespace algomirror
