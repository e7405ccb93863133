#define CAF_SUITE messages.names
#include "tests/test.hpp"

#include "messages/names.hpp"

using namespace algomirror;

namespace {

template <class Enum>
void check_round_trip() {
  for (size_t i = 0; i < enum_words<Enum>::words.size(); ++i) {
    auto value = static_cast<Enum>(i);
    auto word = to_string(value);
    if (word.empty())
      continue;
    auto parsed = parse_enum<Enum>(word);
    CAF_REQUIRE(parsed.has_value());
    CAF_CHECK(*parsed == value);
  }
}

} // namespace

CAF_TEST(wire words round trip) {
  check_round_trip<exchange>();
  check_round_trip<side>();
  check_round_trip<product>();
  check_round_trip<price_type>();
  check_round_trip<order_status>();
  check_round_trip<execution_status>();
  check_round_trip<exit_reason>();
  check_round_trip<strike_selection>();
  check_round_trip<expiry_choice>();
  check_round_trip<feed_mode>();
}

CAF_TEST(words match the OpenAlgo contract) {
  CAF_CHECK_EQUAL(to_string(exchange::nse_index), "NSE_INDEX");
  CAF_CHECK_EQUAL(to_string(price_type::stop_market), "SL-M");
  CAF_CHECK_EQUAL(to_string(order_status::trigger_pending), "trigger pending");
  CAF_CHECK_EQUAL(to_string(feed_mode::quote), "Quote");
  CAF_CHECK_EQUAL(to_string(execution_status::exit_pending), "exit_pending");
  CAF_CHECK(!parse_enum<side>("buy").has_value()); // exact words only
  CAF_CHECK(!parse_enum<feed_mode>("").has_value());
  CAF_CHECK_EQUAL(allowed_words<side>(), "BUY, SELL");
}
