// A Connection over a real loopback socket: gather writes of owned frames and referenced
// bodies arrive complete and in order, references are released once written, and the
// congestion accounting sees referenced bytes.
#include "net/connection.h"

#include <gtest/gtest.h>

#include <string>

namespace polymq::net {
namespace {

class RecordingHandler final : public Handler {
 public:
  explicit RecordingHandler(int& drained) : drained_(drained) {}
  size_t on_read(const uint8_t* /*data*/, size_t size) override { return size; }
  void on_tick(Clock::time_point /*now*/) override {}
  void on_output_drained() override { ++drained_; }
  void on_shutdown() override {}
  void on_closed() override {}

 private:
  int& drained_;
};

struct Pair {
  asio::io_context io;
  asio::ip::tcp::socket client{io};
  ConnectionPtr server;
  int drained = 0;

  Pair() {
    asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
    client.connect(acceptor.local_endpoint());
    asio::ip::tcp::socket accepted(io);
    acceptor.accept(accepted);
    // A small receive buffer makes the server's writes partial.
    client.set_option(asio::socket_base::receive_buffer_size(16 * 1024));
    server = std::make_shared<Connection>(std::move(accepted), 1);
    server->start(std::make_unique<RecordingHandler>(drained));
  }
  ~Pair() {
    server->close();
    io.poll();
  }
};

std::shared_ptr<const std::string> body_of(size_t n, char seed) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>(seed + i % 251);
  return std::make_shared<const std::string>(std::move(s));
}

TEST(Connection, GatherWriteSendsFramesAndReferencedBodiesInOrder) {
  Pair p;
  auto body = body_of(3 << 20, 'a');  // 3 MiB, referenced twice
  std::string expected;
  for (int i = 0; i < 2; ++i) {
    const std::string frame = "frame-" + std::to_string(i);
    p.server->output() += frame;
    p.server->output_chain().append_shared(body, *body);
    expected += frame + *body;
  }
  p.server->output() += "end";
  expected += "end";
  EXPECT_EQ(p.server->pending_output(), expected.size());
  EXPECT_TRUE(p.server->output_congested());  // 6 MiB referenced counts like 6 MiB copied
  p.server->flush_soon();

  std::string received(expected.size(), '\0');
  size_t got = 0;
  std::function<void()> read_more = [&] {
    p.client.async_read_some(asio::buffer(received.data() + got, received.size() - got),
                             [&](const asio::error_code& ec, size_t n) {
                               ASSERT_FALSE(ec) << ec.message();
                               got += n;
                               if (got < received.size()) read_more();
                             });
  };
  read_more();
  while (got < received.size()) p.io.run_one();
  p.io.poll();

  EXPECT_EQ(received, expected);
  EXPECT_EQ(p.server->pending_output(), 0u);
  EXPECT_EQ(body.use_count(), 1);  // every reference released once written
  EXPECT_EQ(p.drained, 1);         // fell below the low watermark after being congested
}

}  // namespace
}  // namespace polymq::net
