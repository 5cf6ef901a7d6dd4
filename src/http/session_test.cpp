// http::Session over a real loopback socket: the client side writes raw bytes and reads what
// comes back, the server side is a net::Connection running the session on the same loop.
#include "http/session.h"

#include <gtest/gtest.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace polymq::http {
namespace {

using namespace std::chrono_literals;

// Answers "<method> <target> <body>" at once, except for targets under /slow, whose
// responders it keeps for the test to answer.
class EchoService final : public Service {
 public:
  std::vector<Request> requests;
  std::vector<Responder> held;

  void handle(Request request, Responder responder) override {
    requests.push_back(request);
    if (request.path().starts_with("/slow")) {
      held.push_back(responder);
      return;
    }
    responder.send(echo(request));
  }
  static Response echo(const Request& r) {
    return Response::text(200, r.method + " " + r.target + " " + r.body);
  }
};

struct ClientResponse {
  int status = 0;
  std::string head;
  std::string body;
};

struct Harness {
  asio::io_context io;
  asio::ip::tcp::socket client{io};
  net::ConnectionPtr server;
  EchoService service;
  std::string received;
  bool eof = false;
  char buf[4096];

  explicit Harness(SessionConfig config = {}) {
    asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
    client.connect(acceptor.local_endpoint());
    asio::ip::tcp::socket accepted(io);
    acceptor.accept(accepted);
    server = std::make_shared<net::Connection>(std::move(accepted), 1);
    server->start(std::make_unique<Session>(*server, service, config));
    read_more();
  }
  ~Harness() {
    server->close();
    io.poll();
  }
  void read_more() {
    client.async_read_some(asio::buffer(buf), [this](const asio::error_code& ec, size_t n) {
      if (ec) {
        eof = true;
        return;
      }
      received.append(buf, n);
      read_more();
    });
  }
  void send(std::string_view bytes) { asio::write(client, asio::buffer(bytes)); }
  // Runs the loop until `done` holds (or two seconds pass); then lets it settle.
  bool run_until(const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + 2s;
    while (!done() && std::chrono::steady_clock::now() < deadline) io.run_one_for(10ms);
    for (int i = 0; i < 5; ++i) io.poll();
    return done();
  }
  void settle() {
    for (int i = 0; i < 20; ++i) {
      io.poll();
      io.run_one_for(1ms);
    }
  }
  // Splits the next complete response off `received`.
  std::optional<ClientResponse> take() {
    const size_t end = received.find("\r\n\r\n");
    if (end == std::string::npos) return std::nullopt;
    ClientResponse r;
    r.head = received.substr(0, end + 4);
    r.status = std::stoi(r.head.substr(9, 3));
    size_t length = 0;
    const size_t cl = r.head.find("Content-Length: ");
    if (cl != std::string::npos) length = std::stoul(r.head.substr(cl + 16));
    if (received.size() < end + 4 + length) return std::nullopt;
    r.body = received.substr(end + 4, length);
    received.erase(0, end + 4 + length);
    return r;
  }
  // Waits for `n` complete responses.
  std::vector<ClientResponse> responses(size_t n) {
    std::vector<ClientResponse> out;
    run_until([&] {
      while (auto r = take()) out.push_back(*r);
      return out.size() >= n;
    });
    return out;
  }
};

TEST(Session, AnswersASimpleGetAndKeepsTheConnection) {
  Harness h;
  h.send("GET /hello?x=1 HTTP/1.1\r\nHost: localhost\r\n\r\n");
  auto r = h.responses(1);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, 200);
  EXPECT_EQ(r[0].body, "GET /hello?x=1 ");
  EXPECT_EQ(r[0].head.find("Connection: close"), std::string::npos);
  ASSERT_EQ(h.service.requests.size(), 1u);
  EXPECT_EQ(h.service.requests[0].headers.get("HOST"), "localhost");
  EXPECT_TRUE(h.service.requests[0].remote_loopback);
  h.settle();
  EXPECT_FALSE(h.eof);
}

TEST(Session, ServesThreeRequestsOnOneKeptAliveConnection) {
  Harness h;
  for (int i = 0; i < 3; ++i) {
    const std::string body = "n=" + std::to_string(i);
    h.send("POST /q HTTP/1.1\r\nHost: h\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\n\r\n" + body);
    auto r = h.responses(1);
    ASSERT_EQ(r.size(), 1u) << i;
    EXPECT_EQ(r[0].body, "POST /q " + body);
  }
  EXPECT_FALSE(h.eof);
  EXPECT_EQ(h.service.requests.size(), 3u);
}

