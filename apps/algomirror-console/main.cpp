// algomirror-console: the operator's console of a running node (operating.md §2). Connects to
// the node's console endpoint over the CAF middleman (plain on loopback, mutual TLS anywhere
// else), logs in, and runs commands: one given on the command line (`--json` for scripts), or
// typed at a prompt with history and completion. Exit codes: 0 done, 1 refused by the node
// (its reason on stderr), 2 usage, 3 cannot connect or log in.

#include <CLI/CLI.hpp>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <poll.h>
#include <sstream>
#include <sys/signalfd.h>
#include <termios.h>
#include <unistd.h>

#include <editline/readline.h>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "config/options.hpp"
#include "config/strategy_file.hpp"
#include "domain/instruments.hpp"
#include "config/signals.hpp"
#include "gateways/console/transport.hpp"
#include "messages/type_ids.hpp"
#include "commands.hpp"
#include "render.hpp"

namespace {

using namespace algomirror;
using console_app::command_args;
using console_app::command_names;
using console_app::add_commands;

constexpr int exit_done = 0;
constexpr int exit_refused = 1;
constexpr int exit_usage = 2;
constexpr int exit_connect = 3;

struct global_options {
  std::string node = "127.0.0.1:4343";
  std::string user;
  std::string tls_dir;
  std::string tls_name;
  bool json = false;
  int timeout_s = 30;
};


void add_global_options(CLI::App& app, global_options& g) {
  app.add_option("--node", g.node, "The node's console endpoint HOST:PORT")
    ->envname("ALGOMIRROR_NODE")
    ->capture_default_str();
  app.add_option("--user", g.user, "Who logs in (the password comes from the terminal or "
                                   "ALGOMIRROR_PASSWORD)")
    ->envname("ALGOMIRROR_USER");
  app.add_option("--tls-dir", g.tls_dir, "Directory with ca.crt, NAME.crt and NAME.key (from "
                                         "'algomirror-node certs issue DIR NAME')")
    ->envname("ALGOMIRROR_TLS_DIR");
  app.add_option("--tls-name", g.tls_name, "NAME of your certificate in --tls-dir")
    ->envname("ALGOMIRROR_TLS_NAME");
  app.add_flag("--json", g.json, "One JSON document per answer, one JSON line per event");
  app.add_option("--timeout", g.timeout_s, "Seconds to wait for an answer")
    ->capture_default_str()
    ->check(CLI::Range(1, 3600));
}

/// `HOST:PORT`, or why not.
std::optional<std::pair<std::string, uint16_t>> parse_node(const std::string& text,
                                                           std::string& problem) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) {
    problem = "--node '" + text + "': expected HOST:PORT, e.g. 127.0.0.1:4343";
    return std::nullopt;
  }
  auto host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  auto port_text = text.substr(colon + 1);
  if (port_text.size() > 5 || port_text.find_first_not_of("0123456789") != std::string::npos
      || std::stoi(port_text) < 1 || std::stoi(port_text) > 65535) {
    problem = "--node '" + text + "': the port must be 1-65535";
    return std::nullopt;
  }
  return std::pair{host, static_cast<uint16_t>(std::stoi(port_text))};
}

/// A line from the terminal, not echoed.
std::string read_hidden(const std::string& prompt) {
  std::cerr << prompt << std::flush;
  termios old{};
  ::tcgetattr(STDIN_FILENO, &old);
  termios quiet = old;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  std::string line;
  std::getline(std::cin, line);
  ::tcsetattr(STDIN_FILENO, TCSANOW, &old);
  std::cerr << "\n";
  return line;
}

std::string read_password(const std::string& user) {
  if (const char* v = std::getenv("ALGOMIRROR_PASSWORD"))
    return v;
  if (::isatty(STDIN_FILENO) == 0)
    return {};
  return read_hidden("password for " + user + ": ");
}

