#include "aws/query_protocol.h"

#include <charconv>
#include <cstdio>

namespace polymq::aws {

std::optional<http::Params> query_parameters(const http::Request& request) {
  std::optional<http::Params> params = http::parse_form(request.query());
  const std::string_view type = request.headers.get("Content-Type");
  if (params && request.method == "POST" &&
      type.find("application/x-www-form-urlencoded") != std::string_view::npos) {
    std::optional<http::Params> body = http::parse_form(request.body);
    if (!body) return std::nullopt;
    params->insert(params->end(), body->begin(), body->end());
  }
  return params;
}

bool indexed_member(std::string_view name, std::string_view prefix, int& n,
                    std::string_view& rest) {
  if (name.size() <= prefix.size() + 1 || name.substr(0, prefix.size()) != prefix ||
      name[prefix.size()] != '.') {
    return false;
  }
  std::string_view tail = name.substr(prefix.size() + 1);
  const char* end = tail.data() + tail.size();
  auto [p, ec] = std::from_chars(tail.data(), end, n);
  if (ec != std::errc() || p == tail.data()) return false;
  rest = std::string_view(p, static_cast<size_t>(end - p));
  if (!rest.empty()) {
    if (rest.front() != '.') return false;
    rest.remove_prefix(1);
  }
  return true;
}

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      case '\r':
        out += "&#xD;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

void xml_element(std::string& out, std::string_view name, std::string_view text) {
  out += '<';
  out += name;
  out += '>';
  out += xml_escape(text);
  out += "</";
  out += name;
  out += '>';
}

std::string render_query_error(std::string_view xml_namespace, std::string_view code,
                               std::string_view message, bool sender, std::string_view request_id) {
  std::string out = "<?xml version=\"1.0\"?><ErrorResponse xmlns=\"";
  out += xml_namespace;
  out += "\"><Error>";
  xml_element(out, "Type", sender ? "Sender" : "Receiver");
  xml_element(out, "Code", code);
  xml_element(out, "Message", message);
  out += "<Detail/></Error>";
  xml_element(out, "RequestId", request_id);
  out += "</ErrorResponse>";
  return out;
}

namespace {

// The <service> of "<key>/<date>/<region>/<service>/aws4_request".
std::string scope_service(std::string_view credential) {
  size_t start = 0;
  for (int i = 0; i < 3; ++i) {
    start = credential.find('/', start);
    if (start == std::string_view::npos) return "";
    ++start;
  }
  const size_t end = credential.find('/', start);
  return std::string(credential.substr(start, end == std::string_view::npos ? end : end - start));
}

}  // namespace

std::string credential_service(const http::Request& request) {
  if (std::optional<std::string_view> auth = request.headers.find("Authorization")) {
    const size_t at = auth->find("Credential=");
    if (at != std::string_view::npos) {
      std::string_view credential = auth->substr(at + 11);
      credential = credential.substr(0, credential.find_first_of(", "));
      return scope_service(credential);
    }
    return "";
  }
  if (std::optional<http::Params> params = http::parse_form(request.query())) {
    if (std::optional<std::string_view> c = http::find_param(*params, "X-Amz-Credential")) {
      return scope_service(*c);
    }
  }
  return "";
}

std::string format_uuid(uint64_t hi, uint64_t lo) {
  // Version 4, variant 1 bits, as a random UUID.
  hi = (hi & ~0xf000ull) | 0x4000ull;
  lo = (lo & ~(0xc000ull << 48)) | (0x8000ull << 48);
  char buf[37];
  std::snprintf(buf, sizeof(buf), "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xffff), static_cast<unsigned>(hi & 0xffff),
                static_cast<unsigned>(lo >> 48),
                static_cast<unsigned long long>(lo & 0xffffffffffffull));
  return buf;
}

std::string random_uuid(std::mt19937_64& random) {
  const uint64_t hi = random();
  return format_uuid(hi, random());
}

}  // namespace polymq::aws
