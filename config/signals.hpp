#pragma once

// SIGINT and SIGTERM for the executables: blocked in every thread (call before any thread
// starts), then taken where the program wants them (sigwait, or a signalfd).

#include <chrono>

namespace algomirror {

/// Blocks SIGINT and SIGTERM in the calling thread and in every thread it starts later.
void block_stop_signals();

/// Waits for SIGINT or SIGTERM (blocked by block_stop_signals); answers which.
int wait_for_stop_signal();

/// The same, for at most `limit`: 0 when none came.
int wait_for_stop_signal(std::chrono::milliseconds limit);

/// SIGINT/SIGTERM as a readable descriptor (`nonblocking`: reads do not wait); -1 on failure.
int stop_signal_descriptor(bool nonblocking);

} // namespace algomirror
