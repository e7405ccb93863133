#pragma once

// Deterministic actor tests: CAF's test coordinator, every protocol type registered.
#include "tests/test.hpp"

#include <caf/test/dsl.hpp>

#include "messages/actors.hpp"

namespace algomirror::testing {

struct test_config : caf::actor_system_config {
  test_config() { algomirror::add_message_types(*this); }
};

using fixture = test_coordinator_fixture<test_config>;

} // namespace algomirror::testing
