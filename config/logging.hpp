#pragma once

#include <functional>
#include <memory>
#include <vector>
#include <string>

#include "config/options.hpp"

namespace spdlog {
class logger;
} // namespace spdlog

namespace algomirror {

/// Makes the process's logger: console (stderr) plus a rotating file, the level and format of
/// `opts`; installs it as spdlog's default logger and returns it. Throws std::runtime_error
/// naming the file when the log file cannot be opened.
std::shared_ptr<spdlog::logger> setup_logging(const logging_options& opts,
                                              const std::string& program);

/// The log file path `opts` resolves to for `program` (empty = console only).
std::string log_file_path(const logging_options& opts, const std::string& program);

/// The latest error-level lines of the default logger (the console's `alerts`), kept by the
/// ring sink setup_logging made; no lines when logging was not set up.
std::function<std::vector<std::string>()> alert_lines_reader();

} // namespace algomirror
