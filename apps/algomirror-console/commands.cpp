#include "commands.hpp"

namespace algomirror::console_app {

const std::vector<std::string>& command_names() {
  static const std::vector<std::string> names = {
    "status", "alerts", "failovers", "accounts", "funds", "positions", "orders", "trades",
    "holdings", "account", "strategies", "strategy", "user", "run", "runs", "show", "watch", "exit",
    "risk-events", "chain", "quote", "users", "settings", "logout", "help", "quit"};
  return names;
}

void add_commands(CLI::App& app, command_args& a) {
  auto sub = [&](const char* name, const char* what) {
    auto* c = app.add_subcommand(name, what);
    c->callback([&a, name] { a.name = name; });
    c->add_flag("--json", a.json, "One JSON document per answer, one JSON line per event");
    return c;
  };
  sub("status", "The node, its lease and feed, your accounts' health, your live runs");
  auto* alerts = sub("alerts", "The node's latest error-level events");
  alerts->add_flag("--follow", a.follow, "Keep showing new ones (Ctrl-C stops)");
  alerts->add_option("--limit", a.limit_s, "With --follow: stop after this many seconds")
    ->check(CLI::Range(1, 86'400));
  sub("failovers", "Market-data failovers between your accounts");
  sub("accounts", "Your accounts with their health");
  for (auto* book : {"funds", "positions", "orders", "trades", "holdings"}) {
    auto* c = sub(book, (std::string{"The broker's "} + book
                         + " of one account or of all yours, with totals")
                          .c_str());
    c->add_option("--account", a.account, "One account by name (default: all yours)");
  }
  auto* account = app.add_subcommand("account", "Change one of your accounts on the running "
                                                "node");
  auto* account_add = account->add_subcommand("add", "Add a trading account: pinged first (its "
                                                     "broker comes from the ping), then started");
  account_add->callback([&a] { a.name = "account add"; });
  account_add->add_option("--name", a.account, "Account name, unique per user")->required();
  account_add->add_option("--host", a.host_url, "OpenAlgo REST URL, e.g. http://127.0.0.1:5000")
    ->required();
  account_add->add_option("--ws-url", a.ws_url, "OpenAlgo WebSocket URL, e.g. ws://127.0.0.1:8765")
    ->required();
  account_add->add_option("--api-key", a.api_key,
                          "OpenAlgo API key; '-' reads it from standard input; default "
                          "ALGOMIRROR_API_KEY");
  account_add->add_option("--broker", a.broker, "With --offline: the broker's name");
  account_add->add_flag("--offline", a.offline, "Add it without a ping (it is unreachable now)");
  account_add->add_flag("--primary", a.primary, "Make it your primary account");
  account_add->add_flag("--json", a.json, "JSON");
  struct named_action {
    const char* name;
    const char* what;
  };
  for (auto act : {named_action{"test", "Ping an account's OpenAlgo; prints its broker"},
                   named_action{"set-primary", "Make an account your primary"},
                   named_action{"enable", "Let an account take new entries again"},
                   named_action{"disable", "Stop new entries on an account (its open positions "
                                           "keep their exits)"},
                   named_action{"remove", "Remove an account (refused while it has positions or "
                                          "is in a live run)"}}) {
    auto* c = account->add_subcommand(act.name, act.what);
    c->callback([&a, name = std::string{act.name}] { a.name = "account " + name; });
    c->add_option("name", a.account, "The account's name")->required();
    c->add_flag("--json", a.json, "JSON");
  }
  account->require_subcommand(1);
  sub("strategies", "Your strategies");
  auto* strategy = app.add_subcommand("strategy", "One strategy");
  auto* show_strategy = strategy->add_subcommand("show", "A strategy with its legs");
  show_strategy->callback([&a] { a.name = "strategy show"; });
  show_strategy->add_option("name", a.strategy, "The strategy's name")->required();
  show_strategy->add_flag("--json", a.json, "JSON");
  auto* import = strategy->add_subcommand("import", "Save the strategies of a JSON file for you "
                                                    "(refused while one of them runs)");
  import->callback([&a] { a.name = "strategy import"; });
  import->add_option("file", a.file, "JSON file (etc/strategies/ has examples)")->required();
  import->add_flag("--json", a.json, "JSON");
  auto* export_ = strategy->add_subcommand("export", "Write strategies as JSON (the format "
                                                    "'strategy import' reads)");
  export_->callback([&a] { a.name = "strategy export"; });
  export_->add_option("name", a.strategy, "One strategy (default: all yours)");
  export_->add_option("--out", a.out_file, "File to write (default: standard output)");
  for (auto act : {named_action{"delete", "Delete a strategy (refused while it runs)"},
                   named_action{"enable", "Let a disabled strategy be scheduled and run again"},
                   named_action{"disable", "Stop a strategy being scheduled or run (refused "
                                           "while it runs)"}}) {
    auto* c = strategy->add_subcommand(act.name, act.what);
    c->callback([&a, name = std::string{act.name}] { a.name = "strategy " + name; });
    c->add_option("name", a.strategy, "The strategy's name")->required();
    c->add_flag("--json", a.json, "JSON");
  }
  strategy->require_subcommand(1);
  auto* user = app.add_subcommand("user", "Manage users (admin); a new password comes from the "
                                          "terminal or ALGOMIRROR_NEW_PASSWORD");
  auto* user_add = user->add_subcommand("add", "Add a user");
  user_add->callback([&a] { a.name = "user add"; });
  user_add->add_option("--username", a.username, "Login name (3-80 characters)")->required();
  user_add->add_option("--email", a.email, "E-mail address")->required();
  user_add->add_flag("--json", a.json, "JSON");
  for (auto act : {named_action{"disable", "Stop a user from logging in"},
                   named_action{"enable", "Let a disabled user log in again"},
                   named_action{"passwd", "Give a user a new password"}}) {
    auto* c = user->add_subcommand(act.name, act.what);
    c->callback([&a, name = std::string{act.name}] { a.name = "user " + name; });
    c->add_option("username", a.username, "The user's login name")->required();
    c->add_flag("--json", a.json, "JSON");
  }
  user->require_subcommand(1);
  auto* run = sub("run", "Run a strategy now on its accounts (or the ones given)");
  run->add_option("strategy", a.strategy, "The strategy's name")->required();
  run->add_option("--account", a.accounts, "Run on this account (repeat for several)");
  run->add_flag("--force", a.force, "Outside market hours");
  sub("runs", "Your live runs")->add_flag("--all", a.all, "Finished ones too (this node's)");
  sub("show", "One run: every leg per account with its execution id, entry, LTP, P&L")
    ->add_option("run", a.run, "The run's id")
    ->required()
    ->check(CLI::Range(int64_t{1}, int64_t{1} << 53));
  auto* watch = sub("watch", "The live view of a run, streamed until it ends (Ctrl-C stops)");
  watch->add_option("run", a.run, "The run's id")
    ->required()
    ->check(CLI::Range(int64_t{1}, int64_t{1} << 53));
  watch->add_option("--limit", a.limit_s, "Stop watching after this many seconds")
    ->check(CLI::Range(1, 86'400));
  auto* exit = sub("exit", "Exit a run: all of it, one account, or one leg");
  exit->add_option("run", a.run, "The run's id")
    ->required()
    ->check(CLI::Range(int64_t{1}, int64_t{1} << 53));
  auto* by_account =
    exit->add_option("--account", a.account, "Only this account's legs of the run");
  exit->add_option("--leg", a.leg, "Only this leg (its execution id, as 'show' lists it)")
    ->check(CLI::Range(int64_t{1}, int64_t{1} << 53))
    ->excludes(by_account);
  auto* risk = sub("risk-events", "The rules that fired");
  risk->add_option("--run", a.run, "One run (default: all yours)")
    ->check(CLI::Range(int64_t{1}, int64_t{1} << 53));
  risk->add_flag("--follow", a.follow, "Keep showing new ones (Ctrl-C stops)");
  risk->add_option("--limit", a.limit_s, "With --follow: stop after this many seconds")
    ->check(CLI::Range(1, 86'400));
  auto* chain = sub("chain", "An option chain around ATM, streamed while it is shown (Ctrl-C "
                             "closes it)");
  chain->add_option("underlying", a.underlying, "NIFTY, BANKNIFTY or SENSEX")->required();
  chain->add_option("--expiry", a.expiry, "YYYY-MM-DD (default: the nearest)");
  chain->add_option("--strikes", a.strikes, "Strikes each side of ATM")
    ->check(CLI::Range(1, 25))
    ->capture_default_str();
  chain->add_option("--limit", a.limit_s, "Stop after this many seconds")
    ->check(CLI::Range(1, 86'400));
  sub("quote", "REST quotes through your accounts: SYMBOL or EXCHANGE:SYMBOL")
    ->add_option("symbol", a.symbols, "Symbols")
    ->required();
  sub("users", "Every user (admin only)");
  auto* settings = app.add_subcommand("settings", "Your instruments, grades and margins (every "
                                                  "run reads them at its start)");
  auto* settings_list = settings->add_subcommand("list", "Show them");
  settings_list->callback([&a] { a.name = "settings list"; });
  settings_list->add_flag("--json", a.json, "JSON");
  struct settings_kind {
    const char* name;
    const char* what;
    const char* key;
    std::vector<const char*> fields;
  };
  for (auto& k : std::vector<settings_kind>{
         {"instrument", "Change (or add) an underlying", "SYMBOL",
          {"lot", "next-month-lot", "freeze", "strike-step", "exchange"}},
         {"grade", "Change (or add) a trade-quality grade", "GRADE", {"percent", "source"}},
         {"margin", "Change the margins (₹ per lot) of an instrument", "INSTRUMENT",
          {"sell-expiry", "sell-non-expiry", "straddle-expiry", "straddle-non-expiry",
           "futures-expiry", "futures-non-expiry", "buy-premium"}}}) {
    auto* c = settings->add_subcommand(k.name, k.what);
    c->callback([&a, kind = std::string{k.name}] {
      a.name = "settings change";
      a.settings_kind = kind;
    });
    c->add_option("key", a.settings_key, k.key)->required();
    for (auto* f : k.fields)
      c->add_option_function<std::string>(
        std::string{"--"} + f, [&a, f](const std::string& v) { a.settings_fields[f] = v; });
    c->add_flag("--json", a.json, "JSON");
  }
  auto* reset = settings->add_subcommand("reset", "Drop your own value: the default counts");
  reset->callback([&a] {
    a.name = "settings change";
    a.settings_kind = "reset";
  });
  reset->add_option("kind", a.settings_reset_kind, "instrument, grade or margin")->required();
  reset->add_option("key", a.settings_key, "Its symbol, grade or instrument")->required();
  reset->add_flag("--json", a.json, "JSON");
  settings->require_subcommand(1);
  sub("logout", "End the session");
}

} // namespace algomirror::console_app
