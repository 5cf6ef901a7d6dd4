// Topic administration in a Kafka session: each answer leaves once the definitions it changed
// are durable (Session::send_when_durable). DeleteRecords changes no definition: its handler
// returns once the new start offsets are synced.
#include "kafka/admin.h"
#include "kafka/delete_records.h"
#include "kafka/session.h"

namespace polymq::kafka {

bool Session::dispatch_admin(const Request& request, const TopicAccess& access,
                             const Reply& reply) {
  const int16_t version = request.header.request_api_version;
  const uint64_t before = definitions_seq();
  switch (request.header.request_api_key) {
    case api_key::kCreateTopics:
      send_when_durable(before, reply,
                        handle_create_topics(broker_, config_, access,
                                             std::get<CreateTopicsRequest>(request.body), version));
      return true;
    case api_key::kDeleteTopics:
      send_when_durable(before, reply,
                        handle_delete_topics(broker_, config_, access,
                                             std::get<DeleteTopicsRequest>(request.body), version));
      return true;
    case api_key::kCreatePartitions:
      send_when_durable(before, reply,
                        handle_create_partitions(broker_, config_, access,
                                                 std::get<CreatePartitionsRequest>(request.body)));
      return true;
    case api_key::kDescribeConfigs:
      reply.send(handle_describe_configs(broker_, config_, access,
                                         std::get<DescribeConfigsRequest>(request.body), version));
      return true;
    case api_key::kAlterConfigs:
      send_when_durable(before, reply,
                        handle_alter_configs(broker_, config_, access,
                                             std::get<AlterConfigsRequest>(request.body)));
      return true;
    case api_key::kIncrementalAlterConfigs:
      send_when_durable(
          before, reply,
          handle_incremental_alter_configs(broker_, config_, access,
                                           std::get<IncrementalAlterConfigsRequest>(request.body)));
      return true;
    case api_key::kDeleteRecords:
      reply.send(handle_delete_records(broker_, config_, access,
                                       std::get<DeleteRecordsRequest>(request.body)));
      return true;
    case api_key::kDescribeCluster:
      reply.send(handle_describe_cluster(config_, std::get<DescribeClusterRequest>(request.body)));
      return true;
    default:
      return false;
  }
}

}  // namespace polymq::kafka
