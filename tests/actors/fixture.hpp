#pragma once

// Deterministic actor tests: CAF's test coordinator, every protocol type registered.
#include "tests/test.hpp"

#include <caf/test/dsl.hpp>

#include "messages/actors.hpp"

namespace algomirror::testing {

struct test_config : caf::actor_system_config {
  test_config() { algomirror::add_message_types(*this); }
};

/// The test coordinator with helpers for actors that keep timers armed (health pings, polls,
/// stall checks): `run()` would fire those forever, so these deliver messages only and let
/// virtual time pass explicitly.
struct fixture : test_coordinator_fixture<test_config> {
  /// Lets virtual time pass, firing the timers due, then delivers every message.
  void after(caf::timespan d) {
    advance_time(d);
    sched.run();
  }

  /// Asks `hdl` and returns its answer; fails the test on an error or no answer. (A blocking
  /// `receive` never matches responses: they are taken through the request's handle.)
  template <class T, class Handle, class... Ts>
  T ask(const Handle& hdl, Ts... xs) {
    T out{};
    auto answer = self->request(hdl, caf::infinite, std::move(xs)...);
    sched.run();
    if (self->mailbox().empty())
      CAF_FAIL("no answer");
    answer.receive([&](T& x) { out = std::move(x); },
                   [&](caf::error& e) { CAF_FAIL("error answer: " << sys.render(e)); });
    return out;
  }
};

} // namespace algomirror::testing
