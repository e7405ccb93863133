#include "domain/endpoint.hpp"

#include <cctype>
#include <charconv>

namespace algomirror {

result<endpoint_url> parse_endpoint_url(std::string_view text, std::string_view expected,
                                        std::string_view field) {
  auto fail = [&](const std::string& why) {
    return result<endpoint_url>::failure(std::string{field} + ": '" + std::string{text} + "' "
                                         + why + " (write it as " + std::string{expected}
                                         + "://HOST:PORT, e.g. " + std::string{expected}
                                         + "://127.0.0.1:" + (expected == "ws" ? "8765" : "5000")
                                         + ")");
  };
  auto sep = text.find("://");
  if (sep == std::string_view::npos)
    return fail("has no scheme");
  endpoint_url u;
  u.scheme = std::string{text.substr(0, sep)};
  if (u.scheme == "https" || u.scheme == "wss")
    return fail("uses TLS, which is not supported yet; put a TLS-terminating proxy on the host");
  if (u.scheme != expected)
    return fail("has the scheme '" + u.scheme + "'");
  auto rest = text.substr(sep + 3);
  auto slash = rest.find('/');
  auto authority = rest.substr(0, slash);
  if (slash != std::string_view::npos)
    u.path = std::string{rest.substr(slash)};
  if (u.path == "/")
    u.path.clear();
  auto colon = authority.rfind(':');
  u.port = 80;
  if (colon != std::string_view::npos) {
    auto digits = authority.substr(colon + 1);
    unsigned port = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
    if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size() || port == 0
        || port > 65535)
      return fail("has no valid port");
    u.port = static_cast<uint16_t>(port);
    authority = authority.substr(0, colon);
  }
  if (authority.empty())
    return fail("has no host");
  for (char c : authority)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_'))
      return fail("has an invalid host");
  u.host = std::string{authority};
  return u;
}

} // namespace algomirror
