#include "server/resource_monitor.h"

#include <spdlog/spdlog.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace polymq::server {
namespace {

constexpr auto kMemoryInterval = std::chrono::milliseconds(100);
constexpr auto kDiskInterval = std::chrono::seconds(1);

}  // namespace

uint64_t physical_memory_bytes() {
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page_size = sysconf(_SC_PAGESIZE);
  if (pages <= 0 || page_size <= 0) return 0;
  return static_cast<uint64_t>(pages) * static_cast<uint64_t>(page_size);
}

std::optional<uint64_t> free_disk_bytes(const std::string& path, std::string& error) {
  struct statvfs st {};
  if (statvfs(path.c_str(), &st) != 0) {
    error = std::strerror(errno);
    return std::nullopt;
  }
  return static_cast<uint64_t>(st.f_bavail) * static_cast<uint64_t>(st.f_frsize);
}

ResourceMonitor::ResourceMonitor(asio::io_context& io, core::Broker& broker, std::string data_dir)
    : broker_(broker), data_dir_(std::move(data_dir)), memory_timer_(io), disk_timer_(io) {}

ResourceMonitor::~ResourceMonitor() { stop(); }

void ResourceMonitor::start(uint64_t memory_high_watermark, uint64_t disk_free_limit) {
  core::ResourceAlarms& alarms = broker_.alarms();
  listener_ = alarms.add_listener([this](core::Resource r, bool set) { log_change(r, set); });
  alarms.set_memory_high_watermark(memory_high_watermark);
  alarms.set_disk_free_limit(disk_free_limit);
  alarms.sample_memory();
  sample_disk();
  schedule_memory();
  schedule_disk();
}

void ResourceMonitor::stop() {
  if (stopped_) return;
  stopped_ = true;
  memory_timer_.cancel();
  disk_timer_.cancel();
  if (listener_ != 0) broker_.alarms().remove_listener(listener_);
  listener_ = 0;
}

void ResourceMonitor::sample_disk() {
  std::string error;
  std::optional<uint64_t> free = free_disk_bytes(data_dir_, error);
  if (!free) {
    // The alarm keeps its state: an unreadable filesystem says nothing about its space.
    if (!disk_error_logged_) {
      spdlog::warn("cannot read the free disk space of {}: {}", data_dir_, error);
      disk_error_logged_ = true;
    }
    return;
  }
  disk_error_logged_ = false;
  broker_.alarms().update_disk(*free);
}

void ResourceMonitor::schedule_memory() {
  memory_timer_.expires_after(kMemoryInterval);
  memory_timer_.async_wait([this](const asio::error_code& ec) {
    if (ec || stopped_) return;
    broker_.alarms().sample_memory();
    schedule_memory();
  });
}

void ResourceMonitor::schedule_disk() {
  disk_timer_.expires_after(kDiskInterval);
  disk_timer_.async_wait([this](const asio::error_code& ec) {
    if (ec || stopped_) return;
    sample_disk();
    schedule_disk();
  });
}

void ResourceMonitor::log_change(core::Resource resource, bool set) {
  const core::ResourceAlarms& alarms = broker_.alarms();
  if (resource == core::Resource::kMemory) {
    if (set) {
      spdlog::warn(
          "memory resource limit alarm set: messages in memory use {} bytes, the high "
          "watermark is {} bytes. Publishers will be blocked until this alarm clears",
          alarms.memory_used(), alarms.memory_high_watermark());
    } else {
      spdlog::info(
          "memory resource limit alarm cleared: messages in memory use {} bytes, the high "
          "watermark is {} bytes",
          alarms.memory_used(), alarms.memory_high_watermark());
    }
    return;
  }
  if (set) {
    spdlog::warn(
        "disk resource limit alarm set: free disk space is insufficient ({} bytes free in {}, "
        "limit {} bytes). Publishers will be blocked until this alarm clears",
        alarms.disk_free(), data_dir_, alarms.disk_free_limit());
  } else {
    spdlog::info(
        "disk resource limit alarm cleared: free disk space is sufficient ({} bytes free in "
        "{}, limit {} bytes)",
        alarms.disk_free(), data_dir_, alarms.disk_free_limit());
  }
}

}  // namespace polymq::server
