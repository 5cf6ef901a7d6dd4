// Fetch (v4-v12) with Kafka's long poll: a fetch is answered as soon as min_bytes of records
// are there to serve, or when max_wait_ms has passed, whichever comes first (an error answers
// at once). Meanwhile it waits on the streams it reads (core::StreamWatch), rereading when a
// partition it asks for gains durable records, and on a timer of the broker's TimerService.
//
// Fetch sessions (KIP-227, v7+) are not kept: every answer has session_id 0, which tells the
// client to go on with full, sessionless fetches.
//
// REQUIRES: all calls on the owner thread (the session's event loop).
#pragma once

#include <list>
#include <memory>

#include "core/broker.h"
#include "kafka/config.h"
#include "kafka/protocol/generated/fetch.h"
#include "kafka/reply_queue.h"
#include "kafka/topic_access.h"

namespace polymq::kafka {

class Fetcher {
 public:
  // `broker` and `config` outlive the fetcher.
  Fetcher(core::Broker& broker, const Config& config);
  // Waiting fetches are dropped unanswered (the session ends).
  ~Fetcher();
  Fetcher(const Fetcher&) = delete;
  Fetcher& operator=(const Fetcher&) = delete;

  // `access`: what the user may read, as at the request (kept while the fetch waits).
  void handle(const FetchRequest& request, const TopicAccess& access, const Reply& reply);
  size_t waiting() const { return waiting_.size(); }

 private:
  class Waiting;
  // Ends `w`'s wait and destroys it. REQUIRES: nothing of `w` is touched afterwards.
  void finish(Waiting* w);

  core::Broker& broker_;
  const Config& config_;
  std::list<std::unique_ptr<Waiting>> waiting_;
};

}  // namespace polymq::kafka
