// Compaction of a stream partition (a Kafka topic with cleanup.policy=compact), as Kafka's
// log cleaner does it: a record goes once a later record of the partition has the same key,
// and a tombstone (a keyed record without a value) goes too once it is older than the
// delete retention. Offsets never change: a reader from the start skips the gaps.
//
// One pass, on a worker thread, over the settled segments of a partition (never the active
// one, as in Kafka): the latest offset of every key in the dirty segments (those written since
// the last pass) is collected, then every settled segment up to the end of the dirty ones is
// rewritten without the records a later one supersedes. The owner thread installs the staged
// replacements (Stream::install_compacted).
//
// The core cannot read the records inside an entry (a Kafka RecordBatch): a CompactionFormat,
// supplied by the front-end that owns the stream's format, names each entry's keyed records,
// rewrites an entry without some of them, and makes the entry that stands for a run of removed
// offsets. An entry the format cannot read is kept whole, and so is a record without a key.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "storage/segment_rewrite.h"

namespace polymq::core {

struct KeyedRecord {
  std::string_view key;
  uint64_t offset = 0;
  int64_t timestamp = 0;
  bool tombstone = false;  // no value: deletes the key
};

class CompactionFormat {
 public:
  enum class Rewrite {
    kUnchanged,  // nothing dropped (or unreadable): the entry stays as it is
    kRewritten,  // `out` holds the entry with the records left
    kEmptied,    // no record left: its offsets join the gap around it
  };
  using KeyFn = std::function<void(const KeyedRecord&)>;
  using DropFn = std::function<bool(const KeyedRecord&)>;

  virtual ~CompactionFormat() = default;
  // Calls fn for every keyed record of the entry.
  virtual void keyed_records(const storage::RecordView& entry, const KeyFn& fn) const = 0;
  // The entry without the keyed records `drop` is true for; `dropped` counts them.
  virtual Rewrite rewrite(const storage::RecordView& entry, const DropFn& drop, std::string& out,
                          uint64_t& dropped) const = 0;
  // An entry holding no record that covers the `count` offsets from `first`.
  virtual std::string gap(uint64_t first, uint64_t count, int64_t timestamp) const = 0;
};

struct CompactionPolicy {
  int64_t now_ms = 0;
  // A tombstone whose timestamp is older than this is removed (Kafka's delete.retention.ms
  // counts from when its cleaner first kept the tombstone; PolyMQ counts from the record's
  // timestamp).
  int64_t delete_retention_ms = 86400000;
  // A segment holding a record newer than this is not compacted yet (min.compaction.lag.ms).
  int64_t min_compaction_lag_ms = 0;
  // A pass runs only when the dirty segments hold at least this share of the settled bytes
  // (min.cleanable.dirty.ratio).
  double min_cleanable_dirty_ratio = 0.5;
  // Keys collected per pass (checked after each segment): bounds a pass's memory at about 50
  // bytes a key. The dirty segments past the bound wait for the next pass.
  size_t max_keys = 2'000'000;
  // When set and true, the pass stops before its next segment (the broker is stopping).
  const std::atomic<bool>* cancel = nullptr;
};

// The latest offset of each key seen, a key held as two independent 64-bit hashes (as Kafka
// holds MD5 digests): memory per key is fixed whatever the key's size.
class LatestOffsets {
 public:
  void note(std::string_view key, uint64_t offset);
  std::optional<uint64_t> find(std::string_view key) const;
  size_t size() const { return latest_.size(); }

 private:
  struct Digest {
    uint64_t a = 0;
    uint64_t b = 0;
    bool operator==(const Digest&) const = default;
  };
  struct DigestHash {
    size_t operator()(const Digest& d) const { return static_cast<size_t>(d.a); }
  };
  static Digest digest(std::string_view key);

  std::unordered_map<Digest, uint64_t, DigestHash> latest_;
};

// A replacement staged by a pass, for Stream::install_compacted.
struct StagedSegment {
  storage::SealedSegment segment;
  storage::RewriteResult result;
  uint64_t records_removed = 0;
};

struct CompactionPass {
  bool ran = false;  // false: too little was dirty (or nothing), nothing was read
  storage::Status status;
  std::vector<StagedSegment> staged;
  // Where the next pass's dirty segments start (the end of those this pass collected keys
  // from); unchanged when the pass did not run.
  uint64_t dirty_from = 0;
};

// One pass over the settled segments (oldest first) of the partition log in `log_dir`, dirty
// from `dirty_from` on. Any thread: reads segments and stages replacements, nothing else.
CompactionPass compact_partition(const std::string& log_dir,
                                 const std::vector<storage::SealedSegment>& settled,
                                 uint64_t dirty_from, const CompactionPolicy& policy,
                                 const CompactionFormat& format, uint32_t index_interval_bytes);

}  // namespace polymq::core
