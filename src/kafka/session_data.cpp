// The data path of a Kafka session: the APIs that write and read the topics' partitions.
#include <variant>

#include "kafka/init_producer_id.h"
#include "kafka/offsets.h"
#include "kafka/produce.h"
#include "kafka/session.h"
#include "kafka/txn/coordinator.h"

namespace polymq::kafka {

bool Session::dispatch_data(const Request& request, const TopicAccess& access, const Reply& reply) {
  switch (request.header.request_api_key) {
    case api_key::kProduce: {
      // Unanswered by design after on_closed (durable_ gone): the client left.
      if (durable_ == nullptr) return true;
      const auto& body = std::get<ProduceRequest>(request.body);
      if (!handle_produce(broker_, config_, access, *durable_, body, reply)) {
        close("an acks=0 produce failed");
      }
      return true;
    }
    case api_key::kFetch:
      if (fetcher_ != nullptr) {
        fetcher_->handle(std::get<FetchRequest>(request.body), access, reply);
      }
      return true;
    case api_key::kListOffsets:
      reply.send(handle_list_offsets(broker_, config_, access,
                                     std::get<ListOffsetsRequest>(request.body)));
      return true;
    case api_key::kOffsetForLeaderEpoch:
      reply.send(handle_offset_for_leader_epoch(
          broker_, config_, access, std::get<OffsetForLeaderEpochRequest>(request.body)));
      return true;
    case api_key::kInitProducerId: {
      if (config_.producer_ids == nullptr) return false;
      const auto& body = std::get<InitProducerIdRequest>(request.body);
      const bool transactional = body.transactional_id && !body.transactional_id->empty();
      if (transactional && config_.transactions != nullptr && access.has_vhost()) {
        config_.transactions->init_producer_id(
            body, reply.version(), *config_.producer_ids,
            [reply](const InitProducerIdResponse& r) { reply.send(r); });
        return true;
      }
      reply.send(handle_init_producer_id(config_, body));
      return true;
    }
    default:
      return false;
  }
}

}  // namespace polymq::kafka