/// The text of a refusal: the node's own words when it gave them.
std::string error_text(caf::actor_system& sys, const caf::error& err) {
  if (err.category() == error_category && err.context().match_elements<std::string>())
    return err.context().get_as<std::string>(0);
  if (err == caf::sec::request_timeout)
    return "the node did not answer in time";
  if (err == caf::sec::request_receiver_down)
    return "the session has ended (logged out, idle too long, or the node stopped); log in "
           "again";
  return sys.render(err);
}

int exit_code_of(const caf::error& err) {
  if (err.category() == error_category && err.code() == static_cast<uint8_t>(errc::invalid_input))
    return exit_usage;
  if (err == caf::sec::request_receiver_down)
    return exit_connect;
  return exit_refused;
}

bool signalled(int fd) {
  signalfd_siginfo info{};
  return ::read(fd, &info, sizeof(info)) == static_cast<ssize_t>(sizeof(info));
}

/// A logged-in session and what talks to it.
class client {
public:
  client(caf::actor_system& sys, const global_options& g, int signals)
    : sys_(sys), self_(sys), timeout_(g.timeout_s), signals_(signals) {}

  /// Logs in; the session lives as long as this client (the node watches this actor).
  bool login(const console_actor& console, const std::string& user, const std::string& password,
             std::ostream& err) {
    self_->request(console, std::chrono::seconds{timeout_}, login_atom_v, user, password)
      .receive([&](const console_session_actor& s) { session_ = s; },
               [&](const caf::error& e) {
                 err << "algomirror-console: " << error_text(sys_, e) << "\n";
               });
    return static_cast<bool>(session_);
  }

  caf::actor_system& system() { return sys_; }

  /// Asks the session; prints the answer with `print`, or the refusal.
  template <class Answer, class... Ts>
  int ask(std::ostream& out, std::ostream& err, std::function<void(const Answer&)> print,
          Ts&&... xs) {
    int code = exit_done;
    self_->request(session_, std::chrono::seconds{timeout_}, std::forward<Ts>(xs)...)
      .receive([&](const Answer& a) { print(a); },
               [&](const caf::error& e) {
                 err << "algomirror-console: " << error_text(sys_, e) << "\n";
                 code = exit_code_of(e);
               });
    (void) out;
    return code;
  }

  /// A stream: a listener of our own (its end ends the node's view), events printed until
  /// the end, the limit or Ctrl-C.
  template <class First, class... Ts>
  int stream(std::ostream& out, std::ostream& err, const console_view::context& ctx,
             int limit_s, std::function<void(const First&)> print_first, Ts&&... xs) {
    while (signalled(signals_)) {
    }
    auto inbox = caf::actor_cast<caf::actor>(self_);
    auto listener = sys_.spawn([inbox](console_listener_actor::pointer) -> console_listener_actor::behavior_type {
      return {[inbox](const console_event& e) { caf::anon_send(inbox, e); }};
    });
    int code = exit_done;
    bool ended = false;
    self_->request(session_, std::chrono::seconds{timeout_}, std::forward<Ts>(xs)..., listener)
      .receive([&](const First& a) { print_first(a); },
               [&](const caf::error& e) {
                 err << "algomirror-console: " << error_text(sys_, e) << "\n";
                 code = exit_code_of(e);
                 ended = true;
               });
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{limit_s};
    while (!ended) {
      self_->receive(
        [&](const console_event& e) {
          console_view::print_event(out, ctx, e);
          ended = e.kind == "end";
        },
        caf::after(std::chrono::milliseconds{200}) >> [] {});
      if (on_wait_)
        on_wait_();
      if (signalled(signals_) || (limit_s > 0 && std::chrono::steady_clock::now() >= deadline))
        ended = true;
    }
    caf::anon_send_exit(listener, caf::exit_reason::user_shutdown);
    return code;
  }

  /// Called between a stream's events (a chain's heartbeat); empty = nothing.
  void on_wait(std::function<void()> f) { on_wait_ = std::move(f); }