TEST(Session, PipelinedAnswersLeaveInRequestOrderWhenTheFirstIsLate) {
  Harness h;
  h.send(
      "GET /slow HTTP/1.1\r\nHost: h\r\n\r\n"
      "GET /b HTTP/1.1\r\nHost: h\r\n\r\n"
      "GET /c HTTP/1.1\r\nHost: h\r\n\r\n");
  ASSERT_TRUE(h.run_until([&] { return h.service.requests.size() == 3; }));
  h.settle();
  EXPECT_EQ(h.received, "");  // /b and /c are answered, but wait for /slow
  ASSERT_EQ(h.service.held.size(), 1u);
  h.service.held[0].send(Response::text(200, "late"));
  auto r = h.responses(3);
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].body, "late");
  EXPECT_EQ(r[1].body, "GET /b ");
  EXPECT_EQ(r[2].body, "GET /c ");
}

TEST(Session, ALateAnswerDoesNotHoldBackOtherConnections) {
  Harness slow;
  Harness fast;  // its own loop: what matters is that nothing blocks while /slow waits
  slow.send("GET /slow HTTP/1.1\r\nHost: h\r\n\r\n");
  ASSERT_TRUE(slow.run_until([&] { return slow.service.held.size() == 1; }));
  fast.send("GET /now HTTP/1.1\r\nHost: h\r\n\r\n");
  EXPECT_EQ(fast.responses(1).size(), 1u);
  slow.service.held[0].send(Response::text(200, "done"));
  EXPECT_EQ(slow.responses(1).size(), 1u);
}

TEST(Session, StopsReadingWhenTooManyAnswersAreOutstanding) {
  SessionConfig config;
  config.max_unanswered = 2;
  Harness h(config);
  std::string four;
  for (int i = 0; i < 4; ++i) four += "GET /slow/" + std::to_string(i) + " HTTP/1.1\r\n\r\n";
  h.send(four);
  h.run_until([&] { return h.service.requests.size() >= 2; });
  h.settle();
  EXPECT_EQ(h.service.requests.size(), 2u);
  h.service.held[0].send(Response::text(200, "0"));
  ASSERT_TRUE(h.run_until([&] { return h.service.requests.size() == 3; }));
  for (size_t i = 1; i < 3; ++i) h.service.held[i].send(Response::text(200, std::to_string(i)));
  ASSERT_TRUE(h.run_until([&] { return h.service.requests.size() == 4; }));
  h.service.held[3].send(Response::text(200, "3"));
  auto r = h.responses(4);
  ASSERT_EQ(r.size(), 4u);
  for (size_t i = 0; i < 4; ++i) EXPECT_EQ(r[i].body, std::to_string(i));
}

TEST(Session, DecodesAChunkedBodyArrivingInPieces) {
  Harness h;
  h.send("POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel");
  h.settle();
  h.send("lo\r\n6\r\n world\r\n");
  h.settle();
  EXPECT_TRUE(h.service.requests.empty());
  h.send("0\r\n\r\n");
  auto r = h.responses(1);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].body, "POST /c hello world");
}

TEST(Session, RefusesAnOversizedBodyWith413AndCloses) {
  SessionConfig config;
  config.limits.max_body_bytes = 16;
  Harness h(config);
  h.send("POST /big HTTP/1.1\r\nHost: h\r\nContent-Length: 17\r\n\r\n");
  auto r = h.responses(1);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, 413);
  EXPECT_NE(r[0].head.find("Connection: close"), std::string::npos);
  EXPECT_TRUE(h.run_until([&] { return h.eof; }));
  EXPECT_TRUE(h.service.requests.empty());
}

TEST(Session, RefusesOversizedHeadersWith431) {
  SessionConfig config;
  config.limits.max_header_bytes = 256;
  Harness h(config);
  h.send("GET / HTTP/1.1\r\nX-Big: " + std::string(300, 'x') + "\r\n\r\n");
  auto r = h.responses(1);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, 431);
  EXPECT_TRUE(h.run_until([&] { return h.eof; }));
}

