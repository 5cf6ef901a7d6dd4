// polymq-sqs-perf: an SQS load generator (AWS JSON 1.0, SigV4, keep-alive connections), the
// SQS sibling of polymq-perf. Prints messages/s sent (until the last send answered) and
// received+deleted, with request and end-to-end latency percentiles; --json adds one JSON
// line on stdout.
//
// Exit status: 0 on success, 1 if the run failed (an error answer, a timeout), 2 for bad
// options, 3 if messages went missing (fewer received than sent).
#include <CLI/CLI.hpp>
#include <cstdio>

#include "perf/report.h"
#include "perf/sqs/sqs_load.h"
#include "perf/stop_signal.h"

namespace {

unsigned long long ull(uint64_t v) { return static_cast<unsigned long long>(v); }

}  // namespace

int main(int argc, char** argv) {
  using namespace polymq::perf::sqs;
  LoadOptions o;
  bool json = false;
  CLI::App app{"polymq-sqs-perf: SQS send and receive load over AWS JSON 1.0"};
  app.add_option("--host", o.host, "endpoint address (IPv4 or IPv6 literal)")
      ->capture_default_str();
  app.add_option("--port", o.port, "endpoint port")->capture_default_str();
  app.add_option("--access-key", o.credentials.access_key_id, "access key id (a user name)")
      ->capture_default_str();
  app.add_option("--secret-key", o.credentials.secret_access_key,
                 "secret access key (its password)")
      ->capture_default_str();
  app.add_option("--region", o.credentials.region, "region signed for")->capture_default_str();
  app.add_option("-q,--queue", o.queue, "queue (default: a fresh one per run)");
  app.add_option("-s,--size", o.message_bytes, "message body bytes (at least 20)")
      ->check(CLI::Range(20, 262144))
      ->capture_default_str();
  app.add_option("-n,--messages", o.messages, "messages to send")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("-r,--rate", o.rate, "messages/s over all senders (0: as fast as possible)")
      ->capture_default_str();
  app.add_option("-S,--senders", o.senders, "sending connections")
      ->check(CLI::Range(1, 10000))
      ->capture_default_str();
  app.add_option("-b,--batch", o.batch, "messages per send (1: SendMessage, else SendMessageBatch)")
      ->check(CLI::Range(1, 10))
      ->capture_default_str();
  app.add_option("-R,--receivers", o.receivers,
                 "receiving connections (ReceiveMessage + DeleteMessageBatch; 0: send only)")
      ->check(CLI::Range(0, 10000))
      ->capture_default_str();
  app.add_option("--idle-polls", o.idle_polls,
                 "idle mode: hold this many 20 s long polls open on an empty queue, send nothing")
      ->check(CLI::Range(0, 100000))
      ->capture_default_str();
  app.add_option("--hold", o.hold_s, "idle mode: seconds to hold the polls")->capture_default_str();
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
  if (o.idle_polls > 0) {
    std::fprintf(out, "idle: %llu of %d long polls waiting after %d s (%llu answered empty)\n",
                 ull(r.polls_waiting), o.idle_polls, o.hold_s, ull(r.empty_receives));
    if (!r.error.empty()) std::fprintf(out, "error: %s\n", r.error.c_str());
    if (json) {
      std::printf("{\"idle_polls\":%d,\"waiting\":%llu,\"error\":\"%s\"}\n", o.idle_polls,
                  ull(r.polls_waiting), r.error.empty() ? "" : "failed");
    }
    return r.error.empty() ? 0 : 1;
  }
  const double send_rate = r.send_seconds > 0 ? r.sent / r.send_seconds : 0;
  const double receive_rate = r.receive_seconds > 0 ? r.received / r.receive_seconds : 0;
  std::fprintf(
      out, "sent %llu messages of %d B in %llu requests (batch %d, %d senders): %.0f messages/s\n",
      ull(r.sent), o.message_bytes, ull(r.send_requests), o.batch, o.senders, send_rate);
  if (o.receivers > 0) {
    std::fprintf(out,
                 "received and deleted %llu messages (%d receivers, %llu receives, %llu empty): "
                 "%.0f messages/s\n",
                 ull(r.received), o.receivers, ull(r.receive_requests), ull(r.empty_receives),
                 receive_rate);
  }
  polymq::perf::print_latency(out, "send request", r.send_latency_us);
  if (o.receivers > 0) {
    polymq::perf::print_latency(out, "receive request", r.receive_latency_us);
    polymq::perf::print_latency(out, "delete request", r.delete_latency_us);
    polymq::perf::print_latency(out, "end-to-end", r.end_to_end_us);
  }
  if (!r.error.empty()) std::fprintf(out, "error: %s\n", r.error.c_str());
  if (json) {
    std::printf(
        "{\"messages\":%llu,\"size\":%d,\"batch\":%d,\"senders\":%d,\"receivers\":%d,"
        "\"rate\":%llu,\"send_mps\":%.0f,\"receive_mps\":%.0f,\"received\":%llu,"
        "\"send_p50_us\":%llu,\"send_p99_us\":%llu,\"e2e_p50_us\":%llu,\"e2e_p99_us\":%llu,"
        "\"error\":\"%s\"}\n",
        ull(r.sent), o.message_bytes, o.batch, o.senders, o.receivers, ull(o.rate), send_rate,
        receive_rate, ull(r.received), ull(r.send_latency_us.percentile(50)),
        ull(r.send_latency_us.percentile(99)), ull(r.end_to_end_us.percentile(50)),
        ull(r.end_to_end_us.percentile(99)), r.error.empty() ? "" : "failed");
  }
  if (!r.error.empty()) return 1;
  if (o.receivers > 0 && r.received < r.sent) return 3;
  return 0;
}
