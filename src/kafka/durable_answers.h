// Answers that wait for durability: a Produce with acks 1 or -1 is answered once the
// group-commit round covering its appends has ended, as an AMQP publisher confirm is
// (core/publisher.h). One per session; its waits end with it (answers to a gone client are
// not needed).
//
// REQUIRES: all calls on the owner thread (the session's event loop).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>

#include "core/queue_store.h"

namespace polymq::kafka {

class DurableAnswers final : public core::CommitListener {
 public:
  explicit DurableAnswers(core::CommitTracker& commits) : commits_(commits) {}
  ~DurableAnswers() override;
  DurableAnswers(const DurableAnswers&) = delete;
  DurableAnswers& operator=(const DurableAnswers&) = delete;

  // What is written now is durable once this round has ended; 0: nothing to wait for (no
  // storage, or sync policy never).
  uint64_t covering_round() const { return commits_.covering_round(); }
  // Calls done(ok) once `round` has ended: ok when it synced, false when it failed.
  // REQUIRES: round != 0.
  void after_round(uint64_t round, std::function<void(bool ok)> done);

  // core::CommitListener
  void round_done(uint64_t round, bool ok) override;

 private:
  struct Waiting {
    uint64_t round;
    std::function<void(bool)> done;
  };
  core::CommitTracker& commits_;
  std::deque<Waiting> waiting_;  // by round: rounds are handed out in increasing order
};

}  // namespace polymq::kafka
