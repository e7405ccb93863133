#define CAF_SUITE sim.python_json
#include "tests/test.hpp"

#include "sim/python_json.hpp"

using namespace algomirror::sim;

CAF_TEST(separators get their space only outside strings) {
  CAF_CHECK_EQUAL(python_separators(R"({"a":1,"b":[1,2]})"), R"({"a": 1, "b": [1, 2]})");
  // A comma or colon inside a string, an escaped quote before it: the text stays as it is.
  CAF_CHECK_EQUAL(python_separators(R"({"m":"a, b: \"c,d\" \\","n":2})"),
                  R"({"m": "a, b: \"c,d\" \\", "n": 2})");
  CAF_CHECK_EQUAL(python_separators("{}"), "{}");
}

CAF_TEST(objects are written as json dumps writes them) {
  py_json o;
  o.str("type", "market_data").integer("mode", 1).num("ltp", 24000).num("close", 99.35);
  o.boolean("ok", true).add("depth", py_json{}.add("buy", py_list{}.push(py_json{}.num("price", 0))));
  o.add("failed", py_list{}).add("errors", py_list{}.push("Missing data for required field."));
  CAF_CHECK_EQUAL(o.done(),
                  R"({"type": "market_data", "mode": 1, "ltp": 24000.0, "close": 99.35, )"
                  R"("ok": true, "depth": {"buy": [{"price": 0.0}]}, "failed": [], )"
                  R"("errors": ["Missing data for required field."]})");
  // Text is escaped by RapidJSON's writer.
  CAF_CHECK_EQUAL(py_json{}.str("m", "say \"hi\"\n").done(), R"({"m": "say \"hi\"\n"})");
}
