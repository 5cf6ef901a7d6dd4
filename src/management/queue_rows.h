// /api/queues in two steps, so that a long list does not hold up the broker's event loop:
// each queue's values are read on the loop into a QueueRow (plain data: names, counts,
// counters, the arguments already as JSON), and the list's JSON is written from the rows on
// another thread, with message rates worked out there by a RateSampler from an earlier
// reading of the same queue.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/queue.h"
#include "core/stream.h"
#include "management/json_output.h"

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

// Keeps two readings of every queue it was asked about and answers rates against the older
// one, which is at least `min_span` old once the queue has been read that long: a client
// polling every few seconds (the web UI, a dashboard) sees the rates of the last `min_span`
// or so, a rare one the average since its previous look. A queue's first reading has no
// rates (zeros). Thread-safe: lists are written on a background thread, one queue's GET may
// be answered on the loop.
class RateSampler {
 public:
  using Clock = std::chrono::steady_clock;
  explicit RateSampler(Clock::duration min_span = std::chrono::seconds(5)) : min_span_(min_span) {}

  QueueRates rates(const QueueRow& row, Clock::time_point now);
  // Forgets the queues not read since `before` (deleted ones, mostly).
  void forget_unread_since(Clock::time_point before);
  size_t size() const;

 private:
  struct Reading {
    Clock::time_point at;
    uint64_t ready = 0;
    uint64_t unacked = 0;
    core::QueueStats stats;
  };
  struct Entry {
    Reading base;  // what rates are measured against
    Reading next;  // becomes the base once it is min_span old
    Clock::time_point last_read;
  };

  Clock::duration min_span_;
  mutable std::mutex mutex_;
  std::unordered_map<core::QueueId, Entry> entries_;
};

// One queue as RabbitMQ's /api/queues shows it; `rates` null: no rates (zeros).
void write_queue_row(JsonWriter& w, const std::string& node, const QueueRow& row,
                     const QueueRates* rates);

// The rows as the JSON array /api/queues answers: ordered by vhost, then name; rates from
// `sampler` at `now` (null: none).
std::string queue_rows_json(std::vector<QueueRow> rows, const std::string& node,
                            RateSampler* sampler, RateSampler::Clock::time_point now);

}  // namespace polymq::management
