#pragma once

// The node in a process: the database migrated and loaded, the master key checked, the actor
// system with the OpenAlgo gateways, the persistence actor and the node actor. The long-running
// node, `run` and `demo` all start it the same way and stop it the same way.

#include <memory>
#include <string>
#include <vector>

#include "config/options.hpp"
#include "domain/clock.hpp"
#include "messages/result.hpp"
#include "messages/actors.hpp"
#include "messages/storage.hpp"

namespace algomirror {

class node_runtime {
public:
  /// Opens and migrates the database, loads what the node starts from and starts it. Errors
  /// say what was wrong (and `exit_code` what to exit with: 1 runtime, 2 configuration).
  static std::unique_ptr<node_runtime> start(const node_options& opts, std::string& error,
                                             int& exit_code);

  ~node_runtime();

  caf::actor_system& system();
  node_actor node() const;
  const scaled_clock& time() const;
  const std::vector<account_record>& accounts() const;
  const std::vector<strategy_definition>& strategies() const;
  uint16_t console_port() const; ///< the console endpoint's port (0 = none)

  /// Refreshes the database lease (operating.md §1) and tells the node when it was lost or
  /// is held again. The long-running node calls it every --lease-heartbeat-ms.
  void heartbeat();

  /// Graceful stop: no new orders, in-flight orders settle, persistence flushed. 0 when all of
  /// it happened in time.
  int stop();

  struct impl;

  /// Made by the factory above (impl is defined only in the .cpp, so nothing else can).
  explicit node_runtime(std::unique_ptr<impl> p);

private:
  std::unique_ptr<impl> impl_;
};

} // namespace algomirror
