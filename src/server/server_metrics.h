// The metrics of the parts main.cpp wires that the management layer cannot see: storage's
// group commit (storage/sync_stats.h), the AWS endpoint's requests and the Kafka consumer
// groups' offsets and lag, written into the management API's /metrics
// (ServiceConfig::more_metrics).
#pragma once

#include "kafka/catalogs.h"
#include "management/prometheus_text.h"
#include "server/aws_endpoint.h"
#include "storage/sync_stats.h"

namespace polymq::server {

void write_storage_metrics(management::PrometheusText& out, const storage::SyncStats& stats);
void write_aws_metrics(management::PrometheusText& out, const AwsEndpoint& endpoint);
// Per group and partition, as kafka_exporter's kafka_consumergroup_* families (with polymq_
// names): the committed offset and the lag; per group, its members.
void write_kafka_group_metrics(management::PrometheusText& out, const kafka::GroupCatalog& groups);

}  // namespace polymq::server
