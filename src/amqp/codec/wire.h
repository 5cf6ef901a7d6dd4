// Big-endian primitives of the AMQP 0-9-1 wire format.
//
// Reader never reads outside [data, data + size): a read past the end sets a sticky failure,
// returns zero/false and leaves every later read failing too, so a decoder may read a whole
// structure and check ok() once at the end. Writer only appends to the string it was given.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace polymq::amqp {

class Reader {
 public:
  Reader(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  explicit Reader(std::string_view bytes)
      : Reader(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()) {}

  uint8_t u8() {
    if (!take(1)) return 0;
    return data_[pos_ - 1];
  }
  uint16_t u16() {
    if (!take(2)) return 0;
    const uint8_t* p = data_ + pos_ - 2;
    return static_cast<uint16_t>((p[0] << 8) | p[1]);
  }
  uint32_t u32() {
    if (!take(4)) return 0;
    const uint8_t* p = data_ + pos_ - 4;
    return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
  }
  uint64_t u64() {
    uint64_t hi = u32();
    uint64_t lo = u32();
    return (hi << 32) | lo;
  }

  // Octet length + bytes.
  bool shortstr(std::string& out) { return str(u8(), out); }
  // 32-bit length + bytes.
  bool longstr(std::string& out) { return str(u32(), out); }
  // The next n bytes as a view into the underlying buffer.
  bool bytes(size_t n, std::string_view& out) {
    if (!take(n)) {
      out = {};
      return false;
    }
    out = std::string_view(reinterpret_cast<const char*>(data_ + pos_ - n), n);
    return true;
  }

  size_t remaining() const { return size_ - pos_; }
  bool ok() const { return ok_; }
  // Marks the input malformed for a reason only the caller can see (a bad tag, say).
  void fail() { ok_ = false; }

 private:
  bool take(size_t n) {
    if (!ok_ || n > size_ - pos_) {
      ok_ = false;
      pos_ = size_;
      return false;
    }
    pos_ += n;
    return true;
  }
  bool str(size_t n, std::string& out) {
    std::string_view v;
    if (!ok_ || !bytes(n, v)) {
      out.clear();
      return false;
    }
    out.assign(v);
    return true;
  }

  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
  bool ok_ = true;
};

class Writer {
 public:
  explicit Writer(std::string& out) : out_(out) {}

  void u8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void u16(uint16_t v) {
    char b[2] = {static_cast<char>(v >> 8), static_cast<char>(v)};
    out_.append(b, 2);
  }
  void u32(uint32_t v) {
    char b[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
                 static_cast<char>(v)};
    out_.append(b, 4);
  }
  void u64(uint64_t v) {
    u32(static_cast<uint32_t>(v >> 32));
    u32(static_cast<uint32_t>(v));
  }

  // REQUIRES: s.size() <= 255; longer input is truncated rather than written malformed.
  void shortstr(std::string_view s) {
    if (s.size() > 255) s = s.substr(0, 255);
    u8(static_cast<uint8_t>(s.size()));
    out_.append(s);
  }
  // REQUIRES: s.size() < 4 GiB; longer input is truncated rather than written malformed.
  void longstr(std::string_view s) {
    if (s.size() > UINT32_MAX) s = s.substr(0, UINT32_MAX);
    u32(static_cast<uint32_t>(s.size()));
    out_.append(s);
  }
  void raw(std::string_view s) { out_.append(s); }

  // Offset in the output string (which may have held data before this Writer was made).
  size_t position() const { return out_.size(); }
  // Overwrites four bytes written earlier, e.g. a length known only after its content.
  void patch_u32(size_t pos, uint32_t v) {
    if (pos + 4 > out_.size()) return;
    out_[pos] = static_cast<char>(v >> 24);
    out_[pos + 1] = static_cast<char>(v >> 16);
    out_[pos + 2] = static_cast<char>(v >> 8);
    out_[pos + 3] = static_cast<char>(v);
  }

 private:
  std::string& out_;
};

}  // namespace polymq::amqp
