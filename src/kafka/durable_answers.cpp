#include "kafka/durable_answers.h"

namespace polymq::kafka {

DurableAnswers::~DurableAnswers() { commits_.cancel_wait(this); }

void DurableAnswers::after_round(uint64_t round, std::function<void(bool ok)> done) {
  // The committer tells a listener once, of the next round to end; waiting again is harmless.
  if (waiting_.empty()) commits_.wait(this);
  waiting_.push_back(Waiting{round, std::move(done)});
}

void DurableAnswers::round_done(uint64_t round, bool ok) {
  // Rounds end in order and a round's end means every earlier one ended: everything waiting
  // for `round` or before is settled, with this round's outcome (as the publisher confirms).
  std::deque<Waiting> settled;
  while (!waiting_.empty() && waiting_.front().round <= round) {
    settled.push_back(std::move(waiting_.front()));
    waiting_.pop_front();
  }
  if (!waiting_.empty()) commits_.wait(this);
  for (Waiting& w : settled) w.done(ok);
}

}  // namespace polymq::kafka
