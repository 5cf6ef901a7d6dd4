#include "management/message_stats.h"

#include <string>

namespace polymq::management {
namespace {

constexpr std::array<const char*, kMessageStatCount> kNames = {
    "publish", "confirm",    "return_unroutable", "drop_unroutable", "deliver",   "deliver_no_ack",
    "get",     "get_no_ack", "get_empty",         "deliver_get",     "redeliver", "ack"};

}  // namespace

MessageStatValues message_stat_values(const core::MessageCounters& n) {
  return {n.published,
          n.confirmed,
          n.unroutable_returned,
          n.unroutable_dropped,
          n.delivered_ack,
          n.delivered_auto_ack,
          n.get_ack,
          n.get_auto_ack,
          n.get_empty,
          n.delivered_ack + n.delivered_auto_ack + n.get_ack + n.get_auto_ack,
          n.redelivered,
          n.acked};
}

void write_message_stats(JsonWriter& w, const MessageStatValues& values,
                         const MessageStatRates* rates) {
  w.Key("message_stats");
  w.StartObject();
  for (size_t i = 0; i < kMessageStatCount; ++i) {
    write_counter(w, kNames[i], values[i], rates == nullptr ? nullptr : &(*rates)[i]);
  }
  w.EndObject();
}

}  // namespace polymq::management
