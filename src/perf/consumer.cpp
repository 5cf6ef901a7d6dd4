#include "perf/consumer.h"

#include <algorithm>

#include "amqp/codec/frame.h"
#include "perf/payload.h"
#include "perf/run_control.h"
#include "perf/stats.h"

namespace polymq::perf {
namespace spec = amqp::spec;

Consumer::Consumer(ClientConnection& connection, ConsumerConfig config, WorkerStats& stats,
                   RunControl& control)
    : conn_(connection),
      config_(std::move(config)),
      stats_(stats),
      control_(control),
      ack_every_(std::max<uint32_t>(1, config_.prefetch == 0 ? 500u : config_.prefetch / 2u)) {}

void Consumer::prepare() {
  conn_.open_channel(this, [this](uint16_t channel) {
    channel_ = channel;
    if (config_.auto_ack) {
      control_.client_ready();
      return;
    }
    spec::BasicQos qos;
    qos.prefetch_count = config_.prefetch;
    conn_.call<spec::BasicQosOk>(channel_, qos,
                                 [this](const spec::BasicQosOk&) { control_.client_ready(); });
  });
}

void Consumer::start() {
  spec::BasicConsume consume;
  consume.queue = config_.queue;
  consume.no_ack = config_.auto_ack;
  conn_.call<spec::BasicConsumeOk>(channel_, consume, nullptr);
}

void Consumer::on_deliver(uint64_t delivery_tag) {
  delivery_tag_ = delivery_tag;
  body_remaining_ = 0;
  body_started_ = false;
  send_ns_ = 0;
}

void Consumer::on_content_header(uint64_t body_size) {
  body_remaining_ = body_size;
  if (body_size == 0) on_message();
}

void Consumer::on_content_body(const uint8_t* data, size_t size) {
  if (!body_started_) {
    body_started_ = true;
    if (size >= kTimestampSize) send_ns_ = read_timestamp(data);
  }
  body_remaining_ -= std::min<uint64_t>(body_remaining_, size);
  if (body_remaining_ == 0) on_message();
}

void Consumer::on_message() {
  if (finished_) return;
  ++received_;
  ++unreported_;
  ++stats_.received;
  uint64_t now = conn_.read_time_ns();
  stats_.last_receive_ns = now;
  if (send_ns_ != 0) stats_.latency.record(now > send_ns_ ? (now - send_ns_) / 1000 : 0);
  if (!config_.auto_ack && ++unacked_ >= ack_every_) ack_up_to_last();
  if (config_.message_limit != 0 && received_ >= config_.message_limit) {
    finished_ = true;
    if (!config_.auto_ack && unacked_ > 0) ack_up_to_last();
    control_.received(unreported_);
    unreported_ = 0;
    control_.consumer_finished();
  }
}

void Consumer::ack_up_to_last() {
  amqp::append_method_frame(conn_.output(), channel_, spec::BasicAck{delivery_tag_, true});
  conn_.flush();
  unacked_ = 0;
}

void Consumer::on_read_done() {
  if (unreported_ == 0) return;
  control_.received(unreported_);
  unreported_ = 0;
}

}  // namespace polymq::perf
