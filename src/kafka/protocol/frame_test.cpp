// Headers against bytes written out by hand from the Kafka protocol guide, the header version
// rules, framing limits, and request parsing outcomes.
#include "kafka/protocol/frame.h"

#include <gtest/gtest.h>

#include <string>

namespace polymq::kafka {
namespace {

template <size_t N>
std::string_view bytes(const char (&s)[N]) {
  return std::string_view(s, N - 1);
}

template <class H>
std::string encoded(const H& h, int16_t version) {
  std::string out;
  Writer w(out);
  h.encode(w, version);
  return out;
}

RequestHeader sample_request_header() {
  RequestHeader h;
  h.request_api_key = 3;
  h.request_api_version = 9;
  h.correlation_id = 0x01020304;
  h.client_id = "ab";
  return h;
}

TEST(KafkaHeaderGolden, RequestHeaderV0HasNoClientId) {
  EXPECT_EQ(encoded(sample_request_header(), 0), bytes("\x00\x03\x00\x09\x01\x02\x03\x04"));
}

TEST(KafkaHeaderGolden, RequestHeaderV1HasAClassicClientId) {
  EXPECT_EQ(encoded(sample_request_header(), 1), bytes("\x00\x03\x00\x09\x01\x02\x03\x04\x00\x02"
                                                       "ab"));
  RequestHeader null_id = sample_request_header();
  null_id.client_id.reset();
  EXPECT_EQ(encoded(null_id, 1), bytes("\x00\x03\x00\x09\x01\x02\x03\x04\xff\xff"));
}

TEST(KafkaHeaderGolden, RequestHeaderV2KeepsTheClassicClientIdAndAddsTaggedFields) {
  const std::string_view wire = bytes(
      "\x00\x03\x00\x09\x01\x02\x03\x04\x00\x02"
      "ab"
      "\x00");
  EXPECT_EQ(encoded(sample_request_header(), 2), wire);
  RequestHeader h;
  Reader in(wire);
  ASSERT_TRUE(h.decode(in, 2));
  EXPECT_EQ(h, sample_request_header());
  // An unknown tagged field (tag 5, two bytes) is skipped.
  Reader tagged(bytes("\x00\x03\x00\x09\x01\x02\x03\x04\xff\xff\x01\x05\x02xy"));
  ASSERT_TRUE(h.decode(tagged, 2));
  EXPECT_EQ(tagged.remaining(), 0u);
  EXPECT_FALSE(h.client_id.has_value());
  // A tagged field claiming more bytes than are left is truncated input.
  Reader cut(bytes("\x00\x03\x00\x09\x01\x02\x03\x04\xff\xff\x01\x05\x03xy"));
  EXPECT_FALSE(h.decode(cut, 2));
}

TEST(KafkaHeaderGolden, ResponseHeaders) {
  ResponseHeader h;
  h.correlation_id = 7;
  EXPECT_EQ(encoded(h, 0), bytes("\x00\x00\x00\x07"));
  EXPECT_EQ(encoded(h, 1), bytes("\x00\x00\x00\x07\x00"));
}

TEST(KafkaHeaderVersions, FollowTheFirstFlexibleVersion) {
  // Metadata is flexible from v9, Produce from v9, ApiVersions from v3.
  EXPECT_EQ(request_header_version(api_key::kMetadata, 8), 1);
  EXPECT_EQ(request_header_version(api_key::kMetadata, 9), 2);
  EXPECT_EQ(response_header_version(api_key::kMetadata, 8), 0);
  EXPECT_EQ(response_header_version(api_key::kMetadata, 9), 1);
  EXPECT_EQ(request_header_version(api_key::kApiVersions, 3), 2);
  EXPECT_EQ(request_header_version(api_key::kApiVersions, 99), 2);
  // ApiVersions responses always use header v0.
  EXPECT_EQ(response_header_version(api_key::kApiVersions, 3), 0);
  EXPECT_EQ(response_header_version(api_key::kApiVersions, 4), 0);
  // SaslHandshake has no flexible version.
  EXPECT_EQ(request_header_version(api_key::kSaslHandshake, 1), 1);
  EXPECT_EQ(request_header_version(1000, 0), -1);
  EXPECT_EQ(response_header_version(1000, 0), -1);
}

TEST(KafkaApiTable, IsOrderedAndConsistentWithTheMessages) {
  for (size_t i = 1; i < std::size(kApis); ++i) EXPECT_LT(kApis[i - 1].key, kApis[i].key);
  const ApiInfo* produce = api_info(api_key::kProduce);
  ASSERT_NE(produce, nullptr);
  EXPECT_STREQ(produce->name, "Produce");
  EXPECT_EQ(produce->min_version, ProduceRequest::kMinVersion);
  EXPECT_EQ(produce->max_version, ProduceRequest::kMaxVersion);
  EXPECT_EQ(produce->first_flexible_version, ProduceRequest::kFirstFlexibleVersion);
  EXPECT_EQ(api_info(api_key::kSaslHandshake)->first_flexible_version, -1);
  EXPECT_EQ(std::size(kApis), 32u);
}

TEST(KafkaFrame, SizePrefixLimits) {
  std::string_view payload;
  size_t consumed = 0;
  const auto parse = [&](std::string_view in, uint32_t max) {
    return parse_frame(reinterpret_cast<const uint8_t*>(in.data()), in.size(), max, payload,
                       consumed);
  };
  EXPECT_EQ(parse(bytes("\x00\x00\x00"), 100), FrameParse::kNeedMore);
  EXPECT_EQ(parse(bytes("\x00\x00\x00\x02\x01"), 100), FrameParse::kNeedMore);
  EXPECT_EQ(parse(bytes("\x00\x00\x00\x65"), 100), FrameParse::kTooLarge);
  EXPECT_EQ(parse(bytes("\x00\x00\x00\x64"), 100), FrameParse::kNeedMore);
  EXPECT_EQ(parse(bytes("\xff\xff\xff\xff"), 100), FrameParse::kNegative);
  EXPECT_EQ(parse(bytes("\x06\x40\x00\x01"), kDefaultMaxRequestBytes), FrameParse::kTooLarge);
  ASSERT_EQ(parse(bytes("\x00\x00\x00\x02\x01\x02\x03"), 100), FrameParse::kFrame);
  EXPECT_EQ(payload, bytes("\x01\x02"));
  EXPECT_EQ(consumed, 6u);
}

std::string_view payload_of(const std::string& frame) {
  std::string_view payload;
  size_t consumed = 0;
  EXPECT_EQ(parse_frame(reinterpret_cast<const uint8_t*>(frame.data()), frame.size(),
                        kDefaultMaxRequestBytes, payload, consumed),
            FrameParse::kFrame);
  EXPECT_EQ(consumed, frame.size());
  return payload;
}

TEST(KafkaRequest, ParsesAndRejectsEveryTruncation) {
  MetadataRequest m;
  m.topics.emplace();
  m.topics->emplace_back().name = "orders";
  m.allow_auto_topic_creation = false;
  std::string frame;
  append_request(frame, 9, 42, std::string("client"), m);
  const std::string_view payload = payload_of(frame);
  Request r;
  ASSERT_EQ(parse_request(payload, r), RequestParse::kOk);
  EXPECT_EQ(r.header_version, 2);
  EXPECT_EQ(r.header.correlation_id, 42);
  EXPECT_EQ(r.header.client_id, "client");
  ASSERT_TRUE(std::holds_alternative<MetadataRequest>(r.body));
  EXPECT_EQ(std::get<MetadataRequest>(r.body), m);

  for (size_t n = 0; n < payload.size(); ++n) {
    EXPECT_EQ(parse_request(payload.substr(0, n), r), RequestParse::kMalformed) << n;
  }
  std::string longer(payload);
  longer.push_back('\0');
  EXPECT_EQ(parse_request(longer, r), RequestParse::kMalformed);
}

TEST(KafkaRequest, UnknownApiAndUnsupportedVersionKeepTheHeader) {
  Request r;
  EXPECT_EQ(parse_request(bytes("\x03\xe8\x00\x00\x00\x00\x00\x05\xff\xff"), r),
            RequestParse::kUnknownApi);
  EXPECT_EQ(r.header.request_api_key, 1000);
  EXPECT_EQ(r.header.correlation_id, 5);
  // ApiVersions v99 from a newer client: header v2 (classic client id, tagged fields) is read.
  EXPECT_EQ(parse_request(bytes("\x00\x12\x00\x63\x00\x00\x00\x09\x00\x01x\x00\x02\x01\x02"), r),
            RequestParse::kUnsupportedVersion);
  EXPECT_EQ(r.header.request_api_version, 99);
  EXPECT_EQ(r.header.correlation_id, 9);
  EXPECT_EQ(r.header.client_id, "x");
}

TEST(KafkaResponse, ApiVersionsUsesHeaderV0EvenWhenFlexible) {
  ApiVersionsResponse resp;
  resp.api_keys.push_back({18, 0, 4});
  std::string frame;
  append_response(frame, 3, 11, resp);
  // size, correlation id (no header tagged fields), error 0, compact array of one
  // (key, min, max, no tags), throttle 0, no tags.
  EXPECT_EQ(frame, bytes("\x00\x00\x00\x13\x00\x00\x00\x0b\x00\x00\x02\x00\x12\x00\x00\x00\x04"
                         "\x00\x00\x00\x00\x00\x00"));
  ResponseHeader h;
  ResponseBody body;
  ASSERT_TRUE(parse_response(payload_of(frame), api_key::kApiVersions, 3, h, body));
  EXPECT_EQ(h.correlation_id, 11);
  EXPECT_EQ(std::get<ApiVersionsResponse>(body), resp);
}

TEST(KafkaResponse, FlexibleResponsesUseHeaderV1) {
  HeartbeatResponse resp;
  resp.error_code = 27;
  std::string frame;
  append_response(frame, 4, 1, resp);
  // size 12: correlation id, header tags, throttle, error, body tags.
  EXPECT_EQ(frame, bytes("\x00\x00\x00\x0c\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x1b\x00"));
}

TEST(KafkaTaggedFields, KnownAreReadUnknownAreSkippedBadSizesFail) {
  // ApiVersionsResponse v3: error 0, no api keys, throttle 0, then 2 tagged fields: unknown
  // tag 9 (3 bytes) and FinalizedFeaturesEpoch (tag 1, int64 = 5).
  const std::string_view wire =
      bytes("\x00\x00\x01\x00\x00\x00\x00\x02\x09\x03xyz\x01\x08\x00\x00\x00\x00\x00\x00\x00\x05");
  ApiVersionsResponse r;
  Reader in(wire);
  ASSERT_TRUE(r.decode(in, 3));
  EXPECT_EQ(in.remaining(), 0u);
  EXPECT_EQ(r.finalized_features_epoch, 5);
  // Re-encoded: the unknown tag is gone, the known one kept.
  EXPECT_EQ(encoded(r, 3), bytes("\x00\x00\x01\x00\x00\x00\x00\x01\x01\x08\x00\x00\x00\x00\x00\x00"
                                 "\x00\x05"));
  // A known tag whose size is not its value's size is malformed, even when the bytes are there.
  Reader wrong(
      bytes("\x00\x00\x01\x00\x00\x00\x00\x01\x01\x09\x00\x00\x00\x00\x00\x00\x00\x05\x00"));
  EXPECT_FALSE(r.decode(wrong, 3));
  // In v2 (not flexible) nothing follows the throttle time.
  Reader classic(bytes("\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"));
  ASSERT_TRUE(r.decode(classic, 2));
  EXPECT_EQ(r.finalized_features_epoch, -1);  // the default
}

TEST(KafkaNullable, NullOnlyWhereTheVersionAllowsIt) {
  // MetadataRequest topics: nullable from v1 ("all topics"), not in v0.
  MetadataRequest m;
  Reader v0(bytes("\xff\xff\xff\xff"));
  EXPECT_FALSE(m.decode(v0, 0));
  Reader v1(bytes("\xff\xff\xff\xff"));
  ASSERT_TRUE(m.decode(v1, 1));
  EXPECT_FALSE(m.topics.has_value());
  Reader v1_empty(bytes("\x00\x00\x00\x00"));
  ASSERT_TRUE(m.decode(v1_empty, 1));
  ASSERT_TRUE(m.topics.has_value());
  EXPECT_TRUE(m.topics->empty());
  // Null written in v0, which cannot say null, becomes the empty array.
  m.topics.reset();
  EXPECT_EQ(encoded(m, 0), bytes("\x00\x00\x00\x00"));
  EXPECT_EQ(encoded(m, 1), bytes("\xff\xff\xff\xff"));
}

TEST(KafkaDefaults, ComeFromTheSchema) {
  FetchRequest f;
  EXPECT_EQ(f.replica_id, -1);
  EXPECT_EQ(f.max_bytes, 0x7fffffff);
  EXPECT_EQ(f.session_epoch, -1);
  EXPECT_FALSE(f.cluster_id.has_value());  // "null"
  JoinGroupRequest j;
  EXPECT_EQ(j.rebalance_timeout_ms, -1);
  EXPECT_FALSE(j.group_instance_id.has_value());
  ProduceRequest p;
  EXPECT_FALSE(p.transactional_id.has_value());
}

// A response whose records are left out as splices is, once they are put back, the same frame
// as one encoded whole, in a classic (v4) and a flexible (v12) version.
TEST(KafkaFrame, ASplicedResponseIsTheWholeFrameWithItsRecordsPutBack) {
  const std::string records_a(5000, 'a');
  const std::string records_b = "bb";
  FetchResponse response;
  FetchResponse::FetchableTopicResponse topic;
  topic.topic = "t";
  for (const std::string* r : {&records_a, &records_b}) {
    FetchResponse::PartitionData p;
    p.records = *r;
    topic.partitions.push_back(p);
  }
  response.responses.push_back(topic);
  for (int16_t version : {int16_t{4}, int16_t{12}}) {
    std::string whole;
    append_response(whole, version, 9, ResponseBody(response));
    std::string frame;
    std::vector<Splice> splices;
    append_response(frame, version, 9, ResponseBody(response), &splices);
    ASSERT_EQ(splices.size(), 2u);
    std::string joined;
    size_t at = 0;
    for (const Splice& s : splices) {
      joined.append(frame, at, s.position - at).append(s.bytes);
      at = s.position;
    }
    joined.append(frame, at);
    EXPECT_EQ(joined, whole) << "v" << version;
  }
}

}  // namespace
}  // namespace polymq::kafka
