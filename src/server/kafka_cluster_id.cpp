#include "server/kafka_cluster_id.h"

#include <array>
#include <random>

#include "storage/replaced_file.h"

namespace polymq::server {
namespace {

constexpr char kFileName[] = "kafka_cluster_id";
constexpr size_t kIdLength = 22;  // 128 bits in base64 without padding
constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

}  // namespace

std::string new_kafka_cluster_id() {
  std::random_device random;
  std::array<uint8_t, 16> bytes{};
  for (uint8_t& b : bytes) b = static_cast<uint8_t>(random());
  // Kafka's Uuid.randomUuid sets the version (4) and variant bits as java.util.UUID does.
  bytes[6] = static_cast<uint8_t>((bytes[6] & 0x0F) | 0x40);
  bytes[8] = static_cast<uint8_t>((bytes[8] & 0x3F) | 0x80);
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (uint8_t b : bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kAlphabet[(acc >> bits) & 0x3F]);
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(acc << (6 - bits)) & 0x3F]);
  return out;
}

bool valid_kafka_cluster_id(const std::string& id) {
  if (id.size() != kIdLength) return false;
  return id.find_first_not_of(kAlphabet) == std::string::npos;
}

bool load_or_create_kafka_cluster_id(const std::string& data_dir, std::string& id,
                                     std::string& error) {
  storage::ReplacedFile file(data_dir, kFileName);
  auto stored = file.read();
  if (!stored.ok()) {
    error =
        "cannot read the Kafka cluster id from " + file.path() + ": " + stored.status().message();
    return false;
  }
  if (!stored->empty()) {
    std::string text = stored->substr(0, stored->find('\n'));
    if (!valid_kafka_cluster_id(text)) {
      error = file.path() + " holds no valid Kafka cluster id ('" + text.substr(0, 64) + "')";
      return false;
    }
    id = std::move(text);
    return true;
  }
  const std::string fresh = new_kafka_cluster_id();
  if (storage::Status st = file.replace(fresh + "\n"); !st.ok()) {
    error = "cannot store the Kafka cluster id in " + file.path() + ": " + st.message();
    return false;
  }
  id = fresh;
  return true;
}

}  // namespace polymq::server
