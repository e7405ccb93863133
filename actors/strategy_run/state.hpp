#pragma once

// strategy_run's state and phases, shared by the files of actors/strategy_run/ (internal):
//   lifecycle.cpp  the core: the run row (its one writer), phases, the end, the status
//   setup.cpp      the setup state machine: row, spots, expiries, premiums, legs, sizing,
//                  execution rows, entries
//   entry.cpp      BUY legs before SELL legs, the execution actors
//   risk.cpp       the strategy-level rules on coherent prices, Supertrend: decisions
//   exits.cpp      the exits those decisions call for, in §6 order
//   recovery.cpp   recovery after a restart, executions made again after a crash
//   behaviour.cpp  the messages, each handed to its phase

#include "actors/strategy_run.hpp"

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <optional>
#include <set>

#include <spdlog/spdlog.h>

#include <caf/actor_system.hpp>
#include <caf/system_messages.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include "actors/execution.hpp"
#include "actors/internal/json_writer.hpp"
#include "messages/names.hpp"
#include "domain/calendar.hpp"
#include "domain/coherence.hpp"
#include "domain/expiry.hpp"
#include "domain/legs.hpp"
#include "domain/placement.hpp"
#include "domain/pnl.hpp"
#include "domain/reconcile.hpp"
#include "domain/risk.hpp"
#include "domain/supertrend.hpp"

namespace algomirror::run_internal {

/// One position of the run: (account, leg), owned by its execution actor.
struct slot {
  execution_state row; ///< as last reported (status, entry, P&L)
  size_t leg = 0;      ///< index into the strategy's legs
  execution_actor handle;
  bool price_valid = false;
  std::optional<size_t> hedges; ///< the slot (global index) of the short this hedge protects
  bool placed = false;          ///< its entry was sent
  bool exit_told = false;       ///< told to exit
  exit_reason told = exit_reason::none; ///< the reason it was told (told again if made again)
  int restarts = 0;             ///< times its actor died and was made again
  exit_reason deferred = exit_reason::none; ///< a hedge's own exit, waiting for its short
  bool kept_alerted = false;                ///< "hedge kept" said once
  bool recovered = false; ///< recovery decided what it is (or it needs no recovery)
  int rechecks = 0;       ///< recovery: orderbook reads while an order of ours was open
  // The price its P&L is at, as the run decides on it (§8 coherent prices).
  double ltp = 0;
  int64_t open_qty = 0;
  utc_instant price_at;                   ///< when that price was received
  std::optional<utc_instant> quoted_at;   ///< set when a confirmation's multiquotes read set it
};

struct account_run {
  run_account acct;
  std::vector<size_t> slots; ///< global slot indices, in leg order
  bool sells_sent = false;
  bool exiting = false;
  exit_reason exit_why = exit_reason::none;
  std::string margin_key;
};

/// A risk scope: an account (key = its id) or the whole run (key 0).
struct scope_data {
  risk_latches latches;
  trailing_stop_state trailing;
  exit_reason exiting = exit_reason::none;
  price_confirmation confirm; ///< a crossing waiting for coherent prices
  peak_candidate peak;        ///< the trailing peak rises on coherent P&L only
};

/// The setup's steps, in order (setup.cpp).
enum class setup_step : uint8_t {
  row,        ///< the run row (the run makes it)
  spots,      ///< one spot snapshot per underlying (§3)
  expiries,   ///< each underlying's expiries
  premiums,   ///< the premium-near legs' candidates quoted
  legs,       ///< every leg resolved to its instrument (no request)
  lots,       ///< the broker's lot size of every leg's instrument (it wins, §1)
  sizing,     ///< every account's lots and margin (§4)
  executions, ///< the execution rows, durably
  entries,    ///< the executions spawned, BUY legs sent
  done,
};

struct setup_progress {
  setup_step step = setup_step::row;
  size_t waiting = 0; ///< the answers the step still waits for
  caf::actor_clock::time_point step_started{}; ///< for the debug log of each step's time
};

/// What a fired rule calls for: exit the scope (0: every account of the run).
struct risk_exit {
  int64_t scope = 0;
  exit_reason rule = exit_reason::none;
};

struct run_data {
  strategy_run_config cfg;
  std::optional<market_calendar> calendar;
  run_record record;
  std::vector<slot> slots;
  std::map<int64_t, account_run> accounts;
  std::map<int64_t, scope_data> scopes;
  std::map<int64_t, size_t> slot_of; ///< execution id → slot
  std::vector<skipped_account> skipped;
  std::vector<risk_event> events;
  std::set<std::string> followed_up; ///< events whose exit has its completed/failed event
  std::set<std::pair<int64_t, exit_reason>> pending_recorded; ///< confirmation_pending rows
  std::string market = "NFO";
  // Resolution.
  std::map<std::string, double> spots;
  std::map<std::pair<std::string, leg_product>, std::vector<date>> expiries;
  std::map<size_t, std::vector<strike_quote>> premium_quotes;
  std::vector<resolved_leg> legs;
  std::vector<std::string> errors;
  setup_progress setup;
  std::map<int64_t, std::vector<int64_t>> sized; ///< account → each leg's quantity
  /// Asked for the run's id before its row was stored (the node, starting it).
  std::vector<caf::typed_response_promise<int64_t>> id_waiters;
  // Supertrend on the combined premium.
  std::optional<supertrend_calculator> trend;
  std::optional<bar_builder> bars;
  std::map<instrument, double> leg_prices;
  /// The slots of each instrument. The run follows their prices itself (one tick per
  /// instrument reaches it, not one P&L message per execution and tick); `followed`: the
  /// instruments it is subscribed to (once each, for the P&L and the Supertrend alike).
  std::map<instrument, std::vector<size_t>> slots_by_inst;
  std::set<instrument> followed;
  std::vector<utc_instant> leg_price_at; ///< per leg: when its price was received
  bool supertrend_exit = false;
  std::string supertrend_how = "none"; ///< how its bar's close was confirmed (risk event)
  /// A closed bar that calls for an exit, its close confirmed on coherent leg prices (§8).
  struct {
    price_confirmation confirm;
    std::optional<supertrend_calculator> before; ///< the calculator before that bar
    bar closed;
  } bar_check;
  std::set<int64_t> evaluation_queued; ///< scopes with an evaluation on its way
  std::vector<scope_position> scope_buffer; ///< reused by every evaluation
  std::vector<size_t> scope_slots;          ///< the slots of scope_buffer, in its order
  bool begun = false;
  bool finished = false;
  static inline const char* name = "strategy_run";

