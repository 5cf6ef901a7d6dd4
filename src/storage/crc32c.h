// CRC-32C (Castagnoli): the checksum of every record and index file. Uses the SSE4.2 crc32
// instruction when the CPU has it and a table-driven (slicing-by-8) loop otherwise.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace polymq::storage::crc32c {

// The CRC of data[0, n) continued from `crc`, the CRC of the bytes before it (0 for none):
// extend(extend(0, a), b) == value(a + b).
uint32_t extend(uint32_t crc, const void* data, size_t n);

inline uint32_t value(const void* data, size_t n) { return extend(0, data, n); }
inline uint32_t value(std::string_view s) { return extend(0, s.data(), s.size()); }

// Both implementations, for tests and benchmarks; extend() picks one once per process.
uint32_t extend_software(uint32_t crc, const void* data, size_t n);
bool hardware_available();
// REQUIRES: hardware_available()
uint32_t extend_hardware(uint32_t crc, const void* data, size_t n);

}  // namespace polymq::storage::crc32c
