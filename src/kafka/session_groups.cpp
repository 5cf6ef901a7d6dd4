// The consumer-group APIs of a Kafka session.
#include "kafka/session.h"

namespace polymq::kafka {

bool Session::dispatch_groups(const Request&, const Reply&) { return false; }

}  // namespace polymq::kafka
