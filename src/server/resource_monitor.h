// Feeds the broker's resource alarms (core/resource_alarms.h) from the event loop: the bytes
// of messages in memory every 100 ms (a sum of per-queue counters, cheap) and the free space
// of the data directory's filesystem (statvfs) every second, and logs when an alarm is set or
// cleared, in RabbitMQ's words.
//
// Memory is the broker's own accounting (core::Broker::message_memory), not the process's
// RSS: the allocator keeps freed pages, so RSS would not fall back under the mark after
// consumers drained the queues.
//
// REQUIRES: all calls on the thread running `io`; the broker outlives the monitor.
#pragma once

#include <asio.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include "core/broker.h"

namespace polymq::server {

// Physical RAM in bytes (sysconf), 0 when unknown.
uint64_t physical_memory_bytes();
// Bytes available to unprivileged users on the filesystem holding `path` (statvfs f_bavail,
// as df and RabbitMQ's disk monitor), or nullopt with `error` set.
std::optional<uint64_t> free_disk_bytes(const std::string& path, std::string& error);

class ResourceMonitor {
 public:
  ResourceMonitor(asio::io_context& io, core::Broker& broker, std::string data_dir);
  ~ResourceMonitor();
  ResourceMonitor(const ResourceMonitor&) = delete;
  ResourceMonitor& operator=(const ResourceMonitor&) = delete;

  // Sets the thresholds, samples both resources at once (so the alarms are right before the
  // first client connects) and starts the periodic samples.
  void start(uint64_t memory_high_watermark, uint64_t disk_free_limit);
  void stop();

 private:
  void sample_disk();
  void schedule_memory();
  void schedule_disk();
  void log_change(core::Resource resource, bool set);

  core::Broker& broker_;
  std::string data_dir_;
  asio::steady_timer memory_timer_;
  asio::steady_timer disk_timer_;
  core::ResourceAlarms::ListenerId listener_ = 0;
  bool disk_error_logged_ = false;
  bool stopped_ = false;
};

}  // namespace polymq::server
