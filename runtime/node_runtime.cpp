#include "runtime/node_runtime.hpp"

#include <algorithm>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <optional>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/config_value.hpp>
#include <caf/scoped_actor.hpp>

#include "actors/console.hpp"
#include "actors/node.hpp"
#include "config/logging.hpp"
#include "config/secrets.hpp"
#include "domain/calendar.hpp"
#include "domain/endpoint.hpp"
#include "gateways/console/transport.hpp"
#include "gateways/openalgo/broker_gateway.hpp"
#include "gateways/openalgo/io_runtime.hpp"
#include "gateways/openalgo/market_data_gateway.hpp"
#include "messages/type_ids.hpp"
#include "runtime/key_check.hpp"
#include "persistence/admin.hpp"
#include "persistence/lease.hpp"
#include "persistence/records.hpp"
#include "persistence/loaders.hpp"
#include "persistence/migrations.hpp"
#include "persistence/store.hpp"

namespace algomirror {

namespace {

/// Scheduler settings for a latency-sensitive engine on a small machine
/// (caf-0.17-notes.md §7.2), then any --caf.* settings, which win.
bool configure_caf(caf::actor_system_config& cfg, const node_options& opts, std::string& error) {
  add_message_types(cfg);
  if (opts.console_port != 0)
    console_transport::configure(cfg, console_transport::tls_identity{opts.tls_dir, "node"});
  cfg.set("scheduler.max-threads", static_cast<size_t>(opts.scheduler_threads));
  cfg.set("scheduler.policy", opts.scheduler_policy == "sharing" ? caf::atom("sharing")
                                                                  : caf::atom("stealing"));
  if (opts.low_latency)
    cfg.set("work-stealing.moderate-sleep-duration", caf::timespan{0});
  cfg.set("middleman.workers", size_t{0});
  for (auto& [key, value] : opts.caf_settings) {
    if (auto parsed = caf::config_value::parse(value)) {
      cfg.set(key, std::move(*parsed));
    } else {
      error = "--caf." + key + ": bad value '" + value + "' (" + caf::to_string(parsed.error())
              + ")";
      return false;
    }
  }
  return true;
}

std::unique_ptr<scaled_clock> make_clock(const common_options& opts) {
  if (opts.clock_start.empty() && opts.clock_speed == 1.0)
    return std::make_unique<scaled_clock>();
  auto start = opts.clock_start.empty() ? scaled_clock{}.now() : *parse_iso8601(opts.clock_start);
  return std::make_unique<scaled_clock>(start, opts.clock_speed);
}

/// Timings and limits of accounts, the feed and runs, from the options.
void apply_timings(const node_options& opts, node_config& cfg) {
  using ms = std::chrono::milliseconds;
  auto& a = cfg.account_defaults;
  a.orders_per_window = static_cast<size_t>(opts.order_rate);
  a.order_window = ms{opts.order_window_ms};
  a.request_timeout = ms{opts.request_timeout_ms + 5000};
  a.status_poll_interval = ms{opts.status_poll_ms};
  a.ping_interval = ms{opts.ping_interval_ms};
  a.ping_failures_to_disconnect = opts.ping_failures;
  a.unknown_settle_delay = ms{opts.unknown_settle_ms};
  a.sequence_symbol_orders = !opts.parallel_symbol_orders;
  auto& f = cfg.feed_defaults;
  f.stall_timeout = ms{opts.feed_stall_ms};
  f.check_interval = ms{opts.feed_check_ms};
  f.connect_timeout = ms{opts.feed_connect_timeout_ms};
  f.backoff_initial = ms{opts.feed_backoff_ms};
  f.quote_interval = ms{opts.quote_interval_ms};
  auto& r = cfg.run_defaults;
  r.buy_fill_timeout = ms{opts.hedge_fill_timeout_ms};
  r.exit_retry_delay = ms{opts.exit_retry_ms};
  r.coherence_timeout = ms{opts.coherence_timeout_ms};
  r.exit_max_attempts = opts.exit_attempts;
  r.request_timeout = ms{opts.request_timeout_ms + 10'000};
}

/// The OpenAlgo gateways of an account: each decrypts the account's key when it is made; the
/// key lives on only in that gateway.
gateway_factory make_gateways(caf::actor_system& sys, openalgo::io_runtime& io, const clock* time,
                              std::shared_ptr<const master_key> key, const node_options& opts) {
  /// Where an account's OpenAlgo is (`field` of its record) and its key, or nothing (logged).
  struct reach {
    endpoint_url url;
    std::string api_key;
  };
  auto reach_of = [key](const account_record& rec, const std::string& url_text,
                        const char* scheme, const char* field) -> std::optional<reach> {
    auto url = parse_endpoint_url(url_text, scheme, field);
    if (!url) {
      spdlog::error("account {}: {}", rec.name, url.error());
      return std::nullopt;
    }
    if (!key) {
      spdlog::error("account {}: no master key to decrypt its API key", rec.name);
      return std::nullopt;
    }
    auto plain = decrypt_secret(*key, rec.api_key_encrypted);
    if (!plain) {
      spdlog::error("account {}: {}", rec.name, plain.error());
      return std::nullopt;
    }
    return reach{std::move(*url), std::move(*plain)};
  };
  gateway_factory f;
  auto timeout = std::chrono::milliseconds{opts.request_timeout_ms};
  f.broker_api = [&sys, &io, time, reach_of, timeout](const account_record& rec) -> broker_api_actor {
    auto at = reach_of(rec, rec.host_url, "http", "host_url");
    if (!at)
      return {};
    openalgo::broker_gateway_config cfg;
    cfg.account_id = rec.id;
    cfg.account_name = rec.name;
    cfg.rest.host = at->url.host;
    cfg.rest.port = at->url.port;
    cfg.rest.timeout = timeout;
    cfg.api_key = std::move(at->api_key);
    cfg.time = time;
    return openalgo::spawn_broker_gateway(sys, io.context(), std::move(cfg));
  };
  f.link = [&sys, &io, time, reach_of](const account_record& rec,
                                 link_owner owner) -> market_data_link_actor {
    auto at = reach_of(rec, rec.websocket_url, "ws", "websocket_url");
    if (!at)
      return {};
    openalgo::market_data_gateway_config cfg;
    cfg.account_id = rec.id;
    cfg.account_name = rec.name;
    cfg.ws.host = at->url.host;
    cfg.ws.port = at->url.port;
    cfg.ws.api_key = std::move(at->api_key);
    cfg.ws.time = time;
    cfg.ws.backoff_initial = std::chrono::milliseconds{200};
    cfg.ws.backoff_max = std::chrono::milliseconds{10'000};
    return openalgo::spawn_market_data_gateway(
      sys, io.context(), std::move(cfg),
      openalgo::link_sinks{owner.ticks, owner.orders, owner.state});
  };
  return f;
}

/// operating.md §2: where the console may listen, and how. Empty when it may.
std::string console_problem(const node_options& opts) {
  if (opts.console_port == 0)
    return {};
  if (!opts.tls_dir.empty()) {
    auto problem = console_transport::check_identity({opts.tls_dir, "node"});
    return problem.empty() ? std::string{} : problem;
  }
  if (!console_transport::is_loopback(opts.console_bind))
    return "--console-bind " + opts.console_bind
           + ": a console off loopback needs mutual TLS: give --tls-dir DIR (made by "
             "'algomirror-node certs init DIR'), or bind 127.0.0.1";
  return {};
}

} // namespace

struct node_runtime::impl {
  std::shared_ptr<database_lease> lease; // released last, after the actor system
  std::unique_ptr<scaled_clock> time;
  caf::actor_system_config cfg;
  std::vector<account_record> accounts;
  std::vector<strategy_definition> strategies;
  int shutdown_timeout_s = 30;
  openalgo::io_runtime io; // outlives the actor system: gateways post to it until they stop
  std::unique_ptr<caf::actor_system> sys;
  store_actor store;
  node_actor node;
  records_actor records;
  console_actor console;
  bool lease_held = true;
  uint16_t console_port = 0;
  bool console_tls = false;
  bool stopped = false;
};

node_runtime::node_runtime(std::unique_ptr<impl> p) : impl_(std::move(p)) {}

node_runtime::~node_runtime() {
  if (impl_ && !impl_->stopped)
    stop();
}

caf::actor_system& node_runtime::system() {
  return *impl_->sys;
}

node_actor node_runtime::node() const {
  return impl_->node;
}

const scaled_clock& node_runtime::time() const {
  return *impl_->time;
}

const std::vector<account_record>& node_runtime::accounts() const {
  return impl_->accounts;
}

const std::vector<strategy_definition>& node_runtime::strategies() const {
  return impl_->strategies;
}

void node_runtime::heartbeat() {
  auto& p = *impl_;
  if (p.stopped || !p.lease)
    return;
  bool held = p.lease->heartbeat(p.time->now());
  if (held == p.lease_held)
    return;
  p.lease_held = held;
  if (!held)
    spdlog::error("lease: lost: {}", p.lease->problem());
  caf::anon_send(p.node, lease_atom_v, held, p.lease->problem());
}

uint16_t node_runtime::console_port() const {
  return impl_->console_port;
}

std::unique_ptr<node_runtime> node_runtime::start(const node_options& opts, std::string& error,
                                                  int& exit_code) {
  auto p = std::make_unique<impl>();
  p->time = make_clock(opts);
  p->shutdown_timeout_s = opts.shutdown_timeout_s;
  exit_code = 1;
  if (auto problem = console_problem(opts); !problem.empty()) {
    error = problem;
    exit_code = 2;
    return nullptr;
  }
  // operating.md §1: one node per database, before anything is read or migrated.
  auto lease = database_lease::acquire(opts.db_url, version_text("algomirror-node"),
                                       p->time->now());
  if (!lease) {
    error = lease.error();
    return nullptr;
  }
  p->lease = std::shared_ptr<database_lease>{std::move(*lease)};
  auto db = open_database(opts.db_url);
  if (!db) {
    error = db.error();
    return nullptr;
  }
  auto label = std::string{(*db)->display_url()};
  auto report = migrate(**db, [](const std::string& step) {
    spdlog::info("schema migration {}", step);
  });
  if (!report) {
    error = report.error() + " (" + label + ")";
    return nullptr;
  }
  spdlog::info("schema of {} at version {}{}", label, report->to,
               report->from == report->to ? "" : " (from " + std::to_string(report->from) + ")");
  p->lease->heartbeat(p->time->now()); // the node_lease row, now that its table exists
  load_problems problems;
  p->accounts = load_active_accounts(**db, problems);
  p->strategies = load_strategies(**db, problems);
  auto runs = load_unfinished_runs(**db, problems);
  auto executions = load_open_executions(**db, problems);
  auto sessions = load_open_ws_sessions(**db, problems);
  auto calendar = load_calendar(**db, problems);
  spdlog::info("loaded {} active accounts, {} strategies, {} unfinished runs, {} open "
               "executions, {} open sessions, {} holidays",
               p->accounts.size(), p->strategies.size(), runs.size(), executions.size(),
               sessions.size(), calendar.holidays.size());
  for (auto& problem : problems)
    spdlog::warn("row left out at start-up: {}", problem);
  std::shared_ptr<const master_key> key;
  auto loaded = master_key::load(opts.master_key_file);
  if (count_encrypted_accounts(**db) > 0 && !loaded) {
    exit_code = 2;
    error = "the database holds encrypted API keys, but " + loaded.error();
    return nullptr;
  }
  // Without encrypted accounts a key is optional: with one, the console can add accounts.
  if (loaded) {
    exit_code = 2;
    key = std::make_shared<const master_key>(std::move(*loaded));
    auto source = opts.master_key_file.empty() ? std::string{"ALGOMIRROR_MASTER_KEY"}
                                               : "--master-key-file " + opts.master_key_file;
    if (auto checked = check_master_key(**db, *key, source); !checked) {
      error = checked.error();
      return nullptr;
    }
    for (auto& rec : p->accounts)
      if (auto plain = decrypt_secret(*key, rec.api_key_encrypted); !plain) {
        error = "account " + rec.name + ": " + plain.error();
        return nullptr;
      }
  }
  exit_code = 2;
  if (!configure_caf(p->cfg, opts, error))
    return nullptr;
  exit_code = 1;
  p->sys = std::make_unique<caf::actor_system>(p->cfg);
  auto& sys = *p->sys;
  store_config store_cfg;
  store_cfg.flush_interval = std::chrono::milliseconds{opts.store_flush_ms};
  store_cfg.batch_rows = static_cast<size_t>(opts.store_batch_rows);
  store_cfg.queue_bound = static_cast<size_t>(opts.store_queue_bound);
  p->store = spawn_store(sys, std::shared_ptr<database>{std::move(*db)}, store_cfg);
  node_config ncfg;
  ncfg.store = p->store;
  ncfg.time = p->time.get();
  ncfg.database_label = label;
  ncfg.shutdown_timeout = std::chrono::seconds{opts.shutdown_timeout_s};
  ncfg.accounts = p->accounts;
  ncfg.strategies = p->strategies;
  for (auto& r : runs) {
    unfinished_run u{r, {}};
    for (auto& e : executions)
      if (e.run_id == r.id)
        u.executions.push_back(e);
    ncfg.unfinished.push_back(std::move(u));
  }
  for (auto& e : executions) {
    bool owned = false;
    for (auto& r : runs)
      owned = owned || r.id == e.run_id;
    if (!owned)
      spdlog::error("execution {} ({} on account {}) is open but its run {} is finished or "
                    "unknown: it is not monitored; check it at the broker",
                    e.execution_id, e.inst.symbol, e.account_id, e.run_id);
  }
  ncfg.gateways = make_gateways(sys, p->io, p->time.get(), key, opts);
  ncfg.test_clock = !opts.clock_start.empty() || opts.clock_speed != 1.0;
  apply_timings(opts, ncfg);
  // Stall detection only while the market is open: the state at start, then the market
  // clock's session events.
  ncfg.feed_defaults.market_open = market_calendar{calendar}.is_open("NFO", p->time->now());
  ncfg.calendar = calendar;
  // The market clock looks often enough to see a minute of market time at any speed.
  ncfg.clock_resolution = std::chrono::milliseconds{
    std::clamp(static_cast<int>(250 / std::max(1.0, p->time->speed())), 5, 250)};
  auto run_defaults_strategies = ncfg.strategies;
  p->node = spawn_node(sys, std::move(ncfg));
  if (opts.console_port != 0) {
    auto records_db = open_database(opts.db_url);
    if (!records_db) {
      error = "console: " + records_db.error();
      return nullptr;
    }
    p->records = spawn_records(sys, std::move(*records_db));
    console_config ccfg;
    ccfg.node = p->node;
    ccfg.records = p->records;
    ccfg.store = p->store;
    ccfg.time = p->time.get();
    ccfg.verify_password = [](const std::string& hash, const std::string& password) {
      return verify_password(hash, password);
    };
    ccfg.hash_password = [](const std::string& password) {
      auto hash = algomirror::hash_password(password);
      return hash ? *hash : std::string{};
    };
    ccfg.seal_secret = [key](const std::string& plain) {
      return key ? encrypt_secret(*key, plain) : std::string{};
    };
    ccfg.alerts = alert_lines_reader();
    ccfg.accounts = p->accounts;
    ccfg.strategies = run_defaults_strategies;
    ccfg.idle_timeout = std::chrono::seconds{opts.console_idle_timeout_s};
    p->console = spawn_console(sys, std::move(ccfg));
    bool tls = !opts.tls_dir.empty();
    auto port = console_transport::publish(sys, p->console, opts.console_bind,
                                           static_cast<uint16_t>(opts.console_port), tls);
    if (!port) {
      error = "console: cannot listen on " + opts.console_bind + ":"
              + std::to_string(opts.console_port) + " (" + sys.render(port.error())
              + "): is another node using the port? Give --console-port, or 0 for no console";
      return nullptr;
    }
    p->console_port = *port;
    p->console_tls = tls;
    spdlog::info("console listening on {}:{} ({})", opts.console_bind, *port,
                 tls ? "mutual TLS" : "plain, loopback only");
  }
  spdlog::info("{} started (pid {}, clock {}{}, {} scheduler threads)",
               version_text("algomirror-node"), ::getpid(), format_ist(p->time->now()),
               p->time->speed() != 1.0 ? " x" + std::to_string(p->time->speed()) : std::string{},
               opts.scheduler_threads);
  return std::make_unique<node_runtime>(std::move(p));
}

namespace {

/// Ends the actor system, bounded: ~actor_system waits for every detached actor's last
/// reference, and a leaked one would hold the process (and a restart by its supervisor)
/// forever. Everything is persisted by now (the store flushed and stopped), so after
/// `teardown_limit` the process ends with the exit code it has, logging what still holds it.
void bounded_teardown(std::unique_ptr<caf::actor_system> sys, const caf::actor_addr& store,
                      const caf::actor_addr& records, int exit_code) {
  constexpr auto teardown_limit = std::chrono::seconds{10};
  // Counted before the teardown begins: the watchdog never touches the system while its
  // destructor runs (what it reads then would depend on CAF's order of destruction); the
  // store's and the records' weak addresses stay safe to ask.
  auto detached_before = sys->detached_actors();
  std::mutex m;
  std::condition_variable cv;
  bool done = false;
  std::thread watchdog{[&] {
    std::unique_lock<std::mutex> lock{m};
    if (cv.wait_for(lock, teardown_limit, [&] { return done; }))
      return;
    auto held = [](const caf::actor_addr& a) {
      return a && caf::actor_cast<caf::strong_actor_ptr>(a) != nullptr;
    };
    spdlog::critical("shutdown: the actor system did not end within {} s ({} detached "
                     "actor(s) when it began; store {}, records {}); the state is persisted, "
                     "exiting with code {}",
                     teardown_limit.count(), detached_before,
                     held(store) ? "held" : "gone", held(records) ? "held" : "gone", exit_code);
    spdlog::default_logger()->flush();
    std::_Exit(exit_code);
  }};
  sys.reset();
  {
    std::lock_guard<std::mutex> lock{m};
    done = true;
  }
  cv.notify_one();
  watchdog.join();
}

} // namespace

int node_runtime::stop() {
  auto& p = *impl_;
  if (p.stopped)
    return 0;
  p.stopped = true;
  int exit_code = 0;
  {
    caf::scoped_actor self{*p.sys};
    self->request(p.node, std::chrono::seconds{p.shutdown_timeout_s + 5}, shutdown_atom_v)
      .receive([](caf::ok_atom) {},
               [&](const caf::error& err) {
                 spdlog::error("shutdown incomplete: {}", p.sys->render(err));
                 exit_code = 1;
               });
    console_transport::unpublish(p.console, p.console_port, p.console_tls);
    for (auto& a : {caf::actor_cast<caf::actor>(p.console), caf::actor_cast<caf::actor>(p.records)})
      if (a)
        self->send_exit(a, caf::exit_reason::user_shutdown);
    self->send_exit(p.store, caf::exit_reason::user_shutdown);
  }
  // Weak handles: after the system is gone they tell which detached actor is still held.
  caf::actor_addr store_addr = p.store.address();
  caf::actor_addr records_addr = p.records ? p.records.address() : caf::actor_addr{};
  p.console = nullptr;
  p.records = nullptr;
  p.node = nullptr;
  p.store = nullptr;
  bounded_teardown(std::move(p.sys), store_addr, records_addr, exit_code);
  return exit_code;
}

} // namespace algomirror
