// A Connection over a real loopback socket: gather writes of owned frames and referenced
// bodies arrive complete and in order, references are released once written, and the
// congestion accounting sees referenced bytes.
#include "net/connection.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

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

// Units of a 4-byte length prefix plus payload: an unfinished one is announced with
// expect_input, a complete one is kept with share_input when the connection allows it.
class UnitHandler final : public Handler {
 public:
  Connection* connection = nullptr;
  std::vector<std::string> units;                   // copies, to compare against
  std::vector<std::shared_ptr<const void>> owners;  // null: not shareable, copied
  std::vector<std::string_view> kept;               // the shared bytes, read later

  size_t on_read(const uint8_t* data, size_t size) override {
    size_t pos = 0;
    while (size - pos >= 4) {
      const size_t total = 4 + (size_t{data[pos]} << 24 | size_t{data[pos + 1]} << 16 |
                                size_t{data[pos + 2]} << 8 | data[pos + 3]);
      if (size - pos < total) {
        connection->expect_input(total);
        break;
      }
      const char* payload = reinterpret_cast<const char*>(data + pos + 4);
      units.emplace_back(payload, total - 4);
      owners.push_back(connection->share_input(data + pos + 4, total - 4));
      kept.emplace_back(payload, total - 4);
      pos += total;
    }
    return pos;
  }
  void on_tick(Clock::time_point /*now*/) override {}
  void on_shutdown() override {}
  void on_closed() override {}
};

std::string unit_of(size_t n, char seed) {
  std::string s(4 + n, '\0');
  s[0] = static_cast<char>(n >> 24);
  s[1] = static_cast<char>(n >> 16);
  s[2] = static_cast<char>(n >> 8);
  s[3] = static_cast<char>(n);
  for (size_t i = 0; i < n; ++i) s[4 + i] = static_cast<char>(seed + i % 249);
  return s;
}

TEST(Connection, ExpectedUnitsAreSharedFromTheirOwnBlockAndNeverOverwritten) {
  asio::io_context io;
  asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
  asio::ip::tcp::socket client(io);
  client.connect(acceptor.local_endpoint());
  asio::ip::tcp::socket accepted(io);
  acceptor.accept(accepted);
  auto server = std::make_shared<Connection>(std::move(accepted), 2);
  auto handler = std::make_unique<UnitHandler>();
  UnitHandler& h = *handler;
  h.connection = server.get();
  server->start(std::move(handler));

  // Each large unit arrives in two writes, so its start is buffered and announced; small
  // units between them arrive whole.
  std::vector<std::string> sent;
  for (int i = 0; i < 6; ++i) {
    sent.push_back(unit_of(100000 + i, static_cast<char>('a' + i)));
    sent.push_back(unit_of(10, 'z'));
  }
  for (const std::string& unit : sent) {
    const size_t half = unit.size() > 100 ? unit.size() / 2 : unit.size();
    asio::write(client, asio::buffer(unit.data(), half));
    for (int k = 0; k < 20; ++k) io.poll();
    if (half < unit.size())
      asio::write(client, asio::buffer(unit.data() + half, unit.size() - half));
    for (int k = 0; k < 20; ++k) io.poll();
  }
  for (int k = 0; k < 200 && h.units.size() < sent.size(); ++k)
    io.run_one_for(std::chrono::milliseconds(10));

  ASSERT_EQ(h.units.size(), sent.size());
  size_t shared = 0;
  for (size_t i = 0; i < sent.size(); ++i) {
    EXPECT_EQ(h.units[i], sent[i].substr(4)) << i;
    if (h.owners[i] == nullptr) continue;
    ++shared;
    // Still intact after everything read after it: a shared block is never written again.
    EXPECT_EQ(h.kept[i], sent[i].substr(4)) << i;
  }
  EXPECT_EQ(shared, 6u);  // every large unit, none of the small ones
  server->close();
  io.poll();
}

}  // namespace
}  // namespace polymq::net
