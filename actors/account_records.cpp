// The account's rows: every broker order it placed or saw (`orders`), its positionbook and
// holdings as it knows them (`positions`, `holdings`) and its margin ledger
// (`margin_trackers`). All routine writes, coalesced by the persistence actor; none of them
// is on an order's path.

#include <cmath>

#include <spdlog/spdlog.h>

#include "actors/internal/account_state.hpp"
#include "actors/internal/store_writes.hpp"
#include "messages/type_ids.hpp"

namespace algomirror::account_internal {

namespace {

constexpr std::string_view our_tag_prefix = "AM:";

} // namespace

void record_order(account_pointer self, const intent_entry& entry, const child_order& c) {
  auto& st = self->state;
  if (!st.cfg.store || c.broker_order_id.empty())
    return;
  auto& i = entry.intent;
  order_record row;
  row.account_id = st.cfg.record.id;
  row.order_id = c.broker_order_id;
  row.intent_id = i.intent_id;
  row.execution_id = i.execution_id;
  row.strategy_tag = i.tag;
  row.inst = i.inst;
  row.action = i.action;
  row.quantity = c.quantity;
  row.kind = i.kind;
  row.price = i.price;
  row.trigger_price = i.trigger_price;
  row.order_product = i.order_product;
  row.status = c.status;
  row.filled_quantity = c.filled;
  row.average_price = c.average_price;
  row.placed_at = c.placed_at;
  row.executed_at = c.executed_at;
  store_routine(st.cfg.store, std::move(row));
}

void record_foreign_orders(account_pointer self) {
  auto& st = self->state;
  if (!st.cfg.store)
    return;
  if (st.orderbook_reading) {
    st.orderbook_again = true;
    return;
  }
  st.orderbook_reading = true;
  self->request(st.cfg.api, st.cfg.request_timeout, orders_atom_v)
    .then(
      [self](const std::vector<broker_order>& book) {
        auto& st = self->state;
        st.orderbook_reading = false;
        auto now = utc_now(self);
        for (auto& o : book) {
          if (o.broker_order_id.empty() || st.by_broker_id.count(o.broker_order_id) != 0)
            continue; // ours: its row is kept by its intent
          order_record row;
          row.account_id = st.cfg.record.id;
          row.order_id = o.broker_order_id;
          row.strategy_tag = o.strategy_tag;
          row.inst = o.inst;
          row.action = o.action;
          row.quantity = o.quantity;
          row.kind = o.kind;
          row.price = o.price;
          row.trigger_price = o.trigger_price;
          row.order_product = o.order_product;
          row.status = o.status;
          row.filled_quantity = o.filled_quantity;
          row.average_price = o.average_price;
          row.placed_at = now; // the broker's stamp is IST wall text; the row has when we saw it
          row.executed_at = o.status == order_status::complete ? now : utc_instant{};
          // Tagged by this node (an earlier life of it): its row, if it has one, keeps its
          // intent; only an untagged order is someone else's.
          row.external = o.strategy_tag.rfind(our_tag_prefix, 0) != 0;
          store_routine(st.cfg.store, std::move(row));
        }
        if (st.orderbook_again) {
          st.orderbook_again = false;
          record_foreign_orders(self);
        }
      },
      [self](const caf::error& err) {
        auto& st = self->state;
        st.orderbook_reading = false;
        st.orderbook_again = false;
        spdlog::warn("account {}: orderbook not read for the orders table: {}",
                     account_name(self), self->system().render(err));
      });
}

namespace {

/// The positions row of the account's view now; a held-back write is then done.
void write_positions(account_pointer self) {
  auto& st = self->state;
  st.book_write_armed = false; // an armed timer finds nothing left to write
  st.book_written_at = self->clock().now();
  book_record row{st.cfg.record.id, false, snapshot(self), utc_now(self)};
  store_routine(st.cfg.store, std::move(row));
}

} // namespace

void record_positions(account_pointer self) {
  auto& st = self->state;
  follow_prices(self);
  if (!st.cfg.store || st.book_write_armed)
    return;
  auto now = self->clock().now();
  auto due = st.book_written_at + std::chrono::seconds{1};
  // Stopping, nothing waits for the throttle: every change is written as it comes.
  if (st.accepting && st.book_written_at != steady_time{} && now < due) {
    st.book_write_armed = true;
    self->delayed_send(self, due - now, write_atom_v, positions_atom_v);
    return;
  }
  write_positions(self);
}

void follow_prices(account_pointer self) {
  auto& st = self->state;
  if (!st.feed)
    return;
  std::set<instrument> held;
  for (auto& [key, p] : st.positions)
    if (p.net_quantity != 0)
      held.insert(p.inst);
  tick_subscriber_actor me{self};
  for (auto& inst : st.priced)
    if (held.count(inst) == 0)
      self->send(st.feed, caf::unsubscribe_atom_v, inst, feed_mode::ltp, me);
  // Paced: the row's mark moves at most once a second; nothing here decides on the price.
  for (auto& inst : held)
    if (st.priced.count(inst) == 0)
      self->send(st.feed, caf::subscribe_atom_v, inst, feed_mode::ltp, me, paced_atom_v);
  st.priced = std::move(held);
}

void mark_to_tick(account_pointer self, const tick& t) {
  auto& st = self->state;
  if (!(t.ltp > 0) || !std::isfinite(t.ltp) || st.priced.count(t.inst) == 0)
    return; // a price of nothing it holds (a subscription it left, on its way)
  bool moved = false;
  for (auto& [key, p] : st.positions) {
    if (p.inst != t.inst || p.net_quantity == 0 || p.ltp == t.ltp)
      continue;
    // The broker's P&L holds the realised part too: only the open quantity's mark moves
    // (from the last price, or from the entry; a position known from fills alone has neither,
    // and its P&L waits for the next positionbook read).
    auto from = p.ltp > 0 ? p.ltp : p.average_price;
    if (from > 0)
      p.pnl += (t.ltp - from) * static_cast<double>(p.net_quantity);
    p.ltp = t.ltp;
    moved = true;
  }
  if (moved)
    record_positions(self);
}

void flush_positions(account_pointer self) {
  auto& st = self->state;
  if (st.cfg.store && (st.book_written_at == steady_time{} || st.book_write_armed))
    write_positions(self); // else written already, and nothing moved since
}

void record_holdings(account_pointer self) {
  auto& st = self->state;
  if (!st.cfg.store)
    return;
  self->request(st.cfg.api, st.cfg.request_timeout, holdings_atom_v)
    .then(
      [self](const std::vector<broker_position>& rows) {
        auto& st = self->state;
        store_routine(st.cfg.store, book_record{st.cfg.record.id, true, rows, utc_now(self)});
      },
      [self](const caf::error& err) {
        spdlog::warn("account {}: holdings not read: {}", account_name(self),
                     self->system().render(err));
      });
}

void record_margins(account_pointer self) {
  auto& st = self->state;
  if (!st.cfg.store)
    return;
  margin_record row;
  row.account_id = st.cfg.record.id;
  row.total_available = st.ledger.available();
  row.used = st.ledger.reserved();
  row.free = st.ledger.free();
  for (auto& [key, amount] : st.ledger.reservations())
    row.allocations.push_back({key, amount});
  row.update_count = ++st.margin_updates;
  row.at = utc_now(self);
  store_routine(st.cfg.store, std::move(row));
}

} // namespace algomirror::account_internal
