// libFuzzer target for the Kafka front-end's text parsers that take client bytes outside the
// generated codec: SASL logins (PLAIN, SCRAM-SHA-256/512 client-first and client-final
// messages, run as a conversation of up to three tokens) and topic config values
// (CreateTopics, AlterConfigs). Besides sanitizer findings it checks that a login never
// succeeds for a user it was not given the password of, and that an accepted config value
// describes back to a value that is accepted again.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "core/users.h"
#include "kafka/sasl.h"
#include "kafka/topic_configs.h"

namespace {

using namespace polymq;

core::UserStore& users() {
  static core::UserStore* store = [] {
    auto* s = new core::UserStore();
    s->add("alice", "wonderland", false);
    s->add("guest", "guest", true);
    return s;
  }();
  return *store;
}

// Splits the input at 0xFF bytes: token 1, token 2, token 3.
std::string_view next_part(std::string_view& rest) {
  const size_t cut = rest.find('\xff');
  std::string_view part = rest.substr(0, cut);
  rest = cut == std::string_view::npos ? std::string_view() : rest.substr(cut + 1);
  return part;
}

void check_login(uint8_t selector, std::string_view rest) {
  const auto mechanisms = kafka::SaslServer::mechanisms();
  const char* mechanism = mechanisms[selector % mechanisms.size()];
  kafka::SaslServer login(users(), mechanism, (selector & 0x80) != 0);
  std::string server_token;
  for (int i = 0; i < 3; ++i) {
    const kafka::SaslServer::Step step = login.step(next_part(rest), server_token);
    if (step == kafka::SaslServer::Step::kFailed) return;
    if (step == kafka::SaslServer::Step::kDone) {
      // Random bytes cannot know alice's password (PLAIN) or prove it (SCRAM); guest is
      // allowed only with its password as well.
      if (login.user() == "alice") abort();
      return;
    }
  }
}

void check_config(std::string_view rest) {
  static constexpr const char* kNames[] = {"retention.ms", "retention.bytes", "segment.bytes",
                                           "cleanup.policy", "max.message.bytes"};
  const std::string_view name_part = next_part(rest);
  const std::string name = name_part.empty()
                               ? std::string(kNames[0])
                               : std::string(kNames[static_cast<uint8_t>(name_part[0]) % 5]);
  std::optional<std::string> value;
  if (!rest.empty() && rest[0] != '\0') value = std::string(rest);
  core::StreamSettings settings;
  if (kafka::set_topic_config(name, value, settings).has_value()) return;
  for (const kafka::TopicConfig& c : kafka::describe_topic_configs(settings)) {
    if (c.name != name) continue;
    core::StreamSettings again;
    if (kafka::set_topic_config(name, c.value, again).has_value()) abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  if (data[0] & 0x40) {
    check_config(rest);
  } else {
    check_login(data[0], rest);
  }
  return 0;
}
