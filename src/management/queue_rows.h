// /api/queues in two steps, so that a long list does not hold up the broker's event loop:
// each queue's values are read on the loop into a QueueRow (plain data: names, counts,
// counters, the arguments already as JSON), and the list's JSON is written from the rows on
// another thread, with message rates worked out there (rate_sampler.h) from an earlier
// reading of the same queue.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/queue.h"
#include "core/stream.h"
#include "management/json_output.h"
#include "management/rate_sampler.h"

namespace polymq::management {

struct QueueRow {
  core::QueueId id = 0;
  std::string name;
  std::string vhost;
  bool stream = false;  // a stream: no counts, no rates
  bool durable = true;
  bool auto_delete = false;
  bool exclusive = false;
  std::string arguments_json = "{}";
  std::string policy;  // "" for none
  std::string operator_policy;
  uint64_t consumers = 0;
  uint64_t ready = 0;
  uint64_t unacked = 0;
  uint64_t ready_bytes = 0;
  uint64_t paged = 0;  // ready messages paged out to the store
  uint64_t paged_bytes = 0;
  uint64_t memory = 0;
  core::QueueStats stats;
};

// REQUIRES (both): on the broker's loop.
QueueRow queue_row(const core::Queue& queue);
QueueRow stream_row(const std::string& vhost, const core::Stream& stream);

// Per-second rates of a queue's counts (they may fall) and counters.
struct QueueRates {
  double messages = 0;
  double ready = 0;
  double unacked = 0;
  double publish = 0;
  double deliver_get = 0;
  double redeliver = 0;
  double ack = 0;
};

// Rates of a queue's ready and unacked counts and of its QueueStats counters.
using QueueRateSampler = RateSampler<core::QueueId, 6>;
QueueRates queue_rates(QueueRateSampler& sampler, const QueueRow& row,
                       QueueRateSampler::Clock::time_point now);

// One queue as RabbitMQ's /api/queues shows it; `rates` null: no rates (zeros).
void write_queue_row(JsonWriter& w, const std::string& node, const QueueRow& row,
                     const QueueRates* rates);

// The rows as the JSON array /api/queues answers: ordered by vhost, then name; rates from
// `sampler` at `now` (null: none).
std::string queue_rows_json(std::vector<QueueRow> rows, const std::string& node,
                            QueueRateSampler* sampler, QueueRateSampler::Clock::time_point now);

}  // namespace polymq::management
