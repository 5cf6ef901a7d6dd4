// Primitives of the Kafka wire format: big-endian integers, unsigned and zig-zag varints, and
// the classic (length-prefixed) and compact (varint length + 1) strings, bytes and arrays.
//
// Reader never reads outside [data, data + size): a read past the end, a length that claims
// more than is left, an over-long varint or a null where none is allowed sets a sticky error,
// returns zero/empty and makes every later read fail too, so a decoder may read a whole
// structure and check ok() once. Lengths are checked against the bytes left before anything is
// allocated. Writer only appends to the string it was given.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace polymq::kafka {

// A 16-byte UUID (topic ids, directory ids) in wire order; all zero is Kafka's "zero uuid".
struct Uuid {
  std::array<uint8_t, 16> bytes{};
  bool operator==(const Uuid&) const = default;
};

enum class WireError : uint8_t {
  kNone,
  kTruncated,  // a read or a declared length went past the end of the input
  kMalformed,  // a negative length other than null, an over-long varint, a null not allowed
};

class Reader {
 public:
  Reader(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  explicit Reader(std::string_view bytes)
      : Reader(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()) {}

  int8_t int8() { return static_cast<int8_t>(take_be<uint8_t>()); }
  int16_t int16() { return static_cast<int16_t>(take_be<uint16_t>()); }
  int32_t int32() { return static_cast<int32_t>(take_be<uint32_t>()); }
  int64_t int64() { return static_cast<int64_t>(take_be<uint64_t>()); }
  uint16_t uint16() { return take_be<uint16_t>(); }
  uint32_t uint32() { return take_be<uint32_t>(); }
  double float64() {
    uint64_t bits = take_be<uint64_t>();
    double d;
    std::memcpy(&d, &bits, sizeof d);
    return d;
  }
  // As Kafka reads it: any non-zero byte is true.
  bool boolean() { return take_be<uint8_t>() != 0; }
  Uuid uuid() {
    Uuid u;
    std::string_view v;
    if (view(16, v)) std::memcpy(u.bytes.data(), v.data(), 16);
    return u;
  }

  // Unsigned LEB128 of at most 5 bytes (32 bits), as Kafka's readUnsignedVarint.
  uint32_t uvarint() { return static_cast<uint32_t>(varbits(5)); }
  // Zig-zag encoded signed varints (record fields): at most 5 and 10 bytes.
  int32_t varint() {
    uint32_t u = static_cast<uint32_t>(varbits(5));
    return static_cast<int32_t>((u >> 1) ^ (~(u & 1) + 1));
  }
  int64_t varlong() {
    uint64_t u = varbits(10);
    return static_cast<int64_t>((u >> 1) ^ (~(u & 1) + 1));
  }

  // A string or bytes field: int16 (strings) / int32 (bytes) length, or uvarint length + 1 when
  // compact; -1 / 0 is null. Returns false (and fails) for a null when !nullable.
  bool string(std::string& out, bool compact) { return text(out, compact, false, true); }
  bool nullable_string(std::optional<std::string>& out, bool compact, bool nullable) {
    return optional_text(out, compact, nullable, true);
  }
  bool bytes(std::string& out, bool compact) { return text(out, compact, false, false); }
  bool nullable_bytes(std::optional<std::string>& out, bool compact, bool nullable) {
    return optional_text(out, compact, nullable, false);
  }
  // Record data: a view into the input (valid as long as the input is), or nullopt for null.
  bool records(std::optional<std::string_view>& out, bool compact, bool nullable);

  // An array's element count: int32, or uvarint count + 1 when compact. Returns -1 for null
  // (failing when !nullable). Each element takes at least min_element_size bytes (>= 1), so a
  // count that could not fit in what is left fails here, before anything is allocated.
  int64_t array_length(bool compact, bool nullable, size_t min_element_size);

  // The next n bytes as a view into the input.
  bool view(size_t n, std::string_view& out) {
    if (!take(n)) {
      out = {};
      return false;
    }
    out = std::string_view(reinterpret_cast<const char*>(data_ + pos_ - n), n);
    return true;
  }
  // A reader over the next n bytes, which this one skips (a tagged field's contents). Fails
  // (and returns a failed, empty reader) when fewer than n bytes are left.
  Reader sub(size_t n) {
    std::string_view v;
    Reader r(nullptr, 0);
    if (view(n, v)) {
      r = Reader(reinterpret_cast<const uint8_t*>(v.data()), v.size());
    } else {
      r.fail(WireError::kTruncated);
    }
    return r;
  }
  bool skip(size_t n) { return take(n); }

  size_t remaining() const { return size_ - pos_; }
  size_t position() const { return pos_; }
  bool ok() const { return error_ == WireError::kNone; }
  WireError error() const { return error_; }
  // Marks the input malformed for a reason only the caller can see; the first error sticks.
  void fail(WireError e = WireError::kMalformed) {
    if (error_ == WireError::kNone) error_ = e;
    pos_ = size_;
  }

 private:
  bool take(size_t n) {
    if (!ok()) return false;
    if (n > size_ - pos_) {
      fail(WireError::kTruncated);
      return false;
    }
    pos_ += n;
    return true;
  }
  template <class T>
  T take_be() {
    if (!take(sizeof(T))) return 0;
    const uint8_t* p = data_ + pos_ - sizeof(T);
    T v = 0;
    for (size_t i = 0; i < sizeof(T); ++i) v = static_cast<T>((v << 8) | p[i]);
    return v;
  }
  uint64_t varbits(int max_bytes);
  // Reads a length prefix; returns -1 for null, -2 after a failure.
  int64_t length(bool compact, bool wide);
  bool text(std::string& out, bool compact, bool nullable, bool is_string);
  bool optional_text(std::optional<std::string>& out, bool compact, bool nullable, bool is_string);

  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
  WireError error_ = WireError::kNone;
};

// A records field left out of an encoded message so it can be sent from its own buffer (a
// fetched partition's batches) instead of being copied: its bytes belong at `position` of the
// output, right after its length prefix, which was written.
struct Splice {
  size_t position = 0;
  std::string_view bytes;
};

class Writer {
 public:
  explicit Writer(std::string& out) : out_(out) {}
  // Records fields are not copied into `out` but listed in `splices` (in output order).
  Writer(std::string& out, std::vector<Splice>* splices) : out_(out), splices_(splices) {}

