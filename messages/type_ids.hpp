#pragma once

// CAF's view of the protocol: atoms and the type-ID block. Include this (not the value-type
// headers alone) wherever messages are sent. Every type that travels as a message element,
// and every std::vector<T> that does (CAF 0.17 does not register those by itself), is listed.

#include <string>
#include <vector>

#include <caf/error.hpp>
#include <caf/make_message.hpp>
#include <caf/type_id.hpp>
#include <caf/typed_actor.hpp>

#include "messages/account.hpp"
#include "messages/console.hpp"
#include "messages/execution.hpp"
#include "messages/instrument.hpp"
#include "messages/market_data.hpp"
#include "messages/names.hpp"
#include "messages/node.hpp"
#include "messages/orders.hpp"
#include "messages/risk.hpp"
#include "messages/run.hpp"
#include "messages/storage.hpp"
#include "messages/strategy.hpp"

namespace caf {
class actor_system_config;
} // namespace caf

CAF_BEGIN_TYPE_ID_BLOCK(algomirror, caf::first_custom_type_id)
  CAF_ADD_TYPE_ID(algomirror, (algomirror::instrument))
  CAF_ADD_TYPE_ID(algomirror, (std::vector<algomirror::instrument>))
  CAF_ADD_TYPE_ID(algomirror, (algomirror::underlying_spec))
  CAF_ADD_TYPE_ID(algomirror, (algomirror::leg_definition))
  CAF_ADD_TYPE_ID(algomirror, (std::vector<algomirror::leg_definition>))
  CAF_ADD_TYPE_ID(algomirror, (algomirror::strategy_definition))
  CAF_ADD_TYPE_ID(algomirror, (std::vector<algomirror::strategy_definition>))
  CAF_ADD_TYPE_ID(algomirror, (algomirror::order_intent))
  CAF_ADD_TYPE_ID(algomirror, (algomirror::order_intent_outcome))
  CAF_ADD_TYPE_ID(algomirror, (algomirror::run_recovery))
  CAF_ADD_TYPE_ID(algomirror, (algomirror::scope_trailing))
  CAF_ADD_TYPE_ID(algomirror, (std::vector<algomirror::scope_trailing>))
  CAF_ADD_TYPE_ID(algomirror, (algomirror::margin_reservation))
  CAF_ADD_TYPE_ID(algomirror, (std::vector<algomirror::margin_reservation>))
  CAF_ADD_TYPE_ID(algomirror, (algomirror::order_accepted))
  CAF_ADD_TYPE_ID(algomirror, (algomirror::order_update))
  CAF_ADD_TYPE_ID(algomirror, (std::vector<algomirror::order_update>))
  CAF_ADD_TYPE_ID(algomirror, (algomirror::fill))
  CAF_ADD_TYPE_ID(algomirror, (algomirror::broker_position))
  CAF_ADD_TYPE_ID(algomirror, (std::vector<algomirror::broker_position>))
  CAF_ADD_TYPE_ID(algomirror, (algomirror::funds))
  CAF_ADD_TYPE_ID(algomirror, (algomirror::broker_order))
  CAF_ADD_TYPE_ID(algomirror, (std::vector<algomirror::broker_order>))
  CAF_ADD_TYPE_ID(algomirror, (algomirror::broker_trade))
  CAF_ADD_TYPE_ID(algomirror, (std::vector<algomirror::broker_trade>))
  CAF_ADD_TYPE_ID(algomirror, (algomirror::quote))
  CAF_ADD_TYPE_ID(algomirror, (std::vector<algomirror::quote>))
  CAF_ADD_TYPE_ID(algomirror, (algomirror::tick))
  CAF_ADD_TYPE_ID(algomirror, (std::vector<algomirror::tick>))
  CAF_ADD_TYPE_ID(algomirror, (algomirror::price_stale))
  CAF_ADD_TYPE_ID(algomirror, (algomirror::feed_mode))
  CAF_ADD_TYPE_ID(algomirror, (algomirror::exchange))
  CAF_ADD_TYPE_ID(algomirror, (algomirror::feed_state))
  CAF_ADD_TYPE_ID(algomirror, (algomirror::link_status))
  CAF_ADD_TYPE_ID(algomirror, (algomirror::failover_event))
  CAF_ADD_TYPE_ID(algomirror, (algomirror::ws_connection_record))
  CAF_ADD_TYPE_ID(algomirror, (algomirror::bar))
  CAF_ADD_TYPE_ID(algomirror, (std::vector<algomirror::bar>))
  CAF_ADD_TYPE_ID(algomirror, (algomirror::execution_state))
  CAF_ADD_TYPE_ID(algomirror, (std::vector<algomirror::execution_state>))
  CAF_ADD_TYPE_ID(algomirror, (algomirror::execution_pnl))
  CAF_ADD_TYPE_ID(algomirror, (algomirror::exit_request))
  CAF_ADD_TYPE_ID(algomirror, (algomirror::exit_stuck))
  CAF_ADD_TYPE_ID(algomirror, (algomirror::risk_event))
  CAF_ADD_TYPE_ID(algomirror, (algomirror::account_status))
  CAF_ADD_TYPE_ID(algomirror, (std::vector<algomirror::account_status>))
  CAF_ADD_TYPE_ID(algomirror, (algomirror::node_status))
  CAF_ADD_TYPE_ID(algomirror, (algomirror::activity_entry))
  CAF_ADD_TYPE_ID(algomirror, (algomirror::execute_request))
  CAF_ADD_TYPE_ID(algomirror, (algomirror::run_started))
  CAF_ADD_TYPE_ID(algomirror, (algomirror::run_status))
  CAF_ADD_TYPE_ID(algomirror, (std::vector<algomirror::run_status>))
  CAF_ADD_TYPE_ID(algomirror, (algomirror::execution_entered))
  CAF_ADD_TYPE_ID(algomirror, (algomirror::execution_exited))
  CAF_ADD_TYPE_ID(algomirror, (algomirror::execution_failed))
  CAF_ADD_TYPE_ID(algomirror, (algomirror::leg_exit_due))
  CAF_ADD_TYPE_ID(algomirror, (algomirror::position_disputed))
  CAF_ADD_TYPE_ID(algomirror, (algomirror::manual_exit))
  CAF_ADD_TYPE_ID(algomirror, (std::vector<algomirror::risk_event>))
  CAF_ADD_TYPE_ID(algomirror, (std::vector<algomirror::skipped_account>))
  CAF_ADD_TYPE_ID(algomirror, (algomirror::skipped_account))
  CAF_ADD_TYPE_ID(algomirror, (algomirror::scope_status))
  CAF_ADD_TYPE_ID(algomirror, (std::vector<algomirror::scope_status>))
  CAF_ADD_TYPE_ID(algomirror, (algomirror::session_opened))
  CAF_ADD_TYPE_ID(algomirror, (algomirror::session_closed))
  CAF_ADD_TYPE_ID(algomirror, (algomirror::timer_due))
  CAF_ADD_TYPE_ID(algomirror, (algomirror::account_record))
  CAF_ADD_TYPE_ID(algomirror, (std::vector<algomirror::account_record>))
  CAF_ADD_TYPE_ID(algomirror, (algomirror::run_record))
  CAF_ADD_TYPE_ID(algomirror, (std::vector<algomirror::run_record>))
  CAF_ADD_TYPE_ID(algomirror, (algomirror::exit_claim))
  CAF_ADD_TYPE_ID(algomirror, (algomirror::ws_session_record))
  CAF_ADD_TYPE_ID(algomirror, (std::vector<algomirror::ws_session_record>))
  CAF_ADD_TYPE_ID(algomirror, (algomirror::calendar_data))
  CAF_ADD_TYPE_ID(algomirror, (algomirror::store_stats))
  CAF_ADD_TYPE_ID(algomirror, (std::vector<int64_t>))
  CAF_ADD_TYPE_ID(algomirror, (algomirror::user_credentials))
  CAF_ADD_TYPE_ID(algomirror, (algomirror::user_view))
  CAF_ADD_TYPE_ID(algomirror, (std::vector<algomirror::user_view>))
  CAF_ADD_TYPE_ID(algomirror, (algomirror::account_view))
  CAF_ADD_TYPE_ID(algomirror, (std::vector<algomirror::account_view>))
  CAF_ADD_TYPE_ID(algomirror, (algomirror::account_book))
  CAF_ADD_TYPE_ID(algomirror, (std::vector<algomirror::account_book>))
  CAF_ADD_TYPE_ID(algomirror, (algomirror::lease_info))
  CAF_ADD_TYPE_ID(algomirror, (algomirror::console_status))
  CAF_ADD_TYPE_ID(algomirror, (algomirror::alert_line))
  CAF_ADD_TYPE_ID(algomirror, (std::vector<algomirror::alert_line>))
  CAF_ADD_TYPE_ID(algomirror, (algomirror::console_event))
  CAF_ADD_TYPE_ID(algomirror, (algomirror::exit_command))
  CAF_ADD_TYPE_ID(algomirror, (algomirror::run_strategy))
  CAF_ADD_TYPE_ID(algomirror, (std::vector<algomirror::failover_event>))
  CAF_ADD_TYPE_ID(algomirror, (std::vector<std::string>))
  CAF_ADD_TYPE_ID(algomirror, (algomirror::strategy_upload))
  CAF_ADD_TYPE_ID(algomirror, (algomirror::user_change))
  CAF_ADD_TYPE_ID(algomirror, (algomirror::account_change))
  CAF_ADD_TYPE_ID(algomirror, (algomirror::strategy_change))
  CAF_ADD_TYPE_ID(algomirror, (algomirror::settings_change))
  CAF_ADD_TYPE_ID(algomirror, (algomirror::chain_request))
  CAF_ADD_TYPE_ID(algomirror, (algomirror::chain_view))
  CAF_ADD_TYPE_ID(algomirror, (algomirror::order_record))
  CAF_ADD_TYPE_ID(algomirror, (algomirror::book_record))
  CAF_ADD_TYPE_ID(algomirror, (algomirror::margin_allocation))
  CAF_ADD_TYPE_ID(algomirror, (std::vector<algomirror::margin_allocation>))
  CAF_ADD_TYPE_ID(algomirror, (algomirror::margin_record))
  CAF_ADD_TYPE_ID(algomirror, (algomirror::user_settings))
  CAF_ADD_TYPE_ID(algomirror, (algomirror::symbol_info))

  CAF_ADD_ATOM(algomirror, algomirror, place_atom, "place")
  CAF_ADD_ATOM(algomirror, algomirror, cancel_atom, "cancel")
  CAF_ADD_ATOM(algomirror, algomirror, execute_atom, "execute")
  CAF_ADD_ATOM(algomirror, algomirror, shutdown_atom, "shutdown")
  CAF_ADD_ATOM(algomirror, algomirror, status_atom, "status")
  CAF_ADD_ATOM(algomirror, algomirror, heartbeat_atom, "heartbeat")
  CAF_ADD_ATOM(algomirror, algomirror, positions_atom, "positions")
  CAF_ADD_ATOM(algomirror, algomirror, orders_atom, "orders")
  CAF_ADD_ATOM(algomirror, algomirror, trades_atom, "trades")
  CAF_ADD_ATOM(algomirror, algomirror, funds_atom, "funds")
  CAF_ADD_ATOM(algomirror, algomirror, write_atom, "write")
  CAF_ADD_ATOM(algomirror, algomirror, durable_atom, "durable")
  CAF_ADD_ATOM(algomirror, algomirror, stats_atom, "stats")
  CAF_ADD_ATOM(algomirror, algomirror, retry_atom, "retry")
  CAF_ADD_ATOM(algomirror, algomirror, health_atom, "health")
  CAF_ADD_ATOM(algomirror, algomirror, poll_atom, "poll")
  CAF_ADD_ATOM(algomirror, algomirror, pump_atom, "pump")
  CAF_ADD_ATOM(algomirror, algomirror, expire_atom, "expire")
  CAF_ADD_ATOM(algomirror, algomirror, settle_atom, "settle")
  CAF_ADD_ATOM(algomirror, algomirror, account_atom, "account")
  CAF_ADD_ATOM(algomirror, algomirror, feed_atom, "feed")
  CAF_ADD_ATOM(algomirror, algomirror, expiries_atom, "expiries")
  CAF_ADD_ATOM(algomirror, algomirror, quotes_atom, "quotes")
  CAF_ADD_ATOM(algomirror, algomirror, history_atom, "history")
  CAF_ADD_ATOM(algomirror, algomirror, run_atom, "run")
  CAF_ADD_ATOM(algomirror, algomirror, evaluate_atom, "evaluate")
  CAF_ADD_ATOM(algomirror, algomirror, login_atom, "login")
  CAF_ADD_ATOM(algomirror, algomirror, logout_atom, "logout")
  CAF_ADD_ATOM(algomirror, algomirror, watch_atom, "watch")
  CAF_ADD_ATOM(algomirror, algomirror, accounts_atom, "accounts")
  CAF_ADD_ATOM(algomirror, algomirror, strategies_atom, "strategies")
  CAF_ADD_ATOM(algomirror, algomirror, risk_atom, "risk")
  CAF_ADD_ATOM(algomirror, algomirror, alerts_atom, "alerts")
  CAF_ADD_ATOM(algomirror, algomirror, failovers_atom, "failovers")
  CAF_ADD_ATOM(algomirror, algomirror, users_atom, "users")
  CAF_ADD_ATOM(algomirror, algomirror, lease_atom, "lease")
  CAF_ADD_ATOM(algomirror, algomirror, idle_atom, "idle")
  CAF_ADD_ATOM(algomirror, algomirror, holdings_atom, "holdings")
  CAF_ADD_ATOM(algomirror, algomirror, analyzer_atom, "analyzer")
  CAF_ADD_ATOM(algomirror, algomirror, settings_atom, "settings")
  CAF_ADD_ATOM(algomirror, algomirror, symbol_atom, "symbol")
  CAF_ADD_ATOM(algomirror, algomirror, restore_atom, "restore")
  CAF_ADD_ATOM(algomirror, algomirror, paced_atom, "paced")
CAF_END_TYPE_ID_BLOCK(algomirror)

namespace algomirror {

/// The error category of `errc` in caf::error.
inline constexpr caf::atom_value error_category = caf::atom("algomirror");

/// A caf::error of our category, with a context message (what was wrong and how to fix it).
inline caf::error make_error(errc code, std::string context) {
  return caf::error{static_cast<uint8_t>(code), error_category,
                    caf::make_message(std::move(context))};
}

/// Is `err` ours and of this code? (A request timeout or a dead actor is not.)
inline bool is_error(const caf::error& err, errc code) {
  return err.category() == error_category && static_cast<errc>(err.code()) == code;
}

/// Registers every message type of the protocol (and the typed handles of the actor catalogue)
/// with an actor system configuration. Call once per config, before the system starts.
void add_message_types(caf::actor_system_config& cfg);

} // namespace algomirror
