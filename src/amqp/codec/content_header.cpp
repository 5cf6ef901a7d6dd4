#include "amqp/codec/content_header.h"

#include "amqp/codec/generated/amqp_spec.h"

namespace polymq::amqp {

bool decode_content_header(const uint8_t* payload, size_t size, uint16_t& class_id,
                           uint64_t& body_size, core::Properties& props) {
  Reader in(payload, size);
  class_id = in.u16();
  in.u16();  // weight: must be 0, ignored as RabbitMQ does
  body_size = in.u64();
  if (!in.ok() || class_id != spec::kClassBasic) return false;
  return decode_basic_properties(in, props) && in.remaining() == 0;
}

}  // namespace polymq::amqp