  /// Sends to the session without waiting for an answer.
  template <class... Ts>
  void tell(Ts&&... xs) {
    self_->send(session_, std::forward<Ts>(xs)...);
  }

  /// Waits `d`; true when Ctrl-C came meanwhile.
  bool wait_or_stop(std::chrono::milliseconds d) {
    pollfd p{signals_, POLLIN, 0};
    ::poll(&p, 1, static_cast<int>(d.count()));
    return signalled(signals_);
  }

  void logout() {
    self_->request(session_, std::chrono::seconds{5}, logout_atom_v)
      .receive([](caf::ok_atom) {}, [](const caf::error&) {});
  }

private:
  caf::actor_system& sys_;
  caf::scoped_actor self_;
  console_session_actor session_;
  int timeout_;
  int signals_;
  std::function<void()> on_wait_;
};

/// An API key as given: `-` reads a line of standard input; none = ALGOMIRROR_API_KEY.
std::string api_key_of(const command_args& a) {
  if (a.api_key == "-") {
    std::string line;
    std::getline(std::cin, line);
    return line;
  }
  if (!a.api_key.empty())
    return a.api_key;
  const char* v = std::getenv("ALGOMIRROR_API_KEY");
  return v != nullptr ? v : "";
}

int execute(client& c, const command_args& a, console_view::context ctx, std::ostream& out,
            std::ostream& err) {
  ctx.json = ctx.json || a.json;
  auto& n = a.name;
  if (n == "status")
    return c.ask<console_status>(out, err, [&](auto& x) { console_view::print(out, ctx, x); },
                                 status_atom_v);
  if (n == "accounts")
    return c.ask<std::vector<account_view>>(
      out, err, [&](auto& x) { console_view::print(out, ctx, x); }, accounts_atom_v);
  if (n == "funds" || n == "positions" || n == "orders" || n == "trades" || n == "holdings") {
    auto print = [&](const std::vector<account_book>& x) { console_view::print(out, ctx, n, x); };
    if (n == "funds")
      return c.ask<std::vector<account_book>>(out, err, print, funds_atom_v, a.account);
    if (n == "positions")
      return c.ask<std::vector<account_book>>(out, err, print, positions_atom_v, a.account);
    if (n == "orders")
      return c.ask<std::vector<account_book>>(out, err, print, orders_atom_v, a.account);
    if (n == "holdings")
      return c.ask<std::vector<account_book>>(out, err, print, holdings_atom_v, a.account);
    return c.ask<std::vector<account_book>>(out, err, print, trades_atom_v, a.account);
  }
  if (n == "strategies" || n == "strategy show") {
    int code = exit_done;
    auto rc = c.ask<std::vector<strategy_definition>>(
      out, err,
      [&](const std::vector<strategy_definition>& all) {
        if (n == "strategies") {
          console_view::print(out, ctx, all, false);
          return;
        }
        std::vector<strategy_definition> one;
        for (auto& s : all)
          if (s.name == a.strategy)
            one.push_back(s);
        if (one.empty()) {
          err << "algomirror-console: no strategy named '" << a.strategy
              << "' ('strategies' lists yours)\n";
          code = exit_refused;
          return;
        }
        console_view::print(out, ctx, one, true);
      },
      strategies_atom_v);
    return rc != exit_done ? rc : code;
  }
  auto done = [&](const std::string& text) { console_view::print_done(out, ctx, text); };
  if (n.rfind("account ", 0) == 0) {
    account_change change{n.substr(8), a.account, {}, {}, {}, {}, false, false};
    if (change.action == "add") {
      change.host_url = a.host_url;
      change.websocket_url = a.ws_url;
      change.broker = a.broker;
      change.offline = a.offline;
      change.primary = a.primary;
      change.api_key = api_key_of(a);
      if (change.api_key.empty()) {
        err << "algomirror-console: account add: no API key (give --api-key, '-' for standard "
               "input, or set ALGOMIRROR_API_KEY)\n";
        return exit_usage;
      }
    }
    auto rc = c.ask<std::string>(out, err, done, change);
    change.api_key.assign(change.api_key.size(), '\0');
    return rc;
  }
  if (n == "strategy delete" || n == "strategy enable" || n == "strategy disable")
    return c.ask<std::string>(out, err, done, strategy_change{n.substr(9), a.strategy});
  if (n == "strategy export") {
    std::vector<strategy_definition> chosen;
    std::map<int64_t, std::string> names;
    auto rc = c.ask<std::vector<account_view>>(
      out, err,
      [&](const std::vector<account_view>& accounts) {
        for (auto& v : accounts)
          names[v.id] = v.name;
      },
      accounts_atom_v);
    if (rc != exit_done)
      return rc;
    rc = c.ask<std::vector<strategy_definition>>(
      out, err,
      [&](const std::vector<strategy_definition>& all) {
        for (auto& s : all)
          if (a.strategy.empty() || s.name == a.strategy)
            chosen.push_back(s);
      },
      strategies_atom_v);
    if (rc != exit_done)
      return rc;
    if (chosen.empty()) {
      err << "algomirror-console: "
          << (a.strategy.empty() ? std::string{"you have no strategies"}
                                 : "no strategy named '" + a.strategy + "' ('strategies' lists yours)")
          << "\n";
      return exit_refused;
    }
    auto text = write_strategy_file(chosen, names);
    if (a.out_file.empty()) {
      out << text;
      return exit_done;
    }
    std::ofstream file{a.out_file};
    file << text;
    if (!file) {
      err << "algomirror-console: strategy export: cannot write '" << a.out_file << "'\n";
      return exit_usage;
    }
    done("wrote " + std::to_string(chosen.size()) + " strateg"
         + (chosen.size() == 1 ? "y" : "ies") + " to " + a.out_file);
    return exit_done;
  }
  if (n == "chain") {
    std::string session_id;
    auto last = std::chrono::steady_clock::now();
    int heartbeat_s = 10;
    c.on_wait([&] {
      auto now = std::chrono::steady_clock::now();
      if (!session_id.empty() && now - last >= std::chrono::seconds{heartbeat_s} / 2) {
        c.tell(heartbeat_atom_v, session_id);
        last = now;
      }
    });
    auto rc = c.stream<chain_view>(
      out, err, ctx, a.limit_s,
      [&](const chain_view& v) {
        session_id = v.session_id;
        heartbeat_s = std::max(2, static_cast<int>(v.heartbeat_s));
        console_view::print(out, ctx, v);
      },
      chain_request{a.underlying, a.expiry, static_cast<int32_t>(a.strikes)});
    c.on_wait({});
    if (!session_id.empty())
      c.tell(caf::close_atom_v, session_id);
    return rc;
  }
  if (n == "strategy import") {
    std::ifstream in{a.file};
    if (!in) {
      err << "algomirror-console: strategy import: cannot read '" << a.file << "'\n";
      return exit_usage;
    }
    std::stringstream text;
    text << in.rdbuf();
    auto read = read_strategy_file(text.str(), default_instruments());
    if (!read) {
      err << "algomirror-console: " << a.file << ": " << read.error() << "\n";
      return exit_usage;
    }
    for (auto& doc : *read) {
      auto rc = c.ask<std::string>(
        out, err, [&](const std::string& done) { console_view::print_done(out, ctx, done); },
        strategy_upload{doc.definition, doc.account_names});
      if (rc != exit_done)
        return rc;
    }
    return exit_done;
  }
  if (n.rfind("user ", 0) == 0) {
    user_change change{n.substr(5), a.username, a.email, {}};
    if (change.action == "add" || change.action == "passwd") {
      if (const char* v = std::getenv("ALGOMIRROR_NEW_PASSWORD"))
        change.password = v;
      else if (::isatty(STDIN_FILENO) != 0)
        change.password = read_hidden("new password for " + a.username + ": ");
      if (change.password.empty()) {
        err << "algomirror-console: user " << change.action
            << ": no password (type it, or set ALGOMIRROR_NEW_PASSWORD)\n";
        return exit_usage;
      }
    }
    auto rc = c.ask<std::string>(
      out, err, [&](const std::string& done) { console_view::print_done(out, ctx, done); },
      change);
    change.password.assign(change.password.size(), '\0');
    return rc;
  }
  if (n == "run")
    return c.ask<run_started>(out, err, [&](auto& x) { console_view::print(out, ctx, x); },
                              run_strategy{a.strategy, a.accounts, a.force});
  if (n == "runs")
    return c.ask<std::vector<run_status>>(
      out, err, [&](auto& x) { console_view::print(out, ctx, x); }, run_atom_v, a.all);
  if (n == "show")
    return c.ask<run_status>(out, err, [&](auto& x) { console_view::print(out, ctx, x); },
                             run_atom_v, a.run);
  if (n == "watch")
    return c.stream<run_status>(out, err, ctx, a.limit_s,
                                [&](auto& x) { console_view::print(out, ctx, x); }, watch_atom_v,
                                a.run);
  if (n == "exit") {
    auto what = a.leg != 0           ? "leg " + std::to_string(a.leg) + " of run " + std::to_string(a.run)
                : !a.account.empty() ? "account " + a.account + " of run " + std::to_string(a.run)
                                     : "run " + std::to_string(a.run);
    return c.ask<caf::ok_atom>(
      out, err,
      [&](caf::ok_atom) {
        console_view::print_done(out, ctx, "exit of " + what + " sent; 'show "
                                             + std::to_string(a.run) + "' follows it");
      },
      exit_command{a.run, a.account, a.leg});
  }
  if (n == "risk-events") {
    auto print = [&](const std::vector<risk_event>& x) { console_view::print(out, ctx, x); };
    if (a.follow)
      return c.stream<std::vector<risk_event>>(out, err, ctx, a.limit_s, print, risk_atom_v,
                                               a.run);
    return c.ask<std::vector<risk_event>>(out, err, print, risk_atom_v, a.run);
  }
  if (n == "alerts") {
    if (!a.follow)
      return c.ask<std::vector<alert_line>>(
        out, err, [&](auto& x) { console_view::print(out, ctx, x); }, alerts_atom_v);
    // Followed by asking again every second: alerts are the node's log lines, kept in order.
    std::set<std::string> seen;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{a.limit_s};
    for (;;) {
      auto rc = c.ask<std::vector<alert_line>>(
        out, err,
        [&](const std::vector<alert_line>& all) {
          std::vector<alert_line> fresh;
          for (auto& line : all)
            if (seen.insert(line.text).second)
              fresh.push_back(line);
          if (!fresh.empty())
            console_view::print(out, ctx, fresh);
          out.flush();
        },
        alerts_atom_v);
      if (rc != exit_done)
        return rc;
      if (c.wait_or_stop(std::chrono::seconds{1})
          || (a.limit_s > 0 && std::chrono::steady_clock::now() >= deadline))
        return exit_done;
    }
  }
  if (n == "failovers")
    return c.ask<std::vector<failover_event>>(
      out, err, [&](auto& x) { console_view::print(out, ctx, x); }, failovers_atom_v);
  if (n == "quote")
    return c.ask<std::vector<quote>>(out, err, [&](auto& x) { console_view::print(out, ctx, x); },
                                     quotes_atom_v, a.symbols);
  if (n == "users")
    return c.ask<std::vector<user_view>>(
      out, err, [&](auto& x) { console_view::print(out, ctx, x); }, users_atom_v);
  if (n == "settings list")
    return c.ask<user_settings>(out, err, [&](auto& x) { console_view::print(out, ctx, x); },
                                settings_atom_v);
  if (n == "settings change") {
    settings_change change{a.settings_kind, a.settings_key, a.settings_fields};
    if (change.kind == "reset")
      change.key = a.settings_reset_kind + " " + a.settings_key;
    return c.ask<std::string>(
      out, err, [&](const std::string& text) { console_view::print_done(out, ctx, text); },
      change);
  }
  if (n == "logout") {
    c.logout();
    console_view::print_done(out, ctx, "logged out");
    return exit_done;
  }
  err << "algomirror-console: unknown command '" << n << "'\n";
  return exit_usage;
}

