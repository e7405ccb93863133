// The account's positions (trading-rules.md §10 step 2): the positionbook read with the day's
// tradebook beside it, cross-checked for MIS, and the snapshot fills keep current.

#include <algorithm>
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

/// The day's MIS trades netted per (symbol, product). NRML and CNC carry positions from
/// earlier days that the day's tradebook does not show.
std::map<std::string, broker_position> net_trades(const std::vector<broker_trade>& trades) {
  std::map<std::string, broker_position> out;
  for (auto& t : trades) {
    if (t.order_product != product::mis)
      continue;
    auto& p = out[position_key(t.inst, t.order_product)];
    p.inst = t.inst;
    p.order_product = t.order_product;
    p.tradebook_net += t.action == side::buy ? t.quantity : -t.quantity;
  }
  return out;
}

/// A tradebook read in the background, off the exits' path: its nets replace ours unless a
/// fill moved them meanwhile (the next positions read then tries again).
void refresh_trades(account_pointer self) {
  auto& st = self->state;
  if (st.trades_reading)
    return;
  st.trades_reading = true;
  self->request(st.cfg.api, st.cfg.request_timeout, trades_atom_v)
    .then(
      [self, seq = st.fill_seq](const std::vector<broker_trade>& trades) {
        auto& st = self->state;
        st.trades_reading = false;
        if (seq != st.fill_seq)
          return;
        st.traded = net_trades(trades);
        st.trades_read_at = self->clock().now();
      },
      [self](const caf::error& err) {
        self->state.trades_reading = false;
        spdlog::warn("account {}: tradebook unavailable ({}); the cross-check goes by our fills",
                     account_name(self), self->system().render(err));
      });
}

/// One positionbook read for every waiter (§10 step 2), cross-checked for MIS against the
/// day's tradebook (an OpenAlgo sandbox can lose a position update while its tradebook keeps
/// every trade). The first read waits for the tradebook beside it; later ones use its nets as
/// our fills moved them, and a tradebook older than `tradebook_max_age` is read again in the
/// background; when the books disagree on those nets, the tradebook is read before anyone is
/// answered (a trade made outside the node). A read taken while fills moved the snapshot is
/// older than the snapshot: it is read again rather than allowed to undo those fills.
void read_positionbook(account_pointer self, int tries_left) {
  auto& st = self->state;
  st.positions_reading = true;
  bool with_trades = !st.trades_known;
  struct reads {
    std::optional<std::vector<broker_position>> book;
    std::optional<std::vector<broker_trade>> trades;
    caf::error book_error;
    int pending;
  };
  auto r = std::make_shared<reads>(reads{{}, {}, {}, with_trades ? 2 : 1});
  auto done = [self, seq = st.fill_seq, tries_left, r, with_trades] {
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
    auto now = self->clock().now();
    if (r->trades) {
      st.traded = net_trades(*r->trades);
      st.trades_known = true;
      st.trades_read_at = now;
    }
    st.positions.clear();
    for (auto p : *r->book) {
      auto key = position_key(p.inst, p.order_product);
      if (st.trades_known && p.order_product == product::mis) {
        p.cross_checked = true;
        auto t = st.traded.find(key);
        p.tradebook_net = t == st.traded.end() ? 0 : t->second.tradebook_net;
      }
      st.positions[key] = p;
    }
    if (st.trades_known)
      for (auto& [key, t] : st.traded) // traded today, absent from the positionbook
        if (t.tradebook_net != 0 && st.positions.count(key) == 0) {
          auto p = t;
          p.cross_checked = true;
          st.positions[key] = p;
        }
    bool disputed = false;
    for (auto& [key, p] : st.positions)
      disputed = disputed || (p.cross_checked && p.net_quantity != p.tradebook_net);
    if (disputed && !r->trades) {
      // Our nets miss what was traded outside the node: the tradebook itself decides.
      st.trades_known = false;
      read_positionbook(self, tries_left);
      return;
    }
    for (auto& [key, p] : st.positions)
      if (p.cross_checked && p.net_quantity != p.tradebook_net)
        spdlog::error("account {}: ALERT: the positionbook shows {} of {} {} but the day's "
                      "tradebook nets to {}: exits go by the smaller until they agree",
                      account_name(self), p.net_quantity, p.inst.symbol,
                      to_string(p.order_product), p.tradebook_net);
    st.positions_read_at = now;
    st.positions_reading = false;
    deliver_positions(self, {});
    record_positions(self);
    if (st.trades_known && !with_trades && now - st.trades_read_at >= st.cfg.tradebook_max_age)
      refresh_trades(self);
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
  if (!with_trades)
    return;
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
  // Fresh enough, even with a read on its way (the background one of snapshot_keep_fresh):
  // an exit is sized from it at once.
  if (fresh) {
    if (rp)
      rp->deliver(snapshot(self));
    return;
  }
  if (rp)
    st.position_waiters.push_back(*rp);
  if (!st.positions_reading)
    read_positionbook(self, 3);
}

void keep_positions_fresh(account_pointer self) {
  auto& st = self->state;
  auto keep = st.cfg.snapshot_keep_fresh;
  if (keep.count() <= 0)
    return;
  auto now = self->clock().now();
  bool held = std::any_of(st.positions.begin(), st.positions.end(),
                          [](const auto& kv) { return kv.second.net_quantity != 0; });
  auto age = now - st.positions_read_at;
  // Not while the broker is unreachable (the pings tell; an exit's own read still goes).
  bool reachable = st.status.health != connection_health::disconnected;
  if (held && reachable && !st.positions_reading && age >= keep) {
    spdlog::debug("account {}: positionbook read in the background (the last one {} ms ago)",
                  account_name(self),
                  std::chrono::duration_cast<std::chrono::milliseconds>(age).count());
    read_positionbook(self, 3);
    age = decltype(age){0};
  }
  // The next look when this read (or the last one) turns `keep` old; flat, one interval on.
  auto next = held && age < keep ? keep - age : decltype(age){keep};
  self->delayed_send(self, next, positions_atom_v, caf::tick_atom_v);
}

} // namespace algomirror::account_internal
