#include "settings_commands.hpp"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <ostream>

#include "command_database.hpp"
#include "config/options.hpp"
#include "messages/names.hpp"
#include "persistence/admin.hpp"
#include "persistence/loaders.hpp"
#include "persistence/settings_admin.hpp"

namespace algomirror {

namespace {

const char* margin_fields[] = {"sell-expiry",         "sell-non-expiry",    "straddle-expiry",
                               "straddle-non-expiry", "futures-expiry",     "futures-non-expiry",
                               "buy-premium"};

std::string amount(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f", x);
  return buf;
}

template <class T, class Key>
const T* find_by(const std::vector<T>& xs, const std::string& key, Key key_of) {
  for (auto& x : xs)
    if (key_of(x) == key)
      return &x;
  return nullptr;
}

int list_settings(database& db, const user_row& user, std::ostream& out) {
  load_problems problems;
  auto mine = load_user_settings(db, user.id, problems);
  auto defaults = load_user_settings(db, 0, problems);
  auto mark = [](bool changed) { return changed ? " *" : ""; };
  out << "settings of " << user.username << " (* = the user's own, over the default)\n";
  out << "instruments   lot  next-month  freeze  strike-step  exchange\n";
  for (auto& s : mine.instruments) {
    auto* d = find_by(defaults.instruments, s.name, [](auto& x) { return x.name; });
    char line[160];
    std::snprintf(line, sizeof line, "  %-10s %5d  %10d  %6d  %11g  %s", s.name.c_str(),
                  s.lot_size, s.next_month_lot_size, s.freeze_quantity, s.strike_step,
                  to_string(s.derivative_exchange).c_str());
    out << line << mark(d == nullptr || !(*d == s)) << "\n";
  }
  out << "grades        percent  source\n";
  for (auto& g : mine.grades) {
    auto* d = find_by(defaults.grades, g.grade, [](auto& x) { return x.grade; });
    char line[120];
    std::snprintf(line, sizeof line, "  %-10s %7g  %s", g.grade.c_str(), g.percent,
                  g.source.c_str());
    out << line << mark(d == nullptr || !(*d == g)) << "\n";
  }
  out << "margins (₹ per lot): sell expiry/non-expiry, straddle expiry/non-expiry, futures "
         "expiry/non-expiry, buy premium\n";
  for (auto& m : mine.margins) {
    auto* d = find_by(defaults.margins, m.instrument, [](auto& x) { return x.instrument; });
    out << "  " << m.instrument << "  " << amount(m.sell_expiry) << "/"
        << amount(m.sell_non_expiry) << "  " << amount(m.straddle_expiry) << "/"
        << amount(m.straddle_non_expiry) << "  " << amount(m.futures_expiry) << "/"
        << amount(m.futures_non_expiry) << "  " << amount(m.buy_premium)
        << mark(d == nullptr || !(*d == m)) << "\n";
  }
  for (auto& p : problems)
    out << "warning: " << p << "\n";
  return 0;
}

} // namespace

bool settings_commands::any() const {
  return any_parsed({list, instrument, grade, margin, reset});
}

settings_commands add_settings_commands(CLI::App& app, settings_options& opts) {
  settings_commands c;
  auto* settings = app.add_subcommand(
    "settings", "A user's instrument table, grades and margins (read by every run at its "
                "start: a change counts from the next run)");
  settings->fallthrough();
  settings->require_subcommand(1);
  settings->add_option("--user", opts.user, "Whose settings (default: the admin)");
  c.list = settings->add_subcommand("list", "Show the settings runs use");
  c.list->fallthrough();
  c.instrument = settings->add_subcommand("instrument", "Change (or add) an underlying");
  c.instrument->fallthrough();
  c.instrument->add_option("SYMBOL", opts.key, "NIFTY, BANKNIFTY, SENSEX, …")->required();
  c.instrument->add_option("--lot", opts.lot, "Lot size");
  c.instrument->add_option("--next-month-lot", opts.next_month_lot, "Next month's lot size");
  c.instrument->add_option("--freeze", opts.freeze, "Freeze quantity (orders above it split)");
  c.instrument->add_option("--strike-step", opts.strike_step, "Strike step");
  c.instrument->add_option("--exchange", opts.exchange, "Derivatives exchange: NFO or BFO");
  c.grade = settings->add_subcommand("grade", "Change (or add) a trade-quality grade");
  c.grade->fallthrough();
  c.grade->add_option("GRADE", opts.key, "A, B, C, …")->required();
  c.grade->add_option("--percent", opts.percent, "Share of the margin source, (0, 100]");
  c.grade->add_option("--source", opts.source, "available (sellers) or cash (option buyers)");
  c.margin = settings->add_subcommand("margin", "Change the margins per lot of an instrument");
  c.margin->fallthrough();
  c.margin->add_option("INSTRUMENT", opts.key, "NIFTY, BANKNIFTY, SENSEX, …")->required();
  for (auto* field : margin_fields)
    c.margin->add_option_function<double>(
      std::string{"--"} + field, [&opts, field](double v) { opts.margins[field] = v; },
      "₹ per lot");
  c.reset = settings->add_subcommand("reset", "Drop the user's own row: the default counts");
  c.reset->fallthrough();
  c.reset->add_option("KIND", opts.kind, "instrument, margin or grade")->required();
  c.reset->add_option("KEY", opts.key, "Its symbol, instrument or grade")->required();
  return c;
}

int run_settings_command(const settings_commands& which, const settings_options& opts,
                         const node_options& node, std::ostream& out, std::ostream& err) {
  auto db = open_command_database(
    node.db_url, which.list->parsed() ? command_access::read : command_access::write, err);
  if (!db)
    return 1;
  auto user = find_user(*db, opts.user);
  if (!user) {
    err << "algomirror-node: error: " << user.error() << "\n";
    return 2;
  }
  if (which.list->parsed())
    return list_settings(*db, *user, out);
  result<std::string> done = which.instrument->parsed()
    ? set_instrument(*db, *user,
                     {opts.key, opts.lot, opts.next_month_lot, opts.freeze, opts.strike_step,
                      opts.exchange})
    : which.grade->parsed()  ? set_grade(*db, *user, opts.key, opts.percent, opts.source)
    : which.margin->parsed() ? set_margin(*db, *user, opts.key, opts.margins)
                             : reset_setting(*db, *user, opts.kind, opts.key);
  return report(done, out, err);
}

} // namespace algomirror
