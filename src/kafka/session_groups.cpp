// The consumer-group APIs of a Kafka session: FindCoordinator (this broker coordinates every
// group), and the group and offset APIs, which the broker-wide coordinator answers
// (kafka/groups/coordinator.h). Answers that come later (JoinGroup, SyncGroup, OffsetCommit)
// go through callbacks that hold only the request's Reply, never the session.
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

// This broker for groups. Transactions are not served, so a transaction key is answered
// TRANSACTIONAL_ID_AUTHORIZATION_FAILED with a message saying why: clients give up at once
// with it, where COORDINATOR_NOT_AVAILABLE would have them retry until their timeout. Any
// other key type is an invalid request, as in Kafka.
void find_coordinator(const Config& config, int8_t key_type, int16_t& error_code,
                      std::optional<std::string>& error_message, int32_t& node_id,
                      std::string& host, int32_t& port) {
  if (key_type == kGroupKey) {
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

}  // namespace

bool Session::dispatch_groups(const Request& request, const Reply& reply) {
  groups::GroupCoordinator* coordinator = config_.groups;
  if (coordinator == nullptr) return false;
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
    case api_key::kOffsetCommit:
      coordinator->commit(std::get<OffsetCommitRequest>(request.body), version,
                          [reply](const OffsetCommitResponse& r) { reply.send(r); });
      return true;
    case api_key::kOffsetFetch:
      coordinator->fetch(std::get<OffsetFetchRequest>(request.body), version,
                         [reply](const OffsetFetchResponse& r) { reply.send(r); });
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
