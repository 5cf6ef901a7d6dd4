#include "core/resource_alarms.h"

#include <gtest/gtest.h>

#include <utility>
#include <vector>

#include "core/broker.h"

namespace polymq::core {
namespace {

using Event = std::pair<Resource, bool>;

struct Recorder {
  explicit Recorder(ResourceAlarms& alarms)
      : id(alarms.add_listener([this](Resource r, bool set) { events.emplace_back(r, set); })) {}
  ResourceAlarms::ListenerId id;
  std::vector<Event> events;
};

TEST(ResourceAlarms, NoLimitsNeverAlarm) {
  ResourceAlarms alarms;
  alarms.update(ResourceAlarms::kNoLimit - 1, 0);
  EXPECT_FALSE(alarms.any());
  EXPECT_EQ(alarms.reason(), "");
}

TEST(ResourceAlarms, MemoryAlarmSetAboveWatermarkAndClearedAtOrBelow) {
  ResourceAlarms alarms;
  alarms.set_memory_high_watermark(1000);
  Recorder rec(alarms);
  alarms.update_memory(1000);
  EXPECT_FALSE(alarms.memory_alarm());  // "above" the mark, as RabbitMQ
  alarms.update_memory(1001);
  EXPECT_TRUE(alarms.memory_alarm());
  EXPECT_TRUE(alarms.any());
  EXPECT_EQ(alarms.reason(), "low on memory");
  alarms.update_memory(5000);  // still on: no second event
  alarms.update_memory(1000);
  EXPECT_FALSE(alarms.memory_alarm());
  EXPECT_EQ(rec.events,
            (std::vector<Event>{{Resource::kMemory, true}, {Resource::kMemory, false}}));
  EXPECT_EQ(alarms.memory_used(), 1000u);
}

TEST(ResourceAlarms, DiskAlarmSetBelowLimit) {
  ResourceAlarms alarms;
  alarms.set_disk_free_limit(50);
  Recorder rec(alarms);
  alarms.update_disk(50);
  EXPECT_FALSE(alarms.disk_alarm());
  alarms.update_disk(49);
  EXPECT_TRUE(alarms.disk_alarm());
  EXPECT_EQ(alarms.reason(), "low on disk");
  alarms.update_disk(51);
  EXPECT_FALSE(alarms.disk_alarm());
  EXPECT_EQ(rec.events, (std::vector<Event>{{Resource::kDisk, true}, {Resource::kDisk, false}}));
}

TEST(ResourceAlarms, BothAlarmsAreIndependent) {
  ResourceAlarms alarms;
  alarms.set_memory_high_watermark(100);
  alarms.set_disk_free_limit(100);
  alarms.update(200, 10);
  EXPECT_EQ(alarms.reason(), "low on memory & disk");
  alarms.update_memory(0);
  EXPECT_TRUE(alarms.any());
  EXPECT_EQ(alarms.reason(), "low on disk");
  alarms.update_disk(1000);
  EXPECT_FALSE(alarms.any());
}

TEST(ResourceAlarms, ChangingThresholdsReevaluatesTheLastReading) {
  ResourceAlarms alarms;
  alarms.update(500, 500);
  alarms.set_memory_high_watermark(100);
  EXPECT_TRUE(alarms.memory_alarm());
  alarms.set_disk_free_limit(1000);
  EXPECT_TRUE(alarms.disk_alarm());
  alarms.set_memory_high_watermark(ResourceAlarms::kNoLimit);
  alarms.set_disk_free_limit(0);
  EXPECT_FALSE(alarms.any());
}

TEST(ResourceAlarms, ListenerMayRemoveItselfAndOthersWhileNotified) {
  ResourceAlarms alarms;
  alarms.set_disk_free_limit(10);
  int first_calls = 0;
  int second_calls = 0;
  ResourceAlarms::ListenerId second = 0;
  ResourceAlarms::ListenerId first = 0;
  first = alarms.add_listener([&](Resource, bool) {
    ++first_calls;
    alarms.remove_listener(first);
    alarms.remove_listener(second);
  });
  second = alarms.add_listener([&](Resource, bool) { ++second_calls; });
  alarms.update_disk(0);
  EXPECT_EQ(first_calls, 1);
  EXPECT_EQ(second_calls, 0);  // removed before its turn
  EXPECT_EQ(alarms.listener_count(), 0u);
  alarms.update_disk(100);
  EXPECT_EQ(first_calls, 1);
}

TEST(ResourceAlarms, ListenerAddedDuringNotificationHearsOnlyLaterChanges) {
  ResourceAlarms alarms;
  alarms.set_disk_free_limit(10);
  int late_calls = 0;
  alarms.add_listener([&](Resource, bool) {
    if (late_calls == 0) alarms.add_listener([&](Resource, bool) { ++late_calls; });
  });
  alarms.update_disk(0);
  EXPECT_EQ(late_calls, 0);
  alarms.update_disk(100);
  EXPECT_EQ(late_calls, 1);
}

TEST(ResourceAlarms, PublishingSamplesMemoryOnceTheHeadroomIsUsed) {
  ResourceAlarms alarms;
  uint64_t memory = 0;
  int samples = 0;
  alarms.set_memory_probe([&] {
    ++samples;
    return memory;
  });
  alarms.set_memory_high_watermark(1 << 20);
  alarms.sample_memory();
  EXPECT_EQ(samples, 1);
  // 1 MiB of headroom: 100 KiB publishes do not sample until about 1 MiB went by.
  for (int i = 0; i < 10; ++i) {
    memory += 100 * 1024;
    alarms.note_published(100 * 1024);
  }
  EXPECT_EQ(samples, 1);
  memory += 100 * 1024;
  alarms.note_published(100 * 1024);
  EXPECT_EQ(samples, 2);
  EXPECT_TRUE(alarms.memory_alarm());
  // Right at the mark the step is 1/64 of it (16 KiB), not every byte.
  memory = (1 << 20) - 10;
  alarms.sample_memory();
  EXPECT_FALSE(alarms.memory_alarm());
  const int before = samples;
  alarms.note_published(8 * 1024);
  EXPECT_EQ(samples, before);
  memory += 16 * 1024;
  alarms.note_published(8 * 1024);
  EXPECT_EQ(samples, before + 1);
  EXPECT_TRUE(alarms.memory_alarm());
}

TEST(ResourceAlarms, PublishingWithoutWatermarkNeverSamples) {
  ResourceAlarms alarms;
  int samples = 0;
  alarms.set_memory_probe([&] {
    ++samples;
    return uint64_t{0};
  });
  alarms.note_published(uint64_t{1} << 40);
  EXPECT_EQ(samples, 0);
}

TEST(ResourceAlarms, BrokerMeasuresMessageMemory) {
  Broker broker;
  VHost& vhost = broker.add_vhost("/");
  QueueDeclareOutcome declared;
  ASSERT_TRUE(vhost.declare_queue("q", {}, false, 1, declared).ok());
  broker.alarms().set_memory_high_watermark(1000);
  auto message = std::make_shared<Message>();
  message->body = std::string(2000, 'x');
  (void)declared.queue->enqueue(message);
  broker.alarms().sample_memory();
  EXPECT_TRUE(broker.alarms().memory_alarm());
  EXPECT_EQ(broker.alarms().memory_used(), broker.message_memory());
}

}  // namespace
}  // namespace polymq::core
