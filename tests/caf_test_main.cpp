// The one translation unit per test binary that holds CAF's test engine.
#define CAF_TEST_NO_MAIN
#include <caf/test/unit_test_impl.hpp>
#include <spdlog/cfg/env.h>
#include <spdlog/spdlog.h>

int main(int argc, char** argv) {
  spdlog::set_level(spdlog::level::warn);
  spdlog::cfg::load_env_levels(); // SPDLOG_LEVEL=info to see more while debugging a test
  return caf::test::main(argc, argv);
}
