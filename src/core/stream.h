// A stream: an append-only, partitioned log read by offset, beside queues in a vhost. Each
// partition is a storage::Log. Kafka topics are streams (a partition per Kafka partition), and
// so will be AMQP stream queues; an exchange can route messages into one (core/destination.h).
//
// Appends are buffered in the page cache and become durable with the group-commit round that
// covers them (CommitTracker::covering_round() right after the append), the same promise as a
// durable queue's: an acknowledged append survives kill -9. A writer's batch (a Kafka
// RecordBatch) is appended as one batch entry, stored as received and read back whole.
// Readers see every appended record; what a protocol exposes (Kafka's high watermark) is up to
// durable_offset(). A reader waiting for more (a long-polling Kafka fetch, a stream consumer)
// registers a StreamWatch, told when a partition's end or durable offset moves.
//
// REQUIRES: all calls on the owner thread (the shard's event loop); the committer's syncing
// thread only runs the tickets the logs hand it.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/message.h"
#include "core/status.h"
#include "core/stream_compaction.h"
#include "storage/group_commit.h"
#include "storage/log.h"

namespace polymq::core {

class Stream;

// Wakes readers waiting for a partition to grow. Told on the owner thread, after an append to
// the partition and after a group-commit round that covered it (its durable offset may have
// moved; without a committer appends are never made durable by rounds). A watch may add or
// remove watches, itself included, from inside a call.
class StreamWatch {
 public:
  virtual ~StreamWatch() = default;
  virtual void stream_advanced(Stream& stream, uint32_t partition) = 0;
  // The stream is going away (deleted, or the broker stops): the watch was removed already
  // and must not touch the stream after this call.
  virtual void stream_closing(Stream& stream) = 0;
};

struct StreamSettings {
  uint32_t partitions = 1;
  uint64_t segment_bytes = 64ull * 1024 * 1024;
  int64_t retention_ms = -1;     // negative: keep forever
  int64_t retention_bytes = -1;  // per partition; negative: no limit
  // Kafka's cleanup.policy: delete whole segments past retention, compact (keep the latest
  // record of each key; core/stream_compaction.h), or both. Compaction's settings follow.
  bool cleanup_delete = true;
  bool cleanup_compact = false;
  int64_t delete_retention_ms = 86400000;
  int64_t min_compaction_lag_ms = 0;
  double min_cleanable_dirty_ratio = 0.5;
};

// Kafka's cleanup.policy text ("delete", "compact", or both, comma-separated) read into the
// settings; false (and `out` unchanged) for any other text, an empty one included.
bool parse_cleanup_policy(std::string_view text, StreamSettings& out);
std::string cleanup_policy_name(const StreamSettings& settings);

// What one compaction pass over a partition works on, taken on the owner thread for a worker
// (compact_partition), then handed back with the pass to Stream::install_compacted.
struct CompactionJob {
  uint32_t partition = 0;
  std::string log_dir;
  std::vector<storage::SealedSegment> settled;
  uint64_t dirty_from = 0;
  CompactionPolicy policy;
  uint32_t index_interval_bytes = 0;
};

class Stream final : public storage::SyncParticipant {
 public:
  // Opens the stream's partitions under `dir` (partition N in dir/N), creating missing ones
  // and recovering existing ones (a torn tail is cut). `committer` may be null: appends are
  // then never synced by rounds (tests, sync policy never). `hooks`: fault injection for
  // tests (storage/file.h), empty in production.
  static Status open(std::string name, std::string dir, const StreamSettings& settings,
                     storage::GroupCommitter* committer, std::unique_ptr<Stream>& out,
                     const storage::FaultHooks& hooks = {});
  ~Stream() override;
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  const std::string& name() const { return name_; }
  const StreamSettings& settings() const { return settings_; }
  uint32_t partition_count() const { return static_cast<uint32_t>(partitions_.size()); }

  // Appends records (plain ones, or one batch entry) to `partition`; `base_offset` is the
  // first offset they got. kInvalidArgument for a partition out of range or a malformed batch;
  // kInternal once the partition's storage failed (a failed sync poisons it until restart).
  Status append(uint32_t partition, std::span<const storage::RecordInput> records,
                uint64_t& base_offset);
  // Appends one message in the core's stored layout (core/message_codec.h): what an exchange
  // routes into a stream.
  Status append_message(uint32_t partition, const Message& message, int64_t timestamp_ms,
                        uint64_t& offset);

