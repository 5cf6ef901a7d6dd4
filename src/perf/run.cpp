#include "perf/run.h"

#include <algorithm>
#include <chrono>
#include <limits>

#include "perf/payload.h"
#include "perf/topology.h"

namespace polymq::perf {
namespace {

// Handshakes in flight per worker while the idle connections open.
constexpr int kIdleOpenWindow = 50;
constexpr uint64_t kSecondNs = 1'000'000'000;
constexpr uint64_t kPollNs = 100'000'000;
// Producers are done and nothing has arrived for this long: the rest is not coming.
constexpr uint64_t kStallNs = 5 * kSecondNs;
constexpr auto kSetupTimeout = std::chrono::seconds(30);
constexpr auto kCloseTimeout = std::chrono::seconds(10);

Clock::time_point at(uint64_t ns) { return Clock::time_point(std::chrono::nanoseconds(ns)); }

}  // namespace

// Opens a worker's share of the idle connections, kIdleOpenWindow handshakes at a time.
// Lives on the main thread's Run but is used only on its worker's thread.
struct Run::IdleOpener {
  Worker& worker;
  const Options& options;
  RunControl& control;
  int total;
  int first_index;
  int next = 0;
  int in_flight = 0;

  void launch() {
    while (in_flight < kIdleOpenWindow && next < total && !control.failed()) {
      ConnectionParams params{options.server, options.heartbeat,
                              "polymq-perf idle " + std::to_string(first_index + next)};
      auto conn = std::make_unique<ClientConnection>(worker.io(), std::move(params), control);
      ClientConnection* c = conn.get();
      worker.connections.push_back(std::move(conn));
      ++next;
      ++in_flight;
      c->open([this] {
        --in_flight;
        launch();
      });
    }
  }
};

Run::Run(const Options& options, const std::atomic<bool>& stop_requested)
    : options_(options), stop_requested_(stop_requested) {
  for (int i = 0; i < options_.threads; ++i) workers_.push_back(std::make_unique<Worker>());
}

Run::~Run() = default;

std::FILE* Run::progress() const { return options_.json ? stderr : stdout; }

Result Run::execute() {
  Result result;
  std::fprintf(progress(),
               "polymq-perf: %d producer(s), %d consumer(s), %u-byte bodies, %s:%u vhost %s, "
               "%d thread(s)\n",
               options_.producers, options_.consumers, options_.body_size,
               options_.server.host.c_str(), options_.server.port, options_.server.vhost.c_str(),
               options_.threads);
  if (declare_topology_step() && open_idle_connections() && open_clients()) {
    uint64_t start = now_ns();
    start_clients(start);
    uint64_t end = monitor(start, result.missing);
    for (auto& w : workers_) {
      w->run_sync([&w] {
        for (auto& p : w->producers) p->stop();
      });
    }
    WorkerStats last = collect();
    totals_.sent = last.sent;
    totals_.confirmed = last.confirmed;
    totals_.nacked = last.nacked;
    totals_.received = last.received;
    totals_.last_send_ns = last.last_send_ns;
    totals_.last_confirm_ns = last.last_confirm_ns;
    totals_.last_receive_ns = last.last_receive_ns;
    totals_.latency.merge(last.latency);
    result.duration_s = static_cast<double>(end - start) / 1e9;
  }
  if (stop_requested_) std::fprintf(progress(), "interrupted\n");
  close_everything();
  result.totals = totals_;
  result.error = control_.failure();
  return result;
}

bool Run::declare_topology_step() {
  if (options_.producers + options_.consumers == 0) return true;
  auto done = std::make_shared<std::atomic<bool>>(false);
  Worker& w = *workers_[0];
  ++connections_created_;
  w.post([this, &w, done] {
    auto conn = std::make_unique<ClientConnection>(
        w.io(), ConnectionParams{options_.server, options_.heartbeat, "polymq-perf setup"},
        control_);
    ClientConnection* c = conn.get();
    w.connections.push_back(std::move(conn));
    c->open([this, c, done] {
      c->open_channel(nullptr, [this, c, done](uint16_t channel) {
        declare_topology(*c, channel, options_, [this, c, done] {
          c->close([this, done] {
            done->store(true);
            control_.notify();
          });
        });
      });
    });
  });
  bool ok = control_.wait_until(Clock::now() + kSetupTimeout, [&] { return done->load(); });
  if (!ok && !control_.failed()) control_.fail("timed out declaring the exchange and queues");
  return ok;
}

bool Run::open_idle_connections() {
  int total = options_.idle_connections;
  if (total == 0) return true;
  uint64_t base = control_.opened_connections();
  int threads = static_cast<int>(workers_.size());
  int first = 0;
  for (int i = 0; i < threads; ++i) {
    int share = total / threads + (i < total % threads ? 1 : 0);
    idle_openers_.push_back(std::unique_ptr<IdleOpener>(
        new IdleOpener{*workers_[i], options_, control_, share, first}));
    first += share;
    IdleOpener* opener = idle_openers_.back().get();
    workers_[i]->post([opener] { opener->launch(); });
  }
  connections_created_ += total;
  // Allow a generous 20 ms per handshake before calling it stuck.
  auto timeout = std::chrono::seconds(30) + std::chrono::milliseconds(20) * total;
  bool ok = control_.wait_until(Clock::now() + timeout, [&] {
    return control_.opened_connections() - base >= static_cast<uint64_t>(total);
  });
  if (!ok) {
    if (!control_.failed()) {
      control_.fail("only " + std::to_string(control_.opened_connections() - base) + " of " +
                    std::to_string(total) + " idle connections opened in time");
    }
    return false;
  }
  std::fprintf(progress(), "idle connections open: %d\n", total);
  std::fflush(progress());
  return true;
}

bool Run::open_clients() {
  const int producers = options_.producers;
  const int consumers = options_.consumers;
  const int clients = producers + consumers;
  if (clients == 0) return true;
  const int connections = options_.connections ? options_.connections : clients;

  // Client j: consumer j for j < consumers, then producers. Client j goes on connection
  // j % connections, connection k on worker k % threads.
  std::vector<std::vector<int>> on_connection(connections);
  for (int j = 0; j < clients; ++j) on_connection[j % connections].push_back(j);

  const std::string routing_key =
      options_.exchange.empty() ? options_.queue_name(0) : options_.routing_key;
  uint64_t base = control_.ready_clients();
  for (int k = 0; k < connections; ++k) {
    if (on_connection[k].empty()) continue;
    Worker& w = *workers_[k % workers_.size()];
    ++connections_created_;
    w.post([this, &w, k, routing_key, members = on_connection[k], consumers] {
      auto conn = std::make_unique<ClientConnection>(
          w.io(),
          ConnectionParams{options_.server, options_.heartbeat,
                           "polymq-perf connection " + std::to_string(k + 1)},
          control_);
      ClientConnection* c = conn.get();
      w.connections.push_back(std::move(conn));
      c->open([this, &w, c, routing_key, members, consumers] {
        for (int j : members) {
          if (j < consumers) {
            ConsumerConfig config{options_.queue_name(j % options_.queue_count), options_.auto_ack,
                                  options_.prefetch, options_.cmessages};
            w.consumers.push_back(std::make_unique<Consumer>(*c, config, w.stats, control_));
            w.consumers.back()->prepare();
          } else {
            ProducerConfig config{options_.exchange, routing_key,         options_.body_size,
                                  options_.rate,     options_.persistent, options_.confirm_window,
                                  options_.pmessages};
            w.producers.push_back(std::make_unique<Producer>(*c, config, w.stats, control_));
            w.producers.back()->prepare();
          }
        }
      });
    });
  }
  auto timeout = std::chrono::seconds(30) + std::chrono::milliseconds(20) * clients;
  bool ok = control_.wait_until(Clock::now() + timeout, [&] {
    return control_.ready_clients() - base >= static_cast<uint64_t>(clients);
  });
  if (!ok && !control_.failed()) control_.fail("producers and consumers not ready in time");
  return ok;
}

void Run::start_clients(uint64_t start_ns) {
  for (auto& w : workers_) {
    Worker* worker = w.get();
    worker->post([worker, start_ns] {
      for (auto& c : worker->consumers) c->start();
      for (auto& p : worker->producers) p->start(start_ns);
    });
  }
}

bool Run::counts_reached(uint64_t& expected_received) const {
  expected_received = 0;
  const uint64_t producers = options_.producers;
  const uint64_t consumers = options_.consumers;
  if (options_.pmessages == 0 && options_.cmessages == 0) return false;
  bool producers_done =
      producers == 0 || options_.pmessages == 0 || control_.finished_producers() >= producers;
  bool consumers_done = true;
  if (consumers > 0 && options_.cmessages != 0) {
    consumers_done = control_.finished_consumers() >= consumers;
  } else if (consumers > 0 && producers > 0) {
    // Every queue receives every message: the default exchange routes to the one queue, and
    // the others are all bound with the same key.
    expected_received = producers * options_.pmessages * options_.queue_count;
    consumers_done = control_.received_total() >= expected_received;
  }
  return producers_done && consumers_done;
}

uint64_t Run::monitor(uint64_t start_ns, uint64_t& missing) {
  const uint64_t deadline = options_.time_limit > 0
                                ? start_ns + static_cast<uint64_t>(options_.time_limit * 1e9)
                                : std::numeric_limits<uint64_t>::max();
  uint64_t next_report = start_ns + kSecondNs;
  uint64_t last_report = start_ns;
  WorkerStats previous;
  uint64_t last_received = 0;
  uint64_t last_progress = start_ns;
  uint64_t expected = 0;

  for (;;) {
    uint64_t wake = std::min({next_report, deadline, now_ns() + kPollNs});
    control_.wait_until(at(wake),
                        [&] { return stop_requested_.load() || counts_reached(expected); });
    uint64_t now = now_ns();
    if (control_.failed() || stop_requested_) return now;
    if (now >= deadline) return deadline;
    if (counts_reached(expected)) {
      WorkerStats s = collect();
      totals_.latency.merge(s.latency);
      uint64_t last = std::max({s.last_send_ns, s.last_confirm_ns, s.last_receive_ns});
      return last > start_ns ? last : now;
    }
    bool producers_done =
        options_.producers > 0 && options_.pmessages != 0 &&
        control_.finished_producers() >= static_cast<uint64_t>(options_.producers);
    uint64_t received = control_.received_total();
    if (received != last_received) {
      last_received = received;
      last_progress = now;
    } else if (producers_done && expected != 0 && now - last_progress >= kStallNs) {
      missing = expected > received ? expected - received : 0;
      std::fprintf(progress(), "stopping: nothing received for %.0f s, %llu messages missing\n",
                   kStallNs / 1e9, static_cast<unsigned long long>(missing));
      return last_progress;
    }
    if (now >= next_report) {
      WorkerStats s = collect();
      WorkerStats interval;
      interval.sent = s.sent - previous.sent;
      interval.confirmed = s.confirmed - previous.confirmed;
      interval.received = s.received - previous.received;
      interval.latency.merge(s.latency);
      print_interval(progress(), static_cast<double>(now - start_ns) / 1e9,
                     static_cast<double>(now - last_report) / 1e9, interval);
      totals_.latency.merge(s.latency);
      previous = std::move(s);
      last_report = now;
      while (next_report <= now) next_report += kSecondNs;
    }
  }
}

WorkerStats Run::collect() {
  WorkerStats all;
  for (auto& w : workers_) all.merge(w->snapshot());
  return all;
}

void Run::close_everything() {
  for (auto& w : workers_) {
    Worker* worker = w.get();
    worker->post([worker] {
      for (auto& p : worker->producers) p->stop();
      for (auto& c : worker->connections) c->close(nullptr);
    });
  }
  control_.wait_until(Clock::now() + kCloseTimeout,
                      [&] { return control_.closed_connections() >= connections_created_; });
}

}  // namespace polymq::perf
