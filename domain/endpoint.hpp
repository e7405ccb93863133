#pragma once

// Where an account's OpenAlgo lives: `http://host:port` (REST) and `ws://host:port` (WebSocket),
// as the user enters them. TLS (`https`, `wss`) is reported as not supported yet rather than
// silently downgraded.

#include <cstdint>
#include <string>
#include <string_view>

#include "messages/result.hpp"

namespace algomirror {

struct endpoint_url {
  std::string scheme; ///< http or ws
  std::string host;
  uint16_t port = 0;
  std::string path; ///< "" or "/…"
  friend bool operator==(const endpoint_url&, const endpoint_url&) = default;
};

/// Parses `text` for one of the schemes `http` or `ws` (`expected`); the port defaults to
/// 80. Errors name the field (`field`) and what to write instead.
result<endpoint_url> parse_endpoint_url(std::string_view text, std::string_view expected,
                                        std::string_view field);

} // namespace algomirror
