// The node's accounts while it runs (operating.md §2, §3): adopted, retired and pinged for the
// console; the market data actor follows them.

#include <spdlog/spdlog.h>

#include <caf/actor_system.hpp>

#include "actors/internal/json_writer.hpp"
#include "actors/internal/node_state.hpp"

namespace algomirror::node_internal {

/// The accounts' gateways in failover order (primary first).
std::vector<broker_api_actor> gateways_in_order(const node_state& st) {
  std::vector<broker_api_actor> out;
  for (auto& rec : failover_order(st.cfg.accounts))
    if (auto g = st.gateways.find(rec.id); g != st.gateways.end() && g->second)
      out.push_back(g->second);
  return out;
}

/// The market data actor follows the accounts (added, removed, enabled, made primary).
void update_market_data(node_pointer self) {
  self->send(self->state.market_data, caf::put_atom_v, gateways_in_order(self->state));
}

/// An account added or changed live (console `account add/enable/disable/set-primary`).
void adopt_account(node_pointer self, const account_record& rec) {
  auto& st = self->state;
  bool known = false;
  for (auto& r : st.cfg.accounts)
    if (r.id == rec.id) {
      r.is_primary = rec.is_primary;
      r.priority = rec.priority;
      r.is_active = rec.is_active;
      known = true;
    }
  if (!known)
    st.cfg.accounts.push_back(rec);
  if (auto a = st.accounts.find(rec.id); a != st.accounts.end()) {
    self->send(a->second, caf::put_atom_v, rec);
    update_market_data(self);
    return;
  }
  if (!rec.is_active)
    return;
  spawn_account_child(self, rec);
  update_market_data(self);
  if (!st.feed && st.cfg.gateways.link)
    spawn_feed_child(self);
  spdlog::info("node: account {} started", rec.name);
}

/// An account removed live: its actor and gateway stop (refused while a run trades on it).
caf::result<caf::ok_atom> retire_account(node_pointer self, int64_t id) {
  auto& st = self->state;
  for (auto& [run_id, r] : st.runs)
    if (r.account_ids.count(id) != 0)
      return make_error(errc::rejected, "run " + std::to_string(run_id)
                                          + " trades on this account: exit it first");
  std::string name = std::to_string(id);
  std::vector<account_record> kept;
  for (auto& r : st.cfg.accounts)
    if (r.id == id)
      name = r.name;
    else
      kept.push_back(r);
  st.cfg.accounts = std::move(kept);
  if (auto a = st.accounts.find(id); a != st.accounts.end()) {
    st.children.erase(a->second.address()); // not a crash: no restart
    st.linked.erase(a->second.address());
    self->unlink_from(a->second);
    self->send_exit(a->second, caf::exit_reason::user_shutdown);
    st.accounts.erase(a);
  }
  if (auto g = st.gateways.find(id); g != st.gateways.end()) {
    if (g->second) {
      st.linked.erase(g->second.address());
      self->unlink_from(g->second);
      self->send_exit(g->second, caf::exit_reason::user_shutdown);
    }
    st.gateways.erase(g);
  }
  update_market_data(self);
  spdlog::info("node: account {} removed", name);
  record_activity(self, "account_retired", json_object{}.add("account", name).str());
  return caf::ok_atom_v;
}

/// Pings an account: through its running gateway, or a gateway made for this ping only.
caf::result<std::string> ping_account(node_pointer self, const account_record& rec) {
  auto& st = self->state;
  if (rec.id != 0)
    if (auto g = st.gateways.find(rec.id); g != st.gateways.end() && g->second)
      return self->delegate(g->second, caf::ping_atom_v);
  if (!st.cfg.gateways.broker_api)
    return make_error(errc::unavailable, "this node makes no broker gateways");
  auto api = st.cfg.gateways.broker_api(rec);
  if (!api)
    return make_error(errc::invalid_input, "account '" + rec.name
                                             + "': its host_url or API key cannot be used "
                                               "(the node log says which)");
  auto rp = self->make_response_promise<std::string>();
  self->request(api, std::chrono::seconds{15}, caf::ping_atom_v)
    .then(
      [self, api, rp](const std::string& broker) mutable {
        self->send_exit(api, caf::exit_reason::user_shutdown);
        rp.deliver(broker);
      },
      [self, api, rp](const caf::error& err) mutable {
        self->send_exit(api, caf::exit_reason::user_shutdown);
        rp.deliver(err);
      });
  return rp;
}

} // namespace algomirror::node_internal
