// An SQS receipt handle names one receive of one message: the core's (QueueId, LeaseId), plus
// the broker process's random incarnation, so a handle from before a restart (when ids start
// over) names nothing. A re-receive makes a new lease, so an older handle of the same message
// no longer settles it, as AWS specifies. The handle is base64url text of a version byte and
// three big-endian 64-bit numbers; it carries no secret (a client can only name leases of
// queues it may use anyway).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/consumer.h"
#include "core/queue.h"

namespace polymq::sqs {

struct ReceiptHandle {
  uint64_t incarnation = 0;
  core::QueueId queue = 0;
  core::LeaseId lease = 0;
  bool operator==(const ReceiptHandle&) const = default;
};

std::string encode_receipt_handle(const ReceiptHandle& handle);
// nullopt when `text` is not a handle of this format.
std::optional<ReceiptHandle> decode_receipt_handle(std::string_view text);

}  // namespace polymq::sqs
