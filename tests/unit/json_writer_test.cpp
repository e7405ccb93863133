#define CAF_SUITE actors.json_writer
#include "tests/test.hpp"

#include "actors/internal/json_writer.hpp"

using namespace algomirror;

CAF_TEST(members in order with money at two decimals and text escaped) {
  json_object o;
  o.add("run_id", int64_t{7}).add("pnl", -1234.5).add("note", "a \"b\"\n\\");
  CAF_CHECK_EQUAL(o.str(), R"({"run_id":7,"pnl":-1234.50,"note":"a \"b\"\n\\"})");
  CAF_CHECK_EQUAL(json_object{}.str(), "{}");
}

CAF_TEST(nested objects and arrays) {
  json_object price;
  price.add("ltp", 101.0).add("source", "tick");
  json_object prices;
  prices.add("NIFTY01DEC2626200CE", price);
  json_array stale;
  stale.push("NIFTY01DEC2626200CE").push("NIFTY01DEC2625800PE");
  json_object d;
  d.add("prices", prices).add("stale_legs", stale).add("empty", json_array{});
  CAF_CHECK_EQUAL(d.str(), R"({"prices":{"NIFTY01DEC2626200CE":{"ltp":101.00,"source":"tick"}},)"
                           R"("stale_legs":["NIFTY01DEC2626200CE","NIFTY01DEC2625800PE"],)"
                           R"("empty":[]})");
  // str() leaves the object open to more members.
  d.add("more", int64_t{1});
  CAF_CHECK(d.str().find(R"("more":1})") != std::string::npos);
}
