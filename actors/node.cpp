#include "actors/node.hpp"

#include <spdlog/spdlog.h>

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

namespace algomirror {

namespace {

struct node_state {
  node_config cfg;
  node_phase phase = node_phase::starting;
  utc_instant started_at;
  static inline const char* name = "node";
};

using node_pointer = node_actor::stateful_pointer<node_state>;

/// An activity_logs row about the node itself; its write id is unique per node start.
void record_activity(node_pointer self, const std::string& action) {
  auto now = self->state.cfg.time->now();
  activity_entry entry{"node:" + action + ":" + format_utc(now), 0, action, "{}", "node", now};
  self->request(self->state.cfg.store, caf::infinite, write_atom_v, std::move(entry))
    .then([](caf::ok_atom) {},
          [self, action](const caf::error& err) {
            spdlog::warn("node: activity '{}' not recorded: {}", action,
                         self->system().render(err));
          });
}

node_actor::behavior_type node(node_pointer self, node_config cfg) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.started_at = st.cfg.time->now();
  st.phase = node_phase::running;
  self->monitor(st.cfg.store);
  self->set_down_handler([=](const caf::down_msg& msg) {
    if (msg.source == self->state.cfg.store && self->state.phase == node_phase::running)
      spdlog::error("node: the persistence actor stopped: {}", self->system().render(msg.reason));
  });
  record_activity(self, "node_started");
  spdlog::info("node: running on {} at {}", st.cfg.database_label, format_ist(st.started_at));
  return {
    [=](execute_atom, const execute_request& req) -> caf::result<run_started> {
      return make_error(errc::not_implemented,
                             "strategy runs are not available yet (strategy "
                               + std::to_string(req.strategy_id) + ")");
    },
    [=](caf::get_atom, status_atom) -> node_status {
      auto& st = self->state;
      return {st.phase, st.cfg.database_label, st.started_at, st.cfg.time->now(), 0, 0};
    },
    [=](shutdown_atom) -> caf::result<caf::ok_atom> {
      auto& st = self->state;
      auto rp = self->make_response_promise<caf::ok_atom>();
      if (st.phase != node_phase::running) {
        rp.deliver(caf::ok_atom_v);
        return rp;
      }
      st.phase = node_phase::stopping;
      spdlog::info("node: stopping");
      record_activity(self, "node_stopped");
      self->request(st.cfg.store, st.cfg.shutdown_timeout, caf::flush_atom_v)
        .then(
          [=](const store_stats& stats) mutable {
            spdlog::info("node: persistence flushed ({} rows in {} transactions this run)",
                         stats.rows_written, stats.transactions);
            self->state.phase = node_phase::stopped;
            rp.deliver(caf::ok_atom_v);
            self->quit();
          },
          [=](const caf::error& err) mutable {
            spdlog::error("node: persistence did not flush: {}", self->system().render(err));
            self->state.phase = node_phase::stopped;
            rp.deliver(err);
            self->quit(err);
          });
      return rp;
    },
  };
}

} // namespace

node_actor spawn_node(caf::actor_system& sys, node_config cfg) {
  return sys.spawn(node, std::move(cfg));
}

} // namespace algomirror
