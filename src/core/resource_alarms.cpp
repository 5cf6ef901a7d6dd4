#include "core/resource_alarms.h"

#include <algorithm>
#include <vector>

namespace polymq::core {
namespace {

// Near the watermark, memory is sampled at most once per this fraction of it published, and
// never more often than every 4 KiB: bounded sampling cost, bounded overshoot.
constexpr uint64_t kSampleStepDivisor = 64;
constexpr uint64_t kMinSampleStep = 4096;

}  // namespace

void ResourceAlarms::set_memory_high_watermark(uint64_t bytes) {
  memory_limit_ = bytes;
  update_memory(memory_used_);
}

void ResourceAlarms::set_disk_free_limit(uint64_t bytes) {
  disk_limit_ = bytes;
  update_disk(disk_free_);
}

void ResourceAlarms::update_memory(uint64_t memory_used) {
  memory_used_ = memory_used;
  rearm_sampling();
  const bool alarm = memory_limit_ != kNoLimit && memory_used > memory_limit_;
  if (alarm == memory_alarm_) return;
  memory_alarm_ = alarm;
  changed(Resource::kMemory, alarm);
}

void ResourceAlarms::update_disk(uint64_t disk_free) {
  disk_free_ = disk_free;
  const bool alarm = disk_free < disk_limit_;
  if (alarm == disk_alarm_) return;
  disk_alarm_ = alarm;
  changed(Resource::kDisk, alarm);
}

void ResourceAlarms::sample_memory() {
  if (memory_probe_) update_memory(memory_probe_());
}

void ResourceAlarms::note_published(uint64_t bytes) {
  if (!memory_probe_ || memory_limit_ == kNoLimit) return;
  published_since_sample_ += bytes;
  if (published_since_sample_ >= sample_after_) sample_memory();
}

void ResourceAlarms::rearm_sampling() {
  published_since_sample_ = 0;
  if (memory_limit_ == kNoLimit) {
    sample_after_ = kNoLimit;
    return;
  }
  const uint64_t headroom = memory_used_ < memory_limit_ ? memory_limit_ - memory_used_ : 0;
  sample_after_ = std::max({headroom, memory_limit_ / kSampleStepDivisor, kMinSampleStep});
}

std::string ResourceAlarms::reason() const {
  if (memory_alarm_ && disk_alarm_) return "low on memory & disk";
  if (memory_alarm_) return "low on memory";
  if (disk_alarm_) return "low on disk";
  return {};
}

ResourceAlarms::ListenerId ResourceAlarms::add_listener(Listener listener) {
  const ListenerId id = next_listener_id_++;
  listeners_.emplace(id, std::move(listener));
  return id;
}

void ResourceAlarms::remove_listener(ListenerId id) { listeners_.erase(id); }

void ResourceAlarms::changed(Resource resource, bool set) {
  // Listeners may remove themselves or others while being told: walk a snapshot of the ids
  // and skip those gone. Ids only grow, so one added meanwhile is not in the snapshot.
  std::vector<ListenerId> ids;
  ids.reserve(listeners_.size());
  for (const auto& [id, listener] : listeners_) ids.push_back(id);
  for (ListenerId id : ids) {
    auto it = listeners_.find(id);
    if (it == listeners_.end()) continue;
    // A copy: the listener may remove itself, destroying the stored function mid-call.
    Listener listener = it->second;
    listener(resource, set);
  }
}

}  // namespace polymq::core
