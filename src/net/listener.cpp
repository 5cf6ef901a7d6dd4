#include "net/listener.h"

#include <spdlog/spdlog.h>

namespace polymq::net {

Listener::Listener(asio::io_context& io, std::string name, HandlerFactory factory)
    : name_(std::move(name)),
      factory_(std::move(factory)),
      acceptor_(io),
      accept_backoff_(io) {}

std::string Listener::listen(const std::string& address, uint16_t port) {
  asio::error_code ec;
  auto ip = asio::ip::make_address(address, ec);
  if (ec) return "invalid bind address '" + address + "': " + ec.message();
  asio::ip::tcp::endpoint endpoint(ip, port);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::ip::tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return "cannot listen on " + address + ":" + std::to_string(port) + ": " + ec.message();
  port_ = acceptor_.local_endpoint().port();
  spdlog::info("{} listening on {}:{}", name_, address, port_);
  accept();
  return {};
}

void Listener::accept() {
  acceptor_.async_accept([this](const asio::error_code& ec, asio::ip::tcp::socket socket) {
    if (ec) {
      if (ec == asio::error::operation_aborted) return;
      // Out of file descriptors and the like: pause so the loop does not spin on the error
      // while connections close and free descriptors.
      spdlog::warn("{} accept failed: {}", name_, ec.message());
      accept_backoff_.expires_after(std::chrono::milliseconds(100));
      accept_backoff_.async_wait([this](const asio::error_code& e) {
        if (!e && acceptor_.is_open()) accept();
      });
      return;
    } else {
      uint64_t id = next_id_++;
      auto connection = std::make_shared<Connection>(std::move(socket), id);
      connection->set_on_finished([this, id](Connection&) { connections_.erase(id); });
      connections_.emplace(id, connection);
      connection->start(factory_(*connection));
    }
    if (acceptor_.is_open()) accept();
  });
}

void Listener::shutdown() {
  asio::error_code ignored;
  acceptor_.close(ignored);
  accept_backoff_.cancel();
  // Copy: handlers may finish (and erase themselves) while we iterate.
  std::vector<ConnectionPtr> open;
  for (auto& [id, c] : connections_) open.push_back(c);
  for (auto& c : open) {
    if (!c->closing() && c->handler() != nullptr) c->handler()->on_shutdown();
  }
}

}  // namespace polymq::net
