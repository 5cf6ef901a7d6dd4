#include "kafka/init_producer_id.h"

#include "kafka/error_codes.h"
#include "kafka/producer_ids.h"

namespace polymq::kafka {

InitProducerIdResponse handle_init_producer_id(const Config& config,
                                               const InitProducerIdRequest& request) {
  InitProducerIdResponse r;
  r.producer_id = -1;
  r.producer_epoch = -1;
  if (request.transactional_id.has_value() && !request.transactional_id->empty()) {
    r.error_code = error::kTransactionalIdAuthorizationFailed;
    return r;
  }
  const int64_t id = config.producer_ids->next_producer_id();
  if (id < 0) {
    r.error_code = error::kUnknownServerError;
    return r;
  }
  r.producer_id = id;
  r.producer_epoch = 0;
  return r;
}

}  // namespace polymq::kafka
