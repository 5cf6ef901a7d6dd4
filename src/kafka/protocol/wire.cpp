#include "kafka/protocol/wire.h"

#include <algorithm>

namespace polymq::kafka {

uint64_t Reader::varbits(int max_bytes) {
  uint64_t v = 0;
  for (int i = 0; i < max_bytes; ++i) {
    if (!take(1)) return 0;
    uint8_t b = data_[pos_ - 1];
    v |= uint64_t{b & 0x7Fu} << (7 * i);
    if ((b & 0x80) == 0) return v;
  }
  // A continuation bit on the last byte allowed: Kafka calls this an illegal varint.
  fail(WireError::kMalformed);
  return 0;
}

int64_t Reader::length(bool compact, bool wide) {
  int64_t n;
  if (compact) {
    n = static_cast<int64_t>(uvarint()) - 1;
  } else {
    n = wide ? int64_t{int32()} : int64_t{int16()};
  }
  if (!ok()) return -2;
  if (n < -1) {
    fail(WireError::kMalformed);
    return -2;
  }
  return n;
}

bool Reader::text(std::string& out, bool compact, bool nullable, bool is_string) {
  out.clear();
  int64_t n = length(compact, !is_string);
  if (n == -1 && !nullable) fail(WireError::kMalformed);
  if (n < 0) return ok();
  std::string_view v;
  if (!view(static_cast<size_t>(n), v)) return false;
  out.assign(v);
  return true;
}

bool Reader::optional_text(std::optional<std::string>& out, bool compact, bool nullable,
                           bool is_string) {
  int64_t n = length(compact, !is_string);
  if (n == -1 && !nullable) fail(WireError::kMalformed);
  if (n < 0) {
    out.reset();
    return ok();
  }
  std::string_view v;
  if (!view(static_cast<size_t>(n), v)) {
    out.reset();
    return false;
  }
  out.emplace(v);
  return true;
}

bool Reader::records(std::optional<std::string_view>& out, bool compact, bool nullable) {
  out.reset();
  int64_t n = length(compact, true);
  if (n == -1 && !nullable) fail(WireError::kMalformed);
  if (n < 0) return ok();
  std::string_view v;
  if (!view(static_cast<size_t>(n), v)) return false;
  out = v;
  return true;
}

int64_t Reader::array_length(bool compact, bool nullable, size_t min_element_size) {
  int64_t n = length(compact, true);
  if (n == -2) return -1;
  if (n == -1) {
    if (!nullable) fail(WireError::kMalformed);
    return -1;
  }
  if (static_cast<uint64_t>(n) > remaining() / std::max<size_t>(min_element_size, 1)) {
    fail(WireError::kTruncated);
    return -1;
  }
  return n;
}

void Writer::length(int64_t n, bool compact, bool wide) {
  if (compact) {
    uvarint(static_cast<uint32_t>(n + 1));
  } else if (wide) {
    int32(static_cast<int32_t>(n));
  } else {
    int16(static_cast<int16_t>(n));
  }
}

void Writer::string(std::string_view s, bool compact) {
  if (!compact && s.size() > INT16_MAX) s = s.substr(0, INT16_MAX);
  if (compact && s.size() >= UINT32_MAX) s = s.substr(0, UINT32_MAX - 1);
  length(static_cast<int64_t>(s.size()), compact, false);
  out_.append(s);
}

void Writer::nullable_string(const std::optional<std::string>& s, bool compact, bool nullable) {
  if (s) {
    string(*s, compact);
  } else if (nullable) {
    length(-1, compact, false);
  } else {
    string({}, compact);
  }
}

void Writer::bytes(std::string_view b, bool compact) {
  if (b.size() > INT32_MAX) b = b.substr(0, INT32_MAX);
  length(static_cast<int64_t>(b.size()), compact, true);
  out_.append(b);
}

void Writer::nullable_bytes(const std::optional<std::string>& b, bool compact, bool nullable) {
  if (b) {
    bytes(*b, compact);
  } else if (nullable) {
    length(-1, compact, true);
  } else {
    bytes({}, compact);
  }
}

void Writer::records(const std::optional<std::string_view>& r, bool compact, bool nullable) {
  if (r && splices_ != nullptr && !r->empty() && r->size() <= INT32_MAX) {
    length(static_cast<int64_t>(r->size()), compact, true);
    splices_->push_back(Splice{out_.size(), *r});
    spliced_bytes_ += r->size();
  } else if (r) {
    bytes(*r, compact);
  } else if (nullable) {
    length(-1, compact, true);
  } else {
    bytes({}, compact);
  }
}

void Writer::array_length(size_t n, bool compact) {
  length(static_cast<int64_t>(std::min<size_t>(n, INT32_MAX)), compact, true);
}

void Writer::patch_int32(size_t pos, int32_t v) {
  if (pos + 4 > out_.size()) return;
  auto u = static_cast<uint32_t>(v);
  out_[pos] = static_cast<char>(u >> 24);
  out_[pos + 1] = static_cast<char>(u >> 16);
  out_[pos + 2] = static_cast<char>(u >> 8);
  out_[pos + 3] = static_cast<char>(u);
}

}  // namespace polymq::kafka
