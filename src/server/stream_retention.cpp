#include "server/stream_retention.h"

#include <spdlog/spdlog.h>

namespace polymq::server {

StreamRetention::StreamRetention(asio::io_context& io, core::Broker& broker,
                                 std::chrono::milliseconds interval)
    : broker_(broker), interval_(interval), timer_(io) {}

void StreamRetention::start() {
  stopped_ = false;
  schedule();
}

void StreamRetention::stop() {
  stopped_ = true;
  timer_.cancel();
}

uint64_t StreamRetention::run_once() {
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  uint64_t bytes = 0;
  for (const core::VHost* listed : broker_.vhosts()) {
    if (core::VHost* vhost = broker_.find_vhost(listed->name())) {
      bytes += vhost->apply_stream_retention(now_ms);
    }
  }
  if (bytes > 0) spdlog::info("stream retention deleted {} bytes of segments", bytes);
  return bytes;
}

void StreamRetention::schedule() {
  timer_.expires_after(interval_);
  timer_.async_wait([this](const asio::error_code& ec) {
    if (ec || stopped_) return;
    run_once();
    schedule();
  });
}

}  // namespace polymq::server
