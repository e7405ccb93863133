// The account's positions (trading-rules.md §10 step 2): the positionbook read with the day's
// tradebook beside it, cross-checked for MIS, and the snapshot fills keep current.

#include <spdlog/spdlog.h>

#include "actors/internal/account_state.hpp"
#include "domain/placement.hpp"
#include "messages/type_ids.hpp"

namespace algomirror::account_internal {

std::vector<broker_position> snapshot(account_pointer self) {
  std::vector<broker_position> out;
  for (auto& [key, p] : self->state.positions)
    out.push_back(p);
  return out;
}

void read_positionbook(account_pointer self, int tries_left);

/// Answers everyone waiting for the positions.
void deliver_positions(account_pointer self, const caf::error& err) {
  auto waiters = std::move(self->state.position_waiters);
  self->state.position_waiters.clear();
  for (auto& rp : waiters)
    if (err)
      rp.deliver(err);
    else
      rp.deliver(snapshot(self));
}

/// One positionbook read for every waiter, with the day's tradebook read beside it (§10 step 2:
/// an OpenAlgo sandbox can lose a position update while its tradebook keeps every trade). A
/// read taken while fills moved the snapshot is older than the snapshot: it is read again
/// rather than allowed to undo those fills. MIS rows are cross-checked (an intraday position is
/// the day's trades); NRML and CNC carry positions from earlier days that the day's tradebook
/// does not show.
void read_positionbook(account_pointer self, int tries_left) {
  auto& st = self->state;
  st.positions_reading = true;
  struct reads {
    std::optional<std::vector<broker_position>> book;
    std::optional<std::vector<broker_trade>> trades;
    caf::error book_error;
    int pending = 2;
  };
  auto r = std::make_shared<reads>();
  auto done = [self, seq = st.fill_seq, tries_left, r] {
    if (--r->pending > 0)
      return;
    auto& st = self->state;
    if (!r->book) {
      spdlog::warn("account {}: positionbook unavailable: {}", account_name(self),
                   self->system().render(r->book_error));
      st.positions_reading = false;
      deliver_positions(self, r->book_error);
      return;
    }
    if (seq != st.fill_seq) {
      if (tries_left > 1) {
        read_positionbook(self, tries_left - 1);
        return;
      }
      // Fills keep coming: our snapshot (moved by every fill) is the fresher one.
      st.positions_reading = false;
      deliver_positions(self, {});
      return;
    }
    std::map<std::string, broker_position> traded; // the day's net per (symbol, product)
    if (r->trades)
      for (auto& t : *r->trades) {
        if (t.order_product != product::mis)
          continue;
        auto& p = traded[position_key(t.inst, t.order_product)];
        p.inst = t.inst;
        p.order_product = t.order_product;
        p.tradebook_net += t.action == side::buy ? t.quantity : -t.quantity;
      }
    st.positions.clear();
    for (auto p : *r->book) {
      auto key = position_key(p.inst, p.order_product);
      if (r->trades && p.order_product == product::mis) {
        p.cross_checked = true;
        auto t = traded.find(key);
        p.tradebook_net = t == traded.end() ? 0 : t->second.tradebook_net;
      }
      st.positions[key] = p;
    }
    for (auto& [key, t] : traded) // traded today, absent from the positionbook
      if (t.tradebook_net != 0 && st.positions.count(key) == 0) {
        t.cross_checked = true;
        st.positions[key] = t;
      }
    for (auto& [key, p] : st.positions)
      if (p.cross_checked && p.net_quantity != p.tradebook_net)
        spdlog::error("account {}: ALERT: the positionbook shows {} of {} {} but the day's "
                      "tradebook nets to {}: exits go by the smaller until they agree",
                      account_name(self), p.net_quantity, p.inst.symbol,
                      to_string(p.order_product), p.tradebook_net);
    st.positions_read_at = self->clock().now();
    st.positions_reading = false;
    deliver_positions(self, {});
  };
  self->request(st.cfg.api, st.cfg.request_timeout, positions_atom_v)
    .then(
      [r, done](const std::vector<broker_position>& book) {
        r->book = book;
        done();
      },
      [r, done](const caf::error& err) {
        r->book_error = err;
        done();
      });
  self->request(st.cfg.api, st.cfg.request_timeout, trades_atom_v)
    .then(
      [r, done](const std::vector<broker_trade>& trades) {
        r->trades = trades;
        done();
      },
      [self, done](const caf::error& err) {
        spdlog::warn("account {}: tradebook unavailable ({}); positions are not cross-checked",
                     account_name(self), self->system().render(err));
        done();
      });
}

/// The broker's positions: the snapshot when a positionbook read is younger than the limit
/// (fills keep it current), else a fresh read shared by every request meanwhile.
void refresh_positions(account_pointer self, std::optional<positions_promise> rp) {
  auto& st = self->state;
  auto now = self->clock().now();
  bool fresh = st.positions_read_at != steady_time{}
               && now - st.positions_read_at < st.cfg.snapshot_max_age;
  if (fresh && !st.positions_reading) {
    if (rp)
      rp->deliver(snapshot(self));
    return;
  }
  if (rp)
    st.position_waiters.push_back(*rp);
  if (!st.positions_reading)
    read_positionbook(self, 3);
}

} // namespace algomirror::account_internal
