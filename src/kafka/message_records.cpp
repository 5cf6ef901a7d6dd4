#include "kafka/message_records.h"

#include <vector>

#include "core/message_codec.h"
#include "kafka/protocol/record_batch.h"

namespace polymq::kafka {

bool append_message_as_batch(std::string_view stored, uint64_t offset, int64_t timestamp_ms,
                             std::string& out) {
  core::StoredMessage decoded;
  if (!core::decode_stored_message(stored, decoded) || decoded.message == nullptr) return false;
  const core::Message& m = *decoded.message;
  RecordInput record;
  record.key = m.key ? std::string_view(*m.key) : std::string_view(m.routing_key);
  record.value = std::string_view(m.body.data(), m.body.size());
  record.timestamp = timestamp_ms;
  if (m.properties.headers) {
    for (const auto& [name, value] : *m.properties.headers) {
      if (const std::string* s = value.as_string()) record.headers.push_back({name, *s});
    }
  }
  BatchOptions options;
  options.base_offset = static_cast<int64_t>(offset);
  options.partition_leader_epoch = 0;
  out += build_batch(options, std::span<const RecordInput>(&record, 1));
  return true;
}

std::optional<std::string> stored_message_key(std::string_view stored) {
  core::StoredMessage decoded;
  if (!core::decode_stored_message(stored, decoded) || decoded.message == nullptr) {
    return std::nullopt;
  }
  const core::Message& m = *decoded.message;
  return m.key ? *m.key : m.routing_key;
}

}  // namespace polymq::kafka
