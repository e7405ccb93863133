#include "session_commands.hpp"

#include <CLI/CLI.hpp>
#include <chrono>
#include <csignal>
#include <iostream>
#include <poll.h>
#include <sstream>
#include <sys/signalfd.h>
#include <unistd.h>

#include <spdlog/sinks/sink.h>
#include <spdlog/spdlog.h>

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>

#include "config/logging.hpp"
#include "config/options.hpp"
#include "config/signals.hpp"
#include "messages/type_ids.hpp"
#include "runtime/node_runtime.hpp"
#include "persistence/lease.hpp"
#include "run_view.hpp"

namespace algomirror {

session_commands add_session_commands(CLI::App& app, session_options& run, demo_options& demo) {
  session_commands c;
  c.run = app.add_subcommand("run", "Start the node, execute a strategy now and show it live "
                                    "(type x to exit the run, x ACCOUNT, x leg ID)");
  c.run->fallthrough();
  c.run->add_option("strategy", run.strategy, "The strategy's name (strategy list shows them)")
    ->required();
  c.run->add_option("--account", run.accounts,
                    "Run on this account only (repeat for several; default: the strategy's)");
  c.run->add_flag("--force", run.force, "Execute outside market hours");
  c.run->add_option("--exit-after", run.exit_after_s,
                    "Exit the run by hand after this many seconds (0 = never)")
    ->check(CLI::Range(0, 86'400));
  c.run->add_option("--watch-limit", run.watch_limit_s,
                    "Stop watching after this many seconds (0 = until the run ends)")
    ->check(CLI::Range(0, 86'400));
  c.demo = app.add_subcommand("demo", "Run the demo: a simulated broker with three accounts, a "
                                      "hedged straddle, a price path that breaches its max loss");
  c.demo->fallthrough();
  c.demo->add_option("--dir", demo.dir,
                     "Where the demo keeps its database, master key, simulator files and logs")
    ->capture_default_str();
  c.demo->add_option("--sim", demo.sim, "The openalgo-sim executable (default: the build's)");
  c.demo->add_option("--speed", demo.speed, "Market seconds per real second")
    ->capture_default_str()
    ->check(CLI::Range(1.0, 120.0));
  c.demo->add_option("--limit", demo.limit_s, "The demo ends by itself within this many seconds")
    ->capture_default_str()
    ->check(CLI::Range(20, 3600));
  c.demo->add_flag("--serve", demo.serve,
                   "Keep the demo node up after its run (until Ctrl-C) and print how to "
                   "connect algomirror-console to it");
  return c;
}

namespace {

struct command_result {
  bool send = false;
  manual_exit request;
  std::string reply;
};

/// A typed command: `x` (the run), `x ACCOUNT`, `x leg ID`. Anything else is explained.
command_result parse_command(const std::string& line, int64_t run_id, const account_names& names) {
  std::istringstream in{line};
  std::string verb, what, arg;
  in >> verb >> what >> arg;
  command_result r;
  if (verb.empty())
    return r;
  if (verb != "x" && verb != "exit") {
    r.reply = "commands: x (exit the run), x ACCOUNT (exit one account), x leg ID (exit one "
              "leg by execution id)";
    return r;
  }
  r.request.run_id = run_id;
  if (what.empty()) {
    r.send = true;
    r.reply = "exiting the whole run";
    return r;
  }
  if (what == "leg") {
    try {
      r.request.execution_id = std::stoll(arg);
      r.send = true;
      r.reply = "exiting leg " + arg + " (a hedge exits its short first)";
    } catch (const std::exception&) {
      r.reply = "x leg ID: '" + arg + "' is not an execution id (the view's run status lists "
                                      "them)";
    }
    return r;
  }
  for (auto& [id, name] : names)
    if (name == what) {
      r.request.account_id = id;
      r.send = true;
      r.reply = "exiting account " + name;
      return r;
    }
  std::string known;
  for (auto& [id, name] : names)
    known += (known.empty() ? "" : ", ") + name;
  r.reply = "x ACCOUNT: no account named '" + what + "' (accounts: " + known + ")";
  return r;
}

} // namespace

int run_session(node_runtime& node, const session_options& opts, std::ostream& out,
                std::ostream& err) {
  account_names names;
  for (auto& a : node.accounts())
    names[a.id] = a.name;
  execute_request req;
  req.force = opts.force;
  std::string known;
  for (auto& s : node.strategies()) {
    known += (known.empty() ? "" : ", ") + s.name;
    if (s.name == opts.strategy)
      req.strategy_id = s.id;
  }
  if (req.strategy_id == 0) {
    err << "algomirror-node: error: run: no active strategy named '" << opts.strategy
        << "' (strategies: " << (known.empty() ? "none; import one with strategy import" : known)
        << ")\n";
    return 2;
  }
  for (auto& name : opts.accounts) {
    int64_t id = 0;
    for (auto& [i, n] : names)
      if (n == name)
        id = i;
    if (id == 0) {
      err << "algomirror-node: error: run: --account " << name
          << ": no active account of that name\n";
      return 2;
    }
    req.account_ids.push_back(id);
  }
  caf::scoped_actor self{node.system()};
  int64_t run_id = 0;
  std::string refused;
  self->request(node.node(), std::chrono::seconds{60}, execute_atom_v, req)
    .receive([&](const run_started& r) { run_id = r.run_id; },
             [&](const caf::error& e) { refused = node.system().render(e); });
  if (run_id == 0) {
    err << "algomirror-node: error: run: " << refused << "\n";
    return 2;
  }
  out << "run " << run_id << " of '" << opts.strategy << "' started\n" << std::flush;
  bool tty = ::isatty(STDOUT_FILENO) != 0;
  bool interactive = ::isatty(STDIN_FILENO) != 0;
  // SIGINT/SIGTERM as a descriptor (they are blocked in every thread since main).
  int signals = stop_signal_descriptor(false);
  auto began = std::chrono::steady_clock::now();
  auto last_line = began;
  bool exit_sent = false;
  std::string note;
  run_status last;
  last.run_id = run_id;
  int code = 1;
  for (;;) {
    pollfd fds[2] = {{signals, POLLIN, 0}, {STDIN_FILENO, POLLIN, 0}};
    ::poll(fds, interactive ? 2 : 1, 500); // the view's refresh; wakes on a signal or a command
    if ((fds[0].revents & POLLIN) != 0) {
      signalfd_siginfo info{};
      if (::read(signals, &info, sizeof(info)) < 0)
        info.ssi_signo = SIGTERM;
      out << "\nstopping (" << (info.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM")
          << "): open positions stay in the database and at the broker; the next start "
             "reconciles them\n";
      break;
    }
    if (interactive && (fds[1].revents & POLLIN) != 0) {
      std::string line;
      if (!std::getline(std::cin, line)) {
        interactive = false;
      } else {
        auto cmd = parse_command(line, run_id, names);
        if (cmd.send)
          self->request(node.node(), std::chrono::seconds{10}, cmd.request)
            .receive([](caf::ok_atom) {},
                     [&](const caf::error& e) { cmd.reply = node.system().render(e); });
        note = cmd.reply;
      }
    }
    auto elapsed = std::chrono::steady_clock::now() - began;
    if (opts.exit_after_s > 0 && !exit_sent && elapsed >= std::chrono::seconds{opts.exit_after_s}) {
      exit_sent = true;
      note = "no rule fired within " + std::to_string(opts.exit_after_s)
             + " s: exiting the run by hand";
      out << note << "\n";
      self->request(node.node(), std::chrono::seconds{10}, manual_exit{run_id, 0, 0})
        .receive([](caf::ok_atom) {}, [](const caf::error&) {});
    }
    std::vector<run_status> runs;
    self->request(node.node(), std::chrono::seconds{5}, caf::get_atom_v, run_atom_v)
      .receive([&](std::vector<run_status>& x) { runs = std::move(x); },
               [](const caf::error&) {});
    const run_status* now = nullptr;
    for (auto& r : runs)
      if (r.run_id == run_id)
        now = &r;
    if (now != nullptr) {
      if (tty) {
        out << "\x1b[H\x1b[2J"
            << render_run(*now, names,
                          format_ist(node.time().now())
                            + (node.time().speed() != 1.0
                                 ? " (x" + std::to_string(static_cast<int>(node.time().speed()))
                                     + ")"
                                 : std::string{}));
        if (!note.empty())
          out << "\n" << note << "\n";
        out << "\ncommands: x = exit the run, x ACCOUNT, x leg ID; Ctrl-C stops the node\n";
      } else {
        out << render_changes(last, *now, names);
        if (std::chrono::steady_clock::now() - last_line >= std::chrono::seconds{2}) {
          last_line = std::chrono::steady_clock::now();
          out << "[" << format_ist(node.time().now()) << "] " << render_run_line(*now, names)
              << "\n";
        }
      }
      out << std::flush;
      last = *now;
      if (now->phase == run_phase::finished) {
        code = 0;
        break;
      }
      if (now->phase == run_phase::needs_attention) {
        out << "the run needs attention: "
            << (now->attention_reason.empty() ? now->end_reason : now->attention_reason) << "\n";
        break;
      }
    }
    if (opts.watch_limit_s > 0 && elapsed >= std::chrono::seconds{opts.watch_limit_s}) {
      out << "stopped watching after " << opts.watch_limit_s << " s\n";
      break;
    }
  }
  ::close(signals);
  if (tty)
    out << "\x1b[H\x1b[2J" << render_run(last, names, format_ist(node.time().now()));
  out << render_summary(last, names) << std::flush;
  return code;
}

int run_command(const session_options& opts, const node_options& node_opts, std::ostream& out,
                std::ostream& err) {
  auto logger = setup_logging(node_opts.log, "algomirror-node");
  if (::isatty(STDOUT_FILENO) != 0 && !logger->sinks().empty())
    logger->sinks().front()->set_level(spdlog::level::err); // the live view owns the terminal
  if (auto holder = current_lease_holder(node_opts.db_url); holder && *holder) {
    err << "algomirror-node: error: a node is already running on this database ("
        << describe_holder(**holder) << "): run the strategy through it with "
        << "algomirror-console run '" << opts.strategy << "'\n";
    return 1;
  }
  std::string error;
  int code = 0;
  auto node = node_runtime::start(node_opts, error, code);
  if (!node) {
    err << "algomirror-node: error: " << error << "\n";
    return code;
  }
  if (node->console_port() != 0)
    out << "console: algomirror-console --node 127.0.0.1:" << node->console_port()
        << " status\n";
  auto result = run_session(*node, opts, out, err);
  auto stopped = node->stop();
  spdlog::shutdown();
  return result != 0 ? result : stopped;
}

} // namespace algomirror
