#include "sqs/message_mapping.h"

#include <charconv>
#include <cstdio>

namespace polymq::sqs {
namespace {

constexpr std::string_view kTypeAnnotation = "sqs.DataType.";
constexpr std::string_view kTraceHeader = "AWSTraceHeader";
constexpr std::string_view kTraceHeaderAnnotation = "sqs.AWSTraceHeader";

bool valid_name(const std::string& name) {
  if (name.empty() || name.size() > 256) return false;
  if (name.front() == '.' || name.back() == '.') return false;
  if (name.rfind("AWS.", 0) == 0 || name.rfind("Amazon.", 0) == 0) return false;
  char prev = 0;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-' || c == '.';
    if (!ok || (c == '.' && prev == '.')) return false;
    prev = c;
  }
  return true;
}

bool valid_type(const std::string& type) {
  for (std::string_view base : {"String", "Number", "Binary"}) {
    if (type == base) return true;
    if (type.size() > base.size() + 1 && type.compare(0, base.size(), base) == 0 &&
        type[base.size()] == '.' && type.size() <= 256) {
      return true;
    }
  }
  return false;
}

std::string number_text(const core::Value& v) {
  if (v.kind == core::ValueKind::kUInt64) {
    return std::to_string(std::get<uint64_t>(v.data));
  }
  if (auto i = v.as_int();
      i && v.kind != core::ValueKind::kFloat && v.kind != core::ValueKind::kDouble) {
    return std::to_string(*i);
  }
  if (v.kind == core::ValueKind::kDecimal) {
    const auto d = std::get<core::Decimal>(v.data);
    std::string digits = std::to_string(d.digits);
    if (d.scale == 0) return digits;
    while (digits.size() <= d.scale) digits.insert(0, "0");
    digits.insert(digits.size() - d.scale, ".");
    return digits;
  }
  char buf[64];
  const double d = v.as_double().value_or(0);
  auto [p, ec] = std::to_chars(buf, buf + sizeof(buf), d);
  return ec == std::errc() ? std::string(buf, p) : std::string("0");
}

}  // namespace

std::optional<Error> check_message_attributes(const std::vector<MessageAttribute>& attributes) {
  if (attributes.size() > 10) {
    return invalid_parameter_value("Number of message attributes [" +
                                   std::to_string(attributes.size()) +
                                   "] exceeds the allowed maximum [10].");
  }
  for (size_t i = 0; i < attributes.size(); ++i) {
    const MessageAttribute& a = attributes[i];
    if (!valid_name(a.name)) {
      return invalid_parameter_value("Message attribute name '" + a.name + "' is invalid.");
    }
    for (size_t j = 0; j < i; ++j) {
      if (attributes[j].name == a.name) {
        return invalid_parameter_value("Message attribute name '" + a.name + "' already exists.");
      }
    }
    if (a.data_type.empty()) {
      return invalid_parameter_value("The message attribute '" + a.name +
                                     "' must contain a non-empty attribute type.");
    }
    if (!valid_type(a.data_type)) {
      return invalid_parameter_value("The type of message attribute '" + a.name +
                                     "' is invalid. You must use only the following supported "
                                     "type prefixes: Binary, Number, String.");
    }
    if (a.value.empty()) {
      return invalid_parameter_value("The message attribute '" + a.name +
                                     "' must contain a non-empty value of type '" + a.data_type +
                                     "'.");
    }
    if (a.data_type.rfind("Number", 0) == 0) {
      double ignored = 0;
      auto [p, ec] = std::from_chars(a.value.data(), a.value.data() + a.value.size(), ignored);
      if (ec != std::errc() || p != a.value.data() + a.value.size()) {
        return invalid_parameter_value("Can't cast the value of message (user) attribute '" +
                                       a.name + "' to a number.");
      }
    }
  }
  return std::nullopt;
}

std::optional<Error> check_system_attributes(const std::vector<MessageAttribute>& attributes) {
  for (size_t i = 0; i < attributes.size(); ++i) {
    const MessageAttribute& a = attributes[i];
    if (a.name != kTraceHeader) {
      return invalid_parameter_value("Message system attribute name '" + a.name + "' is invalid.");
    }
    if (i > 0) {  // every entry is AWSTraceHeader, so a second one repeats the first
      return invalid_parameter_value("Message system attribute name '" + a.name +
                                     "' already exists.");
    }
    if (a.data_type != "String") {
      return invalid_parameter_value("The message system attribute '" + a.name +
                                     "' is reserved for AWS X-Ray trace header. The type must "
                                     "be 'String'.");
    }
    if (a.value.empty()) {
      return invalid_parameter_value("Message system attribute '" + a.name +
                                     "' must contain a non-empty value of type 'String'.");
    }
  }
  return std::nullopt;
}

void apply_system_attributes(const std::vector<MessageAttribute>& attributes,
                             core::Message& message) {
  for (const MessageAttribute& a : attributes) {
    if (a.name == kTraceHeader) {
      message.annotations.emplace_back(std::string(kTraceHeaderAnnotation),
                                       core::Value::String(a.value));
    }
  }
}

const std::string* trace_header_of(const core::Message& message) {
  return core::find_string(message.annotations, kTraceHeaderAnnotation);
}

