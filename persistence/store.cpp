#include "persistence/store.hpp"

#include <deque>
#include <spdlog/spdlog.h>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

namespace algomirror {

namespace {

struct store_state {
  std::shared_ptr<database> db;
  std::deque<activity_entry> queued;
  uint64_t committed_rows = 0;
  uint64_t durable_sequence = 0;
  static inline const char* name = "store";
};

using store_pointer = store_actor::stateful_pointer<store_state>;

/// Writes the queue. The tables arrive with the persistence issue's schema; until then the
/// queue is only counted, so the node's life cycle (start, flush on shutdown) is real.
uint64_t flush_queue(store_state& st) {
  auto rows = st.queued.size();
  st.queued.clear();
  st.committed_rows += rows;
  return rows;
}

store_actor::behavior_type store(store_pointer self, std::shared_ptr<database> db) {
  self->state.db = std::move(db);
  spdlog::info("store: {} database {} open", self->state.db->backend(),
               self->state.db->display_url());
  return {
    [=](write_atom, activity_entry& entry) { self->state.queued.push_back(std::move(entry)); },
    [=](durable_atom, risk_event&) -> uint64_t { return ++self->state.durable_sequence; },
    [=](caf::flush_atom) -> uint64_t {
      auto rows = flush_queue(self->state);
      spdlog::debug("store: flushed {} rows", rows);
      return self->state.committed_rows;
    },
  };
}

} // namespace

store_actor spawn_store(caf::actor_system& sys, std::shared_ptr<database> db) {
  return sys.spawn<caf::detached>(store, std::move(db));
}

} // namespace algomirror
