#include "perf/sqs/sqs_load.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <asio.hpp>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <memory>
#include <vector>

#include "perf/sqs/http_connection.h"

namespace polymq::perf::sqs {
namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t kStampDigits = 20;  // a body starts with its send time, in ns, zero-padded

uint64_t now_ns() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
          .count());
}

uint64_t micros_since(uint64_t start_ns) { return (now_ns() - start_ns) / 1000; }

struct Sender {
  explicit Sender(asio::io_context& io) : connection(io), timer(io) {}
  HttpConnection connection;
  asio::steady_timer timer;
  uint64_t quota = 0;  // messages this sender sends
  uint64_t sent = 0;
  Clock::time_point next_due;
};

struct Receiver {
  explicit Receiver(asio::io_context& io) : connection(io) {}
  HttpConnection connection;
};

// The first entry of a batch answer's Failed list, as text; "" when there is none.
std::string first_failure(const rapidjson::Document& answer) {
  if (!answer.IsObject() || !answer.HasMember("Failed") || !answer["Failed"].IsArray() ||
      answer["Failed"].Empty()) {
    return "";
  }
  const auto& f = answer["Failed"][0];
  std::string text = "batch entry failed";
  if (f.IsObject() && f.HasMember("Code") && f["Code"].IsString()) {
    text += std::string(": ") + f["Code"].GetString();
  }
  return text;
}

class Run {
 public:
  Run(const LoadOptions& o, const std::atomic<bool>& stop)
      : o_(o),
        stop_(stop),
        signer_(o.host + ":" + std::to_string(o.port), o.credentials),
        control_(io_),
        deadline_(io_),
        stop_poll_(io_),
        hold_(io_) {}

  LoadResult go() {
    const std::string name =
        o_.queue.empty() ? "polymq-sqs-perf-" + std::to_string(now_ns()) : o_.queue;
    control_.connect(o_.host, o_.port, [this, name](const std::string& error) {
      if (!error.empty()) return fail(error);
      call(control_, "CreateQueue", "{\"QueueName\":\"" + name + "\"}",
           [this](const rapidjson::Document& answer) {
             if (!answer.IsObject() || !answer.HasMember("QueueUrl") ||
                 !answer["QueueUrl"].IsString()) {
               return fail("CreateQueue: no QueueUrl in the answer");
             }
             queue_url_ = answer["QueueUrl"].GetString();
             start();
           });
    });
    deadline_.expires_after(std::chrono::seconds(o_.timeout_s));
    deadline_.async_wait([this](const asio::error_code& ec) {
      if (!ec) fail("timed out after " + std::to_string(o_.timeout_s) + " s");
    });
    poll_stop();
    io_.run();
    return std::move(r_);
  }

 private:
  void fail(const std::string& error) {
    if (r_.error.empty()) r_.error = error;
    io_.stop();
  }

  void poll_stop() {
    stop_poll_.expires_after(std::chrono::milliseconds(100));
    stop_poll_.async_wait([this](const asio::error_code& ec) {
      if (ec) return;
      if (stop_.load()) return fail("interrupted");
      poll_stop();
    });
  }

  // Sends a signed action on `connection`; a transport error, a status other than 200 or an
  // answer that is not JSON fails the run, else `done` gets the parsed answer.
  void call(HttpConnection& connection, const char* action, const std::string& body,
            std::function<void(const rapidjson::Document&)> done) {
    connection.request(signer_.json_request(action, body, std::chrono::system_clock::now()),
                       [this, action, done = std::move(done)](const std::string& error, int status,
                                                              std::string_view answer) {
                         if (!error.empty()) return fail(std::string(action) + ": " + error);
                         if (status != 200) {
                           return fail(std::string(action) + ": HTTP " + std::to_string(status) +
                                       " " + std::string(answer.substr(0, 300)));
                         }
                         rapidjson::Document doc;
                         doc.Parse(answer.data(), answer.size());
                         if (doc.HasParseError())
                           return fail(std::string(action) + ": answer is not JSON");
                         done(doc);
                       });
  }