/// Splits a typed line like a shell would: words, 'single' and "double" quotes, backslash.
std::optional<std::vector<std::string>> split_line(const std::string& line, std::string& problem) {
  std::vector<std::string> words;
  std::string current;
  bool in_word = false;
  char quote = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    char ch = line[i];
    if (quote != 0) {
      if (ch == quote)
        quote = 0;
      else if (ch == '\\' && quote == '"' && i + 1 < line.size())
        current += line[++i];
      else
        current += ch;
    } else if (ch == '\'' || ch == '"') {
      quote = ch;
      in_word = true;
    } else if (ch == '\\' && i + 1 < line.size()) {
      current += line[++i];
      in_word = true;
    } else if (ch == ' ' || ch == '\t') {
      if (in_word)
        words.push_back(std::move(current));
      current.clear();
      in_word = false;
    } else {
      current += ch;
      in_word = true;
    }
  }
  if (quote != 0) {
    problem = std::string{"unclosed "} + quote + " quote";
    return std::nullopt;
  }
  if (in_word)
    words.push_back(std::move(current));
  return words;
}

/// libedit's completion: the command names (readline's C interface keeps its place here).
char* complete_command(const char* text, int state) {
  static size_t next = 0;
  if (state == 0)
    next = 0;
  auto& names = command_names();
  std::string prefix{text};
  while (next < names.size()) {
    auto& n = names[next++];
    if (n.compare(0, prefix.size(), prefix) == 0)
      return ::strdup(n.c_str());
  }
  return nullptr;
}

