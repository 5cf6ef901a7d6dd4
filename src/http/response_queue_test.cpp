// Answers leave in request order whenever they come, a closing answer ends the output, and a
// full queue reports room again once an answer goes out.
#include "http/response_queue.h"

#include <gtest/gtest.h>

namespace polymq::http {
namespace {

struct Out {
  std::string bytes;
  int flushes = 0;
  int closes = 0;
  int rooms = 0;
};

std::shared_ptr<ResponseQueue> make_queue(Out& out, size_t limit = 16) {
  return std::make_shared<ResponseQueue>(
      ResponseQueue::Sink{.output = [&out]() -> std::string& { return out.bytes; },
                          .flush = [&out] { ++out.flushes; },
                          .close = [&out] { ++out.closes; },
                          .room = [&out] { ++out.rooms; }},
      limit);
}

TEST(ResponseQueue, LateFirstAnswerHoldsBackTheOthers) {
  Out out;
  auto q = make_queue(out);
  Responder first(q, q->open({}));
  Responder second(q, q->open({}));
  second.send(Response::text(200, "two"));
  EXPECT_EQ(out.bytes, "");
  first.send(Response::text(404, "one"));
  first.send(Response::text(500, "ignored"));  // the first answer counts
  EXPECT_EQ(out.bytes,
            "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain; charset=utf-8\r\n"
            "Content-Length: 3\r\n\r\none"
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n"
            "Content-Length: 3\r\n\r\ntwo");
  EXPECT_EQ(q->unanswered(), 0u);
}

TEST(ResponseQueue, FramingHeadCloseAndServiceFramingFieldsDropped) {
  Out out;
  auto q = make_queue(out);
  Response r;
  r.status = 200;
  r.headers.add("Content-Length", "999");
  r.headers.add("X-Amzn-RequestId", "r1");
  r.body = "abc";
  Responder head(q, q->open({.head_request = true, .keep_alive_10 = true}));
  head.send(r);
  EXPECT_EQ(out.bytes,
            "HTTP/1.1 200 OK\r\nX-Amzn-RequestId: r1\r\nContent-Length: 3\r\n"
            "Connection: keep-alive\r\n\r\n");
  out.bytes.clear();
  Responder closing(q, q->open({.close = true}));
  Responder after(q, q->open({}));
  Response empty;
  empty.status = 204;
  after.send(empty);
  closing.send(empty);
  EXPECT_EQ(out.bytes, "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(out.closes, 1);
  EXPECT_TRUE(after.abandoned());
}

TEST(ResponseQueue, InterimBytesKeepTheirPlace) {
  Out out;
  auto q = make_queue(out);
  q->interim(kContinue);  // nothing before it: sent at once
  EXPECT_EQ(out.bytes, kContinue);
  out.bytes.clear();
  Responder first(q, q->open({}));
  q->interim(kContinue);
  EXPECT_EQ(out.bytes, "");
  first.send(Response::text(200, ""));
  EXPECT_EQ(out.bytes.substr(out.bytes.size() - kContinue.size()), kContinue);
}

TEST(ResponseQueue, FullQueueReportsRoomAndDetachedQueueDropsAnswers) {
  Out out;
  auto q = make_queue(out, 2);
  Responder a(q, q->open({}));
  Responder b(q, q->open({}));
  EXPECT_TRUE(q->full());
  b.send(Response::text(200, "b"));  // answered but not written: still counts as room
  EXPECT_EQ(out.rooms, 1);
  EXPECT_FALSE(q->full());
  q->detach();
  a.send(Response::text(200, "a"));
  EXPECT_EQ(out.bytes, "");
  EXPECT_TRUE(a.abandoned());
  EXPECT_TRUE(Responder().abandoned());
}

}  // namespace
}  // namespace polymq::http
