// Transactions of a Kafka session: the APIs a transactional producer sends to its
// transaction coordinator (kafka/txn/coordinator.h). InitProducerId is in session_data.cpp,
// FindCoordinator in session_groups.cpp.
//
// Kafka's transactional-id ACLs have no RabbitMQ counterpart: the transaction APIs need a
// grant in the vhost (else TRANSACTIONAL_ID_AUTHORIZATION_FAILED), AddPartitionsToTxn the
// write permission on each topic, TxnOffsetCommit the read permission (as OffsetCommit).
#include <variant>

#include "kafka/error_codes.h"
#include "kafka/session.h"
#include "kafka/txn/coordinator.h"

namespace polymq::kafka {
namespace {

void refuse(const Request& request, const Reply& reply) {
  constexpr int16_t kRefused = error::kTransactionalIdAuthorizationFailed;
  switch (request.header.request_api_key) {
    case api_key::kAddPartitionsToTxn: {
      AddPartitionsToTxnResponse r;
      for (const auto& t : std::get<AddPartitionsToTxnRequest>(request.body).v3_and_below_topics) {
        AddPartitionsToTxnResponse::AddPartitionsToTxnTopicResult out;
        out.name = t.name;
        for (int32_t p : t.partitions) out.results_by_partition.push_back({p, kRefused});
        r.results_by_topic_v3_and_below.push_back(std::move(out));
      }
      reply.send(r);
      return;
    }
    case api_key::kAddOffsetsToTxn: {
      AddOffsetsToTxnResponse r;
      r.error_code = kRefused;
      reply.send(r);
      return;
    }
    case api_key::kEndTxn: {
      EndTxnResponse r;
      r.error_code = kRefused;
      reply.send(r);
      return;
    }
    case api_key::kTxnOffsetCommit: {
      TxnOffsetCommitResponse r;
      for (const auto& t : std::get<TxnOffsetCommitRequest>(request.body).topics) {
        TxnOffsetCommitResponse::TxnOffsetCommitResponseTopic out;
        out.name = t.name;
        for (const auto& p : t.partitions) out.partitions.push_back({p.partition_index, kRefused});
        r.topics.push_back(std::move(out));
      }
      reply.send(r);
      return;
    }
    default:
      return;
  }
}

void commit_offsets(txn::TransactionCoordinator& coordinator, const TxnOffsetCommitRequest& body,
                    int16_t version, const TopicAccess& access, const Reply& reply) {
  TxnOffsetCommitRequest allowed = body;
  allowed.topics.clear();
  std::vector<TxnOffsetCommitResponse::TxnOffsetCommitResponseTopic> refused;
  for (const auto& t : body.topics) {
    if (access.may_read(t.name)) {
      allowed.topics.push_back(t);
      continue;
    }
    TxnOffsetCommitResponse::TxnOffsetCommitResponseTopic out;
    out.name = t.name;
    for (const auto& p : t.partitions) {
      out.partitions.push_back({p.partition_index, error::kTopicAuthorizationFailed});
    }
    refused.push_back(std::move(out));
  }
  coordinator.commit_offsets(
      allowed, version,
      [reply, refused = std::move(refused)](const TxnOffsetCommitResponse& answer) {
        TxnOffsetCommitResponse r = answer;
        r.topics.insert(r.topics.end(), refused.begin(), refused.end());
        reply.send(r);
      });
}

}  // namespace

bool Session::dispatch_txn(const Request& request, const TopicAccess& access, const Reply& reply) {
  txn::TransactionCoordinator* coordinator = config_.transactions;
  const int16_t key = request.header.request_api_key;
  if (coordinator == nullptr ||
      (key != api_key::kAddPartitionsToTxn && key != api_key::kAddOffsetsToTxn &&
       key != api_key::kEndTxn && key != api_key::kTxnOffsetCommit)) {
    return false;
  }
  if (!access.has_vhost()) {
    refuse(request, reply);
    return true;
  }
  const int16_t version = reply.version();
  // The callbacks capture the Reply (safe after the connection is gone), never `this`.
  switch (key) {
    case api_key::kAddPartitionsToTxn:
      coordinator->add_partitions(
          std::get<AddPartitionsToTxnRequest>(request.body), version,
          [access](const std::string& topic) { return access.may_write(topic); },
          [reply](const AddPartitionsToTxnResponse& r) { reply.send(r); });
      return true;
    case api_key::kAddOffsetsToTxn:
      coordinator->add_offsets(std::get<AddOffsetsToTxnRequest>(request.body), version,
                               [reply](const AddOffsetsToTxnResponse& r) { reply.send(r); });
      return true;
    case api_key::kEndTxn:
      coordinator->end(std::get<EndTxnRequest>(request.body), version,
                       [reply](const EndTxnResponse& r) { reply.send(r); });
      return true;
    default:
      commit_offsets(*coordinator, std::get<TxnOffsetCommitRequest>(request.body), version, access,
                     reply);
      return true;
  }
}

}  // namespace polymq::kafka
