#include "net/output_chain.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace polymq::net {
namespace {

std::shared_ptr<const std::string> shared_bytes(size_t n, char first) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>(first + i % 23);
  return std::make_shared<const std::string>(std::move(s));
}

void append_ref(OutputChain& chain, const std::shared_ptr<const std::string>& bytes) {
  chain.append_shared(bytes, *bytes);
}

// Writes the chain out the way a socket would, `step` bytes per write at most, and returns
// everything written.
std::string drain(OutputChain& chain, size_t step, size_t max_buffers = 64) {
  std::string written;
  std::vector<asio::const_buffer> buffers;
  while (!chain.empty()) {
    const size_t gathered = chain.gather(buffers, max_buffers);
    EXPECT_GT(gathered, 0u);
    size_t n = 0;
    for (const asio::const_buffer& b : buffers) {
      const size_t take = std::min(b.size(), step - n);
      written.append(static_cast<const char*>(b.data()), take);
      n += take;
      if (n == step) break;
    }
    chain.consume(n);
  }
  return written;
}

TEST(OutputChain, TailAppendsCoalesceIntoOnePiece) {
  OutputChain chain;
  chain.tail() += "abc";
  chain.tail() += "def";
  EXPECT_EQ(chain.pieces(), 1u);
  EXPECT_EQ(chain.size(), 6u);
  EXPECT_EQ(drain(chain, 100), "abcdef");
  EXPECT_TRUE(chain.empty());
}

TEST(OutputChain, SmallSharedBytesAreCopiedIntoTheTail) {
  OutputChain chain;
  auto small = shared_bytes(OutputChain::kMinReference - 1, 'a');
  chain.tail() += "h";
  append_ref(chain, small);
  chain.tail() += "e";
  EXPECT_EQ(chain.pieces(), 1u);
  EXPECT_EQ(small.use_count(), 1);  // not referenced
  EXPECT_EQ(drain(chain, 1000), "h" + *small + "e");
}

TEST(OutputChain, LargeSharedBytesAreReferencedInOrder) {
  OutputChain chain;
  auto body1 = shared_bytes(100000, 'a');
  auto body2 = shared_bytes(70000, 'k');
  chain.tail() += "<frame1>";
  append_ref(chain, body1);
  chain.tail() += "</1><frame2>";
  append_ref(chain, body2);
  append_ref(chain, body1);  // the same body again, back to back
  chain.tail() += "</2>";
  EXPECT_EQ(chain.pieces(), 6u);
  EXPECT_EQ(body1.use_count(), 3);  // ours and two references in the chain
  const std::string expected = "<frame1>" + *body1 + "</1><frame2>" + *body2 + *body1 + "</2>";
  EXPECT_EQ(chain.size(), expected.size());
  EXPECT_EQ(drain(chain, 1 << 20), expected);
  EXPECT_EQ(body1.use_count(), 1);
  EXPECT_EQ(body2.use_count(), 1);
}

TEST(OutputChain, PartialWritesAcrossAReferencedBody) {
  // Every step size lands the ends of writes at different places: inside the owned header,
  // inside the body, exactly on piece boundaries.
  for (size_t step : {1u, 7u, 8u, 4095u, 4096u, 65536u, 99999u}) {
    OutputChain chain;
    auto body = shared_bytes(50000, 'b');
    chain.tail() += "header";
    append_ref(chain, body);
    chain.tail() += "end";
    EXPECT_EQ(drain(chain, step), "header" + *body + "end") << step;
    EXPECT_EQ(body.use_count(), 1) << step;
  }
}

TEST(OutputChain, ReferenceIsReleasedAsSoonAsItsBytesAreWritten) {
  OutputChain chain;
  auto body = shared_bytes(10000, 'r');
  chain.tail() += "h";
  append_ref(chain, body);
  chain.tail() += "t";
  std::vector<asio::const_buffer> buffers;
  ASSERT_EQ(chain.gather(buffers, 64), 10002u);
  chain.consume(1 + 9999);  // the last body byte is still unwritten
  EXPECT_EQ(body.use_count(), 2);
  chain.consume(1);
  EXPECT_EQ(body.use_count(), 1);
  EXPECT_EQ(chain.size(), 1u);
}

TEST(OutputChain, AppendsDuringAWriteDoNotMoveTheBytesInFlight) {
  OutputChain chain;
  chain.tail() += "first";
  std::vector<asio::const_buffer> buffers;
  ASSERT_EQ(chain.gather(buffers, 64), 5u);
  const void* in_flight = buffers[0].data();
  // Enough to reallocate the tail if it were still the piece in flight.
  chain.tail().append(1 << 20, 'x');
  EXPECT_EQ(std::string(static_cast<const char*>(in_flight), 5), "first");
  EXPECT_EQ(chain.size(), 5u + (1 << 20));
  chain.consume(2);
  EXPECT_EQ(drain(chain, 4096), "rst" + std::string(1 << 20, 'x'));
}

TEST(OutputChain, SizeCountsEveryUnwrittenByteForCongestion) {
  OutputChain chain;
  auto body = shared_bytes(1 << 20, 'c');
  for (int i = 0; i < 5; ++i) {
    chain.tail() += "frame";
    append_ref(chain, body);
  }
  const size_t total = 5 * (5 + (1 << 20));
  EXPECT_EQ(chain.size(), total);
  std::vector<asio::const_buffer> buffers;
  chain.gather(buffers, 64);
  EXPECT_EQ(chain.size(), total);  // in flight still counts
  chain.consume(3 << 19);
  EXPECT_EQ(chain.size(), total - (3 << 19));
  chain.tail() += "more";
  EXPECT_EQ(chain.size(), total - (3 << 19) + 4);
}

TEST(OutputChain, GatherStopsAtMaxBuffers) {
  OutputChain chain;
  auto body = shared_bytes(8192, 'g');
  for (int i = 0; i < 10; ++i) {
    chain.tail() += "h";
    append_ref(chain, body);
  }
  std::vector<asio::const_buffer> buffers;
  EXPECT_EQ(chain.gather(buffers, 3), 1u + 8192u + 1u);
  EXPECT_EQ(buffers.size(), 3u);
  std::string expected;
  for (int i = 0; i < 10; ++i) expected += "h" + *body;
  EXPECT_EQ(drain(chain, 1 << 20, 3), expected);
}

TEST(OutputChain, ClearDropsReferences) {
  OutputChain chain;
  auto body = shared_bytes(5000, 'z');
  append_ref(chain, body);
  chain.tail() += "x";
  chain.clear();
  EXPECT_TRUE(chain.empty());
  EXPECT_EQ(body.use_count(), 1);
  chain.tail() += "after";
  EXPECT_EQ(drain(chain, 2), "after");
}

}  // namespace
}  // namespace polymq::net
