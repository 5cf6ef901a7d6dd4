#include "perf/options.h"

#include <gtest/gtest.h>

namespace polymq::perf {
namespace {

TEST(AmqpUri, Full) {
  AmqpUri u;
  ASSERT_EQ(parse_amqp_uri("amqp://bob:s%40cret@broker.example:5700/prod", u), "");
  EXPECT_EQ(u.user, "bob");
  EXPECT_EQ(u.password, "s@cret");
  EXPECT_EQ(u.host, "broker.example");
  EXPECT_EQ(u.port, 5700);
  EXPECT_EQ(u.vhost, "prod");
}

TEST(AmqpUri, DefaultsAndDefaultVhost) {
  AmqpUri u;
  ASSERT_EQ(parse_amqp_uri("amqp://127.0.0.1/", u), "");
  EXPECT_EQ(u.user, "guest");
  EXPECT_EQ(u.port, 5672);
  EXPECT_EQ(u.vhost, "/");
  ASSERT_EQ(parse_amqp_uri("amqp://localhost:5693/%2F", u), "");
  EXPECT_EQ(u.host, "localhost");
  EXPECT_EQ(u.port, 5693);
  EXPECT_EQ(u.vhost, "/");
}

TEST(AmqpUri, Ipv6) {
  AmqpUri u;
  ASSERT_EQ(parse_amqp_uri("amqp://[::1]:5673", u), "");
  EXPECT_EQ(u.host, "::1");
  EXPECT_EQ(u.port, 5673);
}

TEST(AmqpUri, Rejects) {
  AmqpUri u;
  EXPECT_NE(parse_amqp_uri("amqps://localhost", u), "");
  EXPECT_NE(parse_amqp_uri("amqp://localhost:99999", u), "");
  EXPECT_NE(parse_amqp_uri("amqp://localhost:12ab", u), "");
  EXPECT_NE(parse_amqp_uri("amqp://localhost/%zz", u), "");
  EXPECT_NE(parse_amqp_uri("amqp://localhost/%2", u), "");
}

}  // namespace
}  // namespace polymq::perf
