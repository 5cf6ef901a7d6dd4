// The service over an in-memory broker: authentication, routing, JSON shapes, errors.
#include "management/service.h"

#include <gtest/gtest.h>

#include <thread>

#include "rabbit/json_values.h"
#include "rabbit/model.h"

namespace polymq::management {
namespace {

struct Answer {
  int status = 0;
  std::string head;
  std::string body;
};

class ServiceTest : public ::testing::Test {
 protected:
  ServiceTest() {
    model_.install(broker_.hooks());
    broker_.add_vhost("/");
    broker_.users().add("guest", "guest", true, {"administrator"});
    broker_.permissions().set_full("/", "guest");
    broker_.users().add("watcher", "pw", false, {"monitoring"});
    broker_.users().add("app", "pw", false, {});
  }

  Answer ask(const std::string& method, const std::string& target, const std::string& body = "",
             const std::string& user = "guest", const std::string& password = "guest",
             bool loopback = true) {
    std::string out;
    http::ResponseQueue::Sink sink{[&out]() -> std::string& { return out; }, [] {}, [] {}, [] {}};
    auto queue = std::make_shared<http::ResponseQueue>(sink, 4);
    const uint64_t slot = queue->open(http::Framing{});
    http::Request r;
    r.method = method;
    r.target = target;
    r.body = body;
    r.remote_loopback = loopback;
    if (!user.empty()) {
      r.headers.add("Authorization", "Basic " + rabbit::base64_encode(user + ":" + password));
    }
    service_.handle(std::move(r), http::Responder(queue, slot));
    Answer a;
    const size_t space = out.find(' ');
    if (space == std::string::npos) return a;
    a.status = std::stoi(out.substr(space + 1, 3));
    const size_t end = out.find("\r\n\r\n");
    a.head = out.substr(0, end);
    a.body = out.substr(end + 4);
    return a;
  }

