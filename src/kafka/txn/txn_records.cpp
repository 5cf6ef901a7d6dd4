#include "kafka/txn/txn_records.h"

#include "kafka/protocol/wire.h"

namespace polymq::kafka::txn {
namespace {

// Bumped when a kind's layout changes; records of another format are skipped on replay.
constexpr int8_t kFormat = 1;
constexpr bool kCompact = true;

void write_partition(Writer& w, const groups::TopicPartition& p) {
  w.string(p.topic, kCompact);
  w.int32(p.partition);
}

void read_partition(Reader& r, groups::TopicPartition& p) {
  r.string(p.topic, kCompact);
  p.partition = r.int32();
}

void write_state(Writer& w, const TxnMetadata& m) {
  w.string(m.transactional_id, kCompact);
  w.int64(m.producer_id);
  w.int16(m.producer_epoch);
  w.int32(m.timeout_ms);
  w.int8(static_cast<int8_t>(m.state));
  w.int64(m.started_ms);
  w.int64(m.updated_ms);
  w.array_length(m.partitions.size(), kCompact);
  for (const TxnPartition& p : m.partitions) {
    write_partition(w, p.partition);
    w.int64(p.first_offset);
  }
  w.array_length(m.groups.size(), kCompact);
  for (const std::string& g : m.groups) w.string(g, kCompact);
  w.array_length(m.offsets.size(), kCompact);
  for (const groups::GroupRecord& o : m.offsets) w.bytes(groups::encode_record(o), kCompact);
}

// Each element takes at least this many bytes: a bound on the count a hostile length claims.
constexpr size_t kMinElementBytes = 2;

bool read_state(Reader& r, TxnMetadata& m) {
  r.string(m.transactional_id, kCompact);
  m.producer_id = r.int64();
  m.producer_epoch = r.int16();
  m.timeout_ms = r.int32();
  const int8_t state = r.int8();
  if (state < 0 || state > static_cast<int8_t>(TxnState::kCompleteAbort)) return false;
  m.state = static_cast<TxnState>(state);
  m.started_ms = r.int64();
  m.updated_ms = r.int64();
  int64_t count = r.array_length(kCompact, false, kMinElementBytes);
  if (!r.ok() || count < 0) return false;
  m.partitions.resize(static_cast<size_t>(count));
  for (TxnPartition& p : m.partitions) {
    read_partition(r, p.partition);
    p.first_offset = r.int64();
  }
  count = r.array_length(kCompact, false, kMinElementBytes);
  if (!r.ok() || count < 0) return false;
  m.groups.resize(static_cast<size_t>(count));
  for (std::string& g : m.groups) r.string(g, kCompact);
  count = r.array_length(kCompact, false, kMinElementBytes);
  if (!r.ok() || count < 0) return false;
  m.offsets.resize(static_cast<size_t>(count));
  for (groups::GroupRecord& o : m.offsets) {
    std::string bytes;
    if (!r.bytes(bytes, kCompact) || !groups::decode_record(bytes, o) ||
        o.kind != groups::RecordKind::kOffset) {
      return false;
    }
  }
  return r.ok();
}

}  // namespace

const char* txn_state_name(TxnState state) {
  switch (state) {
    case TxnState::kEmpty:
      return "Empty";
    case TxnState::kOngoing:
      return "Ongoing";
    case TxnState::kPrepareCommit:
      return "PrepareCommit";
    case TxnState::kPrepareAbort:
      return "PrepareAbort";
    case TxnState::kCompleteCommit:
      return "CompleteCommit";
    case TxnState::kCompleteAbort:
      return "CompleteAbort";
  }
  return "Unknown";
}

std::string encode_txn_record(const TxnRecord& record) {
  std::string out;
  Writer w(out);
  w.int8(kFormat);
  w.int8(static_cast<int8_t>(record.kind));
  if (record.kind == TxnRecordKind::kState) {
    write_state(w, record.state);
  } else if (record.kind == TxnRecordKind::kRemoved) {
    w.string(record.state.transactional_id, kCompact);
  } else {
    write_partition(w, record.aborted.partition);
    w.int64(record.aborted.producer_id);
    w.int64(record.aborted.first_offset);
    w.int64(record.aborted.last_offset);
  }
  return out;
}

bool decode_txn_record(std::string_view payload, TxnRecord& out) {
  Reader r(payload);
  out = TxnRecord{};
  if (r.int8() != kFormat || !r.ok()) return false;
  const int8_t kind = r.int8();
  if (!r.ok()) return false;
  switch (kind) {
    case static_cast<int8_t>(TxnRecordKind::kState):
      out.kind = TxnRecordKind::kState;
      if (!read_state(r, out.state)) return false;
      break;
    case static_cast<int8_t>(TxnRecordKind::kRemoved):
      out.kind = TxnRecordKind::kRemoved;
      r.string(out.state.transactional_id, kCompact);
      break;
    case static_cast<int8_t>(TxnRecordKind::kAborted):
      out.kind = TxnRecordKind::kAborted;
      read_partition(r, out.aborted.partition);
      out.aborted.producer_id = r.int64();
      out.aborted.first_offset = r.int64();
      out.aborted.last_offset = r.int64();
      break;
    default:
      return false;
  }
  return r.ok() && r.remaining() == 0;
}

}  // namespace polymq::kafka::txn
