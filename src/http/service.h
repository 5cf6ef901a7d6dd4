// What an HTTP server serves (SQS/SNS, the management API ...): the session hands it each
// complete request; it answers through the Responder now or later. The session knows
// nothing of what is served.
#pragma once

#include "http/message.h"
#include "http/response_queue.h"

namespace polymq::http {

class Service {
 public:
  virtual ~Service() = default;
  // Called on the connection's event loop thread. The request is the service's to keep. The
  // answer may be sent from inside the call or later from the same thread; requests behind it
  // on the connection are handed over meanwhile, and their answers wait for this one.
  virtual void handle(Request request, Responder responder) = 0;
};

}  // namespace polymq::http
