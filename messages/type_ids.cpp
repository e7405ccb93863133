#include "messages/type_ids.hpp"

#include <caf/actor_system_config.hpp>
#include <caf/deep_to_string.hpp>

#include "messages/actors.hpp"

namespace algomirror {

void add_message_types(caf::actor_system_config& cfg) {
  cfg.add_message_types<caf::id_block::algomirror>();
  cfg.add_message_types<caf::id_block::algomirror_handles>();
  cfg.add_error_category(error_category, [](uint8_t code, caf::atom_value, const caf::message& ctx) {
    auto text = "algomirror::" + to_string(static_cast<errc>(code));
    if (ctx.match_elements<std::string>())
      text += ": " + ctx.get_as<std::string>(0);
    else if (!ctx.empty())
      text += ": " + caf::deep_to_string(ctx);
    return text;
  });
}

} // namespace algomirror
