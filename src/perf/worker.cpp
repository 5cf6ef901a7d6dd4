#include "perf/worker.h"

namespace polymq::perf {

Worker::Worker() : guard_(asio::make_work_guard(io_)), thread_([this] { io_.run(); }) {}

Worker::~Worker() {
  guard_.reset();
  io_.stop();
  if (thread_.joinable()) thread_.join();
  producers.clear();
  consumers.clear();
  connections.clear();
}

WorkerStats Worker::snapshot() {
  WorkerStats copy;
  run_sync([&] {
    copy.sent = stats.sent;
    copy.confirmed = stats.confirmed;
    copy.nacked = stats.nacked;
    copy.received = stats.received;
    copy.last_send_ns = stats.last_send_ns;
    copy.last_confirm_ns = stats.last_confirm_ns;
    copy.last_receive_ns = stats.last_receive_ns;
    copy.latency.merge(stats.latency);
    stats.latency.reset();
  });
  return copy;
}

}  // namespace polymq::perf
