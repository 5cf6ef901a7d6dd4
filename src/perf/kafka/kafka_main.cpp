// polymq-kafka-perf: a Kafka load generator over librdkafka, the Kafka sibling of polymq-perf.
// Prints records/s and MB/s produced (until the last acknowledgement) and consumed, with
// acknowledgement and end-to-end latency percentiles; --json adds one JSON line on stdout.
//
// Exit status: 0 on success, 1 if the run failed (a delivery or consume error, a timeout), 2
// for bad options, 3 if records went missing (fewer consumed than produced).
#include <CLI/CLI.hpp>
#include <cstdio>

#include "perf/kafka/kafka_load.h"
#include "perf/report.h"
#include "perf/stop_signal.h"

int main(int argc, char** argv) {
  using namespace polymq::perf::kafka;
  LoadOptions o;
  bool json = false;
  CLI::App app{"polymq-kafka-perf: Kafka producer and consumer load over librdkafka"};
  app.add_option("-b,--brokers", o.brokers, "bootstrap servers")->capture_default_str();
  app.add_option("-t,--topic", o.topic, "topic (default: a fresh one per run)");
  app.add_option("-p,--partitions", o.partitions, "partitions of the topic")
      ->check(CLI::Range(1, 10000))
      ->capture_default_str();
  app.add_option("-s,--size", o.record_bytes, "record value bytes (at least 8)")
      ->check(CLI::Range(8, 1 << 20))
      ->capture_default_str();
  app.add_option("-a,--acks", o.acks, "acks: 0, 1 or all")
      ->check(CLI::IsMember({"0", "1", "all", "-1"}))
      ->capture_default_str();
  app.add_option("-n,--records", o.records, "records to produce")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("-r,--rate", o.rate, "records/s over all producers (0: as fast as possible)")
      ->capture_default_str();
  app.add_option("-P,--producers", o.producers, "producer instances, one thread each")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  app.add_option("--linger-ms", o.linger_ms, "librdkafka linger.ms")->capture_default_str();
  app.add_option("--batch-records", o.batch_records, "librdkafka batch.num.messages")
      ->capture_default_str();
  app.add_option("-z,--compression", o.compression, "none, gzip, snappy, lz4, zstd")
      ->check(CLI::IsMember({"none", "gzip", "snappy", "lz4", "zstd"}))
      ->capture_default_str();
  app.add_flag("!--no-consume", o.consume, "produce only");
  app.add_option("--timeout", o.timeout_s, "seconds before the run gives up")
      ->capture_default_str();
  app.add_flag("--json", json, "also print the result as one JSON line on stdout");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }

  const LoadResult r = run_load(o, polymq::perf::stop_on_signals());
  FILE* out = json ? stderr : stdout;
  const double mb = static_cast<double>(o.record_bytes) / 1e6;
  const double produce_rate = r.produce_seconds > 0 ? r.acked / r.produce_seconds : 0;
  const double consume_rate = r.consume_seconds > 0 ? r.consumed / r.consume_seconds : 0;
  std::fprintf(
      out, "produced %llu records of %d B to %d partition(s), acks %s: %.0f records/s, %.1f MB/s\n",
      static_cast<unsigned long long>(r.acked), o.record_bytes, o.partitions, o.acks.c_str(),
      produce_rate, produce_rate * mb);
  if (o.consume) {
    std::fprintf(out, "consumed %llu records: %.0f records/s, %.1f MB/s\n",
                 static_cast<unsigned long long>(r.consumed), consume_rate, consume_rate * mb);
  }
  if (o.acks != "0") polymq::perf::print_latency(out, "ack", r.ack_latency_us);
  if (o.consume) polymq::perf::print_latency(out, "end-to-end", r.end_to_end_us);
  if (!r.error.empty()) std::fprintf(out, "error: %s\n", r.error.c_str());
  if (json) {
    std::printf(
        "{\"records\":%llu,\"size\":%d,\"partitions\":%d,\"acks\":\"%s\",\"rate\":%llu,"
        "\"produce_rps\":%.0f,\"consume_rps\":%.0f,\"consumed\":%llu,"
        "\"ack_p50_us\":%llu,\"ack_p99_us\":%llu,\"e2e_p50_us\":%llu,\"e2e_p99_us\":%llu,"
        "\"e2e_p999_us\":%llu,\"error\":\"%s\"}\n",
        static_cast<unsigned long long>(r.acked), o.record_bytes, o.partitions, o.acks.c_str(),
        static_cast<unsigned long long>(o.rate), produce_rate, consume_rate,
        static_cast<unsigned long long>(r.consumed),
        static_cast<unsigned long long>(r.ack_latency_us.percentile(50)),
        static_cast<unsigned long long>(r.ack_latency_us.percentile(99)),
        static_cast<unsigned long long>(r.end_to_end_us.percentile(50)),
        static_cast<unsigned long long>(r.end_to_end_us.percentile(99)),
        static_cast<unsigned long long>(r.end_to_end_us.percentile(99.9)),
        r.error.empty() ? "" : "failed");
  }
  if (!r.error.empty()) return 1;
  if (o.consume && r.consumed < r.acked) return 3;
  return 0;
}
