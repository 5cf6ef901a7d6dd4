#include "kafka/protocol/record_batch.h"

#include <algorithm>

#include "kafka/protocol/wire.h"
#include "storage/crc32c.h"

namespace polymq::kafka {
namespace {

void put_be(char* p, uint64_t v, size_t n) {
  for (size_t i = 0; i < n; ++i) p[i] = static_cast<char>(v >> (8 * (n - 1 - i)));
}

// A varint-length-prefixed byte string; -1 is null. False when malformed or past the end.
bool read_varbytes(Reader& in, std::optional<std::string_view>& out) {
  const int32_t n = in.varint();
  if (!in.ok() || n < -1) return false;
  if (n == -1) {
    out.reset();
    return true;
  }
  std::string_view v;
  if (!in.view(static_cast<size_t>(n), v)) return false;
  out = v;
  return true;
}

void write_varbytes(Writer& w, const std::optional<std::string_view>& b) {
  if (!b) {
    w.varint(-1);
    return;
  }
  w.varint(static_cast<int32_t>(b->size()));
  w.raw(*b);
}

}  // namespace

BatchParse parse_batch_header(std::string_view data, RecordBatchHeader& out) {
  if (data.size() < kBatchHeaderSize) {
    // Judge the magic as soon as it is there, so a v0/v1 message set is not "truncated".
    if (data.size() > kBatchMagicOffset && data[kBatchMagicOffset] != kMagicV2) {
      return BatchParse::kBadMagic;
    }
    return BatchParse::kTruncated;
  }
  Reader in(data);
  out.base_offset = in.int64();
  out.batch_length = in.int32();
  out.partition_leader_epoch = in.int32();
  out.magic = in.int8();
  out.crc = in.uint32();
  out.attributes = in.int16();
  out.last_offset_delta = in.int32();
  out.base_timestamp = in.int64();
  out.max_timestamp = in.int64();
  out.producer_id = in.int64();
  out.producer_epoch = in.int16();
  out.base_sequence = in.int32();
  out.record_count = in.int32();
  if (out.magic != kMagicV2) return BatchParse::kBadMagic;
  if (out.batch_length < static_cast<int32_t>(kBatchHeaderSize - kBatchLogOverhead) ||
      out.record_count < 0) {
    return BatchParse::kBadLength;
  }
  if (out.size() > data.size()) return BatchParse::kTruncated;
  return BatchParse::kOk;
}

uint32_t compute_batch_crc(std::string_view batch) {
  if (batch.size() < kBatchAttributesOffset) return 0;
  return storage::crc32c::value(batch.substr(kBatchAttributesOffset));
}

BatchParse verify_batch_crc(std::string_view batch, const RecordBatchHeader& header) {
  return compute_batch_crc(batch) == header.crc ? BatchParse::kOk : BatchParse::kBadCrc;
}

BatchParse BatchIterator::next(std::string_view& batch, RecordBatchHeader& header) {
  BatchParse p = parse_batch_header(rest_, header);
  if (p != BatchParse::kOk) return p;
  batch = rest_.substr(0, header.size());
  p = verify_batch_crc(batch, header);
  if (p != BatchParse::kOk) return p;
  rest_.remove_prefix(batch.size());
  return BatchParse::kOk;
}

RecordReader::RecordReader(std::string_view batch, const RecordBatchHeader& header)
    : rest_(batch.size() >= kBatchHeaderSize ? batch.substr(kBatchHeaderSize) : std::string_view{}),
      left_(header.record_count),
      ok_(batch.size() >= kBatchHeaderSize) {}

bool RecordReader::next(Record& out) {
  if (!ok_) return false;
  if (left_ == 0) {
    // Kafka: "Incorrect declared batch size, records still remaining".
    ok_ = rest_.empty();
    return false;
  }
  Reader in(rest_);
  const int32_t length = in.varint();
  if (!in.ok() || length < 0 || static_cast<size_t>(length) > in.remaining()) {
    ok_ = false;
    return false;
  }
  const size_t header_bytes = in.position();
  Reader body = in.sub(static_cast<size_t>(length));
  out.attributes = body.int8();
  out.timestamp_delta = body.varlong();
  out.offset_delta = body.varint();
  bool good = body.ok() && read_varbytes(body, out.key) && read_varbytes(body, out.value);
  const int32_t count = good ? body.varint() : -1;
  out.headers.clear();
  // Each header takes at least two bytes (two varint lengths), which bounds the count.
  if (!body.ok() || count < 0 || static_cast<size_t>(count) > body.remaining() / 2) good = false;
  for (int32_t i = 0; good && i < count; ++i) {
    std::optional<std::string_view> key;
    RecordHeader& h = out.headers.emplace_back();
    good = read_varbytes(body, key) && key.has_value() && read_varbytes(body, h.value);
    if (good) h.key = *key;
  }
  if (!good || body.remaining() != 0) {
    ok_ = false;
    return false;
  }
  last_ = rest_.substr(0, header_bytes + static_cast<size_t>(length));
  rest_.remove_prefix(last_.size());
  --left_;
  return true;
}

std::string build_batch(const BatchOptions& options, std::span<const RecordInput> records) {
  std::string out;
  Writer w(out);
  const int64_t base_ts = records.empty() ? -1 : records.front().timestamp;
  int64_t max_ts = -1;
  for (const RecordInput& r : records) max_ts = std::max(max_ts, r.timestamp);
  w.int64(options.base_offset);
  w.int32(0);  // batch length, patched below
  w.int32(options.partition_leader_epoch);
  w.int8(kMagicV2);
  w.uint32(0);  // crc, patched below
  w.int16(static_cast<int16_t>(options.attributes & ~batch_attr::kCompressionMask));
  w.int32(static_cast<int32_t>(records.size()) - 1);
  w.int64(base_ts);
  w.int64(max_ts);
  w.int64(options.producer_id);
  w.int16(options.producer_epoch);
  w.int32(options.base_sequence);
  w.int32(static_cast<int32_t>(records.size()));
  std::string body;
  for (size_t i = 0; i < records.size(); ++i) {
    const RecordInput& r = records[i];
    body.clear();
    Writer b(body);
    b.int8(0);
    b.varlong(r.timestamp - base_ts);
    b.varint(static_cast<int32_t>(i));
    write_varbytes(b, r.key);
    write_varbytes(b, r.value);
    b.varint(static_cast<int32_t>(r.headers.size()));
    for (const RecordHeader& h : r.headers) {
      write_varbytes(b, h.key);
      write_varbytes(b, h.value);
    }
    w.varint(static_cast<int32_t>(body.size()));
    w.raw(body);
  }
  w.patch_int32(8, static_cast<int32_t>(out.size() - kBatchLogOverhead));
  put_be(out.data() + kBatchCrcOffset, compute_batch_crc(out), 4);
  return out;
}

std::string rebuild_batch(const RecordBatchHeader& header, std::string_view records,
                          int32_t count) {
  std::string out;
  Writer w(out);
  w.int64(header.base_offset);
  w.int32(0);  // batch length, patched below
  w.int32(header.partition_leader_epoch);
  w.int8(kMagicV2);
  w.uint32(0);  // crc, patched below
  w.int16(header.attributes);
  w.int32(header.last_offset_delta);
  w.int64(header.base_timestamp);
  w.int64(header.max_timestamp);
  w.int64(header.producer_id);
  w.int16(header.producer_epoch);
  w.int32(header.base_sequence);
  w.int32(count);
  w.raw(records);
  w.patch_int32(8, static_cast<int32_t>(out.size() - kBatchLogOverhead));
  put_be(out.data() + kBatchCrcOffset, compute_batch_crc(out), 4);
  return out;
}

void set_base_offset(char* batch, int64_t base_offset) {
  put_be(batch, static_cast<uint64_t>(base_offset), 8);
}

void set_partition_leader_epoch(char* batch, int32_t epoch) {
  put_be(batch + kBatchLogOverhead, static_cast<uint32_t>(epoch), 4);
}

void set_log_append_time(char* batch, size_t size, int64_t now_ms) {
  const auto* p = reinterpret_cast<const uint8_t*>(batch + kBatchAttributesOffset);
  const auto attributes = static_cast<uint16_t>(p[0] << 8 | p[1]);
  put_be(batch + kBatchAttributesOffset,
         static_cast<uint16_t>(attributes | static_cast<uint16_t>(batch_attr::kLogAppendTime)), 2);
  put_be(batch + kBatchMaxTimestampOffset, static_cast<uint64_t>(now_ms), 8);
  put_be(batch + kBatchCrcOffset, compute_batch_crc(std::string_view(batch, size)), 4);
}

}  // namespace polymq::kafka
