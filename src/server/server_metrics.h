// The metrics of the parts main.cpp wires that the management layer cannot see: storage's
// group commit (storage/sync_stats.h) and the AWS endpoint's requests, written into the
// management API's /metrics (ServiceConfig::more_metrics).
#pragma once

#include "management/prometheus_text.h"
#include "server/aws_endpoint.h"
#include "storage/sync_stats.h"

namespace polymq::server {

void write_storage_metrics(management::PrometheusText& out, const storage::SyncStats& stats);
void write_aws_metrics(management::PrometheusText& out, const AwsEndpoint& endpoint);

}  // namespace polymq::server