  /// A run that stops (finished, or stopped by the node) takes its executions with it; their
  /// positions stay in the database and at the broker.
  ~run_data() {
    for (auto& s : slots)
      if (s.handle)
        caf::anon_send_exit(s.handle, caf::exit_reason::user_shutdown);
  }
};

/// The run's own interface: the public one and its timers.
using strategy_run_impl = strategy_run_actor::extend<
  caf::reacts_to<poll_atom, int64_t>,               // an account's BUY legs are late
  caf::reacts_to<evaluate_atom, int64_t>,           // a scope's rules, once queued updates are in
  caf::reacts_to<evaluate_atom, int64_t, uint64_t>, // a confirmation's timeout
  caf::reacts_to<retry_atom, int64_t>,              // recovery asks an account again
  caf::reacts_to<caf::tick_atom>>;                  // close the Supertrend bar in progress

using run_pointer = strategy_run_impl::stateful_pointer<run_data>;

/// The key of a run's margin in its accounts' ledgers.
inline std::string ledger_key(int64_t run_id) {
  return "run:" + std::to_string(run_id);
}

/// The key of the Supertrend bar's confirmation timeout (scope keys are 0 or account ids).
inline constexpr int64_t bar_confirmation_key = -1;

std::string label(run_pointer self);
utc_instant now(run_pointer self);
void persist_record(run_pointer self);
/// The run row through the store's routine (coalesced) writes: for state that moves often.
void persist_record_soon(run_pointer self);
/// The scope's trailing stop into the run row when it moved (restored after a restart).
void remember_trailing(run_pointer self, int64_t key);
/// After a restart: each scope's trailing stop as the run row kept it.
void restore_trailing(run_pointer self);
void record_skips(run_pointer self);
void set_phase(run_pointer self, run_phase phase);
void finish(run_pointer self);
void fail_run(run_pointer self, const std::string& why);
std::string row_text(const std::string& text);
bool is_open(execution_status s);
bool is_done(execution_status s);
void check_end(run_pointer self);
void tell_exit(run_pointer self, size_t i, exit_reason why, const std::string& details = {});
void advance_exits(run_pointer self, account_run& a);
void exit_account(run_pointer self, account_run& a, exit_reason why);
void exit_leg(run_pointer self, size_t i, exit_reason why);
void release_deferred(run_pointer self);
int64_t scope_key(run_pointer self, int64_t account_id);
risk_snapshot snapshot_of(run_pointer self, int64_t key);
std::string slot_name(run_pointer self, int64_t key, const slot& s);
/// Records a fired rule (latch, risk event, run row) and returns the exit it calls for.
risk_exit fire(run_pointer self, int64_t key, const risk_decision& d, const char* confirmation,
               const std::set<size_t>& stale = {});
std::pair<utc_instant, utc_instant> price_span(run_pointer self);
std::string names_of(run_pointer self, int64_t key, const std::set<size_t>& slots);
void start_confirmation(run_pointer self, int64_t key, const risk_decision& d);
/// The scope's rules on its prices now: the exit a fired rule calls for, if any.
std::optional<risk_exit> evaluate(run_pointer self, int64_t key, bool timed_out);
void evaluate_soon(run_pointer self, int64_t key);
/// The exits a decision calls for (exits.cpp).
void issue_exits(run_pointer self, const risk_exit& e);
/// evaluate, then issue_exits.
void check_rules(run_pointer self, int64_t key, bool timed_out = false);
void check_all_rules(run_pointer self);
int32_t series_lots(run_pointer self, const leg_definition& leg);
void supertrend_fires(run_pointer self, const bar& b, const supertrend_point& point, const char* how);
void decide_bar(run_pointer self, bool timed_out);
void on_closed_bar(run_pointer self, const bar& b);
std::optional<double> combined_now(run_pointer self);
void start_supertrend(run_pointer self);
/// The run follows `inst`'s ticks (subscribed once, however many uses).
void follow(run_pointer self, const instrument& inst);
/// Slot `i`'s P&L follows its instrument's ticks from now on (risk.cpp).
void follow_slot_price(run_pointer self, size_t i);
/// A tick of a leg's instrument: the P&L of every slot of it, and their scopes' rules.
void on_leg_price(run_pointer self, const tick& t);
void place(run_pointer self, size_t i);
void advance_entry(run_pointer self, account_run& a);
void check_live(run_pointer self);
/// `resumed`: made again after its actor died, from its durable row (crash-only).
void spawn_slot(run_pointer self, size_t i, bool resumed = false);
/// An execution actor stopped while the run goes on: made again from its durable row.
void execution_down(run_pointer self, const caf::down_msg& msg);
/// The setup from its first step (setup.cpp).
void start_setup(run_pointer self);
/// One answer of `step` in: the last one concludes it and starts the next.
void answered(run_pointer self, setup_step step);
/// The current step is complete: concluded, then the next one runs.
void step_done(run_pointer self);
/// An account that cannot take the run (counted as the sizing step's answer).
void skip_account(run_pointer self, const run_account& ra, const std::string& reason);
std::function<void()> countdown(size_t n, std::function<void()> next);
void store_row(run_pointer self, const execution_state& row);
void needs_attention(run_pointer self, const std::string& why);
exit_reason fired_rule(const run_record& r);
void apply_recovery(run_pointer self, account_run& a, const std::vector<broker_order>& book, const std::vector<broker_position>& positions);
void ask_broker(run_pointer self, int64_t account_id, std::function<void()> done);
void recover(run_pointer self);
run_status status_of(run_pointer self);
slot* find_slot(run_pointer self, int64_t execution_id);
void after_change(run_pointer self, const slot& s);
// events.cpp: the risk_events rows.
void record_event(run_pointer self, risk_event ev);
/// The event of a rule that started an exit (of the run, an account or a leg); not a crossing
/// still being confirmed, a held hedge or a follow-up.
bool starts_exit(const risk_event& e);
void record_leg_event(run_pointer self, size_t i, exit_reason rule, double price,
                      const std::string& reason, bool held);
void record_held_hedge(run_pointer self, size_t i, exit_reason why);
void record_pending_confirmation(run_pointer self, int64_t key, const risk_decision& d,
                                 const std::string& waiting_for);
void follow_up_events(run_pointer self);
strategy_run_impl::behavior_type strategy_run(run_pointer self, strategy_run_config cfg);

} // namespace algomirror::run_internal
