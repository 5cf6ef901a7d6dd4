// Dead-lettering as RabbitMQ 3.x does it: the x-death history written into a message a queue
// gives up on, the routing keys it is republished with, and the cycles that are dropped.
#include "rabbit/dead_letter.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace polymq::rabbit {
namespace {

using namespace polymq::core;

constexpr uint64_t kNow = 1700000000;

Message published(Table headers = {}, std::optional<std::string> expiration = std::nullopt) {
  Message m;
  m.exchange = "orders";
  m.routing_key = "order.new";
  m.body = "payload";
  m.properties.content_type = "application/json";
  m.properties.message_id = "m-1";
  m.properties.delivery_mode = 2;
  m.properties.priority = 4;
  m.properties.expiration = std::move(expiration);
  if (!headers.empty()) m.properties.headers = std::move(headers);
  return m;
}

// Dead-letters `m` from `queue` to exchange "dlx" without a dead-letter routing key.
MessagePtr die(const Message& m, const std::string& queue, DeadLetterReason reason,
               uint64_t now = kNow) {
  return make_dead_lettered(m, reason, queue, "dlx", std::nullopt, now);
}

const Table& headers(const MessagePtr& m) {
  EXPECT_TRUE(m->properties.headers.has_value());
  static const Table kEmpty;
  return m->properties.headers ? *m->properties.headers : kEmpty;
}

const Array& deaths(const MessagePtr& m) {
  const Value* v = find(headers(m), "x-death");
  EXPECT_NE(v, nullptr);
  EXPECT_EQ(v == nullptr ? ValueKind::kVoid : v->kind, ValueKind::kArray);
  static const Array kEmpty;
  return v != nullptr && v->as_array() != nullptr ? *v->as_array() : kEmpty;
}

const Table& entry(const MessagePtr& m, size_t i) {
  const Array& d = deaths(m);
  EXPECT_LT(i, d.size());
  static const Table kEmpty;
  if (i >= d.size() || d[i].as_table() == nullptr) return kEmpty;
  return *d[i].as_table();
}

std::vector<std::string> keys(const Table& t) {
  std::vector<std::string> out;
  for (const auto& [k, v] : t) out.push_back(k);
  return out;
}

std::string text(const Table& t, std::string_view key) {
  const std::string* s = find_string(t, key);
  return s == nullptr ? "<absent>" : *s;
}

std::vector<std::string> strings(const Value* v) {
  std::vector<std::string> out;
  if (v == nullptr || v->as_array() == nullptr) return {"<not an array>"};
  for (const Value& e : *v->as_array()) {
    EXPECT_EQ(e.kind, ValueKind::kString);
    out.push_back(e.as_string() == nullptr ? "<not a string>" : *e.as_string());
  }
  return out;
}

// "queue/reason" of each x-death entry, newest first.
std::vector<std::string> history(const MessagePtr& m) {
  std::vector<std::string> out;
  for (const Value& e : deaths(m)) {
    const Table* t = e.as_table();
    out.push_back(t == nullptr ? "<not a table>" : text(*t, "queue") + "/" + text(*t, "reason"));
  }
  return out;
}

Value death_entry(const std::string& queue, const std::string& reason) {
  return Value::Tab({{"count", Value::Int64(1)},
                     {"queue", Value::String(queue)},
                     {"reason", Value::String(reason)}});
}

Message with_deaths(Array entries) {
  return published({{"x-death", Value::Arr(std::move(entries))}});
}

TEST(DeadLetterTest, FirstDeathWritesOneEntryWithKeysInRabbitMqsOrder) {
  MessagePtr dead = die(published(), "work", DeadLetterReason::kRejected);
  ASSERT_EQ(deaths(dead).size(), 1u);
  const Table& e = entry(dead, 0);
  EXPECT_EQ(keys(e), (std::vector<std::string>{"count", "exchange", "queue", "reason",
                                               "routing-keys", "time"}));
  const Value* count = find(e, "count");
  ASSERT_NE(count, nullptr);
  EXPECT_EQ(count->kind, ValueKind::kInt64);  // RabbitMQ writes a long
  EXPECT_EQ(count->as_int(), 1);
  EXPECT_EQ(text(e, "exchange"), "orders");
  EXPECT_EQ(text(e, "queue"), "work");
  EXPECT_EQ(text(e, "reason"), "rejected");
  EXPECT_EQ(strings(find(e, "routing-keys")), std::vector<std::string>{"order.new"});
  const Value* time = find(e, "time");
  ASSERT_NE(time, nullptr);
  EXPECT_EQ(time->kind, ValueKind::kTimestamp);
  EXPECT_EQ(time->as_int(), static_cast<int64_t>(kNow));
}

TEST(DeadLetterTest, ReasonIsNamedAsRabbitMqNamesIt) {
  const std::vector<std::pair<DeadLetterReason, std::string>> reasons = {
      {DeadLetterReason::kRejected, "rejected"},
      {DeadLetterReason::kExpired, "expired"},
      {DeadLetterReason::kMaxLen, "maxlen"},
      {DeadLetterReason::kDeliveryLimit, "delivery_limit"}};
  for (const auto& [reason, name] : reasons) {
    MessagePtr dead = die(published(), "work", reason);
    EXPECT_EQ(text(entry(dead, 0), "reason"), name);
    EXPECT_EQ(text(headers(dead), "x-first-death-reason"), name);
  }
}

TEST(DeadLetterTest, GoesToTheDeadLetterExchangeWithEverythingElseKept) {
  const Message original = published({{"app", Value::Int32(7)}});
  MessagePtr dead =
      make_dead_lettered(original, DeadLetterReason::kExpired, "work", "dlx", std::nullopt, kNow);
  EXPECT_EQ(dead->exchange, "dlx");
  EXPECT_EQ(dead->routing_key, "order.new");
  EXPECT_EQ(dead->body, "payload");
  EXPECT_EQ(dead->properties.content_type, "application/json");
  EXPECT_EQ(dead->properties.message_id, "m-1");
  EXPECT_EQ(dead->properties.delivery_mode, 2);
  EXPECT_EQ(dead->properties.priority, 4);
  EXPECT_EQ(find_int(headers(dead), "app"), 7);
  // The message given is a copy source only.
  EXPECT_EQ(original.exchange, "orders");
  EXPECT_EQ(original.properties.headers->size(), 1u);
}

TEST(DeadLetterTest, FirstDeathAlsoSetsTheFirstDeathHeaders) {
  MessagePtr dead = die(published(), "work", DeadLetterReason::kMaxLen);
  EXPECT_EQ(text(headers(dead), "x-first-death-exchange"), "orders");
  EXPECT_EQ(text(headers(dead), "x-first-death-queue"), "work");
  EXPECT_EQ(text(headers(dead), "x-first-death-reason"), "maxlen");
}

TEST(DeadLetterTest, ExpirationIsRemovedAndRecordedInTheEntry) {
  MessagePtr dead = die(published({}, "5000"), "work", DeadLetterReason::kExpired);
  EXPECT_FALSE(dead->properties.expiration);
  const Table& e = entry(dead, 0);
  EXPECT_EQ(keys(e), (std::vector<std::string>{"count", "exchange", "original-expiration", "queue",
                                               "reason", "routing-keys", "time"}));
  const Value* original = find(e, "original-expiration");
  ASSERT_NE(original, nullptr);
  EXPECT_EQ(original->kind, ValueKind::kString);
  EXPECT_EQ(*original->as_string(), "5000");
}

TEST(DeadLetterTest, WithoutDeadLetterKeyTheOriginalKeyAndCcAreKept) {
  Message m = published({{"CC", Value::Arr({Value::String("audit"), Value::String("copy")})}});
  MessagePtr dead = die(m, "work", DeadLetterReason::kRejected);
  EXPECT_EQ(dead->routing_key, "order.new");
  EXPECT_EQ(strings(find(headers(dead), "CC")), (std::vector<std::string>{"audit", "copy"}));
  EXPECT_EQ(strings(find(entry(dead, 0), "routing-keys")),
            (std::vector<std::string>{"order.new", "audit", "copy"}));
}

TEST(DeadLetterTest, DeadLetterKeyReplacesTheKeyAndDropsCc) {
  Message m = published({{"CC", Value::Arr({Value::String("audit")})}, {"app", Value::Bool(true)}});
  MessagePtr dead = make_dead_lettered(m, DeadLetterReason::kRejected, "work", "dlx",
                                       std::string("dead.orders"), kNow);
  EXPECT_EQ(dead->exchange, "dlx");
  EXPECT_EQ(dead->routing_key, "dead.orders");
  EXPECT_EQ(find(headers(dead), "CC"), nullptr);
  EXPECT_EQ(find_bool(headers(dead), "app"), true);
  // The entry records the keys the message was published with, CC included.
  EXPECT_EQ(strings(find(entry(dead, 0), "routing-keys")),
            (std::vector<std::string>{"order.new", "audit"}));
}

TEST(DeadLetterTest, EmptyDeadLetterKeyStillReplacesTheKey) {
  MessagePtr dead = make_dead_lettered(published(), DeadLetterReason::kRejected, "work", "dlx",
                                       std::string(), kNow);
  EXPECT_EQ(dead->routing_key, "");
}

TEST(DeadLetterTest, NewerDeathsGoFirstAndFirstDeathHeadersStay) {
  MessagePtr once = die(published(), "work", DeadLetterReason::kRejected, kNow);
  MessagePtr twice = die(*once, "retry", DeadLetterReason::kExpired, kNow + 10);
  EXPECT_EQ(history(twice), (std::vector<std::string>{"retry/expired", "work/rejected"}));
  const Table& newest = entry(twice, 0);
  // The second death was published to the dead-letter exchange of the first.
  EXPECT_EQ(text(newest, "exchange"), "dlx");
  EXPECT_EQ(find(newest, "time")->as_int(), static_cast<int64_t>(kNow + 10));
  EXPECT_EQ(find_int(newest, "count"), 1);
  EXPECT_EQ(text(headers(twice), "x-first-death-exchange"), "orders");
  EXPECT_EQ(text(headers(twice), "x-first-death-queue"), "work");
  EXPECT_EQ(text(headers(twice), "x-first-death-reason"), "rejected");
}

TEST(DeadLetterTest, DyingAgainInTheSameQueueForTheSameReasonRaisesTheCount) {
  MessagePtr m = die(published(), "work", DeadLetterReason::kRejected, kNow);
  m = die(*m, "retry", DeadLetterReason::kExpired, kNow + 10);
  m = die(*m, "work", DeadLetterReason::kRejected, kNow + 20);
  ASSERT_EQ(history(m), (std::vector<std::string>{"work/rejected", "retry/expired"}));
  const Table& moved = entry(m, 0);
  const Value* count = find(moved, "count");
  ASSERT_NE(count, nullptr);
  EXPECT_EQ(count->kind, ValueKind::kInt64);
  EXPECT_EQ(count->as_int(), 2);
  // Only the count changes: the entry keeps the first visit's exchange and time.
  EXPECT_EQ(text(moved, "exchange"), "orders");
  EXPECT_EQ(find(moved, "time")->as_int(), static_cast<int64_t>(kNow));
  EXPECT_EQ(keys(moved), (std::vector<std::string>{"count", "exchange", "queue", "reason",
                                                   "routing-keys", "time"}));
  m = die(*m, "work", DeadLetterReason::kRejected, kNow + 30);
  EXPECT_EQ(find_int(entry(m, 0), "count"), 3);
  EXPECT_EQ(deaths(m).size(), 2u);
}

TEST(DeadLetterTest, SameQueueForAnotherReasonIsAnotherEntry) {
  MessagePtr m = die(published(), "work", DeadLetterReason::kRejected);
  m = die(*m, "work", DeadLetterReason::kExpired);
  EXPECT_EQ(history(m), (std::vector<std::string>{"work/expired", "work/rejected"}));
  EXPECT_EQ(find_int(entry(m, 0), "count"), 1);
  EXPECT_EQ(find_int(entry(m, 1), "count"), 1);
}

// Clients republish messages with x-death rewritten (a string, say): RabbitMQ starts a new
// history and, since the header was there, writes no x-first-death-* headers.
TEST(DeadLetterTest, XDeathThatIsNotAnArrayIsReplaced) {
  MessagePtr dead =
      die(published({{"x-death", Value::String("garbage")}}), "work", DeadLetterReason::kRejected);
  EXPECT_EQ(history(dead), std::vector<std::string>{"work/rejected"});
  EXPECT_EQ(find_int(entry(dead, 0), "count"), 1);
  EXPECT_EQ(find(headers(dead), "x-first-death-queue"), nullptr);
  EXPECT_EQ(find(headers(dead), "x-first-death-reason"), nullptr);
  EXPECT_EQ(find(headers(dead), "x-first-death-exchange"), nullptr);
}

TEST(DeadLetterTest, EmptyXDeathArrayGetsTheEntryButNoFirstDeathHeaders) {
  MessagePtr dead = die(with_deaths({}), "work", DeadLetterReason::kExpired);
  EXPECT_EQ(history(dead), std::vector<std::string>{"work/expired"});
  EXPECT_EQ(find(headers(dead), "x-first-death-queue"), nullptr);
}

// Entries that are not tables, lack fields or carry a count of the wrong type are kept as they
// are; a matching entry with no integer count starts counting again at one.
TEST(DeadLetterTest, MalformedEntriesAreToleratedAndKept) {
  Message m = with_deaths(
      {Value::Int32(5), Value::Tab({{"queue", Value::String("work")}}),
       Value::Tab({{"queue", Value::String("work")},
                   {"reason", Value::String("rejected")},
                   {"count", Value::String("many")}}),
       Value::Tab({{"queue", Value::Int32(1)}, {"reason", Value::String("rejected")}})});
  MessagePtr dead = die(m, "work", DeadLetterReason::kRejected);
  const Array& d = deaths(dead);
  ASSERT_EQ(d.size(), 4u);
  EXPECT_EQ(text(entry(dead, 0), "reason"), "rejected");
  EXPECT_EQ(find_int(entry(dead, 0), "count"), 1);
  EXPECT_EQ(d[1].kind, ValueKind::kInt32);
  EXPECT_EQ(keys(entry(dead, 2)), std::vector<std::string>{"queue"});
  EXPECT_EQ(find_int(entry(dead, 3), "queue"), 1);
}

TEST(DeadLetterTest, ClientSuppliedEntryForTheSameQueueAndReasonIsCountedOn) {
  Message m = with_deaths({death_entry("other", "expired"), death_entry("work", "maxlen")});
  MessagePtr dead = die(m, "work", DeadLetterReason::kMaxLen);
  EXPECT_EQ(history(dead), (std::vector<std::string>{"work/maxlen", "other/expired"}));
  EXPECT_EQ(find_int(entry(dead, 0), "count"), 2);
  EXPECT_EQ(find(headers(dead), "x-first-death-queue"), nullptr);
}

// --- dead_letter_cycle ---

TEST(DeadLetterCycleTest, BackToTheQueueItExpiredInIsACycle) {
  MessagePtr dead = die(published(), "work", DeadLetterReason::kExpired);
  EXPECT_TRUE(dead_letter_cycle(*dead, "work", DeadLetterReason::kExpired));
  EXPECT_FALSE(dead_letter_cycle(*dead, "parking", DeadLetterReason::kExpired));
}

TEST(DeadLetterCycleTest, ARejectionIsNeverACycle) {
  MessagePtr dead = die(published(), "work", DeadLetterReason::kRejected);
  EXPECT_FALSE(dead_letter_cycle(*dead, "work", DeadLetterReason::kRejected));
}

TEST(DeadLetterCycleTest, LongerCycleWithoutRejectionIsACycle) {
  MessagePtr m = die(published(), "a", DeadLetterReason::kExpired);
  m = die(*m, "b", DeadLetterReason::kMaxLen);
  m = die(*m, "c", DeadLetterReason::kDeliveryLimit);
  EXPECT_TRUE(dead_letter_cycle(*m, "a", DeadLetterReason::kDeliveryLimit));
  EXPECT_TRUE(dead_letter_cycle(*m, "b", DeadLetterReason::kDeliveryLimit));
  EXPECT_FALSE(dead_letter_cycle(*m, "d", DeadLetterReason::kDeliveryLimit));
}

// A consumer's rejection anywhere since the last visit means a person is in the loop.
TEST(DeadLetterCycleTest, RejectionInsideTheCycleBreaksIt) {
  MessagePtr m = die(published(), "a", DeadLetterReason::kRejected);
  m = die(*m, "b", DeadLetterReason::kExpired);
  EXPECT_FALSE(dead_letter_cycle(*m, "a", DeadLetterReason::kExpired));
  EXPECT_TRUE(dead_letter_cycle(*m, "b", DeadLetterReason::kExpired));

  m = die(published(), "a", DeadLetterReason::kExpired);
  m = die(*m, "b", DeadLetterReason::kRejected);
  m = die(*m, "c", DeadLetterReason::kExpired);
  EXPECT_FALSE(dead_letter_cycle(*m, "a", DeadLetterReason::kExpired));
}

// Only the way back to the newest visit counts: a rejection before it does not break the cycle.
TEST(DeadLetterCycleTest, RejectionBeforeTheLastVisitDoesNotCount) {
  Message m = with_deaths(
      {death_entry("b", "expired"), death_entry("a", "expired"), death_entry("z", "rejected")});
  EXPECT_TRUE(dead_letter_cycle(m, "a", DeadLetterReason::kExpired));
}

TEST(DeadLetterCycleTest, NoHistoryIsNoCycle) {
  EXPECT_FALSE(dead_letter_cycle(published(), "work", DeadLetterReason::kExpired));
  EXPECT_FALSE(
      dead_letter_cycle(published({{"app", Value::Int32(1)}}), "work", DeadLetterReason::kExpired));
  EXPECT_FALSE(dead_letter_cycle(published({{"x-death", Value::String("work")}}), "work",
                                 DeadLetterReason::kExpired));
  EXPECT_FALSE(dead_letter_cycle(with_deaths({}), "work", DeadLetterReason::kExpired));
}

// Something in x-death the broker did not write means a client was in the loop: no cycle.
TEST(DeadLetterCycleTest, UnexpectedEntryInsideTheCycleBreaksIt) {
  EXPECT_FALSE(dead_letter_cycle(with_deaths({Value::Int32(1), death_entry("work", "expired")}),
                                 "work", DeadLetterReason::kExpired));
  EXPECT_TRUE(dead_letter_cycle(with_deaths({death_entry("work", "expired"), Value::Int32(1)}),
                                "work", DeadLetterReason::kExpired));
}

TEST(DeadLetterTest, LastDeadLetteredFromIsTheNewestDeath) {
  EXPECT_EQ(last_dead_lettered_from(published()), std::nullopt);
  const MessagePtr once = die(published(), "orders", DeadLetterReason::kDeliveryLimit);
  EXPECT_EQ(last_dead_lettered_from(*once), "orders");
  // Moved on to "retry" and dead-lettered there: the newest death names "retry" ...
  const MessagePtr twice = die(*once, "retry", DeadLetterReason::kExpired);
  EXPECT_EQ(last_dead_lettered_from(*twice), "retry");
  // ... and dying in "orders" again for the same reason moves that entry to the front.
  const MessagePtr again = die(*twice, "orders", DeadLetterReason::kDeliveryLimit);
  EXPECT_EQ(last_dead_lettered_from(*again), "orders");
  // An x-death of another shape names nothing.
  EXPECT_EQ(last_dead_lettered_from(published({{"x-death", Value::String("orders")}})),
            std::nullopt);
}

}  // namespace
}  // namespace polymq::rabbit
