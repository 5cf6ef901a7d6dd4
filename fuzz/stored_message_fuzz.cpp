// libFuzzer target for the stored message layout (core/message_codec.h): what recovery reads
// back from a queue's log after a crash or from a damaged disk. Decoding must never read past
// its input or crash, and whatever decodes must re-encode to bytes that decode to the same
// encoding again.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/message_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace polymq::core;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  StoredMessage first;
  if (!decode_stored_message(in, first)) return 0;
  if (first.message == nullptr) abort();
  std::string once;
  encode_stored_message(once, first.sequence, first.transient, *first.message);
  StoredMessage second;
  if (!decode_stored_message(once, second)) abort();
  std::string twice;
  encode_stored_message(twice, second.sequence, second.transient, *second.message);
  if (once != twice) abort();
  return 0;
}
