// Body frames written into a connection's output chain without copying large bodies: each
// frame's header and end octet are small owned bytes, its payload references the body's
// shared buffer (net::OutputChain keeps it alive until written). Small bodies are copied, as
// the codec's append_body_frames does.
#pragma once

#include <cstdint>

#include "core/body.h"
#include "net/output_chain.h"

namespace polymq::amqp {

// Appends `body` as body frames of at most frame_max - 8 payload bytes each (frame_max 0: no
// limit; below kFrameMinSize counts as kFrameMinSize); an empty body appends nothing.
void append_body_frames(net::OutputChain& out, uint16_t channel, const core::Body& body,
                        uint32_t frame_max);

}  // namespace polymq::amqp
