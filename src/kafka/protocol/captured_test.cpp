// Requests as real clients wrote them (kcat/librdkafka and kafka-python, captured by
// testdata/capture_clients.py): each parses, re-encodes to the very same bytes, and fails on
// every truncation; the record batches inside Produce requests pass their CRC and read back.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "kafka/protocol/frame.h"
#include "kafka/protocol/record_batch.h"
#include "kafka/protocol/testdata/captured_requests.h"

namespace polymq::kafka {
namespace {

using testdata::kCapturedRequests;

std::string_view payload_of(std::string_view frame) {
  std::string_view payload;
  size_t consumed = 0;
  EXPECT_EQ(parse_frame(reinterpret_cast<const uint8_t*>(frame.data()), frame.size(),
                        kDefaultMaxRequestBytes, payload, consumed),
            FrameParse::kFrame);
  EXPECT_EQ(consumed, frame.size());
  return payload;
}

TEST(KafkaCaptured, CoversTheClientsAndApis) {
  bool kcat_v3 = false, python_v0 = false, python_v2 = false, produce = false;
  for (const auto& c : kCapturedRequests) {
    const std::string client = c.client;
    kcat_v3 |= client == "kcat" && c.api_key == api_key::kApiVersions && c.api_version == 3;
    python_v0 |=
        client == "kafka-python" && c.api_key == api_key::kApiVersions && c.api_version == 0;
    python_v2 |=
        client == "kafka-python" && c.api_key == api_key::kApiVersions && c.api_version == 2;
    produce |= c.api_key == api_key::kProduce;
  }
  EXPECT_TRUE(kcat_v3 && python_v0 && python_v2 && produce);
}

TEST(KafkaCaptured, ParseAndReencodeByteForByte) {
  for (const auto& c : kCapturedRequests) {
    SCOPED_TRACE(std::string(c.client) + " api " + std::to_string(c.api_key) + " v" +
                 std::to_string(c.api_version));
    Request r;
    ASSERT_EQ(parse_request(payload_of(c.frame), r), RequestParse::kOk);
    EXPECT_EQ(r.header.request_api_key, c.api_key);
    EXPECT_EQ(r.header.request_api_version, c.api_version);
    EXPECT_EQ(api_key_of(r.body), c.api_key);
    std::string again;
    append_request(again, c.api_version, r.header.correlation_id, r.header.client_id, r.body);
    EXPECT_EQ(again, c.frame);
  }
}

TEST(KafkaCaptured, EveryTruncationIsMalformed) {
  for (const auto& c : kCapturedRequests) {
    const std::string_view payload = payload_of(c.frame);
    for (size_t n = 0; n < payload.size(); ++n) {
      Request r;
      EXPECT_EQ(parse_request(payload.substr(0, n), r), RequestParse::kMalformed)
          << c.client << " api " << c.api_key << " cut at " << n;
    }
  }
}

TEST(KafkaCaptured, KcatApiVersionsV3NamesItsSoftware) {
  for (const auto& c : kCapturedRequests) {
    if (std::string(c.client) != "kcat" || c.api_key != api_key::kApiVersions) continue;
    Request r;
    ASSERT_EQ(parse_request(payload_of(c.frame), r), RequestParse::kOk);
    EXPECT_EQ(r.header_version, 2);
    EXPECT_EQ(r.header.client_id, "kcat-capture");
    const auto& body = std::get<ApiVersionsRequest>(r.body);
    EXPECT_EQ(body.client_software_name, "librdkafka");
    EXPECT_FALSE(body.client_software_version.empty());
  }
}

struct SeenRecord {
  std::optional<std::string> key;
  std::optional<std::string> value;
  std::vector<std::pair<std::string, std::string>> headers;
  int64_t timestamp;
};

// Every batch of every partition of a captured Produce request: header, CRC, and (when
// uncompressed) the records.
std::vector<SeenRecord> produced(const ProduceRequest& p, std::vector<Compression>& codecs) {
  std::vector<SeenRecord> out;
  for (const auto& topic : p.topic_data) {
    EXPECT_EQ(topic.name, "orders");
    for (const auto& part : topic.partition_data) {
      if (!part.records) continue;
      BatchIterator it(*part.records);
      while (!it.done()) {
        std::string_view batch;
        RecordBatchHeader h;
        const BatchParse parsed = it.next(batch, h);
        EXPECT_EQ(parsed, BatchParse::kOk);
        if (parsed != BatchParse::kOk) return out;
        codecs.push_back(h.compression());
        if (h.compression() != Compression::kNone) continue;
        RecordReader reader(batch, h);
        Record r;
        while (reader.next(r)) {
          SeenRecord s;
          if (r.key) s.key = std::string(*r.key);
          if (r.value) s.value = std::string(*r.value);
          for (const auto& hd : r.headers) {
            s.headers.emplace_back(std::string(hd.key), std::string(hd.value.value_or("")));
          }
          s.timestamp = h.base_timestamp + r.timestamp_delta;
          out.push_back(std::move(s));
        }
        EXPECT_TRUE(reader.ok());
      }
    }
  }
  return out;
}

TEST(KafkaCaptured, ProduceBatchesFromRealClients) {
  std::vector<SeenRecord> kcat, python;
  std::vector<Compression> codecs;
  for (const auto& c : kCapturedRequests) {
    if (c.api_key != api_key::kProduce) continue;
    Request r;
    ASSERT_EQ(parse_request(payload_of(c.frame), r), RequestParse::kOk);
    auto records = produced(std::get<ProduceRequest>(r.body), codecs);
    auto& into = std::string(c.client) == "kcat" ? kcat : python;
    into.insert(into.end(), records.begin(), records.end());
  }
  // kcat -K: -H trace=abc -H n=1 with "k1:first", "k2:second", ":no-key".
  ASSERT_EQ(kcat.size(), 3u);
  EXPECT_EQ(kcat[0].key, "k1");
  EXPECT_EQ(kcat[0].value, "first");
  EXPECT_EQ(kcat[1].key, "k2");
  EXPECT_EQ(kcat[1].value, "second");
  EXPECT_EQ(kcat[2].value, "no-key");
  const std::vector<std::pair<std::string, std::string>> kcat_headers = {{"trace", "abc"},
                                                                         {"n", "1"}};
  EXPECT_EQ(kcat[0].headers, kcat_headers);
  // kafka-python: key pk, header h=v, explicit timestamps.
  ASSERT_EQ(python.size(), 2u);
  EXPECT_EQ(python[0].key, "pk");
  EXPECT_EQ(python[0].value, "python-value");
  EXPECT_EQ(python[0].timestamp, 1700000000123);
  ASSERT_EQ(python[0].headers.size(), 1u);
  EXPECT_EQ(python[0].headers[0].first, "h");
  EXPECT_FALSE(python[1].key.has_value());
  EXPECT_EQ(python[1].timestamp, 1700000000456);
  // kcat -z gzip sent a gzip batch; its header and CRC were checked above.
  EXPECT_NE(std::find(codecs.begin(), codecs.end(), Compression::kGzip), codecs.end());
}

}  // namespace
}  // namespace polymq::kafka