char** complete(const char* text, int start, int) {
  if (start != 0)
    return nullptr;
  return rl_completion_matches(text, complete_command);
}

/// Parses one command; prints usage problems (exit 2) or --help (the code 0 and nothing to run).
std::optional<int> parse_command(std::vector<std::string> words, command_args& a,
                                 std::ostream& out, std::ostream& err) {
  CLI::App app{"Commands of algomirror-console", ""};
  app.require_subcommand(1);
  add_commands(app, a);
  std::reverse(words.begin(), words.end());
  try {
    app.parse(words);
  } catch (const CLI::CallForHelp& e) {
    out << app.help();
    return exit_done;
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) {
      // --help of a subcommand
      for (auto* sub : app.get_subcommands())
        out << sub->help();
      return exit_done;
    }
    err << "algomirror-console: " << e.what() << " ('help' lists the commands; COMMAND --help "
           "explains one)\n";
    return exit_usage;
  }
  return std::nullopt;
}

int interactive(client& c, const console_view::context& ctx) {
  rl_attempted_completion_function = complete;
  std::cout << "logged in; 'help' lists the commands, Ctrl-D or 'quit' leaves\n";
  for (;;) {
    char* raw = ::readline("algomirror> ");
    if (raw == nullptr) {
      std::cout << "\n";
      break;
    }
    std::string line{raw};
    ::free(raw);
    if (line.find_first_not_of(" \t") == std::string::npos)
      continue;
    ::add_history(line.c_str());
    std::string problem;
    auto words = split_line(line, problem);
    if (!words) {
      std::cerr << "algomirror-console: " << problem << "\n";
      continue;
    }
    if (words->front() == "quit" || words->front() == "logout")
      break;
    if (words->front() == "help")
      words->front() = "--help";
    command_args a;
    if (parse_command(*words, a, std::cout, std::cerr))
      continue;
    execute(c, a, ctx, std::cout, std::cerr);
  }
  c.logout();
  return exit_done;
}

} // namespace