  // Appends a message an exchange routed here (a publish, a dead letter): to the partition
  // partition_for() picks, stamped with the message's own timestamp or now.
  Status append_routed(const Message& message, uint64_t& offset);
  // A stable choice of partition: FNV-1a of the message's record key, or of its routing key
  // when it has none, so messages with one key stay in order.
  uint32_t partition_for(const Message& message) const;

  // Calls fn for the entries from `offset` on (a batch entry that covers `offset` whole), up to
  // about max_bytes (the first entry whatever its size), until fn returns false; `next` is the
  // offset after the last entry delivered. kNotFound for an offset outside [first, next].
  Status read(uint32_t partition, uint64_t offset, uint64_t max_bytes,
              const storage::ReadCallback& fn, uint64_t& next) const;

  // The first offset served: records below it were deleted (retention, delete_records).
  uint64_t first_offset(uint32_t partition) const { return partitions_[partition]->first_offset(); }
  uint64_t next_offset(uint32_t partition) const { return partitions_[partition]->next_offset(); }
  // Every record below is on disk.
  uint64_t durable_offset(uint32_t partition) const {
    return partitions_[partition]->durable_offset();
  }
  Status offset_for_time(uint32_t partition, int64_t timestamp_ms, uint64_t& offset) const;

  // Registers `watch` for every partition until remove_watch() or stream_closing(). Adding
  // a watch twice registers it once.
  void add_watch(StreamWatch* watch);
  void remove_watch(StreamWatch* watch);

  // Deletes whole segments past retention (when the cleanup policy deletes); returns the bytes
  // reclaimed.
  uint64_t apply_retention(int64_t now_ms);
  // Unique among the streams this process opened: tells a stream from a later one of the same
  // name, for work that outlives a call (a compaction pass on a worker).
  uint64_t id() const { return id_; }
  // A compaction pass of `partition` (settings().cleanup_compact): its settled segments and
  // where the dirty ones start.
  CompactionJob compaction_job(uint32_t partition, int64_t now_ms) const;
  // Installs what the pass of `job` staged, segment by segment (one gone meanwhile is
  // skipped), and moves the dirty start on; `reclaimed` is the bytes saved. The first failed
  // install, if any, is returned (the segments after it are still tried).
  Status install_compacted(const CompactionJob& job, const CompactionPass& pass,
                           uint64_t& reclaimed);
  // Deletes the records of `partition` below `offset` (Kafka's DeleteRecords): the partition
  // then starts at `offset` (first_offset()), durably so once this returns, and its whole
  // segments below it are gone. `start` is the partition's first offset after the call; an
  // offset at or below it already changes nothing. kInvalidArgument for a partition out of
  // range; kNotFound for an offset past durable_offset(); kInternal for a storage failure
  // (the new start may stand even then: `start` says). Syncs on the owner thread; rare.
  Status delete_records(uint32_t partition, uint64_t offset, uint64_t& start);
  // Applies new settings to the open stream: more partitions (created empty), a retention
  // and a segment size for what is written from now on. kInvalidArgument for fewer
  // partitions than it has (Kafka cannot shrink a topic either); on a storage error the
  // partitions created so far stay.
  Status reconfigure(const StreamSettings& settings);
  // Deletes the stream's files (the stream was deleted). REQUIRES: nothing reads it after.
  void destroy();

  // storage::SyncParticipant
  void begin_round(storage::GroupCommitter& committer) override;
  void end_round(bool ok) override;

 private:
  Stream(std::string name, std::string dir, const StreamSettings& settings,
         storage::GroupCommitter* committer);
  Status check_partition(uint32_t partition) const;
  // Opens (creating when missing) partitions partitions_.size() .. count - 1.
  Status open_partitions(uint32_t count);
  void notify(uint32_t partition);
  void notify_closing();

  std::string name_;
  std::string dir_;
  StreamSettings settings_;
  storage::GroupCommitter* committer_;
  std::vector<std::unique_ptr<storage::Log>> partitions_;
  std::vector<bool> dirty_;     // appended since the last round began
  std::vector<bool> in_round_;  // handed to the round in flight
  std::vector<StreamWatch*> watches_;
  // Per partition: where compaction's dirty segments start. In memory only: after a restart
  // the first pass reads every settled segment again.
  std::vector<uint64_t> dirty_from_;
  uint64_t id_;
  storage::FaultHooks hooks_;  // for partitions opened after open() (reconfigure)
};

}  // namespace polymq::core
