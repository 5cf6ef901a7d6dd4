// AMQP 0-9-1 content header payload and the basic class's property list.
//
// Payload: class-id short, weight short (always 0; ignored when read), body-size longlong,
// property-flags short, then each present property in spec order. Flag bit 15 is the first
// property (content-type) and bit 2 the fourteenth (cluster-id); bit 0 is the continuation flag
// for a second flags word. Basic has fewer than 15 properties, so a set continuation bit, a set
// bit 1 (a fifteenth property that does not exist) or bytes after the last property are rejected
// as malformed.
#pragma once

#include <cstddef>
#include <cstdint>

#include "amqp/codec/wire.h"
#include "core/message.h"

namespace polymq::amqp {

// Decodes a whole content header frame payload. Fails on truncation, trailing bytes, a class
// other than basic (the only class with content), or malformed properties.
bool decode_content_header(const uint8_t* payload, size_t size, uint16_t& class_id,
                           uint64_t& body_size, core::Properties& props);

// Property flags and list of the basic class. Generated from the spec (generated/
// amqp_properties.cpp); decode fails on a bad flags word or truncated property.
void encode_basic_properties(Writer& out, const core::Properties& props);
bool decode_basic_properties(Reader& in, core::Properties& props);

}  // namespace polymq::amqp
