#include "kafka/groups/group_records.h"

#include <gtest/gtest.h>

namespace polymq::kafka::groups {
namespace {

TEST(GroupRecords, EveryKindRoundTrips) {
  GroupRecord offset;
  offset.kind = RecordKind::kOffset;
  offset.group = "g";
  offset.partition = {"orders", 3};
  offset.offset = CommittedOffset{42, 5, std::string("meta"), 1700000000000};
  GroupRecord group;
  group.kind = RecordKind::kGroup;
  group.group = "g";
  group.stored.protocol_type = "consumer";
  group.stored.generation = 7;
  group.stored.protocol_name = "range";
  group.stored.leader = "m1";
  group.stored.members = {
      {"m1", std::string("i1"), "c", "/h", 10000, 30000, "md", "as"},
      {"m2", std::nullopt, "c", "/h", 45000, 300000, std::string(70000, 'x'), ""}};
  GroupRecord removed;
  removed.kind = RecordKind::kOffsetRemoved;
  removed.group = "g";
  removed.partition = {"orders", 1};
  GroupRecord gone;
  gone.kind = RecordKind::kGroupRemoved;
  gone.group = "g";
  for (const GroupRecord& r : {offset, group, removed, gone}) {
    GroupRecord back;
    ASSERT_TRUE(decode_record(encode_record(r), back));
    EXPECT_EQ(back.kind, r.kind);
    EXPECT_EQ(back.group, r.group);
    EXPECT_EQ(back.partition, r.partition);
    EXPECT_EQ(back.offset, r.offset);
    EXPECT_EQ(back.stored, r.stored);
  }
}

TEST(GroupRecords, GarbageAndOtherFormatsAreRefused) {
  GroupRecord out;
  EXPECT_FALSE(decode_record("", out));
  EXPECT_FALSE(decode_record(std::string("\x02\x01\x02g", 4), out));  // format 2
  EXPECT_FALSE(decode_record(std::string("\x01\x09\x02g", 4), out));  // unknown kind
  GroupRecord offset;
  offset.group = "g";
  offset.partition = {"t", 0};
  const std::string good = encode_record(offset);
  for (size_t cut = 0; cut < good.size(); ++cut) {
    EXPECT_FALSE(decode_record(good.substr(0, cut), out)) << cut;
  }
  EXPECT_FALSE(decode_record(good + "x", out));
  // A member count far beyond the bytes there.
  GroupRecord group;
  group.kind = RecordKind::kGroup;
  group.group = "g";
  std::string hostile = encode_record(group);
  hostile.back() = '\x7f';
  EXPECT_FALSE(decode_record(hostile, out));
}

}  // namespace
}  // namespace polymq::kafka::groups
