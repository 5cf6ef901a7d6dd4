#include "management/ui_assets.h"

#include <string>

namespace polymq::management {
namespace {

// The page loads only its own scripts and styles, and no other site may frame it.
constexpr std::string_view kContentSecurityPolicy =
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'";

bool starts_with_segment(std::string_view path, std::string_view prefix) {
  return path == prefix ||
         (path.size() > prefix.size() && path.starts_with(prefix) && path[prefix.size()] == '/');
}

const EmbeddedFile* find_file(std::string_view path) {
  if (path == "/") path = "/index.html";
  for (size_t i = 0; i < kEmbeddedFileCount; ++i) {
    if (kEmbeddedFiles[i].path == path) return &kEmbeddedFiles[i];
  }
  return nullptr;
}

// Whether an If-None-Match value ("*", or a comma-separated list of tags, weak or not)
// names `etag`.
bool matches_etag(std::string_view if_none_match, std::string_view etag) {
  if (if_none_match.find('*') != std::string_view::npos) return true;
  while (!if_none_match.empty()) {
    const size_t comma = std::min(if_none_match.find(','), if_none_match.size());
    std::string_view tag = if_none_match.substr(0, comma);
    while (!tag.empty() && (tag.front() == ' ' || tag.front() == '\t')) tag.remove_prefix(1);
    while (!tag.empty() && (tag.back() == ' ' || tag.back() == '\t')) tag.remove_suffix(1);
    if (tag.starts_with("W/")) tag.remove_prefix(2);
    if (tag == etag) return true;
    if_none_match.remove_prefix(std::min(comma + 1, if_none_match.size()));
  }
  return false;
}

http::Response plain(int status, std::string body) {
  http::Response r = http::Response::text(status, std::move(body));
  r.headers.add("X-Content-Type-Options", "nosniff");
  return r;
}

}  // namespace

bool is_ui_path(std::string_view path) {
  return !starts_with_segment(path, "/api") && !starts_with_segment(path, "/metrics");
}

std::string_view content_type_of(std::string_view path) {
  static constexpr std::pair<std::string_view, std::string_view> kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".json", "application/json"},
  };
  for (const auto& [extension, type] : kTypes) {
    if (path.ends_with(extension)) return type;
  }
  return "application/octet-stream";
}

http::Response ui_asset(const http::Request& request) {
  if (request.method != "GET" && request.method != "HEAD") {
    http::Response r = plain(405, "Method Not Allowed\n");
    r.headers.add("Allow", "GET, HEAD");
    return r;
  }
  const EmbeddedFile* file = find_file(request.path());
  if (file == nullptr) return plain(404, "Not Found\n");
  http::Response r;
  // Revalidated on every load: the files change with the binary, the tag says when.
  r.headers.add("Cache-Control", "no-cache");
  r.headers.add("ETag", std::string(file->etag));
  r.headers.add("X-Content-Type-Options", "nosniff");
  r.headers.add("Content-Security-Policy", std::string(kContentSecurityPolicy));
  r.headers.add("X-Frame-Options", "DENY");
  r.headers.add("Referrer-Policy", "no-referrer");
  if (std::optional<std::string_view> tags = request.headers.find("If-None-Match");
      tags && matches_etag(*tags, file->etag)) {
    r.status = 304;
    return r;
  }
  r.status = 200;
  r.headers.add("Content-Type", std::string(content_type_of(file->path)));
  r.body = std::string(file->data);
  return r;
}

}  // namespace polymq::management