  void start() {
    started_ns_ = now_ns();
    if (o_.idle_polls > 0) return start_idle();
    const uint64_t each = o_.messages / o_.senders;
    for (int i = 0; i < o_.senders; ++i) {
      auto& s = senders_.emplace_back(std::make_unique<Sender>(io_));
      s->quota = each + (static_cast<uint64_t>(i) < o_.messages % o_.senders ? 1 : 0);
      s->next_due = Clock::now();
      s->connection.connect(o_.host, o_.port, [this, sp = s.get()](const std::string& error) {
        if (!error.empty()) return fail(error);
        send_next(*sp);
      });
    }
    for (int i = 0; i < o_.receivers; ++i) {
      auto& rcv = receivers_.emplace_back(std::make_unique<Receiver>(io_));
      rcv->connection.connect(o_.host, o_.port, [this, rp = rcv.get()](const std::string& error) {
        if (!error.empty()) return fail(error);
        receive_next(*rp);
      });
    }
  }

  void start_idle() {
    for (int i = 0; i < o_.idle_polls; ++i) {
      auto& rcv = receivers_.emplace_back(std::make_unique<Receiver>(io_));
      rcv->connection.connect(o_.host, o_.port, [this, rp = rcv.get()](const std::string& error) {
        if (!error.empty()) return fail(error);
        idle_poll(*rp);
      });
    }
    hold_.expires_after(std::chrono::seconds(o_.hold_s));
    hold_.async_wait([this](const asio::error_code& ec) {
      if (!ec) io_.stop();
    });
  }

  void idle_poll(Receiver& rcv) {
    ++r_.polls_waiting;
    ++r_.receive_requests;
    call(rcv.connection, "ReceiveMessage",
         "{\"QueueUrl\":\"" + queue_url_ + "\",\"WaitTimeSeconds\":20}",
         [this, &rcv](const rapidjson::Document&) {
           --r_.polls_waiting;
           ++r_.empty_receives;
           idle_poll(rcv);
         });
  }

  std::string body(uint64_t stamp) const {
    char digits[kStampDigits + 1];
    std::snprintf(digits, sizeof digits, "%020llu", static_cast<unsigned long long>(stamp));
    std::string b(digits, kStampDigits);
    b.resize(static_cast<size_t>(o_.message_bytes), 'x');
    return b;
  }

  void send_next(Sender& s) {
    if (s.sent >= s.quota) return sender_done();
    if (o_.rate > 0) {
      const auto now = Clock::now();
      if (s.next_due > now) {
        s.timer.expires_at(s.next_due);
        s.timer.async_wait([this, &s](const asio::error_code& ec) {
          if (!ec) send_now(s);
        });
        return;
      }
    }
    send_now(s);
  }

  void send_now(Sender& s) {
    const uint64_t n = std::min<uint64_t>(static_cast<uint64_t>(o_.batch), s.quota - s.sent);
    if (o_.rate > 0) {
      s.next_due += std::chrono::nanoseconds(n * o_.senders * 1000000000ull / o_.rate);
    }
    const uint64_t start = now_ns();
    std::string request = "{\"QueueUrl\":\"" + queue_url_ + "\",";
    const char* action = "SendMessage";
    if (o_.batch == 1) {
      request += "\"MessageBody\":\"" + body(start) + "\"}";
    } else {
      action = "SendMessageBatch";
      request += "\"Entries\":[";
      for (uint64_t i = 0; i < n; ++i) {
        if (i > 0) request += ',';
        request +=
            "{\"Id\":\"m" + std::to_string(i) + "\",\"MessageBody\":\"" + body(start) + "\"}";
      }
      request += "]}";
    }
    call(s.connection, action, request, [this, &s, n, start](const rapidjson::Document& answer) {
      if (const std::string failure = first_failure(answer); !failure.empty()) {
        return fail("SendMessageBatch: " + failure);
      }
      r_.send_latency_us.record(micros_since(start));
      ++r_.send_requests;
      s.sent += n;
      r_.sent += n;
      send_next(s);
    });
  }

