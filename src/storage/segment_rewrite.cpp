// Compaction's side of the log (segment_rewrite.h) and the Log members it uses.
#include "storage/segment_rewrite.h"

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "storage/log_format.h"

namespace polymq::storage {

using namespace format;

namespace {

// Emitted entries are appended in writes of about this much.
constexpr size_t kWriteChunkBytes = 1 << 20;
constexpr size_t kReadChunkBytes = 256 * 1024;
constexpr std::string_view kSuffixes[] = {kLogSuffix, kIndexSuffix, kTimeIndexSuffix};

std::string staging_dir_of(const std::string& log_dir) {
  return log_dir + "/" + std::string(kStagingDirName);
}

// Collects emitted entries (copying their payloads) and appends them in chunks.
class ChunkedAppender {
 public:
  explicit ChunkedAppender(Segment& segment) : segment_(segment) {}

  Status add(const RecordInput& entry) {
    payloads_.emplace_back(entry.payload);
    inputs_.push_back({std::string_view(), entry.timestamp, entry.batch_count});
    bytes_ += framed_size(entry);
    return bytes_ >= kWriteChunkBytes ? flush() : Status::Ok();
  }

  Status flush() {
    if (inputs_.empty()) return Status::Ok();
    for (size_t i = 0; i < inputs_.size(); ++i) inputs_[i].payload = payloads_[i];
    auto appended = segment_.append(inputs_);
    payloads_.clear();
    inputs_.clear();
    bytes_ = 0;
    return appended.ok() ? Status::Ok() : appended.status();
  }

 private:
  Segment& segment_;
  std::vector<std::string> payloads_;
  std::vector<RecordInput> inputs_;
  uint64_t bytes_ = 0;
};

}  // namespace

Status scan_settled_segment(const std::string& log_dir, const SealedSegment& segment,
                            const ReadCallback& fn) {
  auto file = File::open(log_dir + "/" + segment_file_name(segment.base, kLogSuffix),
                         File::Mode::kRead);
  if (!file.ok()) return file.status();
  auto size = file->size();
  if (!size.ok()) return size.status();
  RecordReader reader(*file, 0, *size, segment.base, kReadChunkBytes);
  RecordView entry;
  for (;;) {
    auto outcome = reader.next(&entry);
    if (!outcome.ok()) return outcome.status();
    if (*outcome == RecordReader::Outcome::kEnd) break;
    if (*outcome != RecordReader::Outcome::kRecord) {
      return Status::Corruption(file->path() + " at " + std::to_string(reader.position()) + ": " +
                                RecordReader::describe(*outcome));
    }
    if (!fn(entry)) return Status::Ok();
  }
  if (reader.expected_offset() != segment.next_base) {
    return Status::Corruption(file->path() + " ends at offset " +
                              std::to_string(reader.expected_offset()) + ", not " +
                              std::to_string(segment.next_base));
  }
  return Status::Ok();
}

Result<RewriteResult> rewrite_settled_segment(const std::string& log_dir,
                                              const SealedSegment& segment, EntryRewriter& rewriter,
                                              uint32_t index_interval_bytes) {
  const std::string staged = staging_dir_of(log_dir);
  // Not create_directories: a log deleted meanwhile must not be made again.
  std::error_code ec;
  std::filesystem::create_directory(staged, ec);
  if (ec) return Status::IOError("create directory " + staged, ec.value());
  discard_staged_segment(log_dir, segment);  // what an earlier, failed attempt left

  const SegmentOptions options{index_interval_bytes, nullptr};
  auto created = Segment::create(staged, segment.base, options, /*sync_dir=*/false);
  if (!created.ok()) return created.status();
  std::unique_ptr<Segment> out = std::move(*created);
  ChunkedAppender appender(*out);
  const EntryRewriter::Emit emit = [&appender](const RecordInput& entry) {
    return appender.add(entry);
  };

  Status failed;
  RewriteResult result;
  Status st = scan_settled_segment(log_dir, segment, [&](const RecordView& entry) {
    result.bytes_before += framed_size(entry.payload.size(), entry.batch_count);
    failed = rewriter.rewrite(entry, emit);
    return failed.ok();
  });
  if (st.ok()) st = failed;
  if (st.ok()) st = rewriter.finish(emit);
  if (st.ok()) st = appender.flush();
  if (st.ok() && out->next_offset() != segment.next_base) {
    st = Status::Corruption("the rewrite of segment " + std::to_string(segment.base) +
                            " ends at offset " + std::to_string(out->next_offset()) + ", not " +
                            std::to_string(segment.next_base));
  }
  if (st.ok()) st = out->seal();  // syncs the .log, then writes the index files
  if (!st.ok()) {
    out.reset();
    discard_staged_segment(log_dir, segment);
    return st;
  }
  result.bytes_after = out->size();
  return result;
}

void discard_staged_segment(const std::string& log_dir, const SealedSegment& segment) {
  const std::string staged = staging_dir_of(log_dir);
  for (std::string_view suffix : kSuffixes) {
    std::error_code ec;
    std::filesystem::remove(staged + "/" + segment_file_name(segment.base, suffix), ec);
  }
}

std::vector<SealedSegment> Log::settled_segments() const {
  std::vector<SealedSegment> out;
  for (size_t i = 0; i + 1 < segments_.size(); ++i) {
    const Segment& seg = *segments_[i];
    if (seg.next_offset() > sealed_end_ || seg.next_offset() > durable_offset_) break;
    out.push_back({seg.base_offset(), seg.next_offset(), seg.size(), seg.max_timestamp()});
  }
  return out;
}

std::string Log::staging_dir() const { return staging_dir_of(dir_); }

Status Log::install_rewritten(const SealedSegment& segment) {
  auto it = std::lower_bound(
      segments_.begin(), segments_.end(), segment.base,
      [](const std::unique_ptr<Segment>& s, uint64_t b) { return s->base_offset() < b; });
  const bool listed = it != segments_.end() && std::next(it) != segments_.end() &&
                      (*it)->base_offset() == segment.base && (*it)->sealed() &&
                      (*it)->next_offset() == segment.next_base &&
                      segment.next_base <= sealed_end_;
  if (!listed) {
    discard_staged_segment(dir_, segment);
    return Status::NotFound("segment " + std::to_string(segment.base) + " is no longer settled");
  }
  const std::string staged = staging_dir();
  for (std::string_view suffix : kSuffixes) {
    const std::string name = segment_file_name(segment.base, suffix);
    if (std::rename((staged + "/" + name).c_str(), (dir_ + "/" + name).c_str()) != 0) {
      const int err = errno;
      // Before the .log moved nothing changed; after it, an index file left behind no longer
      // matches the .log and the open below rebuilds it.
      if (suffix == kLogSuffix) {
        discard_staged_segment(dir_, segment);
        return Status::IOError("rename " + staged + "/" + name, err);
      }
    }
  }
  SegmentOpenInfo info;
  auto opened =
      Segment::open_sealed(dir_, segment.base, segment.next_base, segment_options(), &info);
  // The old segment keeps reading its own (now unlinked) file until it is replaced.
  if (!opened.ok()) return opened.status();
  if (!info.corruption.ok()) return info.corruption;
  *it = std::move(*opened);
  return Status::Ok();
}

}  // namespace polymq::storage
