// The request parser fed the way net::Connection feeds a session: whatever arrived, with the
// unconsumed rest presented again, one byte at a time in the worst case.
#include "http/request_parser.h"

#include <gtest/gtest.h>

#include <vector>

namespace polymq::http {
namespace {

struct Fed {
  std::vector<Request> requests;
  std::vector<bool> keep_alive;
  int continues = 0;
  int error = 0;
};

// Feeds `input` in pieces of `piece` bytes, keeping what the parser leaves unconsumed.
Fed feed(const std::string& input, size_t piece, Limits limits = {}) {
  RequestParser parser(limits);
  Fed fed;
  std::string buffered;
  for (size_t at = 0; at < input.size() && fed.error == 0; at += piece) {
    buffered += input.substr(at, piece);
    size_t pos = 0;
    while (pos < buffered.size()) {
      const auto step = parser.parse(reinterpret_cast<const uint8_t*>(buffered.data()) + pos,
                                     buffered.size() - pos);
      pos += step.consumed;
      if (step.continue_expected) ++fed.continues;
      if (step.state == RequestParser::State::kError) {
        fed.error = parser.error_status();
        break;
      }
      if (step.state == RequestParser::State::kNeedMore) break;
      bool keep = false;
      fed.requests.push_back(parser.take(keep));
      fed.keep_alive.push_back(keep);
    }
    buffered.erase(0, pos);
  }
  return fed;
}

const std::string kTwo =
    "GET /a?x=1&y=%20 HTTP/1.1\r\nHost: example\r\nX-Multi: one\r\nx-multi:  two  \r\n\r\n"
    "POST /b HTTP/1.1\r\nHost: example\r\nContent-Length: 11\r\n\r\nhello world";

TEST(RequestParser, ParsesPipelinedRequestsWhateverTheirSplit) {
  for (size_t piece : {size_t{1}, size_t{2}, size_t{7}, size_t{64}, kTwo.size()}) {
    SCOPED_TRACE(piece);
    const Fed fed = feed(kTwo, piece);
    EXPECT_EQ(fed.error, 0);
    ASSERT_EQ(fed.requests.size(), 2u);
    const Request& a = fed.requests[0];
    EXPECT_EQ(a.method, "GET");
    EXPECT_EQ(a.target, "/a?x=1&y=%20");
    EXPECT_EQ(a.path(), "/a");
    EXPECT_EQ(a.query(), "x=1&y=%20");
    EXPECT_EQ(a.version, 11);
    EXPECT_EQ(a.headers.get("host"), "example");
    ASSERT_EQ(a.headers.all("X-MULTI").size(), 2u);
    EXPECT_EQ(a.headers.all("X-MULTI")[1], "two");
    EXPECT_EQ(fed.requests[1].body, "hello world");
    EXPECT_TRUE(fed.keep_alive[0]);
    EXPECT_TRUE(fed.keep_alive[1]);
  }
}

TEST(RequestParser, DecodesChunkedBodies) {
  const std::string in =
      "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nTrailer: x\r\n\r\n";
  for (size_t piece : {size_t{1}, size_t{5}, in.size()}) {
    const Fed fed = feed(in, piece);
    ASSERT_EQ(fed.requests.size(), 1u) << piece;
    EXPECT_EQ(fed.requests[0].body, "hello world");
  }
}

TEST(RequestParser, KeepAliveFollowsVersionAndConnectionField) {
  const Fed fed = feed(
      "GET / HTTP/1.0\r\n\r\n"
      "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
      "GET / HTTP/1.1\r\nConnection: close\r\n\r\n",
      1000);
  ASSERT_EQ(fed.requests.size(), 3u);
  EXPECT_FALSE(fed.keep_alive[0]);
  EXPECT_TRUE(fed.keep_alive[1]);
  EXPECT_FALSE(fed.keep_alive[2]);
  EXPECT_EQ(fed.requests[0].version, 10);
}

TEST(RequestParser, AsksForContinueOnlyWhileTheBodyIsMissing) {
  const std::string head =
      "PUT /x HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n";
  EXPECT_EQ(feed(head, head.size()).continues, 1);
  EXPECT_EQ(feed(head + "abc", 1000).continues, 0);  // the body came along
  const Fed fed = feed(head + "abc", head.size());
  EXPECT_EQ(fed.continues, 1);
  ASSERT_EQ(fed.requests.size(), 1u);
  EXPECT_EQ(fed.requests[0].body, "abc");
}

TEST(RequestParser, RefusesWhatCannotBeServed) {
  Limits small;
  small.max_body_bytes = 10;
  small.max_header_bytes = 100;
  EXPECT_EQ(feed("POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\n", 1000, small).error, 413);
  EXPECT_EQ(feed("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n"
                 "8\r\n12345678\r\n0\r\n\r\n",
                 1000, small)
                .error,
            413);
  EXPECT_EQ(feed("GET / HTTP/1.1\r\nX: " + std::string(200, 'a') + "\r\n\r\n", 1000, small).error,
            431);
  EXPECT_EQ(feed("GET / HTTP/1.1\r\nX: " + std::string(200, 'a'), 1, small).error, 431);
  // A chunk-size line that never ends (found by the fuzzer: Beast waits for it unbounded).
  EXPECT_EQ(feed("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3;" + std::string(200, 'x'),
                 7, small)
                .error,
            400);
  EXPECT_EQ(feed("GARBAGE\r\n\r\n", 1000).error, 400);
  EXPECT_EQ(feed("GET / HTTP/1.1\r\nBad Name: x\r\n\r\n", 1000).error, 400);
  EXPECT_EQ(feed("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 1000).error,
            400);
  EXPECT_EQ(feed("POST / HTTP/1.1\r\nContent-Length: x\r\n\r\n", 1000).error, 400);
  EXPECT_EQ(feed("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 1000).error, 400);
  EXPECT_EQ(feed("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\nabc", 1000).error, 501);
  EXPECT_EQ(feed("GET / HTTP/1.2\r\n\r\n", 1000).error, 505);
  EXPECT_EQ(feed("GET / HTTP/2.0\r\n\r\n", 1000).error, 505);
  EXPECT_EQ(feed("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 1000).error, 505);
  EXPECT_EQ(feed("PUT / HTTP/1.1\r\nExpect: magic\r\nContent-Length: 1\r\n\r\n", 1000).error, 417);
}

TEST(RequestParser, ReportsARequestInProgress) {
  RequestParser parser;
  EXPECT_FALSE(parser.in_progress());
  const std::string part = "GET / HT";
  const auto step = parser.parse(reinterpret_cast<const uint8_t*>(part.data()), part.size());
  EXPECT_EQ(step.state, RequestParser::State::kNeedMore);
  EXPECT_TRUE(parser.in_progress());
}

}  // namespace
}  // namespace polymq::http
