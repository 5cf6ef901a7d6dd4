// One HTTP/1.1 POST to an SNS http or https endpoint, asynchronously on the broker's event
// loop (standalone Asio; https with asio::ssl over OpenSSL): connect, send the request with
// "Connection: close", read the status line, close. The answer is the status code; the body is
// not read (SNS only asks whether the endpoint took the message: 2xx). A deadline covers the
// whole exchange (resolve, connect, TLS handshake, write, read).
//
// https verifies the peer's chain against the system's trust store (and, when given, one more
// CA file) and its name against the URL's host (an IP address against the certificate's IP
// SANs), with SNI.
#pragma once

#include <asio.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace polymq::sns {

struct Url {
  bool https = false;
  std::string host;  // without brackets for IPv6
  uint16_t port = 0;
  std::string target;  // path and query, "/" at least
};
// http(s)://host[:port][/path][?query]; nullopt when it is not such a URL.
std::optional<Url> parse_url(const std::string& url);

struct PostResult {
  int status = 0;     // 0: no answer (the error says why)
  std::string error;  // "" when an answer came
  bool ok() const { return status >= 200 && status < 300; }
};

struct HttpClientOptions {
  std::chrono::milliseconds timeout{15000};
  std::string extra_ca_file;  // PEM; trusted besides the system's CAs ("" = none)
};

// REQUIRES: the io_context runs on one thread, the one every call is made on; the client
// outlives no request it started (a request keeps itself alive until it completes).
class HttpClient {
 public:
  HttpClient(asio::io_context& io, HttpClientOptions options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  using Headers = std::vector<std::pair<std::string, std::string>>;
  // Calls `done` exactly once, later, on the loop.
  void post(const Url& url, const Headers& headers, std::string body,
            std::function<void(PostResult)> done);

 private:
  struct State;
  asio::io_context& io_;
  HttpClientOptions options_;
  std::shared_ptr<State> state_;  // the TLS context, built on first use
};

// The request as written to the wire (for tests): request line, Host, the headers,
// Content-Length, Connection: close, then the body.
std::string render_post(const Url& url, const HttpClient::Headers& headers,
                        const std::string& body);

}  // namespace polymq::sns
