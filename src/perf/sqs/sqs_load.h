// polymq-sqs-perf's run: senders put fixed-size messages into a fresh SQS queue through
// SendMessage or SendMessageBatch, as fast as they can or at a set rate, while receivers
// drain it with long-polling ReceiveMessage and delete what they got with DeleteMessageBatch.
// Every connection is a keep-alive HTTP/1.1 connection with one request at a time, signed
// with SigV4 (AWS JSON 1.0, as the current SDKs speak SQS); all run on one thread.
// Each message body starts with its send time (steady clock, same host), so receivers measure
// end-to-end latency (send request written -> received); each request's latency is measured
// too. An idle mode holds many long polls open on an empty queue instead.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "perf/histogram.h"
#include "perf/sqs/request_signer.h"

namespace polymq::perf::sqs {

struct LoadOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 9324;
  Credentials credentials;
  std::string queue;        // empty: a fresh name per run
  int message_bytes = 100;  // at least 20: the send time
  uint64_t messages = 100000;
  uint64_t rate = 0;  // messages/s over all senders; 0: unlimited
  int senders = 4;    // connections sending
  int batch = 10;     // messages per send request; 1: SendMessage
  int receivers = 4;  // connections receiving; 0: send only
  int timeout_s = 300;
  // Idle mode (idle_polls > 0, nothing sent): that many connections each keep a 20 s
  // ReceiveMessage waiting on the empty queue for hold_s seconds, then the run ends; the
  // broker's memory per waiting request is measured from outside meanwhile.
  int idle_polls = 0;
  int hold_s = 30;
};

struct LoadResult {
  std::string error;  // empty: the run completed
  uint64_t sent = 0;
  uint64_t received = 0;  // received and deleted
  uint64_t send_requests = 0;
  uint64_t receive_requests = 0;
  uint64_t empty_receives = 0;
  uint64_t polls_waiting = 0;  // idle mode: long polls sent and not answered at the end
  double send_seconds = 0;     // first send -> last send answered
  double receive_seconds = 0;  // first send -> last message deleted
  LatencyHistogram send_latency_us;
  LatencyHistogram receive_latency_us;  // ReceiveMessage requests that returned messages
  LatencyHistogram delete_latency_us;
  LatencyHistogram end_to_end_us;
};

LoadResult run_load(const LoadOptions& options, const std::atomic<bool>& stop);

}  // namespace polymq::perf::sqs
