#include "perf/producer.h"

#include <algorithm>
#include <cmath>

#include "amqp/codec/frame.h"
#include "perf/payload.h"
#include "perf/run_control.h"
#include "perf/stats.h"

namespace polymq::perf {
namespace spec = amqp::spec;

namespace {

// Output gathered per turn before the connection writes it.
constexpr size_t kBatchBytes = 128 * 1024;
// A rate-limited producer sends a message this early rather than sleeping for less.
constexpr uint64_t kRateSlackNs = 100'000;

}  // namespace

Producer::Producer(ClientConnection& connection, ProducerConfig config, WorkerStats& stats,
                   RunControl& control)
    : conn_(connection),
      config_(std::move(config)),
      stats_(stats),
      control_(control),
      rate_timer_(connection.io()),
      body_(std::max<size_t>(config_.body_size, kTimestampSize), 'x'),
      batch_bytes_(std::max<size_t>(kBatchBytes, 2 * (body_.size() + 256))),
      confirms_(config_.confirm_window) {
  publish_.exchange = config_.exchange;
  publish_.routing_key = config_.routing_key;
  properties_.delivery_mode = config_.persistent ? 2 : 1;
}

void Producer::prepare() {
  conn_.open_channel(this, [this](uint16_t channel) {
    channel_ = channel;
    if (config_.confirm_window == 0) {
      control_.client_ready();
      return;
    }
    conn_.call<spec::ConfirmSelectOk>(
        channel_, spec::ConfirmSelect{},
        [this](const spec::ConfirmSelectOk&) { control_.client_ready(); });
  });
}

void Producer::start(uint64_t start_ns) {
  start_ns_ = start_ns;
  running_ = true;
  pump();
}

void Producer::stop() {
  running_ = false;
  rate_timer_.cancel();
}

void Producer::pump() {
  if (!running_ || !conn_.is_open() || conn_.blocked()) return;
  std::string& out = conn_.output();
  uint64_t now = now_ns();
  uint32_t frame_max = conn_.frame_max();
  while (out.size() < batch_bytes_) {
    if (config_.message_limit != 0 && published_ >= config_.message_limit) {
      finish_if_done();
      break;
    }
    if (config_.confirm_window != 0 && confirms_.full()) break;
    if (config_.rate > 0) {
      auto due =
          start_ns_ + static_cast<uint64_t>(static_cast<double>(published_) * 1e9 / config_.rate);
      if (due > now + kRateSlackNs) {
        if (!timer_armed_) {
          timer_armed_ = true;
          rate_timer_.expires_at(Clock::time_point(std::chrono::nanoseconds(due)));
          rate_timer_.async_wait([this](const asio::error_code& ec) {
            timer_armed_ = false;
            if (!ec) pump();
          });
        }
        break;
      }
    }
    write_timestamp(body_.data(), now);
    amqp::append_method_frame(out, channel_, publish_);
    amqp::append_content_header_frame(out, channel_, spec::kClassBasic, body_.size(), properties_);
    amqp::append_body_frames(out, channel_, body_, frame_max);
    if (config_.confirm_window != 0) confirms_.publish();
    ++published_;
    ++stats_.sent;
    stats_.last_send_ns = now;
  }
  conn_.flush();
}

void Producer::on_confirm(uint64_t delivery_tag, bool multiple, bool nack) {
  if (config_.confirm_window == 0) return;
  uint64_t settled = confirms_.settle(delivery_tag, multiple);
  if (nack) {
    stats_.nacked += settled;
  } else {
    stats_.confirmed += settled;
  }
  stats_.last_confirm_ns = conn_.read_time_ns();
  pump();
  finish_if_done();
}

void Producer::finish_if_done() {
  if (finished_ || config_.message_limit == 0 || published_ < config_.message_limit) return;
  if (config_.confirm_window != 0 && confirms_.outstanding() != 0) return;
  finished_ = true;
  control_.producer_finished();
}

}  // namespace polymq::perf
