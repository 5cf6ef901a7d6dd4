// ReplyQueue: answers leave in request order whatever order they are given in, a full queue
// reports room once an answer goes out, and a detached queue drops late answers.
#include "kafka/reply_queue.h"

#include <gtest/gtest.h>

namespace polymq::kafka {
namespace {

struct Harness {
  std::string out;
  int flushes = 0;
  int rooms = 0;
  std::shared_ptr<ReplyQueue> queue = std::make_shared<ReplyQueue>(
      [this]() -> std::string& { return out; }, [this] { ++flushes; }, [this] { ++rooms; }, 3);
};

TEST(KafkaReplyQueue, AnswersLeaveInRequestOrder) {
  Harness h;
  const uint64_t a = h.queue->open();
  const uint64_t b = h.queue->open();
  const uint64_t c = h.queue->open();
  h.queue->fill(c, "C");
  h.queue->fill(b, "B");
  EXPECT_EQ(h.out, "") << "the first request is not answered yet";
  h.queue->fill(a, "A");
  EXPECT_EQ(h.out, "ABC");
  EXPECT_EQ(h.queue->unanswered(), 0u);
}

TEST(KafkaReplyQueue, DirectOnlyForTheHead) {
  Harness h;
  const uint64_t a = h.queue->open();
  const uint64_t b = h.queue->open();
  EXPECT_EQ(h.queue->direct(b), nullptr);
  std::string* out = h.queue->direct(a);
  ASSERT_EQ(out, &h.out);
  out->append("A");
  h.queue->filled_directly(a);
  EXPECT_NE(h.queue->direct(b), nullptr) << "b is the head now";
  h.queue->fill(b, "B");
  EXPECT_EQ(h.out, "AB");
}

TEST(KafkaReplyQueue, NoResponseKeepsTheOrderOfTheOthers) {
  Harness h;
  const uint64_t a = h.queue->open();
  const uint64_t b = h.queue->open();
  h.queue->fill(b, "B");
  h.queue->fill(a, std::string());  // acks=0
  EXPECT_EQ(h.out, "B");
}

TEST(KafkaReplyQueue, RoomIsReportedWhenAFullQueueDrains) {
  Harness h;
  const uint64_t a = h.queue->open();
  const uint64_t b = h.queue->open();
  const uint64_t c = h.queue->open();
  EXPECT_TRUE(h.queue->full());
  h.queue->fill(c, "C");  // answered but waiting behind a and b: no longer counts
  EXPECT_FALSE(h.queue->full());
  EXPECT_EQ(h.rooms, 1);
  h.queue->fill(a, "A");
  h.queue->fill(b, "B");
  EXPECT_EQ(h.rooms, 1) << "room is told only after the queue was full";
  EXPECT_EQ(h.out, "ABC");
}

TEST(KafkaReplyQueue, SecondAnswerToASlotIsIgnored) {
  Harness h;
  const uint64_t a = h.queue->open();
  const uint64_t b = h.queue->open();
  h.queue->fill(b, "B");
  h.queue->fill(b, "X");
  h.queue->fill(a, "A");
  h.queue->fill(a, "Y");
  EXPECT_EQ(h.out, "AB");
}

TEST(KafkaReplyQueue, DetachedQueueDropsLateAnswers) {
  Harness h;
  const uint64_t a = h.queue->open();
  Reply reply(h.queue, a, 0, 7);
  EXPECT_FALSE(reply.abandoned());
  h.queue->detach();
  EXPECT_TRUE(reply.abandoned());
  reply.send_nothing();
  h.queue->fill(a, "A");
  EXPECT_EQ(h.out, "");
  EXPECT_EQ(h.flushes, 0);
}

TEST(KafkaReplyQueue, SplicedBytesGoOutBetweenTheFramesPiecesFromTheirOwner) {
  std::string out;
  std::vector<std::pair<long, std::string>> shared;  // owner use count, bytes
  auto queue =
      std::make_shared<ReplyQueue>([&]() -> std::string& { return out; }, [] {}, [] {}, 3,
                                   [&](std::shared_ptr<const void> owner, std::string_view bytes) {
                                     shared.emplace_back(owner.use_count(), std::string(bytes));
                                     out.append("<").append(bytes).append(">");
                                   });
  const uint64_t a = queue->open();
  const uint64_t b = queue->open();
  auto owner = std::make_shared<std::string>("records");
  const std::string_view records(*owner);
  queue->fill_spliced(b, "b1b2b3", {Splice{2, records.substr(0, 3)}, Splice{4, records.substr(3)}},
                      owner);
  queue->fill(a, "A");
  EXPECT_EQ(out, "Ab1<rec>b2<ords>b3");
  ASSERT_EQ(shared.size(), 2u);
  EXPECT_GE(shared[0].first, 2) << "the owner is held until the bytes are handed on";
}

TEST(KafkaReplyQueue, WithoutSharedOutputSplicedBytesAreCopied) {
  Harness h;
  const uint64_t a = h.queue->open();
  h.queue->fill_spliced(a, "xy", {Splice{1, "123"}}, nullptr);
  EXPECT_EQ(h.out, "x123y");
}

}  // namespace
}  // namespace polymq::kafka
