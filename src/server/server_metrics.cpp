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

void write_kafka_group_metrics(management::PrometheusText& out,
                               const kafka::GroupCatalog& catalog) {
  const std::vector<const kafka::groups::Group*> groups = catalog.coordinator().groups();
  out.family("polymq_kafka_consumergroup_members", "gauge", "Members of a Kafka consumer group");
  for (const kafka::groups::Group* g : groups) {
    out.sample("polymq_kafka_consumergroup_members", uint64_t{g->member_count()},
               {{"vhost", catalog.vhost()}, {"consumergroup", g->id()}});
  }
  std::vector<kafka::CommittedLag> lags;
  for (const kafka::groups::Group* g : groups) {
    std::vector<kafka::CommittedLag> of_group = catalog.lags(*g);
    lags.insert(lags.end(), of_group.begin(), of_group.end());
  }
  out.family("polymq_kafka_consumergroup_current_offset", "gauge",
             "The offset a Kafka consumer group committed in a partition");
  for (const kafka::CommittedLag& l : lags) {
    const std::string partition = std::to_string(l.partition->partition);
    out.sample("polymq_kafka_consumergroup_current_offset",
               static_cast<double>(l.committed->offset),
               {{"vhost", catalog.vhost()},
                {"consumergroup", l.group},
                {"topic", l.partition->topic},
                {"partition", partition}});
  }
  out.family("polymq_kafka_consumergroup_lag", "gauge",
             "Records of a partition a Kafka consumer group has not committed yet (high "
             "watermark less committed offset)");
  for (const kafka::CommittedLag& l : lags) {
    if (!l.lag) continue;
    const std::string partition = std::to_string(l.partition->partition);
    out.sample("polymq_kafka_consumergroup_lag", static_cast<uint64_t>(*l.lag),
               {{"vhost", catalog.vhost()},
                {"consumergroup", l.group},
                {"topic", l.partition->topic},
                {"partition", partition}});
  }
}

}  // namespace polymq::server
