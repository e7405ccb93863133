#define CAF_SUITE actors.node
#include "tests/actors/fixture.hpp"

#include "actors/node.hpp"

using namespace algomirror;
using std::chrono::microseconds;
using std::chrono::minutes;
using std::chrono::seconds;

namespace {

/// A scripted store: counts writes, answers flushes with the count.
struct fake_store_state {
  std::vector<activity_entry> written;
  static inline const char* name = "fake_store";
};

store_actor::behavior_type fake_store(store_actor::stateful_pointer<fake_store_state> self) {
  return {
    [=](write_atom, activity_entry& e) { self->state.written.push_back(std::move(e)); },
    [=](durable_atom, risk_event&) -> uint64_t { return 1; },
    [=](caf::flush_atom) -> uint64_t { return self->state.written.size(); },
  };
}

struct node_fixture : testing::fixture {
  manual_clock time{*parse_iso8601("2026-11-25T09:15:00+05:30")};
  store_actor store;
  node_actor node;

  node_fixture() {
    store = sys.spawn(fake_store);
    node = spawn_node(sys, node_config{store, &time, "sqlite:test.db", seconds{5}});
    run();
  }

  fake_store_state& store_state() {
    return deref<store_actor::stateful_base<fake_store_state>>(store).state;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(node_tests, node_fixture)

CAF_TEST(the node records its start and answers its status) {
  CAF_REQUIRE_EQUAL(store_state().written.size(), 1u);
  CAF_CHECK_EQUAL(store_state().written[0].action, "node_started");
  time.advance(minutes{1});
  self->request(node, caf::infinite, caf::get_atom_v, status_atom_v);
  expect((caf::get_atom, status_atom), from(self).to(node));
  auto status = node_status{node_phase::running, "sqlite:test.db",
                            *parse_iso8601("2026-11-25T09:15:00+05:30"),
                            *parse_iso8601("2026-11-25T09:16:00+05:30"), 0, 0};
  expect((node_status), from(node).to(self).with(status));
}

CAF_TEST(shutdown flushes the store before the node answers) {
  self->request(node, caf::infinite, shutdown_atom_v);
  expect((shutdown_atom), from(self).to(node));
  expect((write_atom, activity_entry), from(node).to(store));
  expect((caf::flush_atom), from(node).to(store));
  expect((uint64_t), from(store).to(node).with(2u));
  expect((caf::ok_atom), from(node).to(self));
  CAF_CHECK_EQUAL(store_state().written.back().action, "node_stopped");
}

CAF_TEST(execute is refused with a clear error until runs exist) {
  self->request(node, caf::infinite, execute_atom_v, execute_request{42, {}, false});
  expect((execute_atom, execute_request), from(self).to(node));
  expect((caf::error), from(node).to(self));
}

CAF_TEST_FIXTURE_SCOPE_END()
