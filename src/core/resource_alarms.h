// Resource alarms (flow control), as RabbitMQ's memory and disk alarms: the memory alarm is on
// while the bytes of messages held in memory exceed the high watermark; the disk alarm is on
// while the free space of the data directory's filesystem is below the limit. Front-ends block
// publishers while any alarm is on (the AMQP rules are in amqp/session.h).
//
// This is the state machine only: it does no I/O and reads no clock. The server samples
// (server/resource_monitor.h) and feeds update_memory / update_disk; publishers also report
// what they publish (note_published), so a burst is caught before the next periodic sample.
//
// REQUIRES: every call on the broker's owner thread.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <string>

namespace polymq::core {

enum class Resource { kMemory, kDisk };

class ResourceAlarms {
 public:
  static constexpr uint64_t kNoLimit = std::numeric_limits<uint64_t>::max();

  // Told after an alarm was set (`set` true) or cleared. A listener may remove itself (or
  // any other listener) while being told; listeners added meanwhile hear the next change.
  using Listener = std::function<void(Resource resource, bool set)>;
  using ListenerId = uint64_t;

  // Memory alarm while memory_used > memory_high_watermark; kNoLimit never alarms.
  void set_memory_high_watermark(uint64_t bytes);
  // Disk alarm while disk_free < disk_free_limit; 0 never alarms.
  void set_disk_free_limit(uint64_t bytes);
  uint64_t memory_high_watermark() const { return memory_limit_; }
  uint64_t disk_free_limit() const { return disk_limit_; }

  // How to measure memory now (Broker::message_memory); used by sample_memory and
  // note_published.
  void set_memory_probe(std::function<uint64_t()> probe) { memory_probe_ = std::move(probe); }

  void update_memory(uint64_t memory_used);
  void update_disk(uint64_t disk_free);
  void update(uint64_t memory_used, uint64_t disk_free) {
    update_memory(memory_used);
    update_disk(disk_free);
  }
  // update_memory with the probe's reading (nothing without a probe).
  void sample_memory();
  // A publisher handed `bytes` to the broker. Once the bytes since the last sample could
  // have crossed the watermark (the headroom left at that sample, but at least 1/64 of the
  // watermark, so that sampling costs stay bounded near the mark), memory is sampled now.
  void note_published(uint64_t bytes);

  bool memory_alarm() const { return memory_alarm_; }
  bool disk_alarm() const { return disk_alarm_; }
  bool any() const { return memory_alarm_ || disk_alarm_; }
  // Last readings fed in.
  uint64_t memory_used() const { return memory_used_; }
  uint64_t disk_free() const { return disk_free_; }
  // RabbitMQ's connection.blocked reason: "low on memory", "low on disk",
  // "low on memory & disk"; empty while no alarm is on.
  std::string reason() const;

  ListenerId add_listener(Listener listener);
  void remove_listener(ListenerId id);
  size_t listener_count() const { return listeners_.size(); }

 private:
  void changed(Resource resource, bool set);
  void rearm_sampling();

  uint64_t memory_limit_ = kNoLimit;
  uint64_t disk_limit_ = 0;
  uint64_t memory_used_ = 0;
  uint64_t disk_free_ = kNoLimit;
  bool memory_alarm_ = false;
  bool disk_alarm_ = false;

  std::function<uint64_t()> memory_probe_;
  uint64_t published_since_sample_ = 0;
  uint64_t sample_after_ = 0;  // published bytes that trigger the next sample

  // By id, so a notification can tell a listener removed meanwhile from one still there.
  std::map<ListenerId, Listener> listeners_;
  ListenerId next_listener_id_ = 1;
};

}  // namespace polymq::core
