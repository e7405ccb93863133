#define CAF_SUITE config.strategy_file
#include "tests/test.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/strategy_file.hpp"
#include "domain/clock.hpp"

using namespace algomirror;

namespace {

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in{p};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool mentions(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

} // namespace

CAF_TEST(every example strategy file reads cleanly and survives a round trip) {
  int files = 0;
  for (auto& entry : std::filesystem::directory_iterator{ALGOMIRROR_EXAMPLES_DIR}) {
    ++files;
    auto read = read_strategy_file(slurp(entry.path()), default_instruments());
    if (!read)
      CAF_FAIL(entry.path().filename().string() << ": " << read.error());
    std::vector<strategy_definition> defs;
    for (auto& d : *read)
      defs.push_back(d.definition);
    auto again = read_strategy_file(write_strategy_file(defs, {}), default_instruments());
    CAF_REQUIRE(again.ok());
    CAF_REQUIRE_EQUAL(again->size(), defs.size());
    for (size_t i = 0; i < defs.size(); ++i)
      CAF_CHECK((*again)[i].definition == defs[i]);
  }
  CAF_CHECK_EQUAL(files, 3);
}

CAF_TEST(the usual set up combines a Supertrend exit with a hard max loss) {
  auto read = read_strategy_file(slurp(std::filesystem::path{ALGOMIRROR_EXAMPLES_DIR}
                                       / "futures_supertrend.json"),
                                 default_instruments());
  CAF_REQUIRE(read.ok());
  auto& s = (*read)[0].definition;
  CAF_CHECK(s.supertrend.enabled);
  CAF_CHECK_EQUAL(s.supertrend.kind, supertrend_exit_kind::breakdown);
  CAF_CHECK_EQUAL(s.max_loss, 5000);
  CAF_CHECK_EQUAL(s.legs[0].option, option_type::none);
  CAF_CHECK_EQUAL(s.square_off_time.seconds, 15 * 3600 + 15 * 60);
}

CAF_TEST(every bad field is named with what would be accepted) {
  auto text = R"({"strategies": [{
    "name": "bad", "max_los": 100, "max_profit": "lots", "entry_time": "9.20",
    "supertrend": {"period": 3, "multiplier": 3, "timeframe": "5m"},
    "trailing_stop": {"type": "premium", "value": 10},
    "risk_profile": "reckless",
    "legs": [
      {"underlying": "FINNIFTY", "action": "BUY", "option_type": "CE"},
      {"underlying": "BANKNIFTY", "expiry": "current_week", "action": "SELL", "option_type": "PE"},
      {"underlying": "NIFTY", "action": "SELL", "option_type": "CE", "strike": "strike_price",
       "strike_price": 24030},
      {"underlying": "NIFTY", "action": "BUY", "option_type": "PE", "order_type": "SL",
       "limit_price": 10},
      {"underlying": "NIFTY", "action": "BUY", "order_type": "LIMIT"},
      {"underlying": "NIFTY", "action": "HOLD", "option_type": "XE", "lots": 0}
    ]}]})";
  auto read = read_strategy_file(text, default_instruments());
  CAF_REQUIRE(!read.ok());
  auto& e = read.error();
  CAF_MESSAGE(e);
  for (auto part :
       {"strategies[0].max_los: is not a known field", "strategies[0].max_profit: must be a number",
        "strategies[0].entry_time: '9.20' is not a time of day",
        "strategies[0].supertrend: ", "strategies[0].trailing_stop.type: 'premium' is a leg-level",
        "strategies[0].risk_profile: ", "legs[0].underlying: 'FINNIFTY' is not known",
        "legs[1].expiry: ", "legs[2].strike_price: ", "legs[3].trigger_price: an SL",
        "legs[4].option_type: an options leg needs CE or PE",
        "legs[4].limit_price: a LIMIT order needs a price", "legs[5].action: 'HOLD' is not one of",
        "legs[5].option_type: 'XE' is not one of", "legs[5].lots: 0 is not within"})
    if (!mentions(e, part))
      CAF_ERROR("the error lacks: " << part);
}

