// InitProducerId (v0-4) for idempotent producers: a fresh producer id with epoch 0 on every
// call, as Kafka answers a producer without a transactional id (a producer that asks with its
// old id and epoch, KIP-360's epoch bump, gets a new id too; its sequences start over).
// A transactional id goes to the transaction coordinator (kafka/txn/coordinator.h); here,
// where there is none (or the user has no grant in the vhost), it is refused with
// TRANSACTIONAL_ID_AUTHORIZATION_FAILED, which clients treat as fatal, instead of an error
// they would retry until their timeout.
#pragma once

#include "kafka/config.h"
#include "kafka/protocol/generated/init_producer_id.h"

namespace polymq::kafka {

// REQUIRES: config.producer_ids != nullptr.
InitProducerIdResponse handle_init_producer_id(const Config& config,
                                               const InitProducerIdRequest& request);

}  // namespace polymq::kafka
