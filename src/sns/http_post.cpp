#include "sns/http_post.h"

#include <asio/ssl.hpp>
#include <cctype>

namespace polymq::sns {

std::optional<Url> parse_url(const std::string& text) {
  Url url;
  std::string rest;
  if (text.rfind("http://", 0) == 0) {
    rest = text.substr(7);
  } else if (text.rfind("https://", 0) == 0) {
    url.https = true;
    rest = text.substr(8);
  } else {
    return std::nullopt;
  }
  const size_t slash = rest.find_first_of("/?");
  std::string authority = rest.substr(0, slash);
  url.target = slash == std::string::npos ? "/" : rest.substr(slash);
  if (url.target[0] == '?') url.target = "/" + url.target;
  if (authority.find('@') != std::string::npos) return std::nullopt;  // no user info
  std::string port;
  if (!authority.empty() && authority[0] == '[') {
    const size_t close = authority.find(']');
    if (close == std::string::npos) return std::nullopt;
    url.host = authority.substr(1, close - 1);
    std::string after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return std::nullopt;
      port = after.substr(1);
    }
  } else {
    const size_t colon = authority.find(':');
    url.host = authority.substr(0, colon);
    if (colon != std::string::npos) port = authority.substr(colon + 1);
  }
  if (url.host.empty()) return std::nullopt;
  for (char c : url.host) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != ':' &&
        c != '_') {
      return std::nullopt;
    }
  }
  for (char c : url.target) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return std::nullopt;
  }
  url.port = url.https ? 443 : 80;
  if (!port.empty()) {
    if (port.size() > 5) return std::nullopt;
    uint32_t n = 0;
    for (char c : port) {
      if (c < '0' || c > '9') return std::nullopt;
      n = n * 10 + static_cast<uint32_t>(c - '0');
    }
    if (n == 0 || n > 65535) return std::nullopt;
    url.port = static_cast<uint16_t>(n);
  }
  return url;
}

std::string render_post(const Url& url, const HttpClient::Headers& headers,
                        const std::string& body) {
  const bool default_port = url.port == (url.https ? 443 : 80);
  const bool v6 = url.host.find(':') != std::string::npos;
  std::string host = v6 ? "[" + url.host + "]" : url.host;
  if (!default_port) host += ":" + std::to_string(url.port);
  std::string out = "POST " + url.target + " HTTP/1.1\r\nHost: " + host + "\r\n";
  for (const auto& [name, value] : headers) out += name + ": " + value + "\r\n";
  out += "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n";
  out += body;
  return out;
}

struct HttpClient::State {
  std::optional<asio::ssl::context> tls;
  std::string tls_error;
};

namespace {

constexpr size_t kMaxStatusLine = 8 * 1024;

// One request in flight over `Stream` (a TCP socket, or a TLS stream over one); keeps itself
// alive through its handlers.
template <class Stream>
class Exchange : public std::enable_shared_from_this<Exchange<Stream>> {
 public:
  template <class... Args>
  Exchange(asio::io_context& io, Url url, std::string request, std::chrono::milliseconds timeout,
           std::function<void(PostResult)> done, Args&&... stream_args)
      : resolver_(io),
        stream_(std::forward<Args>(stream_args)...),
        timer_(io),
        url_(std::move(url)),
        request_(std::move(request)),
        timeout_(timeout),
        done_(std::move(done)) {}

  void start() {
    auto self = this->shared_from_this();
    timer_.expires_after(timeout_);
    timer_.async_wait([self](const asio::error_code& e) {
      if (!e) self->finish({0, "timed out"});
    });
    resolver_.async_resolve(url_.host, std::to_string(url_.port),
                            [self](const asio::error_code& e, const auto& results) {
                              if (e) return self->finish({0, "resolve: " + e.message()});
                              self->connect(results);
                            });
  }

 private:
  asio::ip::tcp::socket& socket() {
    if constexpr (std::is_same_v<Stream, asio::ip::tcp::socket>) {
      return stream_;
    } else {
      return stream_.next_layer();
    }
  }

  void connect(const asio::ip::tcp::resolver::results_type& results) {
    auto self = this->shared_from_this();
    asio::async_connect(socket(), results, [self](const asio::error_code& e, const auto&) {
      if (e) return self->finish({0, "connect: " + e.message()});
      if constexpr (std::is_same_v<Stream, asio::ip::tcp::socket>) {
        self->write();
      } else {
        self->handshake();
      }
    });
  }

