#include "admin_commands.hpp"

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <termios.h>
#include <unistd.h>

#include "config/options.hpp"
#include "config/secrets.hpp"
#include "domain/endpoint.hpp"
#include "domain/passwords.hpp"
#include "gateways/openalgo/replies.hpp"
#include "gateways/openalgo/requests.hpp"
#include "gateways/openalgo/rest_client.hpp"
#include "messages/names.hpp"
#include "persistence/admin.hpp"
#include "persistence/migrations.hpp"

namespace algomirror {

bool admin_commands::any() const {
  for (auto* c : {user_add, account_add, account_list, account_remove, account_set_primary,
                  account_test})
    if (c != nullptr && c->parsed())
      return true;
  return false;
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
  c.account_add->add_option("--broker", opts.broker, "Broker, e.g. zerodha")->required();
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
  for (auto* sub : {c.account_list, c.account_remove, c.account_set_primary, c.account_test}) {
    sub->fallthrough();
    sub->add_option("--user", opts.user, "Owner (default: the admin)");
  }
  for (auto* sub : {c.account_remove, c.account_set_primary, c.account_test})
    sub->add_option("name", opts.name, "Account name")->required();
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
result<master_key> need_master_key(const node_options& node) {
  return master_key::load(node.master_key_file);
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
  auto mk = need_master_key(node);
  if (!mk) {
    err << "algomirror-node: error: " << mk.error() << "\n";
    return 2;
  }
  new_account a{opts.name,    opts.broker,  opts.host_url, opts.ws_url,
                encrypt_secret(*mk, key), opts.primary, opts.priority};
  auto added = add_account(db, user, a);
  if (!added) {
    err << "algomirror-node: error: " << added.error() << "\n";
    return 2;
  }
  out << "account " << added->name << " added for user " << user.username
      << (added->is_primary ? " (primary)" : "") << "; API key stored encrypted\n";
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
  auto mk = need_master_key(node);
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
  boost::asio::io_context io;
  openalgo::rest_client_config rc;
  rc.host = host->host;
  rc.port = host->port;
  rc.timeout = std::chrono::milliseconds{node.request_timeout_ms};
  rc.connections = 1;
  openalgo::rest_client client{io, rc};
  openalgo::http_result reply;
  auto started = std::chrono::steady_clock::now();
  client.post("ping", openalgo::key_only_body(*key), [&](openalgo::http_result r) {
    reply = std::move(r);
    client.close();
  });
  io.run();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now()
                                                                  - started)
              .count();
  if (!reply.transport_error.empty()) {
    err << "algomirror-node: account " << account->name << ": no answer from "
        << account->host_url << " (" << reply.transport_error << ")\n";
    return 1;
  }
  auto broker = openalgo::decode_ping(reply.status, reply.body);
  if (auto* e = std::get_if<openalgo::reply_error>(&broker)) {
    err << "algomirror-node: account " << account->name << ": ping refused: "
        << openalgo::to_string(e->kind) << " (HTTP " << e->http_status << ": " << e->message
        << ")\n";
    return 1;
  }
  out << "account " << account->name << ": OK, broker " << std::get<0>(broker) << " (" << ms
      << " ms)\n";
  return 0;
}

} // namespace

int run_admin_command(const admin_commands& which, const admin_options& opts,
                      const node_options& node, std::ostream& out, std::ostream& err) {
  auto db = open_database(node.db_url);
  if (!db) {
    err << "algomirror-node: error: " << db.error() << "\n";
    return 1;
  }
  auto migrated = migrate(**db);
  if (!migrated) {
    err << "algomirror-node: error: " << migrated.error() << "\n";
    return 1;
  }
  if (which.user_add->parsed())
    return user_add(**db, opts, out, err);
  auto user = find_user(**db, opts.user);
  if (!user) {
    err << "algomirror-node: error: " << user.error() << "\n";
    return 2;
  }
  if (which.account_add->parsed())
    return account_add(**db, *user, opts, node, out, err);
  if (which.account_list->parsed())
    return account_list(**db, *user, out);
  if (which.account_test->parsed())
    return account_test(**db, *user, opts, node, out, err);
  auto done = which.account_remove->parsed() ? remove_account(**db, *user, opts.name)
                                             : set_primary(**db, *user, opts.name);
  if (!done) {
    err << "algomirror-node: error: " << done.error() << "\n";
    return 2;
  }
  out << *done << "\n";
  return 0;
}

} // namespace algomirror
