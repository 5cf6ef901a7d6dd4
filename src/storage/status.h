// Errors as values for the storage layer. storage/ sits below core/, so it has its own small
// Status rather than core::Status; the layer above maps these codes onto its own.
#pragma once

#include <cerrno>
#include <cstring>
#include <optional>
#include <string>
#include <utility>

namespace polymq::storage {

enum class Code {
  kOk,
  kNotFound,         // a file or directory that must exist does not
  kOutOfRange,       // an offset outside [first_offset, next_offset]
  kInvalidArgument,  // bad options or an oversized record
  kCorruption,       // bytes on disk fail a check (CRC, framing, offsets, missing records)
  kIOError,          // a system call failed; sys_errno() says which way (ENOSPC, EIO, ...)
};

class [[nodiscard]] Status {
 public:
  Status() = default;

  static Status Ok() { return {}; }
  static Status NotFound(std::string msg) { return {Code::kNotFound, std::move(msg), 0}; }
  static Status OutOfRange(std::string msg) { return {Code::kOutOfRange, std::move(msg), 0}; }
  static Status InvalidArgument(std::string msg) {
    return {Code::kInvalidArgument, std::move(msg), 0};
  }
  static Status Corruption(std::string msg) { return {Code::kCorruption, std::move(msg), 0}; }
  // `what` names the operation and file; the errno text is appended.
  static Status IOError(const std::string& what, int err) {
    return {Code::kIOError, what + ": " + std::strerror(err), err};
  }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // The errno of a kIOError, 0 for every other code.
  int sys_errno() const { return errno_; }
  bool is_no_space() const { return code_ == Code::kIOError && errno_ == ENOSPC; }
  bool is_corruption() const { return code_ == Code::kCorruption; }

 private:
  Status(Code code, std::string message, int err)
      : code_(code), message_(std::move(message)), errno_(err) {}

  Code code_ = Code::kOk;
  std::string message_;
  int errno_ = 0;
};

// A value or the Status that explains its absence.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  // REQUIRES: !status.ok()
  Result(Status status) : status_(std::move(status)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }

  // REQUIRES: ok()
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace polymq::storage