  void handshake() {
    if constexpr (!std::is_same_v<Stream, asio::ip::tcp::socket>) {
      // SNI, and the name the certificate must carry.
      SSL_set_tlsext_host_name(stream_.native_handle(), url_.host.c_str());
      stream_.set_verify_callback(asio::ssl::host_name_verification(url_.host));
      auto self = this->shared_from_this();
      stream_.async_handshake(asio::ssl::stream_base::client, [self](const asio::error_code& e) {
        if (e) return self->finish({0, "TLS handshake: " + e.message()});
        self->write();
      });
    }
  }

  void write() {
    auto self = this->shared_from_this();
    asio::async_write(stream_, asio::buffer(request_), [self](const asio::error_code& e, size_t) {
      if (e) return self->finish({0, "write: " + e.message()});
      self->read();
    });
  }

  void read() {
    auto self = this->shared_from_this();
    const size_t old = answer_.size();
    answer_.resize(old + 1024);
    stream_.async_read_some(asio::buffer(answer_.data() + old, 1024),
                            [self, old](const asio::error_code& e, size_t n) {
                              self->answer_.resize(old + n);
                              self->on_read(e);
                            });
  }

  void on_read(const asio::error_code& e) {
    const size_t eol = answer_.find("\r\n");
    if (eol == std::string::npos) {
      if (e) return finish({0, "read: " + e.message()});
      if (answer_.size() > kMaxStatusLine) return finish({0, "status line too long"});
      return read();
    }
    // HTTP/1.x NNN reason
    const std::string line = answer_.substr(0, eol);
    const size_t space = line.find(' ');
    int status = 0;
    if (line.rfind("HTTP/1.", 0) == 0 && space != std::string::npos && line.size() >= space + 4) {
      for (size_t i = space + 1; i < space + 4; ++i) {
        if (!std::isdigit(static_cast<unsigned char>(line[i]))) {
          status = 0;
          break;
        }
        status = status * 10 + (line[i] - '0');
      }
    }
    if (status < 100) return finish({0, "malformed status line"});
    finish({status, ""});
  }

  void finish(PostResult result) {
    if (!done_) return;
    auto done = std::move(done_);
    done_ = nullptr;
    asio::error_code ignored;
    timer_.cancel();
    resolver_.cancel();
    socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    socket().close(ignored);
    done(std::move(result));
  }

  asio::ip::tcp::resolver resolver_;
  Stream stream_;
  asio::steady_timer timer_;
  Url url_;
  std::string request_;
  std::chrono::milliseconds timeout_;
  std::function<void(PostResult)> done_;
  std::string answer_;

 public:
  std::shared_ptr<void> keep;  // what the stream needs to outlive it (the TLS context)
};

}  // namespace

HttpClient::HttpClient(asio::io_context& io, HttpClientOptions options)
    : io_(io), options_(std::move(options)), state_(std::make_shared<State>()) {}

HttpClient::~HttpClient() = default;

void HttpClient::post(const Url& url, const Headers& headers, std::string body,
                      std::function<void(PostResult)> done) {
  std::string request = render_post(url, headers, body);
  if (!url.https) {
    auto x = std::make_shared<Exchange<asio::ip::tcp::socket>>(
        io_, url, std::move(request), options_.timeout, std::move(done), io_);
    x->start();
    return;
  }
  if (!state_->tls && state_->tls_error.empty()) {
    asio::ssl::context tls(asio::ssl::context::tls_client);
    asio::error_code e;
    tls.set_default_verify_paths(e);
    if (!e && !options_.extra_ca_file.empty()) tls.load_verify_file(options_.extra_ca_file, e);
    if (e) {
      state_->tls_error = "TLS setup: " + e.message();
    } else {
      tls.set_verify_mode(asio::ssl::verify_peer);
      state_->tls.emplace(std::move(tls));
    }
  }
  if (!state_->tls) {
    asio::post(io_, [done = std::move(done), error = state_->tls_error] { done({0, error}); });
    return;
  }
  // The context is shared by the requests, which may outlive the client: each keeps the
  // state that holds it.
  auto x = std::make_shared<Exchange<asio::ssl::stream<asio::ip::tcp::socket>>>(
      io_, url, std::move(request), options_.timeout, std::move(done), io_, *state_->tls);
  x->keep = state_;
  x->start();
}

}  // namespace polymq::sns
