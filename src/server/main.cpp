// polymq: starts the listeners on one event loop and runs until SIGINT or SIGTERM.
#include <spdlog/spdlog.h>

#include <asio.hpp>
#include <filesystem>
#include <functional>

#include "amqp/session.h"
#include "core/broker.h"
#include "net/listener.h"
#include "server/config.h"

namespace {

// After a shutdown signal, connections get this long to say goodbye before the loop stops.
constexpr auto kShutdownGrace = std::chrono::seconds(5);

}  // namespace

int main(int argc, char** argv) {
  using namespace polymq;
  int exit_code = 0;
  auto config = server::load_config(argc, argv, exit_code);
  if (!config) return exit_code;

  spdlog::set_level(spdlog::level::from_str(config->log_level));
  spdlog::set_pattern("%Y-%m-%d %H:%M:%S.%e [%^%l%$] %v");

  std::error_code ec;
  std::filesystem::create_directories(config->data_dir, ec);
  if (ec) {
    spdlog::critical("cannot create data directory {}: {}", config->data_dir, ec.message());
    return 1;
  }

  core::Limits limits;
  limits.max_message_size = config->max_message_size;
  core::Broker broker(limits);
  for (const auto& vhost : config->vhosts) broker.add_vhost(vhost);
  for (const auto& user : config->users) {
    broker.users().add(user.name, user.password, user.loopback_only, user.tags);
  }

  amqp::SessionConfig session_config;
  session_config.heartbeat = config->amqp_heartbeat;
  session_config.frame_max = config->amqp_frame_max;
  session_config.channel_max = config->amqp_channel_max;

  asio::io_context io(1);
  net::Listener amqp_listener(io, "AMQP 0-9-1", [&](net::Connection& connection) {
    return std::make_unique<amqp::Session>(broker, connection, session_config);
  });
  if (std::string err = amqp_listener.listen(config->bind, config->amqp_port); !err.empty()) {
    spdlog::critical("{}", err);
    return 1;
  }
  spdlog::info("PolyMQ started (data directory {})", config->data_dir);

  asio::signal_set signals(io, SIGINT, SIGTERM);
  asio::steady_timer shutdown_timer(io);
  asio::steady_timer idle_poll_timer(io);
  // Stops the loop as soon as every connection has gone, without waiting out the grace.
  std::function<void()> stop_when_idle = [&] {
    if (amqp_listener.connection_count() == 0) {
      io.stop();
      return;
    }
    idle_poll_timer.expires_after(std::chrono::milliseconds(20));
    idle_poll_timer.async_wait([&](const asio::error_code& e) {
      if (!e) stop_when_idle();
    });
  };
  signals.async_wait([&](const asio::error_code& error, int signal) {
    if (error) return;
    spdlog::info("received signal {}, shutting down", signal);
    amqp_listener.shutdown();
    shutdown_timer.expires_after(kShutdownGrace);
    shutdown_timer.async_wait([&](const asio::error_code& e) {
      if (!e) io.stop();
    });
    stop_when_idle();
  });

  io.run();
  spdlog::info("PolyMQ stopped");
  return 0;
}
