#define CAF_SUITE actors.node
#include "tests/actors/fixture.hpp"

#include "actors/node.hpp"
#include "persistence/migrations.hpp"
#include "persistence/store.hpp"

using namespace algomirror;
using std::chrono::microseconds;
using std::chrono::minutes;
using std::chrono::seconds;

namespace {

struct node_fixture : testing::fixture {
  manual_clock time{*parse_iso8601("2026-11-25T09:15:00+05:30")};
  store_actor store;
  node_actor node;

  node_fixture() {
    auto db = open_database("sqlite::memory:");
    CAF_REQUIRE(db.ok());
    CAF_REQUIRE(migrate(**db).ok());
    store = spawn_store(sys, std::shared_ptr<database>{std::move(*db)}, store_config{}, false);
    node = spawn_node(sys, node_config{store, &time, "sqlite:test.db", seconds{5}});
    run();
  }

  store_stats stats() { return request<store_stats>(store, caf::get_atom_v, stats_atom_v); }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(node_tests, node_fixture)

CAF_TEST(the node records its start and answers its status) {
  CAF_CHECK_EQUAL(stats().writes_accepted, 1u);
  CAF_CHECK_EQUAL(stats().rows_written, 1u); // the flush timer fired under run()
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
  expect((caf::ok_atom), from(store).to(node)); // the activity row committed by the flush
  expect((store_stats), from(store).to(node));
  expect((caf::ok_atom), from(node).to(self));
  CAF_CHECK_EQUAL(stats().rows_written, 2u); // node_started and node_stopped
}

CAF_TEST(execute is refused with a clear error until runs exist) {
  self->request(node, caf::infinite, execute_atom_v, execute_request{42, {}, false});
  expect((execute_atom, execute_request), from(self).to(node));
  expect((caf::error), from(node).to(self));
}

CAF_TEST_FIXTURE_SCOPE_END()
