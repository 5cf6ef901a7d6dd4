// SaslServer on hostile and malformed tokens: every one is a failed login with a reason, never
// a crash, and a failed login stays failed.
#include "kafka/sasl.h"

#include <gtest/gtest.h>

namespace polymq::kafka {
namespace {

using Step = SaslServer::Step;

class SaslServerTest : public ::testing::Test {
 protected:
  SaslServerTest() {
    users_.add("app", "s3cret", false);
    users_.add("guest", "guest", true);
  }
  Step one(std::string_view mechanism, std::string_view token, bool loopback = true) {
    SaslServer server(users_, mechanism, loopback);
    std::string answer;
    return server.step(token, answer);
  }
  core::UserStore users_;
};

TEST_F(SaslServerTest, PlainChecksThePasswordAndTheOrigin) {
  using namespace std::string_literals;
  EXPECT_EQ(one("PLAIN", "\0app\0s3cret"s), Step::kDone);
  EXPECT_EQ(one("PLAIN", "app\0app\0s3cret"s), Step::kDone);
  EXPECT_EQ(one("PLAIN", "\0app\0wrong"s), Step::kFailed);
  EXPECT_EQ(one("PLAIN", "other\0app\0s3cret"s), Step::kFailed) << "acting as another user";
  EXPECT_EQ(one("PLAIN", "\0guest\0guest"s, false), Step::kFailed) << "guest from elsewhere";
  EXPECT_EQ(one("PLAIN", "\0nobody\0x"s), Step::kFailed);
}

TEST_F(SaslServerTest, MalformedTokensFail) {
  using namespace std::string_literals;
  for (std::string token :
       {""s, "\0"s, "app"s, "\0app"s, std::string(100000, '\0'), std::string(3, '\xff')}) {
    EXPECT_EQ(one("PLAIN", token), Step::kFailed) << token.size();
  }
  for (std::string token :
       {""s, "n"s, "n,"s, "p=tls-unique,,n=app,r=abc"s, "n,,"s, "n,,r=abc"s, "n,,n=app"s,
        "n,,n=app,r="s, "n,,n=a=pp,r=abc"s, "n,,n=app,r=abc,tokenauth=true"s,
        "n,a=other,n=app,r=abc"s, "n,,n=nobody,r=abc"s, std::string(70000, ',')}) {
    EXPECT_EQ(one("SCRAM-SHA-256", token), Step::kFailed) << token;
  }
}

TEST_F(SaslServerTest, ScramFinalMessagesThatDoNotProveTheUserFail) {
  for (std::string final_message :
       {std::string(""), std::string("c=biws,r=abc"), std::string("c=biws,r=wrong,p=AAAA"),
        std::string("c=eSws,r=NONCE,p=AAAA"), std::string("c=biws,r=NONCE,p=not base64!"),
        std::string("c=biws,r=NONCE,p=") + std::string(44, 'A')}) {
    SaslServer server(users_, "SCRAM-SHA-256", true);
    std::string server_first;
    ASSERT_EQ(server.step("n,,n=app,r=abc", server_first), Step::kContinue);
    const std::string nonce = server_first.substr(2, server_first.find(',') - 2);
    const size_t at = final_message.find("NONCE");
    if (at != std::string::npos) final_message.replace(at, 5, nonce);
    std::string answer;
    EXPECT_EQ(server.step(final_message, answer), Step::kFailed) << final_message;
    EXPECT_TRUE(answer.empty());
    EXPECT_EQ(server.step("n,,n=app,r=abc", answer), Step::kFailed)
        << "a failed login stays failed";
  }
}

}  // namespace
}  // namespace polymq::kafka
