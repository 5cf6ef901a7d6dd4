// Helpers for the group coordinator's unit tests: requests with sensible defaults and
// callbacks that capture their answer.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "kafka/groups/group.h"

namespace polymq::kafka::groups::testing {

inline JoinGroupRequest join_request(const std::string& group, const std::string& member_id,
                                     std::vector<std::string> protocols = {"range"},
                                     std::optional<std::string> instance_id = std::nullopt,
                                     const std::string& metadata = "subscription") {
  JoinGroupRequest r;
  r.group_id = group;
  r.member_id = member_id;
  r.session_timeout_ms = 10000;
  r.rebalance_timeout_ms = 30000;
  r.protocol_type = "consumer";
  r.group_instance_id = std::move(instance_id);
  for (const std::string& name : protocols) r.protocols.push_back({name, metadata + "/" + name});
  return r;
}

inline SyncGroupRequest sync_request(const std::string& group, const std::string& member_id,
                                     int32_t generation) {
  SyncGroupRequest r;
  r.group_id = group;
  r.member_id = member_id;
  r.generation_id = generation;
  return r;
}

inline HeartbeatRequest heartbeat_request(const std::string& group, const std::string& member_id,
                                          int32_t generation) {
  HeartbeatRequest r;
  r.group_id = group;
  r.member_id = member_id;
  r.generation_id = generation;
  return r;
}

// An answer that may come later.
template <class R>
struct Answer {
  std::optional<R> value;
  int calls = 0;
  std::function<void(const R&)> callback() {
    return [this](const R& r) {
      value = r;
      ++calls;
    };
  }
};

inline const ClientInfo kClient{"client", "/127.0.0.1"};

}  // namespace polymq::kafka::groups::testing
