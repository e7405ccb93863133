#pragma once

// Inside the account actor (actors/account*.cpp only): its state, and what its files share.
// account.cpp: health, the activity rows, the behaviour;
// account_orders.cpp: placement, the send queue, unknown outcomes, order tracking;
// account_positions.cpp: the positionbook (with the day's tradebook) and its snapshot;
// account_records.cpp: the account's rows (orders, positions, holdings, margins).

#include <chrono>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/account.hpp"
#include "domain/rate_limit.hpp"
#include "domain/sizing.hpp"

namespace algomirror::account_internal {

using steady_time = std::chrono::steady_clock::time_point;

/// Where a child order is in its life.
enum class child_phase : uint8_t {
  queued,  ///< waiting for a slot of the rate limit
  sending, ///< request in flight
  unknown, ///< the request's outcome is unknown: the orderbook will tell
  open,    ///< the broker has it (an order id), not terminal yet
  done,    ///< terminal (complete, cancelled, rejected) or refused
};

struct child_order {
  int64_t quantity = 0;
  child_phase phase = child_phase::queued;
  std::string broker_order_id;
  order_status status = order_status::unknown;
  int64_t filled = 0;
  double average_price = 0;
  int resends = 0;
  steady_time last_heard{};
  utc_instant placed_at;   ///< when the broker accepted it (`orders.placed_at`)
  utc_instant executed_at; ///< when it was complete
};

struct intent_entry {
  order_intent intent;
  order_listener_actor listener;
  std::vector<child_order> children;
  caf::typed_response_promise<order_accepted> promise;
  bool answered = false;
  caf::error first_error;
};

/// (intent id, child index)
using child_key = std::pair<std::string, size_t>;

inline std::string position_key(const instrument& inst, product p) {
  return inst.symbol + "|" + to_string(inst.exch) + "|" + to_string(p);
}

struct account_state {
  account_config cfg;
  account_status status;
  std::optional<moving_window_limiter> limiter;
  std::deque<child_key> send_queue;
  std::set<instrument> placing; ///< symbols with a placement awaiting its answer (§5)
  bool pump_armed = false;
  std::map<std::string, intent_entry> intents;
  std::unordered_map<std::string, child_key> by_broker_id;
  /// Order updates for ids we do not know yet (the WebSocket can beat the REST reply).
  std::unordered_map<std::string, order_update> early_updates;
  std::map<std::string, broker_position> positions;
  margin_ledger ledger;
  market_data_link_actor order_link;
  bool link_ready = false;
  steady_time link_ready_since{}; ///< updates of orders heard of before may have been missed
  bool poll_armed = false;
  size_t poll_cursor = 0;
  bool accepting = true;
  std::string halted; ///< why no order may go out (the node lost its lease); empty = may
  std::vector<caf::typed_response_promise<caf::ok_atom>> shutdown_waiters;
  uint64_t external_updates = 0;
  uint64_t fill_seq = 0; ///< moves with every fill applied to the snapshot
  steady_time positions_read_at{};
  bool positions_reading = false;
  /// The day's MIS trades netted per (symbol, product), as the tradebook last said, moved
  /// since by every fill of ours: the positionbook's cross-check (§10 step 2) without reading
  /// the whole tradebook, which grows all day, on an exit's path.
  std::map<std::string, broker_position> traded;
  bool trades_known = false; ///< a tradebook was read (else the next positions read waits for one)
  bool trades_reading = false;
  steady_time trades_read_at{};
  std::vector<caf::typed_response_promise<std::vector<broker_position>>> position_waiters;
  uint64_t activity_seq = 0;
  // The account's rows (actors/account_records.cpp): orders, the books, the margin ledger.
  bool orderbook_reading = false;
  bool orderbook_again = false; ///< an external order was heard of while the book was read
  steady_time book_written_at{};
  bool book_write_armed = false;
  int64_t margin_updates = 0;
  price_feed_actor feed;           ///< the node's price feed (null: the broker's ltp only)
  std::set<instrument> priced;     ///< the instruments it follows for the positions' ltp
  static inline const char* name = "account";
};

/// The account's own interface: the public one and its timers.
using account_impl = account_actor::extend<
  caf::reacts_to<pump_atom>,               // the rate-limited send queue
  caf::reacts_to<poll_atom>,               // status polling
  caf::reacts_to<health_atom>,             // the ping timer
  caf::reacts_to<settle_atom, std::string>, // resolve an unknown outcome
  caf::reacts_to<write_atom, positions_atom>,  // the positions' row write, at most once a second
  caf::reacts_to<positions_atom, caf::tick_atom>>; // the snapshot kept fresh while one is held

using account_pointer = account_impl::stateful_pointer<account_state>;

using positions_promise = caf::typed_response_promise<std::vector<broker_position>>;

inline const std::string& account_name(account_pointer self) {
  return self->state.cfg.record.name;
}

/// Now on the node's clock (the rows' and updates' timestamps).
inline utc_instant utc_now(account_pointer self) {
  return self->state.cfg.time->now();
}

// -- the orders (actors/account_orders.cpp) -------------------------------------------------

/// Is a placement still waiting for its answer?
bool placing(const account_state& st);

/// Sends what the rate limit allows, in queue order, skipping (for now) the orders of a symbol
/// whose previous placement is not answered yet.
void pump(account_pointer self);

/// The owner of an intent was made again (crash-only): it follows the intent from now on.
caf::result<order_accepted> reattach(account_pointer self, intent_entry& entry,
                                     order_listener_actor listener);

/// An unknown outcome (`intent#child`): the orderbook says whether the child exists.
void settle_unknown(account_pointer self, const std::string& which);

/// Status polling: armed while a child is open; one status call per interval.
void arm_poll(account_pointer self);
void poll_once(account_pointer self);

/// A broker report from the order link (ours, early, or someone else's order).
void on_order_update(account_pointer self, const order_update& u);

/// The positions as the account knows them now (fills applied since the last read).
std::vector<broker_position> snapshot(account_pointer self);

/// The snapshot when a positionbook read is young enough, else a fresh read shared by every
/// request meanwhile; `rp` (when given) is answered with it.
void refresh_positions(account_pointer self, std::optional<positions_promise> rp);

/// The background read of `snapshot_keep_fresh`: the positionbook read again when a position
/// is held and the last read is that old; the next look armed.
void keep_positions_fresh(account_pointer self);

// -- the account's rows (actors/account_records.cpp) ----------------------------------------

/// The `orders` row of a child the broker has (placed, or changed).
void record_order(account_pointer self, const intent_entry& entry, const child_order& c);

/// Reads the orderbook (one read at a time) and records every order no intent of this account
/// placed: external ones, and this node's from before a restart (their status moves on).
void record_foreign_orders(account_pointer self);

/// The `positions` rows from the account's view of its positions (read or moved by fills), at
/// most once a second; a change inside that second is written when it ends.
void record_positions(account_pointer self);
// Writes a positions row held back by the once-a-second throttle now (the node is stopping).
void flush_positions(account_pointer self);

/// Follows the feed's prices of exactly the instruments it holds a position in (subscribes the
/// new ones, unsubscribes the closed ones).
void follow_prices(account_pointer self);

/// A tick of a held instrument: its positions' ltp and P&L move, the row follows (at most once
/// a second).
void mark_to_tick(account_pointer self, const tick& t);

/// Reads the holdings and writes the `holdings` rows.
void record_holdings(account_pointer self);

/// The `margin_trackers` row after a change of the ledger.
void record_margins(account_pointer self);

} // namespace algomirror::account_internal
