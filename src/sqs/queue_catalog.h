// The SQS queues as the management API lists them (core/catalogs.h, "sqs/queues"): one row per
// queue ListQueues would list (neither exclusive nor named "amq."), ordered by name:
//   vhost, name, url_path ("/<account id>/<name>"), fifo (bool),
//   attributes (table: what GetQueueAttributes with All answers, but QueueArn, whose region is
//   the request's), tags (table), dead_letter_queue (the RedrivePolicy's queue; absent when none).
//
// A stateless reader: it looks the vhost up on each list(), so it can be registered before
// the vhost exists and outlives a deleted one (an absent vhost lists nothing).
// REQUIRES: every call on the broker's event loop thread; the broker outlives the catalog.
#pragma once

#include <string>
#include <vector>

#include "core/broker.h"
#include "core/catalogs.h"

namespace polymq::sqs {

class QueueCatalog final : public core::Catalog {
 public:
  // The SQS front-end's vhost and account id (sqs::ServiceConfig).
  QueueCatalog(core::Broker& broker, std::string vhost, std::string account_id)
      : broker_(broker), vhost_(std::move(vhost)), account_id_(std::move(account_id)) {}

  std::vector<core::Table> list() const override;

 private:
  core::Broker& broker_;
  std::string vhost_;
  std::string account_id_;
};

}  // namespace polymq::sqs