  void int8(int8_t v) { out_.push_back(static_cast<char>(v)); }
  void int16(int16_t v) { put_be(static_cast<uint16_t>(v)); }
  void int32(int32_t v) { put_be(static_cast<uint32_t>(v)); }
  void int64(int64_t v) { put_be(static_cast<uint64_t>(v)); }
  void uint16(uint16_t v) { put_be(v); }
  void uint32(uint32_t v) { put_be(v); }
  void float64(double d) {
    uint64_t bits;
    std::memcpy(&bits, &d, sizeof bits);
    put_be(bits);
  }
  void boolean(bool b) { out_.push_back(b ? 1 : 0); }
  void uuid(const Uuid& u) { out_.append(reinterpret_cast<const char*>(u.bytes.data()), 16); }

  void uvarint(uint32_t v) { varbits(v); }
  void varint(int32_t v) {
    varbits((static_cast<uint32_t>(v) << 1) ^ static_cast<uint32_t>(v >> 31));
  }
  void varlong(int64_t v) {
    varbits((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
  }

  // Strings longer than int16 allows (classic) are truncated rather than written malformed.
  void string(std::string_view s, bool compact);
  // A null where the version cannot say null is written as the empty value.
  void nullable_string(const std::optional<std::string>& s, bool compact, bool nullable = true);
  void bytes(std::string_view b, bool compact);
  void nullable_bytes(const std::optional<std::string>& b, bool compact, bool nullable = true);
  void records(const std::optional<std::string_view>& r, bool compact, bool nullable = true);
  void array_length(size_t n, bool compact);
  void null_array(bool compact) {
    if (compact) {
      uvarint(0);
    } else {
      int32(-1);
    }
  }
  void raw(std::string_view s) { out_.append(s); }

  // Offset in the output string (which may have held data before this Writer was made).
  size_t position() const { return out_.size(); }
  // Bytes of the records fields left out as splices: the message is position() plus these.
  size_t spliced_bytes() const { return spliced_bytes_; }
  // Overwrites four bytes written earlier, e.g. a size known only after its content.
  void patch_int32(size_t pos, int32_t v);

 private:
  template <class T>
  void put_be(T v) {
    char b[sizeof(T)];
    for (size_t i = 0; i < sizeof(T); ++i) {
      b[i] = static_cast<char>(v >> (8 * (sizeof(T) - 1 - i)));
    }
    out_.append(b, sizeof(T));
  }
  void varbits(uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<char>((v & 0x7F) | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
  }
  void length(int64_t n, bool compact, bool wide);

  std::string& out_;
  std::vector<Splice>* splices_ = nullptr;
  size_t spliced_bytes_ = 0;
};

}  // namespace polymq::kafka
