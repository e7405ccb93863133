#define CAF_SUITE config.options
#include "tests/test.hpp"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <unistd.h>

#include "config/options.hpp"

using namespace algomirror;

namespace {

struct parse_outcome {
  std::optional<int> code;
  node_options opts;
  std::string out;
  std::string err;
};

parse_outcome parse(std::vector<std::string> args) {
  args.insert(args.begin(), "algomirror-node");
  std::vector<const char*> argv;
  for (auto& a : args)
    argv.push_back(a.c_str());
  CLI::App app{"test", "algomirror-node"};
  parse_outcome result;
  add_node_options(app, result.opts);
  std::ostringstream out, err;
  result.code = parse_command_line(app, static_cast<int>(argv.size()), argv.data(), result.opts,
                                   out, err);
  result.out = out.str();
  result.err = err.str();
  return result;
}

/// A config file in the temp directory, removed at scope exit.
struct temp_file {
  std::string path;
  explicit temp_file(const std::string& content) {
    char name[] = "/tmp/algomirror-config-XXXXXX";
    int fd = mkstemp(name);
    CAF_REQUIRE(fd >= 0);
    close(fd);
    path = name;
    std::ofstream{path} << content;
  }
  ~temp_file() { std::remove(path.c_str()); }
};

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

} // namespace

CAF_TEST(defaults) {
  auto r = parse({});
  CAF_CHECK(!r.code.has_value());
  CAF_CHECK_EQUAL(r.opts.db_url, "sqlite:algomirror.db");
  CAF_CHECK_EQUAL(r.opts.clock_speed, 1.0);
  CAF_CHECK_EQUAL(r.opts.scheduler_threads, 2);
  CAF_CHECK(r.opts.clock_start.empty());
}

CAF_TEST(a bad value names the option and the value and what is allowed) {
  auto r = parse({"--clock-speed", "fast"});
  CAF_REQUIRE(r.code.has_value());
  CAF_CHECK_EQUAL(*r.code, 2);
  CAF_CHECK(contains(r.err, "--clock-speed"));
  CAF_CHECK(contains(r.err, "'fast'"));
  CAF_CHECK(contains(r.err, "greater than 0"));

  r = parse({"--log-level=loud"});
  CAF_CHECK_EQUAL(r.code.value_or(0), 2);
  CAF_CHECK(contains(r.err, "--log-level") && contains(r.err, "'loud'")
            && contains(r.err, "trace, debug, info"));

  r = parse({"--clock-start", "yesterday"});
  CAF_CHECK_EQUAL(r.code.value_or(0), 2);
  CAF_CHECK(contains(r.err, "--clock-start") && contains(r.err, "yesterday")
            && contains(r.err, "YYYY-MM-DD"));

  r = parse({"--db", "mysql://x"});
  CAF_CHECK_EQUAL(r.code.value_or(0), 2);
  CAF_CHECK(contains(r.err, "--db") && contains(r.err, "sqlite:PATH"));

  r = parse({"--no-such-option"});
  CAF_CHECK_EQUAL(r.code.value_or(0), 2);
  CAF_CHECK(contains(r.err, "--no-such-option"));
}

CAF_TEST(help lists every option with its default) {
  auto r = parse({"--help"});
  CAF_CHECK_EQUAL(r.code.value_or(-1), 0);
  for (auto opt : {"--config", "--clock-start", "--clock-speed", "--log-level", "--log-file",
                   "--log-json", "--db", "--scheduler-threads", "--scheduler-policy",
                   "--shutdown-timeout", "--version"})
    CAF_CHECK(contains(r.out, opt));
  CAF_CHECK(contains(r.out, "sqlite:algomirror.db"));
  r = parse({"--version"});
  CAF_CHECK_EQUAL(r.code.value_or(-1), 0);
  CAF_CHECK(contains(r.out, "algomirror-node 0.1.0"));
}

CAF_TEST(config file values are defaults that the command line overrides) {
  temp_file cfg{"# node settings\ndb = \"sqlite:from-file.db\"\n[clock]\nspeed = 60\n"
                "[log]\nlevel = debug\n[caf.work-stealing]\nmoderate-sleep-duration = 0us\n"};
  auto r = parse({"--config", cfg.path});
  CAF_REQUIRE(!r.code.has_value());
  CAF_CHECK_EQUAL(r.opts.db_url, "sqlite:from-file.db");
  CAF_CHECK_EQUAL(r.opts.clock_speed, 60.0);
  CAF_CHECK_EQUAL(r.opts.log.level, "debug");
  CAF_REQUIRE_EQUAL(r.opts.caf_settings.size(), 1u);
  CAF_CHECK_EQUAL(r.opts.caf_settings[0].first, "work-stealing.moderate-sleep-duration");
  CAF_CHECK_EQUAL(r.opts.caf_settings[0].second, "0us");

  r = parse({"--config", cfg.path, "--clock-speed=2", "--caf.scheduler.max-threads=3"});
  CAF_REQUIRE(!r.code.has_value());
  CAF_CHECK_EQUAL(r.opts.clock_speed, 2.0);
  CAF_CHECK_EQUAL(r.opts.db_url, "sqlite:from-file.db");
  CAF_REQUIRE_EQUAL(r.opts.caf_settings.size(), 2u);
  CAF_CHECK_EQUAL(r.opts.caf_settings[1].first, "scheduler.max-threads");
}

CAF_TEST(a bad config file is reported with its line) {
  temp_file bad_value{"clock-speed = -3\n"};
  auto r = parse({"--config", bad_value.path});
  CAF_CHECK_EQUAL(r.code.value_or(0), 2);
  CAF_CHECK(contains(r.err, "line 1") && contains(r.err, "'-3'"));

  temp_file unknown{"\n\ncolour = blue\n"};
  r = parse({"--config", unknown.path});
  CAF_CHECK_EQUAL(r.code.value_or(0), 2);
  CAF_CHECK(contains(r.err, "line 3") && contains(r.err, "unknown option 'colour'"));

  r = parse({"--config", "/nonexistent/algomirror.conf"});
  CAF_CHECK_EQUAL(r.code.value_or(0), 2);
  CAF_CHECK(contains(r.err, "/nonexistent/algomirror.conf"));
}
