// libFuzzer target for importing definitions (rabbit/definitions.h): definitions.json at start-up
// today, a management API upload later. Any input must give a Status, never a crash or a hang;
// an import that succeeds must export a document that imports again into a fresh broker and
// exports the same.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/broker.h"
#include "rabbit/definitions.h"
#include "rabbit/model.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace polymq;
  using rabbit::export_definitions;
  using rabbit::import_definitions;
  const std::string_view json(reinterpret_cast<const char*>(data), size);
  // RabbitMQ's model, as the server has it: imported queues' arguments are checked.
  const rabbit::Model model;
  core::Broker broker;
  model.install(broker.hooks());
  if (!import_definitions(json, broker).ok()) return 0;
  const std::string exported = export_definitions(broker);
  core::Broker again;
  model.install(again.hooks());
  if (!import_definitions(exported, again).ok()) abort();
  if (export_definitions(again) != exported) abort();
  return 0;
}
