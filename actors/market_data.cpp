#include "actors/market_data.hpp"

#include <memory>

#include <spdlog/spdlog.h>

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

namespace algomirror {

bool account_failure(const caf::error& err) {
  if (err.category() != error_category)
    return true; // a request timeout, a dead gateway: the account's
  switch (static_cast<errc>(err.code())) {
    case errc::invalid_input:
    case errc::not_found:
    case errc::rejected:
    case errc::not_implemented:
      return false;
    default:
      return true;
  }
}

namespace {

struct market_data_state {
  market_data_config cfg;
  size_t preferred = 0; ///< the source that answered last
  static inline const char* name = "market_data";
};

using market_data_pointer = market_data_actor::stateful_pointer<market_data_state>;

/// Asks source after source, starting at the preferred one, until one answers or every one
/// failed for reasons of its own; `rp` gets the answer or the last error with every account's.
template <class Answer, class... Ts>
void ask_in_turn(market_data_pointer self, caf::typed_response_promise<Answer> rp, size_t tried,
                 std::shared_ptr<std::string> failures, Ts... xs) {
  auto& st = self->state;
  auto n = st.cfg.sources.size();
  if (tried >= n) {
    rp.deliver(make_error(errc::unavailable,
                          n == 0 ? std::string{"no account to read market data through"}
                                 : "every account failed: " + *failures));
    return;
  }
  auto index = (st.preferred + tried) % n;
  self->request(st.cfg.sources[index], st.cfg.timeout, xs...)
    .then(
      [self, rp, index](Answer& answer) mutable {
        if (self->state.preferred != index)
          spdlog::info("market data: now through account source {}", index + 1);
        self->state.preferred = index;
        rp.deliver(std::move(answer));
      },
      [self, rp, tried, failures, index, xs...](const caf::error& err) mutable {
        if (!account_failure(err)) {
          rp.deliver(err);
          return;
        }
        auto text = self->system().render(err);
        spdlog::warn("market data: source {} failed ({}); trying the next account", index + 1,
                     text);
        *failures += (failures->empty() ? "" : "; ") + text;
        ask_in_turn<Answer>(self, rp, tried + 1, failures, xs...);
      });
}

template <class Answer, class... Ts>
caf::result<Answer> ask(market_data_pointer self, Ts... xs) {
  auto rp = self->make_response_promise<Answer>();
  ask_in_turn<Answer>(self, rp, 0, std::make_shared<std::string>(), xs...);
  return rp;
}

market_data_actor::behavior_type market_data(market_data_pointer self, market_data_config cfg) {
  self->state.cfg = std::move(cfg);
  return {
    [=](caf::get_atom, const instrument& inst) {
      return ask<quote>(self, caf::get_atom_v, inst);
    },
    [=](quotes_atom, const std::vector<instrument>& insts) {
      return ask<std::vector<quote>>(self, quotes_atom_v, insts);
    },
    [=](symbol_atom, const instrument& inst) {
      return ask<symbol_info>(self, symbol_atom_v, inst);
    },
    [=](expiries_atom, const std::string& name, exchange ex, const std::string& kind) {
      return ask<std::vector<std::string>>(self, expiries_atom_v, name, ex, kind);
    },
    [=](history_atom, const instrument& inst, const std::string& interval,
        const std::string& start, const std::string& end) {
      return ask<std::vector<bar>>(self, history_atom_v, inst, interval, start, end);
    },
    [=](caf::put_atom, const std::vector<broker_api_actor>& sources) {
      self->state.cfg.sources = sources;
      self->state.preferred = 0;
    },
  };
}

} // namespace

market_data_actor spawn_market_data(caf::actor_system& sys, market_data_config cfg) {
  return sys.spawn(market_data, std::move(cfg));
}

} // namespace algomirror
