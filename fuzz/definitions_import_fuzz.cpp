// libFuzzer target for importing definitions (core/definitions.h): definitions.json at start-up
// today, a management API upload later. Any input must give a Status, never a crash or a hang;
// an import that succeeds must export a document that imports again into a fresh broker and
// exports the same.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/broker.h"
#include "core/definitions.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace polymq::core;
  const std::string_view json(reinterpret_cast<const char*>(data), size);
  Broker broker;
  if (!import_definitions(json, broker).ok()) return 0;
  const std::string exported = export_definitions(broker);
  Broker again;
  if (!import_definitions(exported, again).ok()) abort();
  if (export_definitions(again) != exported) abort();
  return 0;
}
