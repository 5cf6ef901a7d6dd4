// The APIs and versions this Kafka front-end handles, and the ApiVersions answer built from
// them. The codec (kafka/protocol) can read more; only what a handler really serves is
// advertised, because clients pick their request versions from this list.
#pragma once

#include <cstdint>
#include <span>

#include "kafka/protocol/generated/api_versions.h"

namespace polymq::kafka {

struct SupportedApi {
  int16_t key;
  int16_t min_version;
  int16_t max_version;
};

// Ordered by key.
std::span<const SupportedApi> supported_apis();
// nullptr when the API is not handled.
const SupportedApi* find_supported_api(int16_t key);

// The ApiVersions response: every supported API with its range, and `error_code` (0, or
// UNSUPPORTED_VERSION for a request in a version outside ApiVersions' own range, which Kafka
// answers in v0 with the same list so the client can retry in a version it finds there).
ApiVersionsResponse api_versions_response(int16_t error_code);

}  // namespace polymq::kafka