int main(int argc, char** argv) {
  // Ctrl-C ends a stream through a signalfd; every thread inherits the blocked mask.
  block_stop_signals();
  int signal_fd = stop_signal_descriptor(true);

  CLI::App app{"AlgoMirror console: operate a running node (algomirror-node) from here. "
               "Without COMMAND: a prompt with history and completion.",
               "algomirror-console"};
  global_options g;
  add_global_options(app, g);
  app.set_version_flag("--version", version_text("algomirror-console"));
  command_args a;
  add_commands(app, a);
  app.require_subcommand(0, 1);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0)
      return app.exit(e);
    std::cerr << "algomirror-console: " << e.what()
              << " (algomirror-console --help lists the commands)\n";
    return exit_usage;
  }
  std::string problem;
  auto at = parse_node(g.node, problem);
  if (!at) {
    std::cerr << "algomirror-console: " << problem << "\n";
    return exit_usage;
  }
  bool tls = !g.tls_dir.empty();
  if (tls) {
    if (auto bad = console_transport::check_identity({g.tls_dir, g.tls_name}); !bad.empty()) {
      std::cerr << "algomirror-console: " << bad << "\n";
      return exit_usage;
    }
  } else if (!console_transport::is_loopback(at->first)) {
    std::cerr << "algomirror-console: --node " << g.node
              << " is not on this machine: a remote node takes mutual TLS only; give --tls-dir "
                 "DIR --tls-name NAME (from 'algomirror-node certs issue DIR NAME')\n";
    return exit_usage;
  }
  bool interactive_mode = a.name.empty();
  if (g.user.empty()) {
    if (!interactive_mode || ::isatty(STDIN_FILENO) == 0) {
      std::cerr << "algomirror-console: --user: missing (or set ALGOMIRROR_USER)\n";
      return exit_usage;
    }
    std::cerr << "user: " << std::flush;
    std::getline(std::cin, g.user);
  }
  auto password = read_password(g.user);
  if (password.empty()) {
    std::cerr << "algomirror-console: no password (type it at the terminal, or set "
                 "ALGOMIRROR_PASSWORD)\n";
    return exit_usage;
  }

  caf::actor_system_config cfg;
  add_message_types(cfg);
  cfg.set("scheduler.max-threads", size_t{2});
  cfg.set("middleman.workers", size_t{0});
  cfg.set("logger.console", caf::atom("none"));
  console_transport::configure(cfg, console_transport::tls_identity{g.tls_dir, g.tls_name});
  int code = exit_done;
  {
    caf::actor_system sys{cfg};
    auto console = console_transport::connect(sys, at->first, at->second, tls);
    if (!console) {
      std::cerr << "algomirror-console: cannot connect to the node at " << g.node << " ("
                << sys.render(console.error()) << ")"
                << (tls ? "; check that the node runs with --tls-dir and that your certificate "
                          "is from its CA"
                        : "; is the node running, with its console on this port?")
                << "\n";
      return exit_connect;
    }
    client c{sys, g, signal_fd};
    bool in = c.login(*console, g.user, password, std::cerr);
    password.assign(password.size(), '\0');
    if (!in)
      return exit_connect;
    console_view::context ctx;
    ctx.json = g.json;
    c.ask<std::vector<account_view>>(
      std::cout, std::cerr,
      [&](const std::vector<account_view>& all) {
        for (auto& acc : all)
          ctx.account_names[acc.id] = acc.name;
      },
      accounts_atom_v);
    if (interactive_mode) {
      code = interactive(c, ctx);
    } else {
      code = execute(c, a, ctx, std::cout, std::cerr);
      if (a.name != "logout")
        c.logout();
    }
  }
  return code;
}
