// core::TimerService on asio: deadlines, re-arming, and no callback after cancel or destroy.
#include "net/asio_timers.h"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>

namespace polymq::net {
namespace {

TEST(AsioTimers, FiresOnceAtTheDeadline) {
  asio::io_context io;
  AsioTimerService service(io);
  int fired = 0;
  auto timer = service.create([&] { ++fired; });
  const auto start = service.now();
  timer->arm(start + std::chrono::milliseconds(20));
  io.run();
  EXPECT_EQ(fired, 1);
  EXPECT_GE(service.now() - start, std::chrono::milliseconds(20));
}

TEST(AsioTimers, RearmMovesTheDeadlineAndCancelStopsIt) {
  asio::io_context io;
  AsioTimerService service(io);
  int a = 0;
  int b = 0;
  auto ta = service.create([&] { ++a; });
  auto tb = service.create([&] { ++b; });
  ta->arm(service.now() + std::chrono::hours(1));
  ta->arm(service.now());  // moved earlier: fires once, now
  tb->arm(service.now());
  tb->cancel();
  io.run();
  EXPECT_EQ(a, 1);
  EXPECT_EQ(b, 0);
}

TEST(AsioTimers, NoCallbackAfterCancelOrDestructionEvenWhenTheWaitHadCompleted) {
  asio::io_context io;
  AsioTimerService service(io);
  int cancelled = 0;
  int destroyed = 0;
  auto tc = service.create([&] { ++cancelled; });
  auto td = service.create([&] { ++destroyed; });
  tc->arm(service.now());
  td->arm(service.now());
  // The killer's deadline is the earliest, so asio queues all three completions at once and
  // runs it first: the other two waits have already completed when it cancels/destroys them.
  auto killer = service.create([&] {
    tc->cancel();
    td.reset();
  });
  killer->arm(service.now() - std::chrono::seconds(1));
  io.run();
  EXPECT_EQ(cancelled, 0);
  EXPECT_EQ(destroyed, 0);
}

TEST(AsioTimers, CallbackMayDestroyItsOwnTimerAndRearmOthers) {
  asio::io_context io;
  AsioTimerService service(io);
  std::unique_ptr<core::Timer> self;
  int fired = 0;
  self = service.create([&] {
    ++fired;
    self.reset();
  });
  self->arm(service.now());
  int again = 0;
  std::unique_ptr<core::Timer> rearming;
  rearming = service.create([&] {
    if (++again < 3) rearming->arm(service.now());
  });
  rearming->arm(service.now());
  io.run();
  EXPECT_EQ(fired, 1);
  EXPECT_EQ(self, nullptr);
  EXPECT_EQ(again, 3);
}

}  // namespace
}  // namespace polymq::net