  void sender_done() {
    if (++senders_done_ != static_cast<size_t>(o_.senders)) return;
    r_.send_seconds = static_cast<double>(now_ns() - started_ns_) / 1e9;
    check_done();
  }

  void check_done() {
    if (senders_done_ != static_cast<size_t>(o_.senders)) return;
    if (o_.receivers > 0 && r_.received < r_.sent) return;
    if (o_.receivers > 0) r_.receive_seconds = static_cast<double>(now_ns() - started_ns_) / 1e9;
    io_.stop();
  }

  void receive_next(Receiver& rcv) {
    if (r_.received >= o_.messages) return;
    const uint64_t start = now_ns();
    call(rcv.connection, "ReceiveMessage",
         "{\"QueueUrl\":\"" + queue_url_ + "\",\"MaxNumberOfMessages\":10,\"WaitTimeSeconds\":1}",
         [this, &rcv, start](const rapidjson::Document& answer) {
           ++r_.receive_requests;
           if (!answer.IsObject() || !answer.HasMember("Messages") ||
               !answer["Messages"].IsArray() || answer["Messages"].Empty()) {
             ++r_.empty_receives;
             return receive_next(rcv);
           }
           r_.receive_latency_us.record(micros_since(start));
           rapidjson::StringBuffer out;
           rapidjson::Writer<rapidjson::StringBuffer> w(out);
           w.StartObject();
           w.Key("QueueUrl");
           w.String(queue_url_.c_str());
           w.Key("Entries");
           w.StartArray();
           uint64_t n = 0;
           for (const auto& m : answer["Messages"].GetArray()) {
             if (!m.IsObject() || !m.HasMember("Body") || !m.HasMember("ReceiptHandle") ||
                 !m["Body"].IsString() || !m["ReceiptHandle"].IsString()) {
               return fail("ReceiveMessage: a message without Body or ReceiptHandle");
             }
             const std::string_view b(m["Body"].GetString(), m["Body"].GetStringLength());
             uint64_t stamp = 0;
             if (b.size() >= kStampDigits)
               std::from_chars(b.data(), b.data() + kStampDigits, stamp);
             if (stamp != 0) r_.end_to_end_us.record(micros_since(stamp));
             w.StartObject();
             w.Key("Id");
             w.String(("d" + std::to_string(n++)).c_str());
             w.Key("ReceiptHandle");
             w.String(m["ReceiptHandle"].GetString(), m["ReceiptHandle"].GetStringLength());
             w.EndObject();
           }
           w.EndArray();
           w.EndObject();
           const uint64_t deleting = now_ns();
           call(rcv.connection, "DeleteMessageBatch", out.GetString(),
                [this, &rcv, n, deleting](const rapidjson::Document& deleted) {
                  if (const std::string failure = first_failure(deleted); !failure.empty()) {
                    return fail("DeleteMessageBatch: " + failure);
                  }
                  r_.delete_latency_us.record(micros_since(deleting));
                  r_.received += n;
                  check_done();
                  receive_next(rcv);
                });
         });
  }

  const LoadOptions& o_;
  const std::atomic<bool>& stop_;
  asio::io_context io_;
  RequestSigner signer_;
  HttpConnection control_;
  asio::steady_timer deadline_;
  asio::steady_timer stop_poll_;
  asio::steady_timer hold_;
  std::string queue_url_;
  std::vector<std::unique_ptr<Sender>> senders_;
  std::vector<std::unique_ptr<Receiver>> receivers_;
  size_t senders_done_ = 0;
  uint64_t started_ns_ = 0;
  LoadResult r_;
};

}  // namespace

LoadResult run_load(const LoadOptions& options, const std::atomic<bool>& stop) {
  Run run(options, stop);
  return run.go();
}

}  // namespace polymq::perf::sqs
