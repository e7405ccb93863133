#pragma once

#include <cstdint>

namespace algomirror {

/// Error codes of the protocol (category "algomirror"). The broker kinds follow
/// openalgo-api.md §1.3: a definitive rejection, a rate limit, bad credentials, an unknown
/// outcome (timeout, transport failure, 5xx), a reply we could not read.
enum class errc : uint8_t {
  none = 0,
  not_implemented,
  invalid_input,
  not_found,
  unavailable,
  rejected,
  rate_limited,
  unauthorized,
  outcome_unknown,
  malformed_reply,
  storage_down,
};

} // namespace algomirror
