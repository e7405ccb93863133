#pragma once

// The catalogue: the typed interface of every actor of architecture.md, in one place. An
// actor's implementation lives in actors/<name>.cpp; gateways (broker_api, market_data_link)
// and the store live in gateways/ and persistence/, behind the interfaces declared here, so
// every actor can be tested with a scripted fake on CAF's deterministic test coordinator.
// Only what others send is here: an actor's own timers and pumps are its private extension of
// its interface (`<name>_impl`, next to its state: actors/internal/, actors/<name>.cpp).

#include <cstdint>
#include <string>
#include <vector>

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "messages/type_ids.hpp"

namespace algomirror {

// -- receivers of pushed events -------------------------------------------------------------

/// Anything that subscribes to prices: executions, runs, sessions, the price feed itself.
using tick_subscriber_actor = caf::typed_actor<  //
  caf::reacts_to<tick>,                          // a valid price
  caf::reacts_to<price_stale>,                   // no valid price for too long
  caf::reacts_to<feed_state>>;                   // the feed connected / failed over / down

/// The owner of an order intent: told about every change of its broker orders.
using order_listener_actor = caf::typed_actor<caf::reacts_to<order_update>>;

/// The owner of a WebSocket link: told when it is ready, lost, refused or stalled.
using link_listener_actor = caf::typed_actor<caf::reacts_to<link_status>>;

/// Told every change of an account's connection health (the node, the console, tests).
using status_listener_actor = caf::typed_actor<caf::reacts_to<account_status>>;

/// Anything that follows market sessions and strategy timers.
using clock_listener_actor = caf::typed_actor<  //
  caf::reacts_to<session_opened>,               //
  caf::reacts_to<session_closed>,               //
  caf::reacts_to<timer_due>>;

/// Told when a run ends (the node keeps the last status of finished runs).
using run_listener_actor = caf::typed_actor<caf::reacts_to<run_atom, run_status>>;

// -- gateways (gateways/, persistence/) -----------------------------------------------------

/// The persistence actor. Routine writes are queued, coalesced (latest value wins, at most one
/// write per execution or run a second) and batched (one transaction per flush); they are
/// answered once the transaction that holds them commits — or at once with
/// `errc::unavailable` while the queue is over its bound (back-pressure: keep the latest value
/// and send it again later). Durable writes are committed at once and answered after the
/// commit; an exit claim is never blocked: while the database is down it is answered at once
/// with `errc::storage_down` (not durable yet) and written when the database is back. Bad input
/// is answered with `errc::invalid_input` naming the field, and never poisons other writes.
using store_actor = caf::typed_actor<
  caf::replies_to<write_atom, activity_entry>::with<caf::ok_atom>,
  caf::replies_to<write_atom, execution_state>::with<caf::ok_atom>, // id 0: create; else update
  caf::replies_to<write_atom, run_record>::with<caf::ok_atom>,      // update, coalesced
  caf::replies_to<write_atom, account_status>::with<caf::ok_atom>,  // coalesced per account
  caf::replies_to<write_atom, failover_event>::with<caf::ok_atom>,
  caf::replies_to<write_atom, ws_connection_record>::with<caf::ok_atom>, // per connection id
  caf::replies_to<write_atom, ws_session_record>::with<caf::ok_atom>,    // per session id
  caf::replies_to<durable_atom, order_intent>::with<uint64_t>,      // answers the sequence
  caf::replies_to<write_atom, order_intent_outcome>::with<caf::ok_atom>, // status, broker ids
  caf::replies_to<write_atom, order_record>::with<caf::ok_atom>,  // coalesced per broker order
  caf::replies_to<write_atom, book_record>::with<caf::ok_atom>,   // coalesced per account, book
  caf::replies_to<write_atom, margin_record>::with<caf::ok_atom>, // coalesced per account
  caf::replies_to<durable_atom, risk_event>::with<uint64_t>,
  caf::replies_to<durable_atom, exit_claim>::with<uint64_t>,
  caf::replies_to<durable_atom, run_record>::with<int64_t>,      // creates (id 0) or updates
  caf::replies_to<durable_atom, execution_state>::with<int64_t>, // creates (id 0) or updates
  // a run's executions at its start, in one transaction: their ids in the same order
  caf::replies_to<durable_atom, std::vector<execution_state>>::with<std::vector<int64_t>>,
  caf::replies_to<caf::flush_atom>::with<store_stats>, // everything written, then the stats
  // a run's durable state (everything queued written first): the crash-only restart of a run
  caf::replies_to<caf::get_atom, run_atom, int64_t>::with<run_recovery>,
  // a user's instruments, margins and grades as the database has them now (a run's start)
  caf::replies_to<caf::get_atom, settings_atom, int64_t>::with<user_settings>,
  caf::replies_to<caf::get_atom, stats_atom>::with<store_stats>>;

/// One OpenAlgo REST endpoint (one account). Errors come back as typed `caf::error`s.
using broker_api_actor = caf::typed_actor<
  caf::replies_to<caf::ping_atom>::with<std::string>, // the broker's name
  caf::replies_to<place_atom, order_intent>::with<order_accepted>,
  caf::replies_to<cancel_atom, std::string>::with<caf::ok_atom>, // broker order id
  caf::replies_to<status_atom, std::string>::with<order_update>, // broker order id
  caf::replies_to<funds_atom>::with<funds>,
  caf::replies_to<positions_atom>::with<std::vector<broker_position>>,
  caf::replies_to<orders_atom>::with<std::vector<broker_order>>, // the orderbook
  caf::replies_to<trades_atom>::with<std::vector<broker_trade>>, // the tradebook
  caf::replies_to<holdings_atom>::with<std::vector<broker_position>>, // delivery holdings
  caf::replies_to<analyzer_atom>::with<std::string>, // OpenAlgo's mode: "live" or "analyze"
  caf::replies_to<caf::get_atom, instrument>::with<quote>,        // a REST quote
  caf::replies_to<quotes_atom, std::vector<instrument>>::with<std::vector<quote>>, // multiquotes
  caf::replies_to<symbol_atom, instrument>::with<symbol_info>, // its lot size, freeze quantity
  // expiries of an underlying: (name, exchange, "options" | "futures") → DD-MMM-YY as sent
  caf::replies_to<expiries_atom, std::string, exchange, std::string>::with<
    std::vector<std::string>>,
  // bars: (instrument, interval such as 5m, start YYYY-MM-DD, end YYYY-MM-DD)
  caf::replies_to<history_atom, instrument, std::string, std::string, std::string>::with<
    std::vector<bar>>>;

/// The market data of runs (actors/market_data): the broker_api calls a run makes for prices,
/// expiries and bars, answered through the accounts in failover order.
using market_data_actor = caf::typed_actor<
  caf::replies_to<caf::get_atom, instrument>::with<quote>,
  caf::replies_to<quotes_atom, std::vector<instrument>>::with<std::vector<quote>>,
  caf::replies_to<symbol_atom, instrument>::with<symbol_info>, // the broker's lot size
  caf::replies_to<expiries_atom, std::string, exchange, std::string>::with<
    std::vector<std::string>>,
  caf::replies_to<history_atom, instrument, std::string, std::string, std::string>::with<
    std::vector<bar>>,
  caf::reacts_to<caf::put_atom, std::vector<broker_api_actor>>>; // the accounts, in order

/// One OpenAlgo WebSocket: prices for the feed, order updates for the account.
using market_data_link_actor = caf::typed_actor<
  caf::reacts_to<caf::subscribe_atom, instrument, feed_mode>,
  caf::reacts_to<caf::unsubscribe_atom, instrument, feed_mode>,
  caf::reacts_to<caf::subscribe_atom, orders_atom>,
  caf::reacts_to<caf::close_atom>>;

// -- actors (actors/) -----------------------------------------------------------------------

/// One market-data connection with failover across accounts; reference-counted fan-out.
/// Ticks reach it from its current link (those of a link it left are dropped).
using price_feed_actor = tick_subscriber_actor::extend_with<clock_listener_actor>::extend<
  caf::reacts_to<caf::subscribe_atom, instrument, feed_mode, tick_subscriber_actor>,
  // Paced: the latest price at most once per the feed's `paced_interval` (rows, displays).
  caf::reacts_to<caf::subscribe_atom, instrument, feed_mode, tick_subscriber_actor, paced_atom>,
  caf::reacts_to<caf::unsubscribe_atom, instrument, feed_mode, tick_subscriber_actor>,
  caf::replies_to<caf::get_atom, instrument>::with<tick>, // last valid price
  caf::replies_to<caf::get_atom, status_atom>::with<feed_state>,
  caf::reacts_to<link_status>>;

/// One trading account: rate-limited, freeze-split placement; every intent tracked to the end.
/// `place` is answered once every child order has a definitive outcome (accepted with the
/// broker's order ids, or an error); the listener is then told every change of every child.
/// It follows the prices of its open positions (`positions.ltp`) through the feed it is given.
using account_actor = tick_subscriber_actor::extend<
  caf::replies_to<place_atom, order_intent, order_listener_actor>::with<order_accepted>,
  caf::replies_to<cancel_atom, std::string>::with<caf::ok_atom>, // intent id
  caf::replies_to<funds_atom>::with<funds>,
  caf::replies_to<positions_atom>::with<std::vector<broker_position>>, // refreshed snapshot
  caf::replies_to<positions_atom, caf::reset_atom>::with<std::vector<broker_position>>, // read now
  caf::replies_to<caf::get_atom, positions_atom>::with<std::vector<broker_position>>, // cached
  caf::replies_to<orders_atom>::with<std::vector<broker_order>>,
  caf::replies_to<trades_atom>::with<std::vector<broker_trade>>,
  caf::replies_to<holdings_atom>::with<std::vector<broker_position>>,
  caf::reacts_to<lease_atom, bool, std::string>, // the node's lease: false = send no order
  caf::reacts_to<caf::put_atom, account_record>, // its record changed (primary, active)
  caf::replies_to<caf::put_atom, std::string, double>::with<bool>, // reserve margin under a key
  caf::reacts_to<caf::delete_atom, std::string>,                   // release it
  caf::reacts_to<restore_atom, std::string, double>, // a live run's reservation after a restart
  caf::replies_to<caf::get_atom, status_atom>::with<account_status>,
  caf::replies_to<shutdown_atom>::with<caf::ok_atom>, // stop intake, let orders settle
  caf::reacts_to<order_update>,                       // from the account's order-update link
  caf::reacts_to<link_status>,                        // that link's state
  caf::reacts_to<caf::put_atom, price_feed_actor>>;   // the node's feed (made, or made again)

/// An option-chain or position-monitor session: holds subscriptions while heartbeats come.
using ws_session_actor = tick_subscriber_actor::extend<
  caf::reacts_to<heartbeat_atom>,
  caf::reacts_to<caf::close_atom>,
  caf::replies_to<caf::get_atom>::with<std::vector<tick>>>; // the latest tick per symbol

/// What an execution tells its run.
using execution_listener_actor = caf::typed_actor<
  caf::reacts_to<execution_entered>,
  caf::reacts_to<execution_failed>,
  caf::reacts_to<execution_pnl>,
  caf::reacts_to<execution_exited>,
  caf::reacts_to<exit_stuck>,
  caf::reacts_to<position_disputed>, // positionbook and tradebook disagree: a person looks
  caf::reacts_to<leg_exit_due>>; // a hedge's own stop-loss/target: the run sequences it

/// One position (run, account, leg): entry, live P&L, leg SL/TP, the exit protocol.
using execution_actor = tick_subscriber_actor::extend<
  caf::reacts_to<place_atom>, // enter now (the run orders BUY legs before SELL legs)
  caf::reacts_to<cancel_atom>, // cancel an entry still open (hedge timeout, square-off)
  caf::reacts_to<exit_request>,
  caf::reacts_to<order_update>,
  caf::replies_to<caf::get_atom>::with<execution_state>>;

/// One run of a strategy: resolution, sizing, BUY-first entry, strategy-level risk, exits.
/// It follows the legs' prices itself for Supertrend (the combined-premium bars).
using strategy_run_actor = clock_listener_actor::extend_with<execution_listener_actor>::extend_with<
  tick_subscriber_actor>::extend<
  caf::reacts_to<exit_request>, // exit the whole run
  caf::reacts_to<manual_exit>,  // one account, one leg, or all
  caf::replies_to<caf::get_atom>::with<run_status>,
  caf::replies_to<run_atom>::with<int64_t>>; // its id, once it has stored its row (it owns it)

/// The market calendar's timers: session open/close, entry/exit/square-off times.
using market_clock_actor = caf::typed_actor<
  caf::reacts_to<caf::subscribe_atom, clock_listener_actor>,
  caf::reacts_to<caf::unsubscribe_atom, clock_listener_actor>,
  caf::reacts_to<caf::put_atom, strategy_definition>,   // follow (or update) its times
  caf::reacts_to<caf::delete_atom, int64_t>>;           // forget a strategy's times

/// The process: registry, supervision, start-up recovery, shutdown order. It follows the
/// market clock for scheduled entries (`timer_due` entry).
using node_actor = clock_listener_actor::extend<
  caf::replies_to<execute_atom, execute_request>::with<run_started>,
  caf::replies_to<caf::get_atom, run_atom>::with<std::vector<run_status>>, // live and recent
  caf::replies_to<caf::get_atom, run_atom, int64_t>::with<run_status>,     // one, by id
  // a live run's actor (supervision: the crash-only tests kill it)
  caf::replies_to<caf::get_atom, run_atom, int64_t, caf::ok_atom>::with<strategy_run_actor>,
  // headlines of the live and recent runs: no legs or risk events, `leg_count` set
  caf::replies_to<caf::get_atom, run_atom, caf::tick_atom>::with<std::vector<run_status>>,
  caf::replies_to<manual_exit>::with<caf::ok_atom>,
  caf::reacts_to<caf::put_atom, strategy_definition>, // a strategy added or changed
  caf::reacts_to<run_atom, run_status>,               // a run ended
  caf::replies_to<caf::get_atom, status_atom>::with<node_status>,
  caf::replies_to<caf::get_atom, account_atom, int64_t>::with<account_actor>, // by account id
  caf::replies_to<caf::get_atom, feed_atom>::with<price_feed_actor>,
  caf::replies_to<shutdown_atom>::with<caf::ok_atom>,
  // operating.md §1: the lease lost (false, why) or held again (true); while it is lost the
  // node refuses new runs and every account sends no order
  caf::reacts_to<lease_atom, bool, std::string>,
  caf::replies_to<caf::get_atom, lease_atom>::with<lease_info>,
  caf::replies_to<caf::get_atom, strategies_atom>::with<std::vector<strategy_definition>>,
  caf::reacts_to<caf::delete_atom, strategies_atom, int64_t>, // deleted or disabled
  // every account the node knows (active or disabled), primary first
  caf::replies_to<caf::get_atom, accounts_atom>::with<std::vector<account_record>>,
  // an account added or changed: started when active and not running yet; a disabled one
  // keeps its actor (exits still work) but takes no new run
  caf::replies_to<caf::put_atom, account_record>::with<caf::ok_atom>,
  // an account removed: refused while a live run trades on it; its actor stops
  caf::replies_to<caf::delete_atom, account_atom, int64_t>::with<caf::ok_atom>,
  // ping an account (its running gateway, or a gateway made for the ping): the broker's name
  caf::replies_to<caf::ping_atom, account_record>::with<std::string>,
  // the first connected account's REST quotes (console `quote`)
  caf::replies_to<quotes_atom, std::vector<instrument>>::with<std::vector<quote>>,
  // expiries through the first connected account (console `chain`)
  caf::replies_to<expiries_atom, std::string, exchange, std::string>::with<
    std::vector<std::string>>>;

// -- the console (operating.md §2) ----------------------------------------------------------

/// The node's records for the console, on their own database connection: users, failovers,
/// logins. Reads and small writes only; the trading state goes through the store.
using records_actor = caf::typed_actor<
  caf::replies_to<login_atom, std::string>::with<user_credentials>, // by username
  caf::reacts_to<login_atom, int64_t, utc_instant>,                 // users.last_login
  caf::replies_to<users_atom>::with<std::vector<user_view>>,
  caf::replies_to<failovers_atom, int32_t>::with<std::vector<failover_event>>, // the latest N
  caf::replies_to<risk_atom, std::vector<int64_t>>::with<std::vector<risk_event>>, // of runs
  // a strategy saved for the user (id): answers it as stored (refused while it runs)
  caf::replies_to<strategy_upload, int64_t>::with<strategy_definition>,
  // a strategy of the user (id) deleted, disabled or enabled: answers it as it was or is now
  caf::replies_to<strategy_change, int64_t>::with<strategy_definition>,
  // an account of the user (id) added (its key already sealed), set primary, enabled,
  // disabled or removed: answers every account of that user afterwards
  caf::replies_to<account_change, int64_t>::with<std::vector<account_record>>,
  // a user added, disabled, enabled or given a password (the new hash beside it); the answer
  // says what was done
  caf::replies_to<user_change, std::string>::with<std::string>,
  // a user's (id) trading settings as runs read them, and a change of them
  caf::replies_to<settings_atom, int64_t>::with<user_settings>,
  caf::replies_to<settings_change, int64_t>::with<std::string>>;

/// Where a session streams a view (`watch`, `risk-events --follow`, `alerts --follow`).
using console_listener_actor = caf::typed_actor<caf::reacts_to<console_event>>;

/// One logged-in user's capability: every operator command, authorized for that user.
using console_session_actor = caf::typed_actor<
  caf::replies_to<status_atom>::with<console_status>,
  caf::replies_to<accounts_atom>::with<std::vector<account_view>>,
  // the books of one account by name, or ("") of every account of the user
  caf::replies_to<funds_atom, std::string>::with<std::vector<account_book>>,
  caf::replies_to<positions_atom, std::string>::with<std::vector<account_book>>,
  caf::replies_to<orders_atom, std::string>::with<std::vector<account_book>>,
  caf::replies_to<trades_atom, std::string>::with<std::vector<account_book>>,
  caf::replies_to<holdings_atom, std::string>::with<std::vector<account_book>>,
  caf::replies_to<account_change>::with<std::string>, // account add/test/…/remove
  caf::replies_to<strategies_atom>::with<std::vector<strategy_definition>>,
  caf::replies_to<strategy_change>::with<std::string>, // strategy delete/enable/disable
  caf::replies_to<run_strategy>::with<run_started>,
  caf::replies_to<run_atom, bool>::with<std::vector<run_status>>, // runs [--all]
  caf::replies_to<run_atom, int64_t>::with<run_status>,           // show RUN
  caf::replies_to<watch_atom, int64_t, console_listener_actor>::with<run_status>,
  caf::replies_to<exit_command>::with<caf::ok_atom>,
  caf::replies_to<risk_atom, int64_t>::with<std::vector<risk_event>>, // 0 = every run
  caf::replies_to<risk_atom, int64_t, console_listener_actor>::with<std::vector<risk_event>>,
  caf::replies_to<alerts_atom>::with<std::vector<alert_line>>,
  caf::replies_to<failovers_atom>::with<std::vector<failover_event>>,
  caf::replies_to<quotes_atom, std::vector<std::string>>::with<std::vector<quote>>,
  caf::replies_to<users_atom>::with<std::vector<user_view>>,
  caf::replies_to<strategy_upload>::with<std::string>, // strategy import
  caf::replies_to<user_change>::with<std::string>,     // user add/disable/enable/passwd
  caf::replies_to<settings_atom>::with<user_settings>,  // settings list
  caf::replies_to<settings_change>::with<std::string>, // settings instrument/grade/margin/reset
  // `chain`: an option-chain session streamed to the listener while heartbeats come
  caf::replies_to<chain_request, console_listener_actor>::with<chain_view>,
  caf::reacts_to<heartbeat_atom, std::string>, // keep that chain session (id) open
  caf::reacts_to<caf::close_atom, std::string>, // close it
  caf::replies_to<logout_atom>::with<caf::ok_atom>>;

/// The published endpoint: login only.
using console_actor = caf::typed_actor<
  caf::replies_to<login_atom, std::string, std::string>::with<console_session_actor>>;

} // namespace algomirror

