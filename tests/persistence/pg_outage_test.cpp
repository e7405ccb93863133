// PostgreSQL stopped in the middle of a stream of writes and started again: every write is
// answered, and every row is in the database exactly once. Runs against the private test
// server (ALGOMIRROR_TEST_PG_URL) on a real actor system, with the store on its own thread.
#define CAF_SUITE persistence.postgresql_outage
#include "tests/test.hpp"

#include <cstdlib>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "persistence/migrations.hpp"
#include "persistence/store.hpp"

using namespace algomirror;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

/// Sends activity writes to the store and answers `wait` once `n` of them are acknowledged.
struct stream_state {
  int acknowledged = 0;
  int refused = 0;
  std::vector<std::pair<int, caf::response_promise>> waiting;
  static inline const char* name = "write_stream";
};

caf::behavior write_stream(caf::stateful_actor<stream_state>* self, store_actor store) {
  auto settle = [self] {
    auto& w = self->state.waiting;
    for (auto i = w.begin(); i != w.end();) {
      if (self->state.acknowledged + self->state.refused >= i->first) {
        i->second.deliver(self->state.acknowledged, self->state.refused);
        i = w.erase(i);
      } else {
        ++i;
      }
    }
  };
  return {
    [=](write_atom, int first, int last) {
      for (int i = first; i < last; ++i) {
        activity_entry e{"outage-" + std::to_string(i), 0, "stream", "{}", "test",
                         utc_instant{seconds{1'764'000'000 + i}}};
        self->request(store, caf::infinite, write_atom_v, std::move(e))
          .then(
            [=](caf::ok_atom) {
              ++self->state.acknowledged;
              settle();
            },
            [=](caf::error&) {
              ++self->state.refused;
              settle();
            });
      }
    },
    [=](caf::get_atom, int n) {
      auto rp = self->make_response_promise();
      self->state.waiting.emplace_back(n, rp);
      settle();
      return rp;
    },
  };
}

int run_script(const std::string& name) {
  auto command = std::string{ALGOMIRROR_SOURCE_DIR} + "/scripts/" + name;
  return std::system(command.c_str());
}

int64_t count_rows(const std::string& url, const std::string& sql) {
  auto db = open_database(url);
  if (!db)
    CAF_FAIL(db.error());
  return std::stoll(*(*db)->query(sql).at(0).at(0));
}

} // namespace

CAF_TEST(every write arrives exactly once across a server restart) {
  auto url_env = std::getenv("ALGOMIRROR_TEST_PG_URL");
  CAF_REQUIRE(url_env != nullptr);
  std::string url = url_env;
  {
    auto db = open_database(url);
    if (!db)
      CAF_FAIL(db.error());
    (*db)->execute_script("DROP SCHEMA public CASCADE; CREATE SCHEMA public;");
    CAF_REQUIRE(migrate(**db).ok());
  }
  caf::actor_system_config cfg;
  add_message_types(cfg);
  cfg.set("scheduler.max-threads", size_t{2});
  caf::actor_system sys{cfg};
  auto db = open_database(url);
  CAF_REQUIRE(db.ok());
  store_config store_cfg;
  store_cfg.flush_interval = milliseconds{10};
  store_cfg.retry_initial = milliseconds{20};
  store_cfg.retry_max = milliseconds{200};
  auto store = spawn_store(sys, std::shared_ptr<database>{std::move(*db)}, store_cfg);
  auto stream = sys.spawn(write_stream, store);
  caf::scoped_actor self{sys};
  auto wait_for = [&](int n) {
    int acknowledged = 0, refused = 0;
    self->request(stream, seconds{60}, caf::get_atom_v, n)
      .receive([&](int a, int r) { acknowledged = a, refused = r; },
               [&](caf::error& e) { CAF_FAIL("waiting for " << n << ": " << sys.render(e)); });
    CAF_CHECK_EQUAL(refused, 0);
    return acknowledged;
  };
  self->send(stream, write_atom_v, 0, 500);
  CAF_CHECK_EQUAL(wait_for(500), 500);
  self->send(stream, write_atom_v, 500, 750); // in flight while the server goes down
  CAF_REQUIRE_EQUAL(run_script("pg_stop"), 0);
  self->send(stream, write_atom_v, 750, 1000); // written while it is down
  CAF_REQUIRE_EQUAL(run_script("pg_start"), 0);
  CAF_CHECK_EQUAL(wait_for(1000), 1000);
  auto stats = [&] {
    store_stats s;
    self->request(store, seconds{30}, caf::flush_atom_v)
      .receive([&](store_stats& x) { s = x; },
               [&](caf::error& e) { CAF_FAIL("flush: " << sys.render(e)); });
    return s;
  }();
  CAF_CHECK_EQUAL(stats.queued, 0u);
  CAF_MESSAGE("outages seen by the store: " << stats.outages << ", failed flushes: "
                                            << stats.failed_flushes);
  CAF_CHECK_EQUAL(count_rows(url, "SELECT COUNT(*) FROM activity_logs"), 1000);
  CAF_CHECK_EQUAL(count_rows(url, "SELECT COUNT(DISTINCT write_id) FROM activity_logs"), 1000);
  self->send_exit(stream, caf::exit_reason::user_shutdown);
  self->send_exit(store, caf::exit_reason::user_shutdown);
}
