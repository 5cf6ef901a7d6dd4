#include "kafka/groups/group_records.h"

#include "kafka/protocol/wire.h"

namespace polymq::kafka::groups {
namespace {

// Bumped when a kind's layout changes; records of another format are skipped on replay.
constexpr int8_t kFormat = 1;
// Compact (varint-length) strings and arrays: no 32 KiB limit on a member's metadata.
constexpr bool kCompact = true;

void write_member(Writer& w, const StoredMember& m) {
  w.string(m.member_id, kCompact);
  w.nullable_string(m.instance_id, kCompact);
  w.string(m.client_id, kCompact);
  w.string(m.client_host, kCompact);
  w.int32(m.session_timeout_ms);
  w.int32(m.rebalance_timeout_ms);
  w.bytes(m.metadata, kCompact);
  w.bytes(m.assignment, kCompact);
}

bool read_member(Reader& r, StoredMember& m) {
  r.string(m.member_id, kCompact);
  r.nullable_string(m.instance_id, kCompact, true);
  r.string(m.client_id, kCompact);
  r.string(m.client_host, kCompact);
  m.session_timeout_ms = r.int32();
  m.rebalance_timeout_ms = r.int32();
  r.bytes(m.metadata, kCompact);
  r.bytes(m.assignment, kCompact);
  return r.ok();
}

}  // namespace

std::string encode_record(const GroupRecord& record) {
  std::string out;
  Writer w(out);
  w.int8(kFormat);
  w.int8(static_cast<int8_t>(record.kind));
  w.string(record.group, kCompact);
  switch (record.kind) {
    case RecordKind::kOffset:
      w.string(record.partition.topic, kCompact);
      w.int32(record.partition.partition);
      w.int64(record.offset.offset);
      w.int32(record.offset.leader_epoch);
      w.nullable_string(record.offset.metadata, kCompact);
      w.int64(record.offset.commit_timestamp_ms);
      break;
    case RecordKind::kOffsetRemoved:
      w.string(record.partition.topic, kCompact);
      w.int32(record.partition.partition);
      break;
    case RecordKind::kGroup:
      w.string(record.stored.protocol_type, kCompact);
      w.int32(record.stored.generation);
      w.nullable_string(record.stored.protocol_name, kCompact);
      w.string(record.stored.leader, kCompact);
      w.array_length(record.stored.members.size(), kCompact);
      for (const StoredMember& m : record.stored.members) write_member(w, m);
      break;
    case RecordKind::kGroupRemoved:
      break;
  }
  return out;
}

bool decode_record(std::string_view payload, GroupRecord& out) {
  Reader r(payload);
  out = GroupRecord{};
  if (r.int8() != kFormat || !r.ok()) return false;
  const int8_t kind = r.int8();
  r.string(out.group, kCompact);
  if (!r.ok()) return false;
  switch (kind) {
    case static_cast<int8_t>(RecordKind::kOffset):
      out.kind = RecordKind::kOffset;
      r.string(out.partition.topic, kCompact);
      out.partition.partition = r.int32();
      out.offset.offset = r.int64();
      out.offset.leader_epoch = r.int32();
      r.nullable_string(out.offset.metadata, kCompact, true);
      out.offset.commit_timestamp_ms = r.int64();
      break;
    case static_cast<int8_t>(RecordKind::kOffsetRemoved):
      out.kind = RecordKind::kOffsetRemoved;
      r.string(out.partition.topic, kCompact);
      out.partition.partition = r.int32();
      break;
    case static_cast<int8_t>(RecordKind::kGroup): {
      out.kind = RecordKind::kGroup;
      r.string(out.stored.protocol_type, kCompact);
      out.stored.generation = r.int32();
      r.nullable_string(out.stored.protocol_name, kCompact, true);
      r.string(out.stored.leader, kCompact);
      // Each member takes at least 14 bytes: a bound on the count a hostile length claims.
      const int64_t count = r.array_length(kCompact, false, 14);
      if (!r.ok() || count < 0) return false;
      out.stored.members.resize(static_cast<size_t>(count));
      for (StoredMember& m : out.stored.members) {
        if (!read_member(r, m)) return false;
      }
      break;
    }
    case static_cast<int8_t>(RecordKind::kGroupRemoved):
      out.kind = RecordKind::kGroupRemoved;
      break;
    default:
      return false;
  }
  return r.ok() && r.remaining() == 0;
}

}  // namespace polymq::kafka::groups
