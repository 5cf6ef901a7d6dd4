#include "rabbit/headers_binding.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "core/routing/headers_match.h"

namespace polymq::rabbit {
namespace {

using core::Array;
using core::Decimal;
using core::Table;
using core::Value;
using core::ValueKind;

// ---- Erlang term text, as io_lib prints with ~tp, for the error replies ----

void append_erlang_string_char(std::string& out, unsigned char c) {
  switch (c) {
    case '"':
      out += "\\\"";
      return;
    case '\\':
      out += "\\\\";
      return;
    case '\n':
      out += "\\n";
      return;
    case '\r':
      out += "\\r";
      return;
    case '\t':
      out += "\\t";
      return;
    case '\v':
      out += "\\v";
      return;
    case '\b':
      out += "\\b";
      return;
    case '\f':
      out += "\\f";
      return;
    case 0x1b:
      out += "\\e";
      return;
    default:
      out += static_cast<char>(c);
  }
}

// io_lib's printable Latin-1 characters.
bool printable_latin1(uint32_t c) {
  return (c >= 0x20 && c <= 0x7e) || (c >= 0xa0 && c <= 0xff) || c == '\n' || c == '\r' ||
         c == '\t' || c == '\v' || c == '\b' || c == '\f' || c == 0x1b;
}

// Decodes `bytes` as UTF-8 into code points; false when it is not valid UTF-8.
bool decode_utf8(std::string_view bytes, std::vector<uint32_t>& out) {
  for (size_t i = 0; i < bytes.size();) {
    auto b = static_cast<unsigned char>(bytes[i]);
    size_t len = b < 0x80           ? 1
                 : (b >> 5) == 0x6  ? 2
                 : (b >> 4) == 0xe  ? 3
                 : (b >> 3) == 0x1e ? 4
                                    : 0;
    if (len == 0 || i + len > bytes.size()) return false;
    uint32_t cp = len == 1 ? b : b & (0x7f >> len);
    for (size_t k = 1; k < len; ++k) {
      auto c = static_cast<unsigned char>(bytes[i + k]);
      if ((c >> 6) != 0x2) return false;
      cp = (cp << 6) | (c & 0x3f);
    }
    static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    out.push_back(cp);
    i += len;
  }
  return true;
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else {  // only Latin-1 code points reach here
    out += static_cast<char>(0xc0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  }
}

// <<"text">> when every byte is printable ASCII; <<"text"/utf8>> when it is UTF-8 of printable
// Latin-1 characters; <<"text">> again when the bytes are printable as Latin-1; else <<1,2,3>>.
// The printed characters are returned UTF-8 encoded.
void append_erlang_binary(std::string& out, std::string_view bytes) {
  out += "<<";
  std::vector<uint32_t> chars;
  bool utf8 = !bytes.empty() && decode_utf8(bytes, chars) &&
              std::all_of(chars.begin(), chars.end(), printable_latin1);
  if (utf8) {
    bool ascii = chars.size() == bytes.size();
    out += '"';
    for (uint32_t c : chars) {
      if (c < 0x80) {
        append_erlang_string_char(out, static_cast<unsigned char>(c));
      } else {
        append_utf8(out, c);
      }
    }
    out += ascii ? "\"" : "\"/utf8";
  } else if (!bytes.empty() && std::all_of(bytes.begin(), bytes.end(), [](char c) {
               return printable_latin1(static_cast<unsigned char>(c));
             })) {
    out += '"';
    for (char c : bytes) {
      auto u = static_cast<unsigned char>(c);
      if (u < 0x80) {
        append_erlang_string_char(out, u);
      } else {
        append_utf8(out, u);
      }
    }
    out += '"';
  } else {
    for (size_t i = 0; i < bytes.size(); ++i) {
      if (i > 0) out += ',';
      out += std::to_string(static_cast<unsigned char>(bytes[i]));
    }
  }
  out += ">>";
}

// The shortest text that reads back as `d`, laid out as Erlang's float_to_list(D, [short]).
void append_erlang_float(std::string& out, double d) {
  if (!std::isfinite(d)) {  // Erlang has no such floats; keep the text readable
    out += std::isnan(d) ? "nan" : (d < 0 ? "-inf" : "inf");
    return;
  }
  if (std::signbit(d)) out += '-';
  d = std::fabs(d);
  if (d == 0) {
    out += "0.0";
    return;
  }
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), d, std::chars_format::scientific);
  std::string_view sci(buf, static_cast<size_t>(res.ptr - buf));
  size_t e_pos = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e_pos)) {
    if (c != '.') digits += c;
  }
  const long exp = std::strtol(std::string(sci.substr(e_pos + 1)).c_str(), nullptr, 10);
  const long len = static_cast<long>(digits.size());
  const long place = exp - (len - 1);  // d == digits * 10^place
  const std::string exp_text = std::to_string(exp);
  const long exp_cost = static_cast<long>(exp_text.size()) + 2;
  auto scientific = [&] {
    out += digits[0];
    out += '.';
    out += len == 1 ? std::string("0") : digits.substr(1);
    out += 'e';
    out += exp_text;
  };
  if (place < 0) {
    if (exp >= 0) {
      out += digits.substr(0, static_cast<size_t>(len + place));
      out += '.';
      out += digits.substr(static_cast<size_t>(len + place));
    } else if (2 - place - len <= exp_cost) {
      out += "0.";
      out.append(static_cast<size_t>(-place - len), '0');
      out += digits;
    } else {
      scientific();
    }
  } else {
    const long dot = len == 1 ? 1 : 0;
    if (exp_cost + dot >= place + 2 && d < 9007199254740992.0) {
      out += digits;
      out.append(static_cast<size_t>(place), '0');
      out += ".0";
    } else {
      scientific();
    }
  }
}

