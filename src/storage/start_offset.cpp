#include "storage/start_offset.h"

#include "storage/crc32c.h"
#include "storage/log_format.h"
#include "storage/replaced_file.h"

namespace polymq::storage {

using namespace format;

namespace {

constexpr size_t kCrcAt = 12;

}  // namespace

Status write_start_offset(const std::string& dir, uint64_t offset, const FaultHooks* hooks) {
  char buf[kStartOffsetFileSize];
  put_u32(buf, kStartOffsetMagic);
  put_u64(buf + 4, offset);
  put_u32(buf + kCrcAt, crc32c::value(buf, kCrcAt));
  return ReplacedFile(dir, std::string(kStartOffsetFileName), hooks)
      .replace(std::string_view(buf, sizeof buf));
}

Result<std::optional<uint64_t>> read_start_offset(const std::string& dir) {
  const ReplacedFile file(dir, std::string(kStartOffsetFileName));
  auto contents = file.read();  // empty when there is no file (an empty file is kCorruption)
  if (!contents.ok()) return contents.status();
  if (contents->empty()) return std::optional<uint64_t>();
  const std::string& bytes = *contents;
  if (bytes.size() != kStartOffsetFileSize) {
    return Status::Corruption(file.path() + " has " + std::to_string(bytes.size()) +
                              " bytes, not " + std::to_string(kStartOffsetFileSize));
  }
  if (get_u32(bytes.data()) != kStartOffsetMagic) {
    return Status::Corruption(file.path() + ": bad magic");
  }
  if (get_u32(bytes.data() + kCrcAt) != crc32c::value(bytes.data(), kCrcAt)) {
    return Status::Corruption(file.path() + ": bad CRC");
  }
  return std::optional<uint64_t>(get_u64(bytes.data() + 4));
}

}  // namespace polymq::storage
