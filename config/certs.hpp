#pragma once

// operating.md §2: the private CA of a node's console (and its peers). `certs init DIR` makes
// the CA and the node's certificate; `certs issue DIR NAME` a client's or a peer's. Keys are
// written 0600 and never printed. EC P-256 keys, SHA-256 signatures, serverAuth+clientAuth.

#include <string>
#include <vector>

#include "messages/result.hpp"

namespace algomirror {

/// DIR/ca.crt, ca.key, node.crt, node.key; refuses to overwrite an existing CA. `hosts` are
/// put in the node certificate's subjectAltName (127.0.0.1 and localhost always are).
result<std::vector<std::string>> certs_init(const std::string& dir,
                                            const std::vector<std::string>& hosts);

/// DIR/NAME.crt and NAME.key, signed by DIR's CA; refuses to overwrite an existing NAME.
result<std::vector<std::string>> certs_issue(const std::string& dir, const std::string& name);

} // namespace algomirror
