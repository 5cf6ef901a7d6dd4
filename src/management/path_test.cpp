#include "management/path.h"

#include <gtest/gtest.h>

namespace polymq::management {
namespace {

using Segments = std::vector<std::string>;

TEST(ApiPath, SplitsAndDecodesEachSegment) {
  EXPECT_EQ(split_api_path("/api/queues/%2F/q1"), (Segments{"queues", "/", "q1"}));
  EXPECT_EQ(split_api_path("/api/queues/%2F/a%2Fb"), (Segments{"queues", "/", "a/b"}));
  EXPECT_EQ(split_api_path("/api/exchanges/v+1/x%20y"), (Segments{"exchanges", "v+1", "x y"}));
  EXPECT_EQ(split_api_path("/api/overview/"), (Segments{"overview"}));
  EXPECT_EQ(split_api_path("/api"), Segments{});
  EXPECT_EQ(split_api_path("/api/"), Segments{});
  // An empty name in the middle stays a segment (the default exchange's bindings: .../e//q/x).
  EXPECT_EQ(split_api_path("/api/bindings/%2F/e//q/x"),
            (Segments{"bindings", "/", "e", "", "q", "x"}));
}

TEST(ApiPath, RefusesPathsOutsideTheApiAndBadEscapes) {
  EXPECT_FALSE(split_api_path("/"));
  EXPECT_FALSE(split_api_path("/apix/overview"));
  EXPECT_FALSE(split_api_path("/index.html"));
  EXPECT_FALSE(split_api_path("/api/queues/%2"));
  EXPECT_FALSE(split_api_path("/api/queues/%zz"));
}

TEST(ApiPath, EncodesSegmentsAndNamesTheDefaultExchange) {
  EXPECT_EQ(encode_segment("/"), "%2F");
  EXPECT_EQ(encode_segment("a b~c"), "a%20b~c");
  EXPECT_EQ(exchange_from_path("amq.default"), "");
  EXPECT_EQ(exchange_from_path("amq.direct"), "amq.direct");
}

}  // namespace
}  // namespace polymq::management
