#include "server/server_metrics.h"

namespace polymq::server {

void write_storage_metrics(management::PrometheusText& out, const storage::SyncStats& stats) {
  out.counter("polymq_storage_sync_rounds_total",
              "Group-commit rounds run (each syncs every log written since the last one)",
              stats.rounds);
  out.counter("polymq_storage_fdatasync_total", "fdatasync calls on message and stream logs",
              stats.syncs);
  out.counter("polymq_storage_sync_failed_rounds_total",
              "Group-commit rounds in which a write or a sync failed", stats.failed_rounds);
  out.histogram("polymq_storage_sync_round_seconds",
                "Wall time of a group-commit round's fdatasync calls, in seconds",
                stats.round_seconds.bounds, stats.round_seconds.counts, stats.round_seconds.sum);
  out.histogram("polymq_storage_sync_round_logs",
                "Logs synced together in one group-commit round (the batch size)",
                stats.round_logs.bounds, stats.round_logs.counts, stats.round_logs.sum);
}

void write_aws_metrics(management::PrometheusText& out, const AwsEndpoint& endpoint) {
  out.family("polymq_aws_requests_total", "counter",
             "HTTP requests received on the SQS/SNS endpoint, by service");
  out.sample("polymq_aws_requests_total", endpoint.sqs_requests(), {{"service", "sqs"}});
  out.sample("polymq_aws_requests_total", endpoint.sns_requests(), {{"service", "sns"}});
}

}  // namespace polymq::server
