// The consumer-group APIs of a Kafka session: FindCoordinator (this broker coordinates every
// group), and the group and offset APIs, which the broker-wide coordinator answers
// (kafka/groups/coordinator.h). Answers that come later (JoinGroup, SyncGroup, OffsetCommit)
// go through callbacks that hold only the request's Reply, never the session.
//
// Permissions (kafka/topic_access.h): Kafka's group ACLs have no RabbitMQ counterpart, so a
// group API needs only a grant in the vhost (else GROUP_AUTHORIZATION_FAILED). Committing and
// fetching a topic's offsets need read on the topic: a refused topic's partitions are
// answered TOPIC_AUTHORIZATION_FAILED, and an OffsetFetch for all topics leaves out those the
// user may not read, as Kafka does.
#include <algorithm>
#include <optional>
#include <vector>

#include "kafka/error_codes.h"
#include "kafka/groups/coordinator.h"
#include "kafka/groups/group_errors.h"
#include "kafka/session.h"

namespace polymq::kafka {
namespace {

// FindCoordinator key types.
constexpr int8_t kGroupKey = 0;
constexpr int8_t kTransactionKey = 1;

// Kafka shows a member's host as "/address".
std::string client_host(const std::string& remote_address) {
  std::string host = remote_address;
  if (const size_t colon = host.rfind(':'); colon != std::string::npos) host.resize(colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  return "/" + host;
}

// This broker for groups, and for transactional ids when it serves transactions. When it does
// not, a transaction key is answered TRANSACTIONAL_ID_AUTHORIZATION_FAILED with a message
// saying why: clients give up at once with it, where COORDINATOR_NOT_AVAILABLE would have them
// retry until their timeout. Any other key type is an invalid request, as in Kafka.
void find_coordinator(const Config& config, int8_t key_type, int16_t& error_code,
                      std::optional<std::string>& error_message, int32_t& node_id,
                      std::string& host, int32_t& port) {
  if (key_type == kGroupKey || (key_type == kTransactionKey && config.transactions != nullptr)) {
    error_code = error::kNone;
    error_message = std::nullopt;
    node_id = config.node_id;
    host = config.advertised_host;
    port = config.advertised_port;
    return;
  }
  error_code = key_type == kTransactionKey ? error::kTransactionalIdAuthorizationFailed
                                           : error::kInvalidRequest;
  error_message = key_type == kTransactionKey
                      ? "PolyMQ does not support Kafka transactions (no transaction coordinator)"
                      : "unknown coordinator key type";
  node_id = -1;
  host.clear();
  port = -1;
}

FindCoordinatorResponse handle_find_coordinator(const Config& config,
                                                const FindCoordinatorRequest& request,
                                                int16_t version) {
  FindCoordinatorResponse r;
  if (version < 4) {
    find_coordinator(config, request.key_type, r.error_code, r.error_message, r.node_id, r.host,
                     r.port);
    return r;
  }
  for (const std::string& key : request.coordinator_keys) {
    FindCoordinatorResponse::Coordinator c;
    c.key = key;
    find_coordinator(config, request.key_type, c.error_code, c.error_message, c.node_id, c.host,
                     c.port);
    r.coordinators.push_back(std::move(c));
  }
  return r;
}

// Answers a group API for a user without a grant in the vhost: GROUP_AUTHORIZATION_FAILED.
// False for an API that is not a group API.
bool refuse_group_request(const Request& request, const Reply& reply) {
  constexpr int16_t kRefused = error::kGroupAuthorizationFailed;
  switch (request.header.request_api_key) {
    case api_key::kFindCoordinator: {
      const auto& body = std::get<FindCoordinatorRequest>(request.body);
      FindCoordinatorResponse r;
      r.error_code = kRefused;
      r.node_id = -1;
      r.port = -1;
      for (const std::string& key : body.coordinator_keys) {
        FindCoordinatorResponse::Coordinator c;
        c.key = key;
        c.error_code = kRefused;
        c.node_id = -1;
        c.port = -1;
        r.coordinators.push_back(std::move(c));
      }
      reply.send(r);
      return true;
    }
    case api_key::kJoinGroup: {
      JoinGroupResponse r;
      r.error_code = kRefused;
      reply.send(r);
      return true;
    }
    case api_key::kSyncGroup: {
      SyncGroupResponse r;
      r.error_code = kRefused;
      reply.send(r);
      return true;
    }
    case api_key::kHeartbeat: {
      HeartbeatResponse r;
      r.error_code = kRefused;
      reply.send(r);
      return true;
    }
    case api_key::kLeaveGroup: {
      LeaveGroupResponse r;
      r.error_code = kRefused;
      reply.send(r);
      return true;
    }
    case api_key::kListGroups: {
      // As Kafka for a principal that may describe no group: an empty list.
      reply.send(ListGroupsResponse{});
      return true;
    }
    case api_key::kDescribeGroups: {
      DescribeGroupsResponse r;
      for (const std::string& id : std::get<DescribeGroupsRequest>(request.body).groups) {
        DescribeGroupsResponse::DescribedGroup g;
        g.group_id = id;
        g.error_code = kRefused;
        r.groups.push_back(std::move(g));
      }
      reply.send(r);
      return true;
    }
    case api_key::kDeleteGroups: {
      DeleteGroupsResponse r;
      for (const std::string& id : std::get<DeleteGroupsRequest>(request.body).groups_names) {
        DeleteGroupsResponse::DeletableGroupResult g;
        g.group_id = id;
        g.error_code = kRefused;
        r.results.push_back(std::move(g));
      }
      reply.send(r);
      return true;
    }
    case api_key::kOffsetCommit: {
      OffsetCommitResponse r;
      for (const auto& t : std::get<OffsetCommitRequest>(request.body).topics) {
        OffsetCommitResponse::OffsetCommitResponseTopic out;
        out.name = t.name;
        for (const auto& p : t.partitions) {
          OffsetCommitResponse::OffsetCommitResponsePartition rp;
          rp.partition_index = p.partition_index;
          rp.error_code = kRefused;
          out.partitions.push_back(rp);
        }
        r.topics.push_back(std::move(out));
      }
      reply.send(r);
      return true;
    }
    case api_key::kOffsetFetch: {
      const auto& body = std::get<OffsetFetchRequest>(request.body);
      OffsetFetchResponse r;
      r.error_code = kRefused;
      for (const auto& g : body.groups) {
        OffsetFetchResponse::OffsetFetchResponseGroup out;
        out.group_id = g.group_id;
        out.error_code = kRefused;
        r.groups.push_back(std::move(out));
      }
      reply.send(r);
      return true;
    }
    case api_key::kOffsetDelete: {
      OffsetDeleteResponse r;
      r.error_code = kRefused;
      reply.send(r);
      return true;
    }
    default:
      return false;
  }
}

// The partitions of an OffsetCommit topic the user may not read.
OffsetCommitResponse::OffsetCommitResponseTopic refused_commit(
    const OffsetCommitRequest::OffsetCommitRequestTopic& t) {
  OffsetCommitResponse::OffsetCommitResponseTopic out;
  out.name = t.name;
  for (const auto& p : t.partitions) {
    OffsetCommitResponse::OffsetCommitResponsePartition rp;
    rp.partition_index = p.partition_index;
    rp.error_code = error::kTopicAuthorizationFailed;
    out.partitions.push_back(rp);
  }
  return out;
}

// The partitions of an OffsetFetch topic the user may not read (either layout).
template <class ResponseTopic, class RequestTopic>
ResponseTopic refused_fetch(const RequestTopic& t) {
  ResponseTopic out;
  out.name = t.name;
  for (int32_t index : t.partition_indexes) {
    typename decltype(out.partitions)::value_type p;
    p.partition_index = index;
    p.committed_offset = -1;
    p.error_code = error::kTopicAuthorizationFailed;
    out.partitions.push_back(std::move(p));
  }
  return out;
}

// Splits the topics the user names into those it may read (left in `topics`) and the answers
// for the others (appended to `refused`). Null topics (all) are left as they are.
template <class RequestTopics, class ResponseTopics>
void split_readable(std::optional<RequestTopics>& topics, const TopicAccess& access,
                    ResponseTopics& refused) {
  if (!topics) return;
  RequestTopics readable;
  for (auto& t : *topics) {
    if (access.may_read(t.name)) {
      readable.push_back(std::move(t));
    } else {
      refused.push_back(refused_fetch<typename ResponseTopics::value_type>(t));
    }
  }
  *topics = std::move(readable);
}

// Leaves out of an answer for all topics those the user may not read.
template <class ResponseTopics>
void drop_unreadable(ResponseTopics& topics, const TopicAccess& access) {
  std::erase_if(topics, [&](const auto& t) { return !access.may_read(t.name); });
}

void fetch_offsets(groups::GroupCoordinator& coordinator, const OffsetFetchRequest& request,
                   int16_t version, const TopicAccess& access, const Reply& reply) {
  OffsetFetchRequest allowed = request;
  // The answers for refused topics: v0-7 (one group), and per group from v8.
  std::vector<OffsetFetchResponse::OffsetFetchResponseTopic> refused;
  std::vector<std::vector<OffsetFetchResponse::OffsetFetchResponseTopics>> refused_per_group(
      allowed.groups.size());
  split_readable(allowed.topics, access, refused);
  for (size_t i = 0; i < allowed.groups.size(); ++i) {
    split_readable(allowed.groups[i].topics, access, refused_per_group[i]);
  }
  const bool all_topics = !request.topics;
  std::vector<bool> all_per_group;
  for (const auto& g : request.groups) all_per_group.push_back(!g.topics);
  coordinator.fetch(
      allowed, version,
      [reply, access, all_topics, all_per_group, refused = std::move(refused),
       refused_per_group = std::move(refused_per_group)](const OffsetFetchResponse& answer) {
        OffsetFetchResponse r = answer;
        if (all_topics) drop_unreadable(r.topics, access);
        r.topics.insert(r.topics.end(), refused.begin(), refused.end());
        for (size_t i = 0; i < r.groups.size() && i < all_per_group.size(); ++i) {
          auto& topics = r.groups[i].topics;
          if (all_per_group[i]) drop_unreadable(topics, access);
          topics.insert(topics.end(), refused_per_group[i].begin(), refused_per_group[i].end());
        }
        reply.send(r);
      });
}

}  // namespace

bool Session::dispatch_groups(const Request& request, const TopicAccess& access,
                              const Reply& reply) {
  groups::GroupCoordinator* coordinator = config_.groups;
  if (coordinator == nullptr) return false;
  if (!access.has_vhost()) return refuse_group_request(request, reply);
  const int16_t version = reply.version();
  // The callbacks below capture the Reply (safe after the connection is gone), never `this`.
  switch (request.header.request_api_key) {
    case api_key::kFindCoordinator:
      reply.send(handle_find_coordinator(config_, std::get<FindCoordinatorRequest>(request.body),
                                         version));
      return true;
    case api_key::kJoinGroup: {
      const groups::ClientInfo client{request.header.client_id.value_or(""),
                                      client_host(connection_.remote_address())};
      coordinator->join(std::get<JoinGroupRequest>(request.body), version, client,
                        [reply](const JoinGroupResponse& r) { reply.send(r); });
      return true;
    }
    case api_key::kSyncGroup:
      coordinator->sync(std::get<SyncGroupRequest>(request.body), version,
                        [reply](const SyncGroupResponse& r) { reply.send(r); });
      return true;
    case api_key::kHeartbeat:
      reply.send(coordinator->heartbeat(std::get<HeartbeatRequest>(request.body)));
      return true;
    case api_key::kLeaveGroup:
      reply.send(coordinator->leave(std::get<LeaveGroupRequest>(request.body), version));
      return true;
    case api_key::kListGroups:
      reply.send(coordinator->list(std::get<ListGroupsRequest>(request.body), version));
      return true;
    case api_key::kDescribeGroups:
      reply.send(coordinator->describe(std::get<DescribeGroupsRequest>(request.body)));
      return true;
    case api_key::kDeleteGroups:
      coordinator->delete_groups(std::get<DeleteGroupsRequest>(request.body),
                                 [reply](const DeleteGroupsResponse& r) { reply.send(r); });
      return true;
    case api_key::kOffsetCommit: {
      const auto& body = std::get<OffsetCommitRequest>(request.body);
      const bool all_readable = std::all_of(body.topics.begin(), body.topics.end(),
                                            [&](const auto& t) { return access.may_read(t.name); });
      if (all_readable) {
        coordinator->commit(body, version,
                            [reply](const OffsetCommitResponse& r) { reply.send(r); });
        return true;
      }
      OffsetCommitRequest allowed = body;
      allowed.topics.clear();
      std::vector<OffsetCommitResponse::OffsetCommitResponseTopic> refused;
      for (const auto& t : body.topics) {
        if (access.may_read(t.name)) {
          allowed.topics.push_back(t);
        } else {
          refused.push_back(refused_commit(t));
        }
      }
      coordinator->commit(
          allowed, version,
          [reply, refused = std::move(refused)](const OffsetCommitResponse& answer) {
            OffsetCommitResponse r = answer;
            r.topics.insert(r.topics.end(), refused.begin(), refused.end());
            reply.send(r);
          });
      return true;
    }
    case api_key::kOffsetFetch:
      fetch_offsets(*coordinator, std::get<OffsetFetchRequest>(request.body), version, access,
                    reply);
      return true;
    case api_key::kOffsetDelete:
      coordinator->delete_offsets(std::get<OffsetDeleteRequest>(request.body),
                                  [reply](const OffsetDeleteResponse& r) { reply.send(r); });
      return true;
    default:
      return false;
  }
}

}  // namespace polymq::kafka
