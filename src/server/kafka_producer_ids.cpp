#include "server/kafka_producer_ids.h"

#include <spdlog/spdlog.h>

#include <charconv>
#include <limits>

namespace polymq::server {
namespace {

constexpr char kFileName[] = "kafka_producer_ids";

}  // namespace

KafkaProducerIds::KafkaProducerIds(const std::string& data_dir, int64_t reserved_end)
    : file_(data_dir, kFileName), next_(reserved_end), reserved_end_(reserved_end) {}

bool KafkaProducerIds::open(const std::string& data_dir, std::unique_ptr<KafkaProducerIds>& out,
                            std::string& error) {
  storage::ReplacedFile file(data_dir, kFileName);
  auto stored = file.read();
  if (!stored.ok()) {
    error = "cannot read " + file.path() + ": " + stored.status().message();
    return false;
  }
  int64_t end = 0;
  if (!stored->empty()) {
    const std::string_view text(*stored);
    const std::string_view digits = text.substr(0, text.find('\n'));
    const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), end);
    if (ec != std::errc() || ptr != digits.data() + digits.size() || end < 0) {
      error = file.path() + " holds no valid producer-id reservation";
      return false;
    }
  }
  out.reset(new KafkaProducerIds(data_dir, end));
  return true;
}

int64_t KafkaProducerIds::next_producer_id() {
  if (next_ == reserved_end_) {
    if (reserved_end_ > std::numeric_limits<int64_t>::max() - kBlockSize) return -1;
    const int64_t end = reserved_end_ + kBlockSize;
    if (storage::Status st = file_.replace(std::to_string(end) + "\n"); !st.ok()) {
      spdlog::error("kafka: cannot reserve producer ids in {}: {}", file_.path(), st.message());
      return -1;
    }
    reserved_end_ = end;
  }
  return next_++;
}

}  // namespace polymq::server