CAF_TEST(absurd sizes and amounts and unknown grades are refused with the field named) {
  auto text = R"({"strategies": [{
    "name": "typos", "max_loss": 1e300, "max_profit": 5e9, "risk_profile": "grade_Z",
    "trailing_stop": {"type": "amount", "value": 1e12},
    "legs": [
      {"underlying": "NIFTY", "action": "SELL", "option_type": "CE", "lots": 10000},
      {"underlying": "NIFTY", "action": "BUY", "option_type": "CE", "strike": "OTM",
       "strike_offset": 99999999999},
      {"underlying": "NIFTY", "action": "BUY", "option_type": "PE", "lots": 101},
      {"underlying": "NIFTY", "action": "BUY", "option_type": "PE", "lots": 2.5}
    ]}]})";
  auto read = read_strategy_file(text, default_instruments());
  CAF_REQUIRE(!read.ok());
  auto& e = read.error();
  CAF_MESSAGE(e);
  for (auto part :
       {"strategies[0].max_loss: 1e+300 is above 100000000 rupees",
        "strategies[0].max_profit: 5000000000 is above 100000000 rupees",
        "strategies[0].risk_profile: 'grade_Z' names no trade-quality grade (the grades are "
        "grade_A, grade_B, grade_C)",
        "strategies[0].trailing_stop.value: 1000000000000 is above 100000000 rupees",
        "legs[0].lots: 10000 is not within 1..100 (the per-leg limit (--max-lots-per-leg))",
        "legs[1].strike_offset: 99999999999 is out of range",
        "legs[2].lots: 101 is not within 1..100", "legs[3].lots: must be a whole number"})
    if (!mentions(e, part))
      CAF_ERROR("the error lacks: " << part);
  CAF_CHECK(!mentions(e, "legs[1].strike_offset: must be a whole number"));
  // The freeze quantity caps a leg too: 10 orders of NIFTY's 1800 at 65 a lot = 270 lots.
  strategy_limits generous;
  generous.max_lots_per_leg = 1000;
  auto big = R"({"name": "big", "legs": [
    {"underlying": "NIFTY", "action": "SELL", "option_type": "CE", "lots": 271}]})";
  auto refused = read_strategy_file(big, default_instruments(), generous);
  CAF_REQUIRE(!refused.ok());
  CAF_CHECK(mentions(refused.error(), "legs[0].lots: 271 is not within 1..270 (10 orders of "
                                      "NIFTY's freeze quantity 1800)"));
}

CAF_TEST(a sell leg takes a stop loss of 100 percent or more and a buy leg does not) {
  auto text = R"({"strategies": [{"name": "stops", "legs": [
      {"underlying": "NIFTY", "action": "SELL", "option_type": "CE",
       "stop_loss": {"type": "percentage", "value": 100}},
      {"underlying": "NIFTY", "action": "SELL", "option_type": "PE",
       "stop_loss": {"type": "percentage", "value": 250}}]}]})";
  CAF_CHECK(read_strategy_file(text, default_instruments()).ok());
  auto buy = R"({"name": "long stop", "legs": [
      {"underlying": "NIFTY", "action": "BUY", "option_type": "CE",
       "stop_loss": {"type": "percentage", "value": 100}}]})";
  auto read = read_strategy_file(buy, default_instruments());
  CAF_REQUIRE(!read.ok());
  CAF_CHECK(mentions(read.error(), "legs[0].stop_loss.value: a stop-loss of 100 % or more can "
                                   "never be hit by a long option"));
}

CAF_TEST(a file that is not JSON or holds nothing is refused clearly) {
  auto broken = read_strategy_file("{\"name\": \"x\", ", default_instruments());
  CAF_REQUIRE(!broken.ok());
  CAF_CHECK(mentions(broken.error(), "not valid JSON at offset"));
  auto empty = read_strategy_file("[]", default_instruments());
  CAF_REQUIRE(!empty.ok());
  CAF_CHECK(mentions(empty.error(), "no strategy"));
  auto twice = read_strategy_file(
    R"([{"name":"a","legs":[{"underlying":"NIFTY","product":"futures","action":"BUY"}]},
        {"name":"a","legs":[{"underlying":"NIFTY","product":"futures","action":"BUY"}]}])",
    default_instruments());
  CAF_REQUIRE(!twice.ok());
  CAF_CHECK(mentions(twice.error(), "appears twice"));
}

CAF_TEST(times of day are read as HH MM or HH MM SS) {
  auto entry = parse_time_of_day("09:20");
  auto exit = parse_time_of_day("15:15:30");
  CAF_REQUIRE(entry.ok() && exit.ok());
  int32_t entry_s = entry->seconds;
  int32_t exit_s = exit->seconds;
  CAF_CHECK_EQUAL(entry_s, 9 * 3600 + 20 * 60);
  CAF_CHECK_EQUAL(exit_s, 15 * 3600 + 15 * 60 + 30);
  CAF_CHECK(!parse_time_of_day("25:00").ok());
  CAF_CHECK(!parse_time_of_day("9:2x").ok());
  CAF_CHECK(!parse_time_of_day("").ok());
  std::string short_form = format_time_of_day(time_of_day{9 * 3600 + 20 * 60});
  std::string long_form = format_time_of_day(time_of_day{9 * 3600 + 20 * 60 + 5});
  CAF_CHECK_EQUAL(short_form, "09:20");
  CAF_CHECK_EQUAL(long_form, "09:20:05");
}
