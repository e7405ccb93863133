#include "config/logging.hpp"

#include <filesystem>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace algomirror {

namespace {

constexpr size_t alert_lines = 500; ///< error lines kept for the console's `alerts`

/// `%*` in a pattern: the log message escaped for a JSON string.
class json_escaped_message final : public spdlog::custom_flag_formatter {
public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    for (char c : std::string_view{msg.payload.data(), msg.payload.size()}) {
      switch (c) {
        case '"':
          dest.append(std::string_view{"\\\""});
          break;
        case '\\':
          dest.append(std::string_view{"\\\\"});
          break;
        case '\n':
          dest.append(std::string_view{"\\n"});
          break;
        case '\r':
          dest.append(std::string_view{"\\r"});
          break;
        case '\t':
          dest.append(std::string_view{"\\t"});
          break;
        default:
          if (static_cast<unsigned char>(c) < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof(buf), "\\u%04x", static_cast<unsigned>(c));
            dest.append(std::string_view{buf});
          } else {
            dest.push_back(c);
          }
      }
    }
  }

  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<json_escaped_message>();
  }
};

std::unique_ptr<spdlog::formatter> make_formatter(bool json) {
  auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
  if (json) {
    formatter->add_flag<json_escaped_message>('*').set_pattern(
      R"({"time":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l","logger":"%n","thread":%t,"msg":"%*"})");
  } else {
    formatter->set_pattern("%Y-%m-%dT%H:%M:%S.%fZ [%l] %n: %v");
  }
  return formatter;
}

} // namespace

std::string log_file_path(const logging_options& opts, const std::string& program) {
  if (opts.file == "none" || opts.file == "-")
    return {};
  if (opts.file.empty())
    return "logs/" + program + ".log";
  return opts.file;
}

std::shared_ptr<spdlog::logger> setup_logging(const logging_options& opts,
                                              const std::string& program) {
  std::vector<spdlog::sink_ptr> sinks;
  auto console = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  console->set_formatter(make_formatter(false));
  sinks.push_back(console);
  if (auto path = log_file_path(opts, program); !path.empty()) {
    std::error_code ec;
    auto dir = std::filesystem::path{path}.parent_path();
    if (!dir.empty())
      std::filesystem::create_directories(dir, ec);
    try {
      auto file = std::make_shared<spdlog::sinks::rotating_file_sink_mt>(
        path, static_cast<size_t>(opts.max_file_mb) * 1024 * 1024,
        static_cast<size_t>(opts.max_files));
      file->set_formatter(make_formatter(opts.json));
      sinks.push_back(file);
    } catch (const spdlog::spdlog_ex& e) {
      throw std::runtime_error("cannot open log file '" + path + "': " + e.what()
                               + " (set --log-file to a writable path, or 'none')");
    }
  }
  // The error lines the console's `alerts` shows: made here, with the logger, because the
  // logger's list of sinks must not change once other threads log (a push_back then moved the
  // vector under a logging thread: the node's SIGSEGV at start under load).
  auto ring = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(alert_lines);
  ring->set_formatter(make_formatter(false));
  ring->set_level(spdlog::level::err);
  sinks.push_back(ring);
  auto logger = std::make_shared<spdlog::logger>(program, sinks.begin(), sinks.end());
  logger->set_level(spdlog::level::from_str(opts.level));
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(logger);
  spdlog::flush_every(std::chrono::seconds{1});
  return logger;
}

std::function<std::vector<std::string>()> alert_lines_reader() {
  for (auto& sink : spdlog::default_logger()->sinks())
    if (auto ring = std::dynamic_pointer_cast<spdlog::sinks::ringbuffer_sink_mt>(sink))
      return [ring] { return ring->last_formatted(); };
  return [] { return std::vector<std::string>{}; }; // logging not set up (tests)
}

} // namespace algomirror
