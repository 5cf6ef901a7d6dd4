// One keep-alive HTTP/1.1 client connection of polymq-sqs-perf, one request at a time (as
// the AWS SDKs use a connection). Answers are framed by Content-Length, which the broker
// always sends; a chunked or close-delimited answer is reported as an error.
//
// REQUIRES: every call on the thread that runs the io_context.
#pragma once

#include <asio.hpp>
#include <functional>
#include <string>
#include <string_view>

namespace polymq::perf::sqs {

class HttpConnection {
 public:
  // `error` is empty on success; then `status` and `body` are the answer's.
  using Handler = std::function<void(const std::string& error, int status, std::string_view body)>;

  explicit HttpConnection(asio::io_context& io) : socket_(io) {}

  void connect(const std::string& host, uint16_t port,
               std::function<void(const std::string& error)> done);
  // Sends `request` (head and body) and hands the answer to `done`.
  void request(std::string request, Handler done);

 private:
  void read_more();
  // Whether `in_` holds a whole answer; reports it (or a framing error) if so.
  bool deliver();

  asio::ip::tcp::socket socket_;
  std::string out_;
  std::string in_;
  char buffer_[65536];
  Handler handler_;
};

}  // namespace polymq::perf::sqs
