// What a Kafka request may do with the topics it names: the user's grant in the Kafka vhost
// (RabbitMQ's permissions, core/permissions.h), with Kafka's topic ACL operations mapped onto
// RabbitMQ's three patterns, each matched against the topic's name:
//   configure: Create, Delete, Alter, AlterConfigs (CreateTopics, DeleteTopics,
//              CreatePartitions, AlterConfigs, IncrementalAlterConfigs, DeleteRecords, and the
//              auto-creation of a topic by Metadata or Produce);
//   write:     Write (Produce);
//   read:      Read (Fetch, ListOffsets, OffsetForLeaderEpoch, OffsetCommit, OffsetFetch);
//   any of the three: Describe, DescribeConfigs (Metadata lists a topic, DescribeConfigs).
// Kafka's group ACLs have no RabbitMQ counterpart: the group APIs need only a grant in the
// vhost. A refusal is answered with Kafka's TOPIC_AUTHORIZATION_FAILED (29) for the topic, or
// GROUP_AUTHORIZATION_FAILED (30) for a group when there is no grant at all.
//
// A session takes the grant from the broker's PermissionStore for each request, so a changed
// or revoked grant applies from the connection's next request on.
#pragma once

#include <string_view>
#include <utility>

#include "core/permissions.h"

namespace polymq::kafka {

class TopicAccess {
 public:
  // Allows everything: for callers that answer for the broker itself (tests).
  static TopicAccess everything() {
    TopicAccess a(nullptr);
    a.everything_ = true;
    return a;
  }
  // `grant` null: no access to the vhost, so no topic is allowed anything.
  explicit TopicAccess(core::GrantPtr grant) : grant_(std::move(grant)) {}

  bool has_vhost() const { return everything_ || grant_ != nullptr; }
  bool allows(core::Permission permission, std::string_view topic) const {
    return everything_ || (grant_ != nullptr && grant_->allows(permission, topic));
  }
  bool may_configure(std::string_view topic) const {
    return allows(core::Permission::kConfigure, topic);
  }
  bool may_write(std::string_view topic) const { return allows(core::Permission::kWrite, topic); }
  bool may_read(std::string_view topic) const { return allows(core::Permission::kRead, topic); }
  // Kafka's Describe: any of the three.
  bool may_describe(std::string_view topic) const {
    return may_configure(topic) || may_write(topic) || may_read(topic);
  }

 private:
  bool everything_ = false;
  core::GrantPtr grant_;
};

}  // namespace polymq::kafka
