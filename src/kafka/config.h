// What a Kafka session needs to know about the broker it fronts: where clients reach it, its
// cluster id, the vhost its topics live in and the topic auto-creation settings. Filled in by
// server/ from the configuration; one instance outlives every session.
#pragma once

#include <cstdint>
#include <string>

namespace polymq::kafka {

namespace groups {
class GroupCoordinator;
}  // namespace groups
class IdempotentProducers;
class ProducerIdSource;
namespace txn {
class TransactionCoordinator;
class TxnIndex;
}  // namespace txn

struct Config {
  // Metadata tells clients to (re)connect to this broker at advertised_host:advertised_port.
  std::string advertised_host = "127.0.0.1";
  int32_t advertised_port = 9092;
  // The one broker of the one-node cluster: its node id, also the controller and every
  // partition's leader and only replica.
  int32_t node_id = 0;
  // Stable across restarts (server/kafka_cluster_id keeps it in the data directory).
  std::string cluster_id;
  // Topics are the streams of this vhost.
  std::string vhost = "/";
  // Kafka's auto.create.topics.enable and num.partitions.
  bool auto_create_topics = true;
  uint32_t default_partitions = 1;
  // The broker-wide consumer-group coordinator (kafka/groups/coordinator.h), outliving every
  // session; null: the group APIs are not answered (the connection closes).
  groups::GroupCoordinator* groups = nullptr;
  // The idempotent producers' sequence state (kafka/idempotent_producers.h) and where their
  // ids come from (kafka/producer_ids.h), both outliving every session; null: InitProducerId
  // is not answered (the connection closes) and batches with a producer id are appended
  // unchecked.
  IdempotentProducers* producers = nullptr;
  ProducerIdSource* producer_ids = nullptr;
  // Transactions (kafka/txn/): the coordinator and the partitions' open and aborted
  // transactions, outliving every session; null: a transactional id is refused
  // (TRANSACTIONAL_ID_AUTHORIZATION_FAILED) and the transaction APIs close the connection.
  txn::TransactionCoordinator* transactions = nullptr;
  txn::TxnIndex* txn_index = nullptr;
};

}  // namespace polymq::kafka