  rabbit::Model model_;
  core::Broker broker_;
  Service service_{broker_, ServiceConfig{"polymq@test", "0.1.0", {{"amqp", 5672}}, "127.0.0.1"}};
};

TEST_F(ServiceTest, RefusesMissingAndWrongCredentials) {
  Answer a = ask("GET", "/api/overview", "", "");
  EXPECT_EQ(a.status, 401);
  EXPECT_NE(a.head.find("WWW-Authenticate: Basic realm=\"RabbitMQ Management\""), std::string::npos)
      << a.head;
  EXPECT_EQ(ask("GET", "/api/overview", "", "guest", "nope").status, 401);
  // guest only from loopback, as for AMQP.
  EXPECT_EQ(ask("GET", "/api/overview", "", "guest", "guest", false).status, 401);
  a = ask("GET", "/api/overview", "", "app", "pw");
  EXPECT_EQ(a.status, 401);
  EXPECT_NE(a.body.find("Not management user"), std::string::npos) << a.body;
  // Monitoring users read, but do not change users.
  EXPECT_EQ(ask("GET", "/api/overview", "", "watcher", "pw").status, 200);
  EXPECT_EQ(ask("PUT", "/api/users/x", R"({"password":"p","tags":""})", "watcher", "pw").status,
            401);
}

TEST_F(ServiceTest, ServesTheWebUiWithoutCredentials) {
  Answer a = ask("GET", "/", "", "");
  EXPECT_EQ(a.status, 200);
  EXPECT_NE(a.head.find("Content-Type: text/html"), std::string::npos) << a.head;
  EXPECT_EQ(ask("GET", "/app.js", "", "").status, 200);
  EXPECT_EQ(ask("GET", "/missing.js", "", "").status, 404);
  EXPECT_EQ(ask("GET", "/api/overview", "", "").status, 401);
  EXPECT_EQ(ask("GET", "/metrics", "", "").status, 200);
}

TEST_F(ServiceTest, UnknownObjectsAreNotFound) {
  Answer a = ask("GET", "/api/queues/%2F/missing");
  EXPECT_EQ(a.status, 404);
  EXPECT_EQ(a.body, R"({"error":"Object Not Found","reason":"Not Found"})");
  EXPECT_EQ(ask("GET", "/api/queues/nohost").status, 404);
  EXPECT_EQ(ask("GET", "/api/nothing").status, 404);
  EXPECT_EQ(ask("GET", "/elsewhere").status, 404);
}

TEST_F(ServiceTest, DeclaresListsAndDeletesAQueue) {
  EXPECT_EQ(ask("PUT", "/api/queues/%2F/q1", R"({"durable":false,"arguments":{"x-max-length":5}})")
                .status,
            201);
  EXPECT_EQ(ask("PUT", "/api/queues/%2F/q1", R"({"durable":false,"arguments":{"x-max-length":5}})")
                .status,
            204);
  // Another declaration of the same queue is refused as AMQP refuses it.
  EXPECT_EQ(ask("PUT", "/api/queues/%2F/q1", R"({"durable":true})").status, 400);
  Answer a = ask("GET", "/api/queues/%2F/q1");
  ASSERT_EQ(a.status, 200);
  EXPECT_NE(a.body.find(R"("name":"q1","vhost":"/")"), std::string::npos) << a.body;
  EXPECT_NE(a.body.find(R"("arguments":{"x-max-length":5})"), std::string::npos) << a.body;
  EXPECT_NE(a.body.find(R"("messages":0)"), std::string::npos) << a.body;
  EXPECT_EQ(ask("DELETE", "/api/queues/%2F/q1").status, 204);
  EXPECT_EQ(ask("GET", "/api/queues/%2F/q1").status, 404);
}

TEST_F(ServiceTest, MalformedJsonIsABadRequest) {
  Answer a = ask("PUT", "/api/queues/%2F/q1", "{not json");
  EXPECT_EQ(a.status, 400);
  EXPECT_NE(a.body.find(R"("error":"bad_request")"), std::string::npos) << a.body;
  EXPECT_EQ(ask("PUT", "/api/queues/%2F/q1", R"({"durable":"maybe"})").status, 400);
  EXPECT_EQ(ask("PUT", "/api/exchanges/%2F/x", R"({"durable":true})").status, 400);  // no type
}

TEST_F(ServiceTest, PublishesRoutesAndGetsMessages) {
  ASSERT_EQ(ask("PUT", "/api/queues/%2F/q", R"({"durable":false})").status, 201);
  Answer a = ask("POST", "/api/exchanges/%2F/amq.default/publish",
                 R"({"routing_key":"q","payload":"hello","payload_encoding":"string",)"
                 R"("properties":{"headers":{"h":1},"content_type":"text/plain"}})");
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_EQ(a.body, R"({"routed":true})");
  a = ask("POST", "/api/exchanges/%2F/amq.default/publish",
          R"({"routing_key":"nowhere","payload":"x","properties":{}})");
  EXPECT_EQ(a.body, R"({"routed":false})");
  // Peek with requeue: the message stays, redelivered next time.
  a = ask("POST", "/api/queues/%2F/q/get",
          R"({"count":5,"ackmode":"ack_requeue_true","encoding":"auto"})");
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_NE(a.body.find(R"("payload":"hello","payload_encoding":"string")"), std::string::npos)
      << a.body;
  EXPECT_NE(a.body.find(R"("redelivered":false)"), std::string::npos) << a.body;
  EXPECT_NE(a.body.find(R"("headers":{"h":1})"), std::string::npos) << a.body;
  a = ask("POST", "/api/queues/%2F/q/get",
          R"({"count":1,"ackmode":"ack_requeue_false","encoding":"base64"})");
  EXPECT_NE(a.body.find(R"("redelivered":true)"), std::string::npos) << a.body;
  EXPECT_NE(a.body.find(R"("payload":"aGVsbG8=","payload_encoding":"base64")"), std::string::npos)
      << a.body;
  EXPECT_EQ(broker_.find_vhost("/")->find_queue("q")->message_count(), 0u);
  EXPECT_EQ(ask("POST", "/api/queues/%2F/q/get", R"({"count":1,"ackmode":"bogus"})").status, 400);
}

TEST_F(ServiceTest, BindsAndUnbindsByPropertiesKey) {
  ASSERT_EQ(ask("PUT", "/api/queues/%2F/q", "{}").status, 201);
  ASSERT_EQ(ask("PUT", "/api/exchanges/%2F/x", R"({"type":"topic"})").status, 201);
  Answer a = ask("POST", "/api/bindings/%2F/e/x/q/q", R"({"routing_key":"a.*"})");
  ASSERT_EQ(a.status, 201) << a.body;
  // The properties key is quoted as RabbitMQ quotes it ("a.%2A"), and encoded once more in
  // the Location.
  EXPECT_NE(a.head.find("Location: q/a.%252A"), std::string::npos) << a.head;
  a = ask("GET", "/api/bindings/%2F/e/x/q/q");
  EXPECT_NE(a.body.find(R"("routing_key":"a.*")"), std::string::npos) << a.body;
  EXPECT_NE(a.body.find(R"("properties_key":"a.%2A")"), std::string::npos) << a.body;
  // Found by the listed key encoded once more (as rabbitmqadmin sends it) or as listed.
  EXPECT_EQ(ask("GET", "/api/bindings/%2F/e/x/q/q/a.%252A").status, 200);
  EXPECT_EQ(ask("GET", "/api/bindings/%2F/e/x/q/q/a.%2A").status, 200);
  ASSERT_EQ(ask("POST", "/api/bindings/%2F/e/x/q/q", R"({"routing_key":"k ~x"})").status, 201);
  a = ask("GET", "/api/bindings/%2F/e/x/q/q");
  EXPECT_NE(a.body.find(R"("properties_key":"k+%7Ex")"), std::string::npos) << a.body;
  EXPECT_EQ(ask("DELETE", "/api/bindings/%2F/e/x/q/q/k%2B%257Ex").status, 204);
  // The default exchange's implicit binding is listed too.
  a = ask("GET", "/api/bindings/%2F");
  EXPECT_NE(a.body.find(R"({"source":"","vhost":"/","destination":"q")"), std::string::npos)
      << a.body;
  EXPECT_EQ(ask("DELETE", "/api/bindings/%2F/e/x/q/q/a.%2A").status, 204);
  EXPECT_EQ(ask("GET", "/api/bindings/%2F/e/x/q/q").body, "[]");
  EXPECT_EQ(ask("DELETE", "/api/bindings/%2F/e/x/q/q/a.%2A").status, 404);
}

TEST_F(ServiceTest, ManagesUsersVhostsAndPermissions) {
  EXPECT_EQ(ask("PUT", "/api/vhosts/dev").status, 201);
  EXPECT_NE(broker_.find_vhost("dev"), nullptr);
  EXPECT_EQ(ask("PUT", "/api/users/ops", R"({"password":"secret","tags":"management,monitoring"})")
                .status,
            201);
  EXPECT_TRUE(broker_.users().authenticate("ops", "secret", false).ok());
  Answer a = ask("GET", "/api/whoami", "", "ops", "secret");
  EXPECT_EQ(a.body, R"({"name":"ops","tags":["management","monitoring"]})");
  EXPECT_EQ(ask("PUT", "/api/permissions/dev/ops", R"({"configure":"","write":"w.*","read":".*"})")
                .status,
            201);
  a = ask("GET", "/api/permissions/dev/ops");
  EXPECT_EQ(a.body, R"({"user":"ops","vhost":"dev","configure":"","write":"w.*","read":".*"})");
  EXPECT_EQ(ask("DELETE", "/api/permissions/dev/ops").status, 204);
  EXPECT_EQ(ask("GET", "/api/permissions/dev/ops").status, 404);
  EXPECT_EQ(
      ask("PUT", "/api/permissions/nohost/ops", R"({"configure":"","write":"","read":""})").status,
      400);
  // A password hash as RabbitMQ exports it (base64 of salt and SHA-256), here another user's.
  broker_.users().add("model", "test12", false);
  const std::string hash = rabbit::password_hash(*broker_.users().find("model"));
  EXPECT_EQ(ask("PUT", "/api/users/hashed",
                R"({"password_hash":")" + hash + R"(","tags":["administrator"]})")
                .status,
            201);
  EXPECT_TRUE(broker_.users().authenticate("hashed", "test12", false).ok());
  ASSERT_EQ(ask("PUT", "/api/queues/dev/in-dev", "{}").status, 201);
  ASSERT_EQ(ask("PUT", "/api/exchanges/dev/x", R"({"type":"fanout"})").status, 201);
  core::VHost* dev = broker_.find_vhost("dev");
  EXPECT_EQ(ask("DELETE", "/api/vhosts/dev").status, 204);
  EXPECT_EQ(broker_.find_vhost("dev"), nullptr);
  EXPECT_EQ(dev->find_queue("in-dev"), nullptr);  // retired, still valid for its connections
  EXPECT_EQ(dev->find_exchange("x"), nullptr);
  EXPECT_EQ(ask("GET", "/api/queues/dev").status, 404);
  EXPECT_EQ(ask("DELETE", "/api/vhosts/dev").status, 404);
  EXPECT_EQ(ask("DELETE", "/api/users/ops").status, 204);
  EXPECT_EQ(broker_.users().find("ops"), nullptr);
}

}  // namespace
}  // namespace polymq::management

