// The management web UI: static files (src/management/ui/) compiled into the binary by
// cmake/EmbedFiles.cmake and served on the management port outside /api, without
// authentication (the page logs in through the API with HTTP basic auth, as RabbitMQ's UI).
#pragma once

#include <cstddef>
#include <string_view>

#include "http/message.h"

namespace polymq::management {

// One embedded file: its URL path ("/app.js"), its bytes and its HTTP entity tag.
struct EmbeddedFile {
  std::string_view path;
  std::string_view data;
  std::string_view etag;
};

// The generated table (ui_assets_data.cpp in the build directory).
extern const EmbeddedFile kEmbeddedFiles[];
extern const size_t kEmbeddedFileCount;

// Whether `path` (a request path, before '?') is one of the UI's: anything outside /api and
// /metrics.
bool is_ui_path(std::string_view path);

// The answer to a GET or HEAD of a UI path: the file ("/" is index.html) with its
// Content-Type, revalidated by ETag (304 when If-None-Match names it); 404 for an unknown
// path, 405 for another method.
http::Response ui_asset(const http::Request& request);

// The Content-Type of a file by its extension ("application/octet-stream" for an unknown one).
std::string_view content_type_of(std::string_view path);

}  // namespace polymq::management
