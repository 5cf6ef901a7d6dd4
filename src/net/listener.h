// Accepts TCP connections on one endpoint and gives each a protocol handler.
#pragma once

#include <asio.hpp>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

#include "net/connection.h"

namespace polymq::net {

using HandlerFactory = std::function<std::unique_ptr<Handler>(Connection&)>;

class Listener {
 public:
  Listener(asio::io_context& io, std::string name, HandlerFactory factory);

  // Binds and starts accepting; returns an error text on failure (e.g. port in use).
  std::string listen(const std::string& address, uint16_t port);
  uint16_t port() const { return port_; }
  // Stops accepting and asks every open connection to shut down in its protocol's words.
  void shutdown();
  size_t connection_count() const { return connections_.size(); }

 private:
  void accept();

  std::string name_;
  HandlerFactory factory_;
  asio::ip::tcp::acceptor acceptor_;
  asio::steady_timer accept_backoff_;
  uint16_t port_ = 0;
  uint64_t next_id_ = 1;
  std::unordered_map<uint64_t, ConnectionPtr> connections_;
};

}  // namespace polymq::net
