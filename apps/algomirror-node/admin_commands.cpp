#include "admin_commands.hpp"
#include "command_database.hpp"

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <iostream>
#include <termios.h>
#include <unistd.h>

#include "config/options.hpp"
#include "config/secrets.hpp"
#include "config/strategy_file.hpp"
#include "domain/clock.hpp"
#include "domain/endpoint.hpp"
#include "domain/passwords.hpp"
#include "gateways/openalgo/replies.hpp"
#include "gateways/openalgo/requests.hpp"
#include "gateways/openalgo/rest_client.hpp"
#include "messages/names.hpp"
#include "runtime/key_check.hpp"
#include "persistence/admin.hpp"
#include "persistence/lease.hpp"
#include "persistence/migrations.hpp"

namespace algomirror {

bool admin_commands::any() const {
  return any_parsed({user_add, account_add, account_list, account_remove, account_set_primary,
                     account_test, account_enable, account_disable, strategy_import,
                     strategy_export, strategy_list, strategy_delete});
}

bool admin_commands::changes_live_state() const {
  return any_parsed({user_add, account_add, account_remove, account_set_primary, account_enable,
                     account_disable, strategy_import, strategy_delete});
}

bool admin_commands::reads_only() const {
  return any_parsed({account_list, account_test, strategy_export, strategy_list});
}

admin_commands add_admin_commands(CLI::App& app, admin_options& opts) {
  admin_commands c;
  auto* user = app.add_subcommand("user", "Manage users (the first user is the admin)");
  user->fallthrough();
  user->require_subcommand(1);
  c.user_add = user->add_subcommand("add", "Add a user; the password is read from the terminal "
                                           "or ALGOMIRROR_PASSWORD");
  c.user_add->fallthrough();
  c.user_add->add_option("--username", opts.username, "Login name (3-80 characters)")->required();
  c.user_add->add_option("--email", opts.email, "E-mail address")->required();

  auto* account = app.add_subcommand("account", "Manage trading accounts (API keys are stored "
                                                "encrypted under the master key)");
  account->fallthrough();
  account->require_subcommand(1);
  c.account_add = account->add_subcommand("add", "Add a trading account");
  c.account_add->fallthrough();
  c.account_add->add_option("--name", opts.name, "Account name, unique per user")->required();
  c.account_add->add_option("--broker", opts.broker,
                            "Broker, e.g. zerodha (default: the name the account's ping "
                            "reports; required with --offline)");
  c.account_add->add_flag("--offline", opts.offline,
                          "Add it without pinging its OpenAlgo first (it is unreachable now)");
  c.account_add->add_option("--host", opts.host_url, "OpenAlgo REST URL")->capture_default_str();
  c.account_add->add_option("--ws-url", opts.ws_url, "OpenAlgo WebSocket URL")
    ->capture_default_str();
  c.account_add->add_option("--api-key", opts.api_key,
                            "OpenAlgo API key; '-' reads it from standard input; default "
                            "ALGOMIRROR_API_KEY");
  c.account_add->add_flag("--primary", opts.primary,
                          "Make it the user's primary account (the first account always is)");
  c.account_add->add_option("--priority", opts.priority,
                            "Failover order after the primary (lower first)")
    ->capture_default_str();
  for (auto* sub : {c.account_add}) {
    sub->add_option("--user", opts.user, "Owner (default: the admin)");
  }
  c.account_list = account->add_subcommand("list", "List the accounts");
  c.account_remove = account->add_subcommand("remove", "Remove an account");
  c.account_set_primary = account->add_subcommand("set-primary", "Make an account the primary");
  c.account_test = account->add_subcommand("test", "Ping an account's OpenAlgo; prints its broker");
  c.account_enable = account->add_subcommand("enable", "Let an account take new entries again");
  c.account_disable = account->add_subcommand("disable", "Stop new entries on an account (its "
                                                          "open positions keep their exits)");
  for (auto* sub : {c.account_list, c.account_remove, c.account_set_primary, c.account_test,
                    c.account_enable, c.account_disable}) {
    sub->fallthrough();
    sub->add_option("--user", opts.user, "Owner (default: the admin)");
  }
  for (auto* sub : {c.account_remove, c.account_set_primary, c.account_test, c.account_enable,
                    c.account_disable})
    sub->add_option("name", opts.name, "Account name")->required();

  auto* strategy = app.add_subcommand("strategy", "Manage strategies as JSON files (examples: "
                                                  "etc/strategies/)");
  strategy->fallthrough();
  strategy->require_subcommand(1);
  c.strategy_import = strategy->add_subcommand(
    "import", "Create or replace strategies from a JSON file; every bad field is named");
  c.strategy_import->add_option("file", opts.file, "JSON file")->required();
  c.strategy_import
    ->add_option("--max-lots-per-leg", opts.max_lots_per_leg,
                 "Refuse a leg of more lots than this (also at most 10 freeze-split orders)")
    ->check(CLI::Range(1, 100'000))
    ->capture_default_str();
  c.strategy_export = strategy->add_subcommand("export", "Write strategies as JSON");
  c.strategy_export->add_option("name", opts.name, "One strategy (default: all)");
  c.strategy_export->add_option("--out", opts.out, "File to write (default: standard output)");
  c.strategy_list = strategy->add_subcommand("list", "List the strategies");
  c.strategy_delete = strategy->add_subcommand("delete", "Delete a strategy");
  c.strategy_delete->add_option("name", opts.name, "Strategy name")->required();
  for (auto* sub : {c.strategy_import, c.strategy_export, c.strategy_list, c.strategy_delete}) {
    sub->fallthrough();
    sub->add_option("--user", opts.user, "Owner (default: the admin)");
  }
  return c;
}

namespace {

/// A secret from the environment, or a line of standard input (no echo on a terminal).
std::string read_secret(const char* env, const char* prompt, std::ostream& err) {
  if (const char* v = std::getenv(env); v != nullptr && *v != '\0')
    return v;
  bool tty = ::isatty(STDIN_FILENO) != 0;
  termios saved{};
  if (tty) {
    err << prompt << std::flush;
    ::tcgetattr(STDIN_FILENO, &saved);
    auto quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::string line;
  std::getline(std::cin, line);
  if (tty) {
    ::tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    err << "\n";
  }
  if (!line.empty() && line.back() == '\r')
    line.pop_back();
  return line;
}

int user_add(database& db, const admin_options& opts, std::ostream& out, std::ostream& err) {
  auto password = read_secret("ALGOMIRROR_PASSWORD", "Password: ", err);
  auto problems = password_problems(password);
  if (!problems.empty()) {
    err << "algomirror-node: error: the password is not accepted:\n";
    for (auto& p : problems)
      err << "  - " << p << "\n";
    return 2;
  }
  auto hash = hash_password(password);
  if (!hash) {
    err << "algomirror-node: error: " << hash.error() << "\n";
    return 1;
  }
  auto user = add_user(db, opts.username, opts.email, *hash);
  if (!user) {
    err << "algomirror-node: error: " << user.error() << "\n";
    return 2;
  }
  out << "user " << user->username << " added" << (user->is_admin ? " (admin)" : "") << "\n";
  return 0;
}

/// The master key, or an error saying how to provide one.
/// The master key, checked against the database's key check (operating.md §3).
result<master_key> need_master_key(database& db, const node_options& node) {
  auto key = master_key::load(node.master_key_file);
  if (!key)
    return key;
  auto source = node.master_key_file.empty() ? std::string{"ALGOMIRROR_MASTER_KEY"}
                                             : "--master-key-file " + node.master_key_file;
  if (auto checked = check_master_key(db, *key, source); !checked)
    return result<master_key>::failure(checked.error());
  return key;
}

struct ping_outcome {
  std::string broker; ///< empty when it failed
  std::string problem;
  long ms = 0;
};

/// One OpenAlgo ping: the broker's name, or why not.
ping_outcome ping_openalgo(const endpoint_url& host, const std::string& url_text,
                           const std::string& key, const node_options& node) {
  boost::asio::io_context io;
  openalgo::rest_client_config rc;
  rc.host = host.host;
  rc.port = host.port;
  rc.timeout = std::chrono::milliseconds{node.request_timeout_ms};
  rc.connections = 1;
  openalgo::rest_client client{io, rc};
  openalgo::http_result reply;
  auto started = std::chrono::steady_clock::now();
  client.post("ping", openalgo::key_only_body(key), [&](openalgo::http_result r) {
    reply = std::move(r);
    client.close();
  });
  io.run();
  ping_outcome o;
  o.ms = static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::steady_clock::now() - started)
                             .count());
  if (!reply.transport_error.empty()) {
    o.problem = "no answer from " + url_text + " (" + reply.transport_error + ")";
    return o;
  }
  auto broker = openalgo::decode_ping(reply.status, reply.body);
  if (auto* e = std::get_if<openalgo::reply_error>(&broker)) {
    o.problem = "ping refused: " + openalgo::to_string(e->kind) + " (HTTP "
                + std::to_string(e->http_status) + ": " + e->message + ")";
    return o;
  }
  o.broker = std::get<0>(broker);
  return o;
}

int account_add(database& db, const user_row& user, const admin_options& opts,
                const node_options& node, std::ostream& out, std::ostream& err) {
  auto host = parse_endpoint_url(opts.host_url, "http", "--host");
  auto ws = parse_endpoint_url(opts.ws_url, "ws", "--ws-url");
  for (auto* problem : {host ? nullptr : &host.error(), ws ? nullptr : &ws.error()})
    if (problem != nullptr) {
      err << "algomirror-node: error: " << *problem << "\n";
      return 2;
    }
  std::string key = opts.api_key == "-" ? read_secret("", "API key: ", err) : opts.api_key;
  if (key.empty())
    if (const char* v = std::getenv("ALGOMIRROR_API_KEY"))
      key = v;
  if (key.empty()) {
    err << "algomirror-node: error: --api-key: missing (give it, '-' to type it, or set "
           "ALGOMIRROR_API_KEY)\n";
    return 2;
  }
  auto mk = need_master_key(db, node);
  if (!mk) {
    err << "algomirror-node: error: " << mk.error() << "\n";
    return 2;
  }
  // operating.md §3: the account answers first, and its ping names the broker.
  std::string broker = opts.broker;
  if (opts.offline) {
    if (broker.empty()) {
      err << "algomirror-node: error: --broker: required with --offline (no ping to name it)\n";
      return 2;
    }
  } else {
    auto ping = ping_openalgo(*host, opts.host_url, key, node);
    if (ping.broker.empty()) {
      err << "algomirror-node: error: account " << opts.name << ": " << ping.problem
          << "; nothing was added (check --host and --api-key, or add it with --offline "
             "--broker NAME)\n";
      return 1;
    }
    broker = ping.broker;
  }
  new_account a{opts.name,    broker,       opts.host_url, opts.ws_url,
                encrypt_secret(*mk, key), opts.primary, opts.priority};
  auto added = add_account(db, user, a);
  if (!added) {
    err << "algomirror-node: error: " << added.error() << "\n";
    return 2;
  }
  out << "account " << added->name << " (broker " << added->broker << ") added for user "
      << user.username << (added->is_primary ? " (primary)" : "")
      << "; API key stored encrypted\n";
  return 0;
}

int account_list(database& db, const user_row& user, std::ostream& out) {
  auto accounts = list_accounts(db, user);
  if (accounts.empty()) {
    out << "no accounts for user " << user.username << "\n";
    return 0;
  }
  out << "name\tbroker\thost\twebsocket\tprimary\tpriority\tactive\tstatus\n";
  for (auto& a : accounts)
    out << a.name << "\t" << a.broker << "\t" << a.host_url << "\t" << a.websocket_url << "\t"
        << (a.is_primary ? "yes" : "no") << "\t" << a.priority << "\t"
        << (a.is_active ? "yes" : "no") << "\t" << to_string(a.health) << "\n";
  return 0;
}

int account_test(database& db, const user_row& user, const admin_options& opts,
                 const node_options& node, std::ostream& out, std::ostream& err) {
  auto account = find_account(db, user, opts.name);
  if (!account) {
    err << "algomirror-node: error: " << account.error() << "\n";
    return 2;
  }
  auto mk = need_master_key(db, node);
  if (!mk) {
    err << "algomirror-node: error: " << mk.error() << "\n";
    return 2;
  }
  auto key = decrypt_secret(*mk, account->api_key_encrypted);
  if (!key) {
    err << "algomirror-node: error: account " << account->name << ": " << key.error() << "\n";
    return 2;
  }
  auto host = parse_endpoint_url(account->host_url, "http", "host_url");
  if (!host) {
    err << "algomirror-node: error: account " << account->name << ": " << host.error() << "\n";
    return 2;
  }
  auto ping = ping_openalgo(*host, account->host_url, *key, node);
  if (ping.broker.empty()) {
    err << "algomirror-node: account " << account->name << ": " << ping.problem << "\n";
    return 1;
  }
  out << "account " << account->name << ": OK, broker " << ping.broker << " (" << ping.ms
      << " ms)\n";
  return 0;
}

int strategy_import(database& db, const user_row& user, const admin_options& opts,
                    std::ostream& out, std::ostream& err) {
  std::ifstream in{opts.file};
  if (!in) {
    err << "algomirror-node: error: strategy import: cannot read '" << opts.file << "'\n";
    return 2;
  }
  std::stringstream text;
  text << in.rdbuf();
  strategy_limits limits;
  limits.max_lots_per_leg = opts.max_lots_per_leg;
  auto read = read_strategy_file(text.str(), default_instruments(), limits);
  if (!read) {
    err << "algomirror-node: error: " << opts.file << ": " << read.error() << "\n";
    return 2;
  }
  std::map<std::string, int64_t> ids;
  std::string known;
  for (auto& a : list_accounts(db, user)) {
    ids[a.name] = a.id;
    known += (known.empty() ? "" : ", ") + a.name;
  }
  for (auto& doc : *read) {
    doc.definition.account_ids.clear();
    for (auto& name : doc.account_names) {
      auto i = ids.find(name);
      if (i == ids.end()) {
        err << "algomirror-node: error: " << opts.file << ": strategy '" << doc.definition.name
            << "': accounts: '" << name << "' is not an account of user " << user.username
            << " (accounts: " << (known.empty() ? "none" : known) << ")\n";
        return 2;
      }
      doc.definition.account_ids.push_back(i->second);
    }
  }
  for (auto& doc : *read) {
    auto saved = save_strategy(db, user, doc.definition);
    if (!saved) {
      err << "algomirror-node: error: " << saved.error() << "\n";
      return 1;
    }
    out << "strategy '" << doc.definition.name << "' " << (saved->second ? "created" : "replaced")
        << " (" << doc.definition.legs.size() << (doc.definition.legs.size() == 1 ? " leg" : " legs")
        << (doc.account_names.empty() ? ", every active account" : "") << ")\n";
  }
  return 0;
}

int strategy_export(database& db, const user_row& user, const admin_options& opts,
                    std::ostream& out, std::ostream& err) {
  auto strategies = user_strategies(db, user, opts.name);
  if (!opts.name.empty() && strategies.empty()) {
    err << "algomirror-node: error: strategy '" << opts.name << "' not found for user "
        << user.username << "\n";
    return 2;
  }
  std::map<int64_t, std::string> names;
  for (auto& a : list_accounts(db, user))
    names[a.id] = a.name;
  auto text = write_strategy_file(strategies, names);
  if (opts.out.empty()) {
    out << text;
    return 0;
  }
  std::ofstream file{opts.out};
  file << text;
  if (!file) {
    err << "algomirror-node: error: --out: cannot write '" << opts.out << "'\n";
    return 1;
  }
  out << strategies.size() << " strateg" << (strategies.size() == 1 ? "y" : "ies")
      << " written to " << opts.out << "\n";
  return 0;
}


int strategy_list(database& db, const user_row& user, std::ostream& out) {
  auto strategies = user_strategies(db, user);
  if (strategies.empty()) {
    out << "no strategies for user " << user.username << "\n";
    return 0;
  }
  out << "name\tlegs\tscope\tmax_loss\tmax_profit\ttrailing\tsupertrend\tentry\texit\tsquare_off\n";
  auto time = [](time_of_day t) { return t.seconds < 0 ? std::string{"-"} : format_time_of_day(t); };
  for (auto& s : strategies) {
    out << s.name << "\t" << s.legs.size() << "\t" << to_string(s.scope) << "\t" << s.max_loss
        << "\t" << s.max_profit << "\t"
        << (s.trailing_stop.kind == threshold_kind::off
              ? std::string{"-"}
              : to_string(s.trailing_stop.kind) + " " + format_number(s.trailing_stop.value))
        << "\t" << (s.supertrend.enabled ? to_string(s.supertrend.kind) : std::string{"-"})
        << "\t" << time(s.entry_time) << "\t" << time(s.exit_time) << "\t"
        << time(s.square_off_time) << "\n";
  }
  return 0;
}

} // namespace

int run_admin_command(const admin_commands& which, const admin_options& opts,
                      const node_options& node, std::ostream& out, std::ostream& err) {
  auto db = open_command_database(node.db_url,
                                  which.reads_only()            ? command_access::read
                                  : which.changes_live_state() ? command_access::live_change
                                                               : command_access::write,
                                  err);
  if (!db)
    return 1;
  if (which.user_add->parsed())
    return user_add(*db, opts, out, err);
  auto user = find_user(*db, opts.user);
  if (!user) {
    err << "algomirror-node: error: " << user.error() << "\n";
    return 2;
  }
  if (which.account_add->parsed())
    return account_add(*db, *user, opts, node, out, err);
  if (which.account_list->parsed())
    return account_list(*db, *user, out);
  if (which.account_test->parsed())
    return account_test(*db, *user, opts, node, out, err);
  if (which.strategy_import->parsed())
    return strategy_import(*db, *user, opts, out, err);
  if (which.strategy_export->parsed())
    return strategy_export(*db, *user, opts, out, err);
  if (which.strategy_list->parsed())
    return strategy_list(*db, *user, out);
  if (which.strategy_delete->parsed()) {
    auto deleted = delete_strategy(*db, *user, opts.name);
    if (!deleted) {
      err << "algomirror-node: error: " << deleted.error() << "\n";
      return 2;
    }
    out << *deleted << "\n";
    return 0;
  }
  auto done = which.account_remove->parsed()    ? remove_account(*db, *user, opts.name)
              : which.account_enable->parsed()  ? set_account_active(*db, *user, opts.name, true)
              : which.account_disable->parsed() ? set_account_active(*db, *user, opts.name, false)
                                                : set_primary(*db, *user, opts.name);
  return report(done, out, err);
}

} // namespace algomirror