// The term RabbitMQ holds for a field value, printed on one line.
void append_erlang_value(std::string& out, const Value& v) {
  switch (v.kind) {
    case ValueKind::kVoid:
      out += "undefined";
      return;
    case ValueKind::kBool:
      out += v.as_bool().value_or(false) ? "true" : "false";
      return;
    case ValueKind::kFloat:
    case ValueKind::kDouble:
      append_erlang_float(out, v.as_double().value_or(0));
      return;
    case ValueKind::kDecimal: {
      const auto* d = std::get_if<Decimal>(&v.data);
      out += '{';
      out += std::to_string(d ? d->scale : 0);
      out += ',';
      out += std::to_string(d ? d->digits : 0);
      out += '}';
      return;
    }
    case ValueKind::kString:
    case ValueKind::kBytes:
      append_erlang_binary(out, v.as_string() ? std::string_view(*v.as_string()) : "");
      return;
    case ValueKind::kArray: {
      out += '[';
      const Array* a = v.as_array();
      for (size_t i = 0; a && i < a->size(); ++i) {
        if (i > 0) out += ',';
        out += '{';
        out += core::rabbit_type_name((*a)[i].kind);
        out += ',';
        append_erlang_value(out, (*a)[i]);
        out += '}';
      }
      out += ']';
      return;
    }
    case ValueKind::kTable: {
      out += '[';
      const Table* t = v.as_table();
      for (size_t i = 0; t && i < t->size(); ++i) {
        if (i > 0) out += ',';
        out += '{';
        append_erlang_binary(out, (*t)[i].first);
        out += ',';
        out += core::rabbit_type_name((*t)[i].second.kind);
        out += ',';
        append_erlang_value(out, (*t)[i].second);
        out += '}';
      }
      out += ']';
      return;
    }
    default:
      break;
  }
  if (const auto* i = std::get_if<int64_t>(&v.data)) {
    out += std::to_string(*i);
  } else if (const auto* u = std::get_if<uint64_t>(&v.data)) {
    out += std::to_string(*u);
  }
}

}  // namespace

bool valid_x_match(const core::Table& binding_arguments, std::string& error) {
  const Value* v = core::find(binding_arguments, "x-match");
  if (v == nullptr) return true;  // RabbitMQ allows omitting it; it means "all"
  if (v->kind == ValueKind::kString) {
    if (core::is_x_match_mode(*v->as_string())) return true;
    error = "Invalid x-match field value ";
    append_erlang_value(error, *v);
    error += "; expected all, any, all-with-x, or any-with-x";
    return false;
  }
  error = "Invalid x-match field type ";
  error += core::rabbit_type_name(v->kind);
  error += " (value ";
  append_erlang_value(error, *v);
  error += "); expected longstr";
  return false;
}

core::Status check_binding(const core::Exchange& source, const core::Table& arguments) {
  std::string error;
  if (source.type() == core::ExchangeType::kHeaders && !valid_x_match(arguments, error)) {
    return {core::ErrorCode::kPreconditionFailed, error};
  }
  return core::Status::Ok();
}

}  // namespace polymq::rabbit
