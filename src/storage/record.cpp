#include "storage/record.h"

#include <algorithm>

#include "storage/crc32c.h"

namespace polymq::storage {

using namespace format;

void encode_record(std::string* out, uint64_t offset, int64_t timestamp, std::string_view payload,
                   uint32_t batch_count) {
  const size_t start = out->size();
  const size_t header = static_cast<size_t>(framed_size(0, batch_count));
  out->resize(start + header);
  char* h = out->data() + start;
  const auto length = static_cast<uint32_t>(header - kLengthSize + payload.size());
  put_u32(h, batch_count == 0 ? length : (length | kBatchFlag));
  put_u64(h + 8, offset);
  put_u64(h + 16, static_cast<uint64_t>(timestamp));
  if (batch_count != 0) put_u32(h + kHeaderSize, batch_count);
  uint32_t crc = crc32c::value(h + kCrcStart, header - kCrcStart);
  crc = crc32c::extend(crc, payload.data(), payload.size());
  put_u32(h + kLengthSize, crc);
  out->append(payload);
}

RecordReader::RecordReader(const File& file, uint64_t position, uint64_t end,
                           uint64_t expected_offset, size_t chunk)
    : file_(file),
      position_(position),
      end_(end),
      expected_offset_(expected_offset),
      chunk_(std::max<size_t>(chunk, kHeaderSize)) {}

Result<size_t> RecordReader::fill(size_t n) {
  const uint64_t want_end = position_ + n;
  if (position_ >= buf_pos_ && want_end <= buf_pos_ + buf_len_) return n;
  // Refill from position_: whatever is buffered before it is no longer needed.
  const size_t len = static_cast<size_t>(std::min<uint64_t>(std::max(n, chunk_), end_ - position_));
  if (buf_.size() < len) buf_.resize(len);
  auto got = file_.read_at(position_, buf_.data(), len);
  if (!got.ok()) return got.status();
  buf_pos_ = position_;
  buf_len_ = *got;
  return std::min(n, buf_len_);
}

Result<RecordReader::Outcome> RecordReader::next(RecordView* rec) {
  if (position_ >= end_) return Outcome::kEnd;
  const uint64_t remaining = end_ - position_;
  auto avail = fill(static_cast<size_t>(std::min<uint64_t>(kHeaderSize, remaining)));
  if (!avail.ok()) return avail.status();
  if (*avail < kLengthSize) return Outcome::kTruncated;
  const char* p = buf_.data() + (position_ - buf_pos_);
  const uint32_t field = get_u32(p);
  const bool batch = (field & kBatchFlag) != 0;
  const uint32_t length = field & ~kBatchFlag;
  const uint32_t min_length = batch ? kMinLength + kBatchCountSize : kMinLength;
  if (length < min_length || length > kMaxLength) return Outcome::kBadLength;
  const uint64_t total = kLengthSize + uint64_t{length};
  if (total > remaining) return Outcome::kTruncated;
  avail = fill(static_cast<size_t>(total));
  if (!avail.ok()) return avail.status();
  if (*avail < total) return Outcome::kTruncated;  // the file is shorter than `end`
  p = buf_.data() + (position_ - buf_pos_);
  const uint32_t crc = crc32c::value(p + kCrcStart, total - kCrcStart);
  if (crc != get_u32(p + kLengthSize)) return Outcome::kBadCrc;
  const uint64_t offset = get_u64(p + 8);
  if (offset != expected_offset_) return Outcome::kBadOffset;
  size_t payload_at = kHeaderSize;
  uint32_t count = 0;
  if (batch) {
    count = get_u32(p + kHeaderSize);
    payload_at += kBatchCountSize;
    // Intact (the CRC matched) but impossible: a writer never frames such a batch. (A count
    // past the payload size is a compacted segment's; see log_format.h.)
    if (count == 0) return Outcome::kBadLength;
  }
  rec->offset = offset;
  rec->timestamp = static_cast<int64_t>(get_u64(p + 16));
  rec->payload = std::string_view(p + payload_at, total - payload_at);
  rec->batch_count = count;
  record_size_ = total;
  position_ += total;
  expected_offset_ += rec->offsets();
  return Outcome::kRecord;
}

const char* RecordReader::describe(Outcome outcome) {
  switch (outcome) {
    case Outcome::kRecord:
      return "record";
    case Outcome::kEnd:
      return "end of segment";
    case Outcome::kTruncated:
      return "record runs past the end of the file";
    case Outcome::kBadLength:
      return "length out of bounds";
    case Outcome::kBadCrc:
      return "CRC mismatch";
    case Outcome::kBadOffset:
      return "unexpected offset";
  }
  return "?";
}

}  // namespace polymq::storage