TEST(Session, AnswersAMalformedRequest400AfterTheEarlierAnswersAndCloses) {
  Harness h;
  h.send(
      "GET /slow HTTP/1.1\r\nHost: h\r\n\r\nGET /bad HTTP/1.1\r\nno colon\r\n\r\n"
      "GET /x HTTP/1.1\r\n\r\n");
  ASSERT_TRUE(h.run_until([&] { return h.service.held.size() == 1; }));
  h.settle();
  EXPECT_EQ(h.received, "");
  h.service.held[0].send(Response::text(200, "first"));
  auto r = h.responses(2);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].body, "first");
  EXPECT_EQ(r[1].status, 400);
  EXPECT_TRUE(h.run_until([&] { return h.eof; }));
  EXPECT_EQ(h.service.requests.size(), 1u);  // nothing after the bad bytes was handed over
}

TEST(Session, HonoursConnectionClose) {
  Harness h;
  h.send(
      "GET /a HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"
      "GET /never HTTP/1.1\r\nHost: h\r\n\r\n");
  auto r = h.responses(1);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_NE(r[0].head.find("Connection: close"), std::string::npos);
  EXPECT_TRUE(h.run_until([&] { return h.eof; }));
  EXPECT_EQ(h.service.requests.size(), 1u);
  EXPECT_EQ(h.received, "");
}

TEST(Session, Http10ClosesUnlessAskedToKeepAlive) {
  {
    Harness h;
    h.send("GET /old HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    auto r = h.responses(1);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_NE(r[0].head.find("Connection: keep-alive"), std::string::npos);
    h.settle();
    EXPECT_FALSE(h.eof);
  }
  Harness h;
  h.send("GET /old HTTP/1.0\r\n\r\n");
  auto r = h.responses(1);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].body, "GET /old ");
  EXPECT_TRUE(h.run_until([&] { return h.eof; }));
}

TEST(Session, Answers100ContinueBeforeTheBody) {
  Harness h;
  h.send("POST /up HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
  auto interim = h.responses(1);
  ASSERT_EQ(interim.size(), 1u);
  EXPECT_EQ(interim[0].status, 100);
  EXPECT_TRUE(h.service.requests.empty());
  h.send("hello");
  auto r = h.responses(1);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].body, "POST /up hello");
}

TEST(Session, HeadGetsTheLengthButNoBody) {
  Harness h;
  h.send("HEAD /h HTTP/1.1\r\nHost: h\r\n\r\nGET /g HTTP/1.1\r\nHost: h\r\n\r\n");
  ASSERT_TRUE(h.run_until([&] { return h.received.find("GET /g ") != std::string::npos; }));
  EXPECT_EQ(h.received.find("HTTP/1.1 200 OK"), 0u);
  EXPECT_NE(h.received.find("Content-Length: 8\r\n"), std::string::npos);  // "HEAD /h "
  EXPECT_EQ(h.received.find("HEAD /h "), std::string::npos);
}

TEST(Session, ClosesIdleConnectionsAndTimesOutStalledRequests) {
  {
    Harness h;
    h.server->handler()->on_tick(net::Clock::now() + 30s);
    h.settle();
    EXPECT_FALSE(h.eof);
    h.server->handler()->on_tick(net::Clock::now() + 61s);
    EXPECT_TRUE(h.run_until([&] { return h.eof; }));
    EXPECT_EQ(h.received, "");
  }
  {
    Harness h;
    h.send("GET /slow HTTP/1.1\r\n\r\n");
    ASSERT_TRUE(h.run_until([&] { return h.service.held.size() == 1; }));
    h.server->handler()->on_tick(net::Clock::now() + 120s);  // a long poll is not idle
    h.settle();
    EXPECT_FALSE(h.eof);
  }
  Harness h;
  h.send("GET /half HTTP/1.1\r\nHo");
  h.settle();
  h.server->handler()->on_tick(net::Clock::now() + 61s);
  auto r = h.responses(1);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, 408);
  EXPECT_TRUE(h.run_until([&] { return h.eof; }));
}

TEST(Session, AnswersLeftForAClosedConnectionAreDropped) {
  Responder kept;
  {
    Harness h;
    h.send("GET /slow HTTP/1.1\r\n\r\n");
    ASSERT_TRUE(h.run_until([&] { return h.service.held.size() == 1; }));
    kept = h.service.held[0];
    EXPECT_FALSE(kept.abandoned());
  }
  EXPECT_TRUE(kept.abandoned());
  kept.send(Response::text(200, "nobody listens"));  // no crash, no effect
}

}  // namespace
}  // namespace polymq::http
