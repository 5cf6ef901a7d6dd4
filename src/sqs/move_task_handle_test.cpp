// Message move task handles: what StartMessageMoveTask hands out decodes back, and anything
// else is refused rather than misread.
#include "sqs/move_task_handle.h"

#include <gtest/gtest.h>

#include "sqs/digests.h"

namespace polymq::sqs {
namespace {

TEST(MoveTaskHandleTest, RoundTrips) {
  const MoveTaskHandle h{"4f1c-77", "arn:aws:sqs:us-east-1:000000000000:dlq"};
  const std::string text = encode(h);
  EXPECT_EQ(decode_move_task_handle(text), h);
  // Opaque but AWS's shape: base64 of a JSON object.
  EXPECT_EQ(*base64_decode(text),
            R"({"taskId":"4f1c-77","sourceArn":"arn:aws:sqs:us-east-1:000000000000:dlq"})");
}

TEST(MoveTaskHandleTest, RefusesWhatIsNotAHandle) {
  EXPECT_EQ(decode_move_task_handle(""), std::nullopt);
  EXPECT_EQ(decode_move_task_handle("not base64!"), std::nullopt);
  EXPECT_EQ(decode_move_task_handle(base64_encode("[1,2]")), std::nullopt);
  EXPECT_EQ(decode_move_task_handle(base64_encode("{\"taskId\":\"x\"}")), std::nullopt);
  EXPECT_EQ(decode_move_task_handle(base64_encode("{\"taskId\":1,\"sourceArn\":\"a\"}")),
            std::nullopt);
  EXPECT_EQ(decode_move_task_handle(base64_encode("{\"taskId\":\"\",\"sourceArn\":\"a\"}")),
            std::nullopt);
}

}  // namespace
}  // namespace polymq::sqs