std::optional<Error> check_body(const std::string& body) {
  size_t i = 0;
  while (i < body.size()) {
    const auto c = static_cast<unsigned char>(body[i]);
    uint32_t cp = 0;
    size_t len = 0;
    if (c < 0x80) {
      cp = c;
      len = 1;
    } else if ((c & 0xe0) == 0xc0) {
      cp = c & 0x1f;
      len = 2;
    } else if ((c & 0xf0) == 0xe0) {
      cp = c & 0x0f;
      len = 3;
    } else if ((c & 0xf8) == 0xf0) {
      cp = c & 0x07;
      len = 4;
    } else {
      len = 0;
    }
    bool ok = len > 0 && i + len <= body.size();
    for (size_t k = 1; ok && k < len; ++k) {
      const auto cc = static_cast<unsigned char>(body[i + k]);
      ok = (cc & 0xc0) == 0x80;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if (ok) {
      // Overlong forms and surrogates are not UTF-8.
      static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
      ok = cp >= kMin[len] && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff);
    }
    if (ok) {
      ok = cp == 0x9 || cp == 0xa || cp == 0xd || (cp >= 0x20 && cp <= 0xd7ff) ||
           (cp >= 0xe000 && cp <= 0xfffd) || cp >= 0x10000;
    }
    if (!ok) {
      return invalid_message_contents(
          "Invalid binary character in the message body: only UTF-8 text of the characters "
          "#x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF is "
          "allowed.");
    }
    i += len;
  }
  return std::nullopt;
}

size_t message_size(const std::string& body, const std::vector<MessageAttribute>& attributes) {
  size_t n = body.size();
  for (const MessageAttribute& a : attributes)
    n += a.name.size() + a.data_type.size() + a.value.size();
  return n;
}

core::Message to_core_message(const std::string& queue, std::string body,
                              const std::vector<MessageAttribute>& attributes,
                              const std::string& message_id, int64_t now_ms) {
  core::Message m;
  m.routing_key = queue;  // published to the default exchange
  m.properties.delivery_mode = 2;
  m.properties.message_id = message_id;
  m.timestamp_ms = now_ms;
  m.body = core::Body(std::move(body));
  if (!attributes.empty()) {
    core::Table headers;
    for (const MessageAttribute& a : attributes) {
      const bool binary = a.binary();
      headers.emplace_back(a.name,
                           binary ? core::Value::Bytes(a.value) : core::Value::String(a.value));
      if (a.data_type != (binary ? "Binary" : "String")) {
        m.annotations.emplace_back(std::string(kTypeAnnotation) + a.name,
                                   core::Value::String(a.data_type));
      }
    }
    m.properties.headers = std::move(headers);
  }
  return m;
}

std::optional<Error> apply_delay_seconds(const std::optional<std::string>& text, int64_t now_ms,
                                         core::Message& message) {
  if (!text) return std::nullopt;
  int64_t seconds = 0;
  auto [p, ec] = std::from_chars(text->data(), text->data() + text->size(), seconds);
  if (ec != std::errc() || p != text->data() + text->size() || text->empty() || seconds < 0 ||
      seconds > 900) {
    return invalid_parameter_value("Value " + *text +
                                   " for parameter DelaySeconds is invalid. Reason: DelaySeconds "
                                   "must be >= 0 and <= 900.");
  }
  message.not_before_ms = now_ms + seconds * 1000;
  return std::nullopt;
}

std::vector<MessageAttribute> message_attributes_of(const core::Message& message) {
  std::vector<MessageAttribute> out;
  if (!message.properties.headers) return out;
  for (const auto& [name, value] : *message.properties.headers) {
    MessageAttribute a;
    a.name = name;
    const core::Value* annotated =
        core::find(message.annotations, std::string(kTypeAnnotation) + name);
    const std::string* type = annotated != nullptr ? annotated->as_string() : nullptr;
    switch (value.kind) {
      case core::ValueKind::kString:
        a.data_type = "String";
        a.value = *value.as_string();
        break;
      case core::ValueKind::kBytes:
        a.data_type = "Binary";
        a.value = *value.as_string();
        break;
      case core::ValueKind::kBool:
        a.data_type = "String";
        a.value = value.as_bool().value_or(false) ? "true" : "false";
        break;
      case core::ValueKind::kVoid:
      case core::ValueKind::kArray:
      case core::ValueKind::kTable:
        continue;
      default:
        a.data_type = "Number";
        a.value = number_text(value);
        break;
    }
    // The sender's own type, when it fits the value's transport (text or bytes).
    if (type != nullptr && valid_type(*type) &&
        (type->rfind("Binary", 0) == 0) == (value.kind == core::ValueKind::kBytes)) {
      a.data_type = *type;
    }
    if (a.value.empty()) continue;  // SQS has no empty attribute values
    out.push_back(std::move(a));
  }
  return out;
}

bool selected(const std::vector<std::string>& names, const std::string& name) {
  for (const std::string& n : names) {
    if (n == "All" || n == ".*" || n == name) return true;
    if (n.size() > 2 && n.compare(n.size() - 2, 2, ".*") == 0 &&
        name.compare(0, n.size() - 1, n, 0, n.size() - 1) == 0) {
      return true;
    }
  }
  return false;
}

int64_t sent_timestamp_ms(const core::Message& message, int64_t fallback_ms) {
  if (message.timestamp_ms) return *message.timestamp_ms;
  if (message.properties.timestamp) {
    return static_cast<int64_t>(*message.properties.timestamp) * 1000;
  }
  return fallback_ms;
}

}  // namespace polymq::sqs
