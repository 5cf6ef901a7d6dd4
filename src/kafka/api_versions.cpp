#include "kafka/api_versions.h"

#include "kafka/protocol/generated/api_keys.h"

namespace polymq::kafka {
namespace {

// ApiVersions v4 (KIP-511's successor fields) is left out until a client needs it: v3 carries
// everything PolyMQ has to say. Metadata: every version the codec reads. The data path
// (kafka/session_data.cpp): Produce v3+ and Fetch v4+ carry RecordBatch v2 only; Fetch stops
// at v12 (v13 names topics by id, which PolyMQ's topics do not have yet); ListOffsets stops at
// v6 (v7 adds the max-timestamp query, not served).
// Consumer groups (kafka/groups/): the classic group protocol; OffsetCommit and OffsetFetch
// v9 (KIP-848's member epochs), ListGroups v5 (group types) and FindCoordinator v5+ are left
// out.
// Transactions (kafka/txn/): AddPartitionsToTxn stops at v3 (v4+ is the brokers' batched
// form), AddOffsetsToTxn, EndTxn and TxnOffsetCommit at v3 (v4+ are KIP-890's server-side
// defence, which needs the producer to learn new errors).
// clang-format off
constexpr SupportedApi kSupported[] = {
    {api_key::kProduce, 3, 9},
    {api_key::kFetch, 4, 12},
    {api_key::kListOffsets, 1, 6},
    {api_key::kMetadata, 0, 12},
    {api_key::kOffsetCommit, 0, 8},
    {api_key::kOffsetFetch, 0, 8},
    {api_key::kFindCoordinator, 0, 4},
    {api_key::kJoinGroup, 0, 9},
    {api_key::kHeartbeat, 0, 4},
    {api_key::kLeaveGroup, 0, 5},
    {api_key::kSyncGroup, 0, 5},
    {api_key::kDescribeGroups, 0, 5},
    {api_key::kListGroups, 0, 4},
    {api_key::kSaslHandshake, 0, 1},
    {api_key::kApiVersions, 0, 3},
    {api_key::kCreateTopics, 0, 7},
    {api_key::kDeleteTopics, 0, 6},
    {api_key::kDeleteRecords, 0, 2},
    {api_key::kInitProducerId, 0, 4},
    {api_key::kOffsetForLeaderEpoch, 0, 4},
    {api_key::kAddPartitionsToTxn, 0, 3},
    {api_key::kAddOffsetsToTxn, 0, 3},
    {api_key::kEndTxn, 0, 3},
    {api_key::kTxnOffsetCommit, 0, 3},
    {api_key::kDescribeConfigs, 0, 4},
    {api_key::kAlterConfigs, 0, 2},
    {api_key::kSaslAuthenticate, 0, 2},
    {api_key::kCreatePartitions, 0, 3},
    {api_key::kDeleteGroups, 0, 2},
    {api_key::kIncrementalAlterConfigs, 0, 1},
    {api_key::kOffsetDelete, 0, 0},
    {api_key::kDescribeCluster, 0, 1},
};
// clang-format on

}  // namespace

std::span<const SupportedApi> supported_apis() { return kSupported; }

const SupportedApi* find_supported_api(int16_t key) {
  for (const SupportedApi& api : kSupported) {
    if (api.key == key) return &api;
  }
  return nullptr;
}

ApiVersionsResponse api_versions_response(int16_t error_code) {
  ApiVersionsResponse response;
  response.error_code = error_code;
  for (const SupportedApi& api : kSupported) {
    ApiVersionsResponse::ApiVersion v;
    v.api_key = api.key;
    v.min_version = api.min_version;
    v.max_version = api.max_version;
    response.api_keys.push_back(v);
  }
  return response;
}

}  // namespace polymq::kafka