// Handles that travel inside messages (subscriptions carry the subscriber) need type IDs for
// remoting; they get their own block right after the value types'.
CAF_BEGIN_TYPE_ID_BLOCK(algomirror_handles, caf::id_block::algomirror::end)
  CAF_ADD_TYPE_ID(algomirror_handles, (algomirror::tick_subscriber_actor))
  CAF_ADD_TYPE_ID(algomirror_handles, (algomirror::order_listener_actor))
  CAF_ADD_TYPE_ID(algomirror_handles, (algomirror::clock_listener_actor))
  CAF_ADD_TYPE_ID(algomirror_handles, (algomirror::link_listener_actor))
  CAF_ADD_TYPE_ID(algomirror_handles, (algomirror::status_listener_actor))
  CAF_ADD_TYPE_ID(algomirror_handles, (algomirror::execution_listener_actor))
  CAF_ADD_TYPE_ID(algomirror_handles, (algomirror::account_actor))
  CAF_ADD_TYPE_ID(algomirror_handles, (algomirror::broker_api_actor))
  CAF_ADD_TYPE_ID(algomirror_handles, (std::vector<algomirror::broker_api_actor>))
  CAF_ADD_TYPE_ID(algomirror_handles, (algomirror::market_data_actor))
  CAF_ADD_TYPE_ID(algomirror_handles, (algomirror::price_feed_actor))
  CAF_ADD_TYPE_ID(algomirror_handles, (algomirror::strategy_run_actor))
  CAF_ADD_TYPE_ID(algomirror_handles, (algomirror::run_listener_actor))
  CAF_ADD_TYPE_ID(algomirror_handles, (algomirror::execution_actor))
  CAF_ADD_TYPE_ID(algomirror_handles, (algomirror::console_listener_actor))
  CAF_ADD_TYPE_ID(algomirror_handles, (algomirror::console_session_actor))
  CAF_ADD_TYPE_ID(algomirror_handles, (algomirror::console_actor))
CAF_END_TYPE_ID_BLOCK(algomirror_handles)
