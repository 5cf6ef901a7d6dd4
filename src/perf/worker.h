// An event loop thread with its own io_context, and the connections, producers and consumers
// it runs. Everything a Worker owns is touched only on its thread; the main thread reaches it
// by posting work (post, run_sync).
#pragma once

#include <asio.hpp>
#include <future>
#include <memory>
#include <thread>
#include <type_traits>
#include <vector>

#include "perf/client_connection.h"
#include "perf/consumer.h"
#include "perf/producer.h"
#include "perf/stats.h"

namespace polymq::perf {

class Worker {
 public:
  Worker();
  // Stops the loop, joins the thread and releases what the worker owns.
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  asio::io_context& io() { return io_; }

  template <class F>
  void post(F fn) {
    asio::post(io_, std::move(fn));
  }

  // Runs `fn` on the worker thread and waits for it.
  template <class F>
  void run_sync(F fn) {
    auto done = std::make_shared<std::promise<void>>();
    auto result = done->get_future();
    asio::post(io_, [done, fn = std::move(fn)]() mutable {
      fn();
      done->set_value();
    });
    result.wait();
  }

  // The counters and the latencies gathered since the previous call; counters are cumulative.
  WorkerStats snapshot();

  // Owned by the worker thread. Producers and consumers refer to connections, so they are
  // released first.
  WorkerStats stats;
  std::vector<std::unique_ptr<ClientConnection>> connections;
  std::vector<std::unique_ptr<Producer>> producers;
  std::vector<std::unique_ptr<Consumer>> consumers;

 private:
  asio::io_context io_{1};
  asio::executor_work_guard<asio::io_context::executor_type> guard_;
  std::thread thread_;
};

}  // namespace polymq::perf
