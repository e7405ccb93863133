#include "persistence/lease_keeper.hpp"

#include <spdlog/spdlog.h>

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

namespace algomirror {

namespace {

struct keeper_state {
  std::shared_ptr<database_lease> lease;
  const clock* time = nullptr;
  node_actor node;
  std::chrono::milliseconds interval{5000};
  bool held = true;
  static inline const char* name = "lease_keeper";
};

using keeper_pointer = lease_keeper_actor::stateful_pointer<keeper_state>;

lease_keeper_actor::behavior_type
keeper(keeper_pointer self, std::shared_ptr<database_lease> lease, const clock* time,
       node_actor node, std::chrono::milliseconds interval) {
  auto& st = self->state;
  st.lease = std::move(lease);
  st.time = time;
  st.node = std::move(node);
  st.interval = interval;
  self->delayed_send(self, interval, caf::tick_atom_v);
  return {
    [=](caf::tick_atom) {
      auto& st = self->state;
      bool held = st.lease->heartbeat(st.time->now());
      if (held != st.held) {
        st.held = held;
        if (!held)
          spdlog::error("lease: lost: {}", st.lease->problem());
        self->send(st.node, lease_atom_v, held, st.lease->problem());
      }
      self->delayed_send(self, st.interval, caf::tick_atom_v);
    },
  };
}

} // namespace

lease_keeper_actor spawn_lease_keeper(caf::actor_system& sys,
                                      std::shared_ptr<database_lease> lease, const clock* time,
                                      node_actor node, std::chrono::milliseconds interval) {
  return sys.spawn<caf::detached>(keeper, std::move(lease), time, std::move(node), interval);
}

} // namespace algomirror
