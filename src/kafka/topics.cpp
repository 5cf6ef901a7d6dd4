#include "kafka/topics.h"

#include <spdlog/spdlog.h>

#include "kafka/groups/group_records.h"
#include "kafka/txn/txn_records.h"

namespace polymq::kafka {

bool is_internal_topic(const std::string& name) {
  return name == groups::kOffsetsTopic || name == txn::kTransactionTopic;
}

core::Stream* find_topic(core::Broker& broker, const Config& config, const std::string& name,
                         bool may_create) {
  core::VHost* vhost = broker.find_vhost(config.vhost);
  if (vhost == nullptr) return nullptr;
  core::Stream* stream = vhost->find_stream(name);
  if (stream != nullptr || !may_create) return stream;
  core::StreamSettings settings;
  settings.partitions = config.default_partitions;
  if (core::Status st = vhost->declare_stream(name, settings, stream); !st.ok()) {
    // E.g. a queue holds the name (streams and queues share a vhost's namespace).
    spdlog::warn("kafka: cannot auto-create topic '{}': {}", name, st.message());
    return nullptr;
  }
  spdlog::info("kafka: created topic '{}' with {} partition(s)", name, settings.partitions);
  return stream;
}

}  // namespace polymq::kafka
