#include "amqp/content_output.h"

#include <algorithm>

#include "amqp/codec/frame.h"

namespace polymq::amqp {

void append_body_frames(net::OutputChain& out, uint16_t channel, const core::Body& body,
                        uint32_t frame_max) {
  if (body.size() < net::OutputChain::kMinReference) {
    append_body_frames(out.tail(), channel, body.view(), frame_max);
    return;
  }
  size_t chunk = UINT32_MAX;
  if (frame_max != 0) chunk = std::max(frame_max, kFrameMinSize) - kFrameOverhead;
  std::string_view rest = body.view();
  while (!rest.empty()) {
    const std::string_view part = rest.substr(0, chunk);
    rest.remove_prefix(part.size());
    {
      Writer w(out.tail());
      w.u8(kFrameBody);
      w.u16(channel);
      w.u32(static_cast<uint32_t>(part.size()));
    }
    out.append_shared(body.owner(), part);
    out.tail().push_back(static_cast<char>(kFrameEnd));
  }
}

}  // namespace polymq::amqp
