#include "sqs/queue_tags.h"

#include <gtest/gtest.h>

namespace polymq::sqs {
namespace {

TEST(QueueTagsTest, LiveInTheArgumentsNextToOthers) {
  core::Table args = {{"x-sqs-visibility-timeout", core::Value::Int64(5)}};
  EXPECT_TRUE(tags_of(args).empty());
  core::Table tagged = with_tags(args, {{"team", "blue"}, {"env", ""}});
  EXPECT_EQ(tags_of(tagged), (Tags{{"team", "blue"}, {"env", ""}}));
  EXPECT_EQ(core::find_int(tagged, "x-sqs-visibility-timeout"), 5);
  core::Table untagged = with_tags(tagged, {});
  EXPECT_TRUE(tags_of(untagged).empty());
  EXPECT_EQ(untagged.size(), 1u);  // x-sqs-tags gone, not left empty
}

TEST(QueueTagsTest, AwsLimits) {
  EXPECT_FALSE(check_tags("q", {}, {{"k", std::string(256, 'v')}}));
  EXPECT_FALSE(check_tags("q", {}, {{std::string(128, 'k'), "v"}}));
  EXPECT_EQ(check_tags("q", {}, {{"", "v"}})->query_code, "InvalidParameterValue");
  EXPECT_TRUE(check_tags("q", {}, {{std::string(129, 'k'), "v"}}));
  EXPECT_TRUE(check_tags("q", {}, {{"k", std::string(257, 'v')}}));
  // Characters, not bytes.
  std::string accents;
  for (int i = 0; i < 128; ++i) accents += "\xc3\xa9";
  EXPECT_FALSE(check_tags("q", {}, {{accents, accents}}));

  Tags fifty;
  for (int i = 0; i < 50; ++i) fifty["k" + std::to_string(i)] = "v";
  EXPECT_FALSE(check_tags("q", {}, fifty));
  EXPECT_FALSE(check_tags("q", fifty, {{"k0", "new value"}}));  // replacing adds none
  EXPECT_EQ(check_tags("q", fifty, {{"k50", "v"}})->query_code, "InvalidParameterValue");
}

}  // namespace
}  // namespace polymq::sqs
