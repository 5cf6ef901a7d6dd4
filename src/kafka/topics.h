// Topics are the streams of the Kafka vhost (Config::vhost). Finding one, and creating it on
// first use when auto-creation is on (Kafka's auto.create.topics.enable): by Metadata and by
// Produce, as Kafka does.
#pragma once

#include <string>

#include "core/broker.h"
#include "core/stream.h"
#include "kafka/config.h"

namespace polymq::kafka {

// The topic's stream; when there is none and `may_create`, a new one with
// config.default_partitions partitions. Null when the vhost is gone, the topic does not exist
// (and may not be created), or it cannot be created (its name is a queue's).
// REQUIRES: valid_topic_name(name) when may_create.
// The coordinators' own streams (__consumer_offsets, __transaction_state): listed as internal,
// never written, deleted or trimmed by clients.
bool is_internal_topic(const std::string& name);

core::Stream* find_topic(core::Broker& broker, const Config& config, const std::string& name,
                         bool may_create);

}  // namespace polymq::kafka
