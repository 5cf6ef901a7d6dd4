// The message body polymq-perf sends: an 8-byte big-endian send time (steady clock, in
// nanoseconds) followed by filler. Producer and consumer run on the same machine, so the
// difference of two steady-clock readings is the end-to-end latency.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace polymq::perf {

constexpr size_t kTimestampSize = 8;

using Clock = std::chrono::steady_clock;

inline uint64_t now_ns() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
          .count());
}

// REQUIRES: `out` has kTimestampSize bytes.
inline void write_timestamp(char* out, uint64_t ns) {
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<char>(ns & 0xff);
    ns >>= 8;
  }
}

// REQUIRES: `in` has kTimestampSize bytes.
inline uint64_t read_timestamp(const uint8_t* in) {
  uint64_t ns = 0;
  for (size_t i = 0; i < kTimestampSize; ++i) ns = (ns << 8) | in[i];
  return ns;
}

}  // namespace polymq::perf
