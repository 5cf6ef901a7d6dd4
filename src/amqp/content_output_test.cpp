#include "amqp/content_output.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "amqp/codec/frame.h"

namespace polymq::amqp {
namespace {

std::string written(net::OutputChain& chain) {
  std::string out;
  std::vector<asio::const_buffer> buffers;
  while (!chain.empty()) {
    const size_t n = chain.gather(buffers, 64);
    for (const auto& b : buffers) out.append(static_cast<const char*>(b.data()), b.size());
    chain.consume(n);
  }
  return out;
}

core::Body body_of(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>(i * 13 + i / 256);
  return core::Body(s);
}

// The chain's bytes are exactly what the codec's string writer produces, for bodies below and
// above the reference threshold and frame_max values that split them.
TEST(ContentOutput, SameBytesAsTheCodecWriter) {
  for (size_t size : {size_t{0}, size_t{10}, net::OutputChain::kMinReference - 1,
                      net::OutputChain::kMinReference, size_t{65536}, size_t{300000}}) {
    for (uint32_t frame_max : {0u, 4096u, 131072u}) {
      const core::Body body = body_of(size);
      std::string expected = "before";
      append_body_frames(expected, 3, body.view(), frame_max);
      expected += "after";

      net::OutputChain chain;
      chain.tail() += "before";
      append_body_frames(chain, 3, body, frame_max);
      chain.tail() += "after";
      EXPECT_EQ(written(chain), expected) << size << " " << frame_max;
    }
  }
}

TEST(ContentOutput, LargeBodyIsReferencedNotCopied) {
  const core::Body body = body_of(200000);
  const long before = body.owner().use_count();
  net::OutputChain chain;
  append_body_frames(chain, 1, body, 131072);  // two frames, both referencing the body
  EXPECT_EQ(body.owner().use_count(), before + 2);
  // Frame headers and ends are the only owned bytes: 4 owned pieces around 2 references.
  EXPECT_EQ(chain.pieces(), 5u);
  EXPECT_EQ(chain.size(), body.size() + 2 * kFrameOverhead);
  written(chain);
  EXPECT_EQ(body.owner().use_count(), before);
}

TEST(Body, BuilderAssemblesPiecesAndGrowsUpToTheLimit) {
  core::BodyBuilder builder(4, 10);
  builder.append("abc", 3);
  builder.append("defg", 4);
  EXPECT_EQ(builder.capacity(), 8u);
  builder.append("hij", 3);
  EXPECT_EQ(builder.capacity(), 10u);  // never beyond the declared size
  const core::Body body = builder.finish();
  EXPECT_EQ(body, core::Body("abcdefghij"));
  EXPECT_EQ(builder.size(), 0u);
  const core::Body shared = body;  // a copy shares the bytes
  EXPECT_EQ(shared.data(), body.data());
}

}  // namespace
}  // namespace polymq::amqp