namespace polymq::management {
namespace {

// Long lists are answered from the background: nothing goes out until the background ran its
// task and the loop ran what the task handed back.
TEST(ServiceBackgroundTest, QueueListsAreWrittenOffTheLoopAndAnsweredOnIt) {
  rabbit::Model model;
  core::Broker broker;
  model.install(broker.hooks());
  broker.add_vhost("/");
  broker.users().add("guest", "guest", true, {"administrator"});
  core::VHost& vhost = *broker.find_vhost("/");
  for (const char* name : {"b", "a"}) {
    core::QueueDeclareOutcome declared;
    ASSERT_TRUE(vhost.declare_queue(name, {}, false, 0, declared).ok());
  }
  std::vector<std::function<void()>> background;
  std::vector<std::function<void()>> loop;
  ServiceConfig config{"polymq@test", "0.1.0", {{"amqp", 5672}}, "127.0.0.1"};
  config.background = [&](std::function<void()> task) { background.push_back(std::move(task)); };
  config.on_loop = [&](std::function<void()> fn) { loop.push_back(std::move(fn)); };
  Service service(broker, config);

  std::string out;
  http::ResponseQueue::Sink sink{[&out]() -> std::string& { return out; }, [] {}, [] {}, [] {}};
  auto queue = std::make_shared<http::ResponseQueue>(sink, 4);
  http::Request r;
  r.method = "GET";
  r.target = "/api/queues?page=1&page_size=1&sort=name";
  r.remote_loopback = true;
  r.headers.add("Authorization", "Basic " + rabbit::base64_encode("guest:guest"));
  service.handle(std::move(r), http::Responder(queue, queue->open(http::Framing{})));
  ASSERT_EQ(background.size(), 1u);
  EXPECT_TRUE(out.empty());
  // The background task runs on a thread of its own, as the broker runs it.
  std::thread([&] { background[0](); }).join();
  EXPECT_TRUE(out.empty());
  ASSERT_EQ(loop.size(), 1u);
  loop[0]();
  EXPECT_NE(out.find("200 OK"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("items":[{"name":"a")"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("total_count":2)"), std::string::npos) << out;
}

}  // namespace
}  // namespace polymq::management
