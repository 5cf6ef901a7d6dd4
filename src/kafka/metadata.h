// Metadata: the one-node cluster (this broker, the controller, every partition's leader and
// only replica) and the topics, which are the streams of the configured vhost. A requested
// topic that does not exist is created as a stream when auto-creation is on and the request
// allows it (v4+'s allow_auto_topic_creation; always for older versions, as Kafka).
//
// Permissions as Kafka's ACLs (kafka/topic_access.h): the full listing holds only the topics
// the user may describe; a requested topic the user may not describe, or one that does not
// exist and would be auto-created without configure on its name, is answered
// TOPIC_AUTHORIZATION_FAILED (nothing is created).
#pragma once

#include <cstdint>

#include "core/broker.h"
#include "kafka/config.h"
#include "kafka/protocol/generated/metadata.h"
#include "kafka/topic_access.h"

namespace polymq::kafka {

// Kafka's rule for topic names: 1-249 characters of [a-zA-Z0-9._-], not "." or "..".
bool valid_topic_name(const std::string& name);

MetadataResponse handle_metadata(core::Broker& broker, const Config& config,
                                 const TopicAccess& access, const MetadataRequest& request,
                                 int16_t version);

}  // namespace polymq::kafka
