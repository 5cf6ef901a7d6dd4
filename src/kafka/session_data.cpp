// The data path of a Kafka session: the APIs that write and read the topics' partitions.
#include "kafka/session.h"

namespace polymq::kafka {

bool Session::dispatch_data(const Request&, const Reply&) { return false; }

}  // namespace polymq::kafka
