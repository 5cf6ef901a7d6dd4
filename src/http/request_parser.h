// Incremental HTTP/1.1 request parsing over bytes as they arrive, one request at a time.
//
// The parsing itself is Boost.Beast's (http::request_parser, Debian's libboost-dev 1.74), used
// over plain buffers: Beast's parser needs no io_context or Beast stream, only
// boost::asio::const_buffer, so it sits behind net::Connection like any hand-written codec
// would. Beast stays inside request_parser.cpp: nothing else includes Boost, so standalone
// Asio and Boost.Asio never meet in one translation unit.
//
// Beast reads the start line, the fields (header size limit, duplicate and conflicting
// Content-Length / Transfer-Encoding refused), Content-Length bodies and chunked bodies (body
// size limit, Content-Length checked against it before any body byte is read) and refuses
// versions other than 1.0/1.1 (505). On top of it this class refuses what Beast would accept
// but the server must not: a Transfer-Encoding other than chunked (501: Beast would read no
// body, and the body would be taken for the next request), an Expect other than 100-continue
// (417).
//
// After an error the connection cannot be resynchronised: the caller answers the status and
// closes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "http/message.h"

namespace polymq::http {

struct Limits {
  // Start line plus fields; beyond it the request is refused with 431.
  size_t max_header_bytes = 16 * 1024;
  // De-chunked body; beyond it the request is refused with 413.
  size_t max_body_bytes = 2 * 1024 * 1024;
};

class RequestParser {
 public:
  enum class State {
    kNeedMore,  // everything given was consumed (or kept for the next call): send more
    kComplete,  // a request ends at `consumed`: take() it, then parse the rest
    kError,     // malformed or over a limit: answer error_status() and close
  };
  struct Step {
    size_t consumed = 0;
    State state = State::kNeedMore;
    // The header just completed with "Expect: 100-continue" and the body has yet to come: the
    // client waits for an interim "100 Continue" before sending it.
    bool continue_expected = false;
  };

  explicit RequestParser(Limits limits = {});
  ~RequestParser();
  RequestParser(const RequestParser&) = delete;
  RequestParser& operator=(const RequestParser&) = delete;

  // Parses a prefix of [data, data + size). Bytes not consumed (a header not yet complete)
  // must be presented again, at the start of the next call, with more appended.
  // REQUIRES: the last step was not kError; after kComplete, take() was called.
  Step parse(const uint8_t* data, size_t size);

  // After kComplete: the request, and whether the connection may carry another one after it
  // (HTTP/1.1 unless "Connection: close"; HTTP/1.0 only with "Connection: keep-alive").
  // Resets the parser for the next request.
  Request take(bool& keep_alive);

  // After kError: 400, 413, 417, 431, 501 or 505, and a short text saying why.
  int error_status() const { return error_status_; }
  const std::string& error_text() const { return error_text_; }
  // Whether part of a request has been parsed (a request is in progress).
  bool in_progress() const;

 private:
  struct Impl;
  Step fail(Step step, int status, std::string text);
  // Checks a just-completed header; false after fail().
  bool check_header(Step& step);

  Limits limits_;
  std::unique_ptr<Impl> impl_;
  bool header_checked_ = false;
  int error_status_ = 0;
  std::string error_text_;
};

}  // namespace polymq::http
