#include "core/stream_compaction.h"

#include <algorithm>
#include <cerrno>
#include <utility>

namespace polymq::core {
namespace {

uint64_t fnv1a(std::string_view bytes) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (const char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ull;
  }
  return h;
}

// Rewrites one segment's entries against the latest offsets: the format drops the superseded
// records, and the entries left empty join runs that become one gap entry each.
class CompactingRewriter final : public storage::EntryRewriter {
 public:
  CompactingRewriter(const LatestOffsets& latest, const CompactionPolicy& policy,
                     const CompactionFormat& format)
      : latest_(latest), policy_(policy), format_(format) {}

  storage::Status rewrite(const storage::RecordView& entry, const Emit& emit) override {
    uint64_t dropped = 0;
    const auto drop = [this](const KeyedRecord& r) { return superseded(r); };
    switch (format_.rewrite(entry, drop, scratch_, dropped)) {
      case CompactionFormat::Rewrite::kUnchanged:
        if (storage::Status st = flush_gap(emit); !st.ok()) return st;
        return emit({entry.payload, entry.timestamp, entry.batch_count});
      case CompactionFormat::Rewrite::kRewritten:
        removed_ += dropped;
        if (storage::Status st = flush_gap(emit); !st.ok()) return st;
        return emit({scratch_, entry.timestamp, entry.batch_count});
      case CompactionFormat::Rewrite::kEmptied:
        removed_ += dropped;
        if (gap_offsets_ == 0) {
          gap_start_ = entry.offset;
          gap_timestamp_ = entry.timestamp;
        }
        gap_offsets_ += entry.offsets();
        gap_timestamp_ = std::max(gap_timestamp_, entry.timestamp);
        return storage::Status::Ok();
    }
    return storage::Status::Ok();
  }

  storage::Status finish(const Emit& emit) override { return flush_gap(emit); }

  uint64_t records_removed() const { return removed_; }

 private:
  bool superseded(const KeyedRecord& r) const {
    const std::optional<uint64_t> latest = latest_.find(r.key);
    if (latest && *latest > r.offset) return true;
    return r.tombstone && r.timestamp < policy_.now_ms - policy_.delete_retention_ms;
  }

  storage::Status flush_gap(const Emit& emit) {
    if (gap_offsets_ == 0) return storage::Status::Ok();
    scratch_ = format_.gap(gap_start_, gap_offsets_, gap_timestamp_);
    const auto offsets = static_cast<uint32_t>(gap_offsets_);
    gap_offsets_ = 0;
    return emit({scratch_, gap_timestamp_, offsets});
  }

  const LatestOffsets& latest_;
  const CompactionPolicy& policy_;
  const CompactionFormat& format_;
  uint64_t removed_ = 0;
  uint64_t gap_start_ = 0;
  uint64_t gap_offsets_ = 0;  // a gap stays within one segment, whose offsets fit in u32
  int64_t gap_timestamp_ = 0;
  std::string scratch_;
};

}  // namespace

LatestOffsets::Digest LatestOffsets::digest(std::string_view key) {
  return {std::hash<std::string_view>{}(key), fnv1a(key) ^ (uint64_t{key.size()} << 56)};
}

void LatestOffsets::note(std::string_view key, uint64_t offset) {
  auto [it, added] = latest_.try_emplace(digest(key), offset);
  if (!added) it->second = std::max(it->second, offset);
}

std::optional<uint64_t> LatestOffsets::find(std::string_view key) const {
  auto it = latest_.find(digest(key));
  if (it == latest_.end()) return std::nullopt;
  return it->second;
}

CompactionPass compact_partition(const std::string& log_dir,
                                 const std::vector<storage::SealedSegment>& settled,
                                 uint64_t dirty_from, const CompactionPolicy& policy,
                                 const CompactionFormat& format, uint32_t index_interval_bytes) {
  CompactionPass pass;
  pass.dirty_from = dirty_from;
  // Dirty: written since the last pass, up to the first segment younger than the lag.
  size_t first = 0;
  while (first < settled.size() && settled[first].next_base <= dirty_from) ++first;
  size_t end = first;
  while (end < settled.size() &&
         settled[end].max_timestamp <= policy.now_ms - policy.min_compaction_lag_ms) {
    ++end;
  }
  uint64_t total = 0;
  uint64_t dirty = 0;
  for (size_t i = 0; i < settled.size(); ++i) {
    total += settled[i].bytes;
    if (i >= first && i < end) dirty += settled[i].bytes;
  }
  if (end == first ||
      static_cast<double>(dirty) < policy.min_cleanable_dirty_ratio * static_cast<double>(total)) {
    return pass;
  }
  pass.ran = true;

  LatestOffsets latest;
  const CompactionFormat::KeyFn note = [&latest](const KeyedRecord& r) {
    latest.note(r.key, r.offset);
  };
  size_t mapped = first;
  const auto cancelled = [&policy, &pass] {
    if (policy.cancel == nullptr || !policy.cancel->load(std::memory_order_relaxed)) return false;
    pass.status = storage::Status::IOError("compaction cancelled", ECANCELED);
    return true;
  };
  while (mapped < end && latest.size() < policy.max_keys) {
    if (cancelled()) return pass;
    pass.status = storage::scan_settled_segment(log_dir, settled[mapped],
                                                [&](const storage::RecordView& entry) {
                                                  format.keyed_records(entry, note);
                                                  return true;
                                                });
    if (!pass.status.ok()) return pass;
    ++mapped;
  }
  for (size_t i = 0; i < mapped; ++i) {
    if (cancelled()) return pass;
    CompactingRewriter rewriter(latest, policy, format);
    auto rewritten =
        storage::rewrite_settled_segment(log_dir, settled[i], rewriter, index_interval_bytes);
    if (!rewritten.ok()) {
      pass.status = rewritten.status();
      return pass;
    }
    if (rewriter.records_removed() == 0) {
      storage::discard_staged_segment(log_dir, settled[i]);
      continue;
    }
    pass.staged.push_back({settled[i], *rewritten, rewriter.records_removed()});
  }
  pass.dirty_from = settled[mapped - 1].next_base;
  return pass;
}

}  // namespace polymq::core
