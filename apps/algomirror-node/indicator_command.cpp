#include "indicator_command.hpp"

#include <CLI/CLI.hpp>
#include <charconv>
#include <fstream>
#include <ostream>
#include <sstream>

#include "config/ohlc_csv.hpp"
#include "config/validators.hpp"
#include "domain/supertrend.hpp"

namespace algomirror {

namespace {

std::string shortest(double x) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), x);
  (void) ec;
  return std::string{buf, end};
}

} // namespace

CLI::App* add_indicator_commands(CLI::App& app, supertrend_command_options& opts) {
  auto* indicator = app.add_subcommand("indicator", "Compute an indicator from a CSV file");
  indicator->require_subcommand(1);
  auto* st = indicator->add_subcommand(
    "supertrend", "Supertrend (TradingView Pine v6 compatible) of index,open,high,low,close rows: "
                  "prints index,supertrend,direction per bar (direction -1 bullish, 1 bearish)");
  st->add_option("--csv", opts.csv, "CSV file with a header naming index,open,high,low,close")
    ->required()
    ->check(CLI::ExistingFile);
  st->add_option("--period", opts.period, "ATR period")
    ->capture_default_str()
    ->check(int_range(1, 1000));
  st->add_option("--multiplier", opts.multiplier, "ATR multiplier")
    ->capture_default_str()
    ->check(positive_number());
  return st;
}

int run_supertrend_command(const supertrend_command_options& opts, std::ostream& out,
                           std::ostream& err) {
  std::ifstream in{opts.csv};
  if (!in) {
    err << "algomirror-node: error: cannot read '" << opts.csv << "'\n";
    return 2;
  }
  std::stringstream text;
  text << in.rdbuf();
  auto rows = parse_ohlc_csv(text.str());
  if (!rows) {
    err << "algomirror-node: error: " << opts.csv << ":\n" << rows.error() << "\n";
    return 2;
  }
  supertrend_calculator calc{opts.period, opts.multiplier};
  out << "index,supertrend,direction\n";
  for (auto& r : *rows) {
    auto p = calc.add(r.high, r.low, r.close);
    out << r.index << ',';
    if (p.valid)
      out << shortest(p.value) << ',' << p.direction;
    else
      out << ',';
    out << '\n';
  }
  return 0;
}

} // namespace algomirror
