// polymq: starts the listeners on one event loop and runs until SIGINT or SIGTERM.
#include <spdlog/spdlog.h>

#include <asio.hpp>
#include <filesystem>
#include <functional>

#include "amqp/session.h"
#include "core/broker.h"
#include "core/catalogs.h"
#include "http/session.h"
#include "kafka/catalogs.h"
#include "kafka/compaction_format.h"
#include "kafka/config.h"
#include "kafka/groups/coordinator.h"
#include "kafka/idempotent_producers.h"
#include "kafka/session.h"
#include "kafka/txn/coordinator.h"
#include "kafka/txn/txn_index.h"
#include "management/service.h"
#include "net/asio_timers.h"
#include "net/listener.h"
#include "rabbit/model.h"
#include "server/aws_endpoint.h"
#include "server/config.h"
#include "server/definitions_saver.h"
#include "server/kafka_cluster_id.h"
#include "server/kafka_producer_ids.h"
#include "server/resource_monitor.h"
#include "server/server_metrics.h"
#include "server/stream_compaction.h"
#include "server/stream_retention.h"
#include "sns/binding_filters.h"
#include "sns/catalogs.h"
#include "sns/http_deliverer.h"
#include "sns/notification_view.h"
#include "sns/service.h"
#include "sqs/queue_catalog.h"
#include "sqs/service.h"
#include "storage/file.h"
#include "storage/group_commit.h"

namespace {

// After a shutdown signal, connections get this long to say goodbye before the loop stops.
constexpr auto kShutdownGrace = std::chrono::seconds(5);

}  // namespace

int main(int argc, char** argv) {
  using namespace polymq;
  int exit_code = 0;
  auto config = server::load_config(argc, argv, exit_code);
  if (!config) return exit_code;

  spdlog::set_level(spdlog::level::from_str(config->log_level));
  spdlog::set_pattern("%Y-%m-%d %H:%M:%S.%e [%^%l%$] %v");

  std::error_code ec;
  std::filesystem::create_directories(config->data_dir, ec);
  if (ec) {
    spdlog::critical("cannot create data directory {}: {}", config->data_dir, ec.message());
    return 1;
  }

  // One broker per data directory: a second one would write the same logs.
  auto data_lock = storage::DirLock::acquire(config->data_dir + "/LOCK");
  if (!data_lock.ok()) {
    spdlog::critical("data directory {} is in use by another process: {}", config->data_dir,
                     data_lock.status().message());
    return 1;
  }

  asio::io_context io(1);
  // Taken before any listener opens: a SIGINT or SIGTERM sent as soon as a port accepts is
  // handled (queued until the loop runs), not the default action.
  asio::signal_set signals(io, SIGINT, SIGTERM);

  // Storage: the group committer syncs logs on its own thread and reports back to the loop;
  // it and the store factory outlive the broker, whose queues hold stores.
  storage::SyncPolicy sync_policy = storage::SyncPolicy::kBatch;
  storage::parse_sync_policy(config->sync_policy, sync_policy);
  storage::GroupCommitter committer(
      sync_policy, config->sync_interval_ms, [&io](uint32_t delay_ms, std::function<void()> fn) {
        if (delay_ms == 0) {
          asio::post(io, std::move(fn));
          return;
        }
        auto timer = std::make_shared<asio::steady_timer>(io, std::chrono::milliseconds(delay_ms));
        timer->async_wait([timer, fn = std::move(fn)](const asio::error_code& e) {
          if (!e) fn();
        });
      });
  core::QueueStoreOptions store_options;
  store_options.root = config->data_dir + "/queues";
  store_options.window_bytes = config->queue_window_bytes;
  store_options.segment_bytes = config->segment_bytes;
  store_options.log_warning = [](const std::string& text) { spdlog::warn("{}", text); };
  core::QueueStoreFactory queue_stores(store_options, committer);
  // Message TTLs and queue expiry; outlives the broker, whose queues hold its timers.
  net::AsioTimerService timers(io);

  // RabbitMQ's model (x-arguments, policies): the rules the core's vhosts follow; outlives
  // the broker.
  rabbit::Model model;
  // SNS subscriptions' filter policies (core/binding_filter.h); outlives the broker.
  sns::SubscriptionFilters sns_filters;

  core::Limits limits;
  limits.max_message_size = config->max_message_size;
  core::Broker broker(limits);
  model.install(broker.hooks());
  broker.hooks().queue_stores = &queue_stores;
  broker.set_commits(&queue_stores.tracker());
  broker.hooks().timers = &timers;
  // SNS subscriptions' filter policies, before definitions restore the bindings that carry
  // them.
  broker.hooks().binding_filters = &sns_filters;
  // Stored definitions, then the config's vhosts, users and policies over them; from here on every
  // durable change is written by the change log's thread, and its reply waits until it is on
  // disk (server/definitions_saver.h).
  server::DefinitionsSaverOptions definitions_options;
  definitions_options.sync = sync_policy != storage::SyncPolicy::kNever;
  server::DefinitionsSaver definitions(
      broker, config->data_dir, [&io](std::function<void()> fn) { asio::post(io, std::move(fn)); },
      definitions_options);
  if (!definitions.start(*config)) return 1;

  // Flow control: sampled before the listener opens, so a broker started over the limits
  // blocks the very first publisher.
  const uint64_t ram = server::physical_memory_bytes();
  const uint64_t memory_high_watermark = config->memory_high_watermark.resolve(ram);
  if (config->memory_high_watermark.absolute) {
    spdlog::info("memory high watermark set to {} bytes of messages", memory_high_watermark);
  } else {
    spdlog::info("memory high watermark set to {} bytes of messages ({:g} of {} bytes of RAM)",
                 memory_high_watermark, config->memory_high_watermark.fraction, ram);
  }
  spdlog::info("disk free limit set to {} bytes", config->disk_free_limit);
  server::ResourceMonitor resources(io, broker, config->data_dir);
  resources.start(memory_high_watermark, config->disk_free_limit);
  // Streams (Kafka topics) drop the segments past their retention, once now (a broker started
  // after a long stop) and then every interval.
  server::StreamRetention retention(io, broker,
                                    std::chrono::milliseconds(config->retention_check_interval_ms));
  retention.run_once();
  retention.start();
  // Topics with cleanup.policy=compact are compacted on a worker thread, checked every interval.
  const kafka::KafkaCompactionFormat compaction_format;
  server::StreamCompaction compaction(
      io, broker, compaction_format,
      std::chrono::milliseconds(config->compaction_check_interval_ms));
  compaction.start();

  amqp::ReplyChannels reply_channels;  // outlives the listener and so every session
  amqp::SessionConfig session_config;
  session_config.reply_channels = &reply_channels;
  session_config.heartbeat = config->amqp_heartbeat;
  session_config.frame_max = config->amqp_frame_max;
  session_config.channel_max = config->amqp_channel_max;
  session_config.product = config->amqp_product;

  net::Listener amqp_listener(io, "AMQP 0-9-1", [&](net::Connection& connection) {
    return std::make_unique<amqp::Session>(broker, connection, session_config);
  });
  if (std::string err = amqp_listener.listen(config->bind, config->amqp_port); !err.empty()) {
    spdlog::critical("{}", err);
    return 1;
  }

  // Kafka: topics are the streams of one vhost; the listener is off with port 0.
  kafka::Config kafka_config;  // outlives the listener and so every session
  kafka_config.advertised_host = server::kafka_advertised_host(*config);
  kafka_config.advertised_port = config->kafka_port;
  kafka_config.vhost = config->kafka_vhost;
  kafka_config.auto_create_topics = config->kafka_auto_create_topics;
  kafka_config.default_partitions = config->kafka_num_partitions;
  // Consumer groups: one coordinator for the broker, its offsets in the Kafka vhost's
  // __consumer_offsets stream (loaded below); outlives the listener and so every session.
  kafka::groups::GroupCoordinator kafka_groups(timers, broker.commits());
  kafka_config.groups = &kafka_groups;
  // Idempotent producers: ids reserved in the data directory (opened below), sequence state
  // read back from the partitions' logs as producers come back.
  kafka::IdempotentProducers kafka_producers;
  std::unique_ptr<server::KafkaProducerIds> kafka_producer_ids;
  kafka_config.producers = &kafka_producers;
  // Transactions: one coordinator, its state in the Kafka vhost's __transaction_state stream
  // (loaded below, after the groups, whose offsets a replayed commit writes).
  kafka::txn::TxnIndex kafka_txn_index;
  kafka::txn::TransactionCoordinator kafka_transactions(timers, broker.commits(), kafka_groups,
                                                        kafka_txn_index);
  kafka_config.transactions = &kafka_transactions;
  kafka_config.txn_index = &kafka_txn_index;
  // What the management API shows under /api/polymq: filled as the front-ends start.
  core::CatalogRegistry catalogs;
  kafka::TopicCatalog kafka_topic_catalog(broker, config->kafka_vhost);
  kafka::GroupCatalog kafka_group_catalog(kafka_groups, broker, config->kafka_vhost);
  net::Listener kafka_listener(io, "Kafka", [&](net::Connection& connection) {
    return std::make_unique<kafka::Session>(broker, connection, kafka_config);
  });
  if (config->kafka_port != 0) {
    if (broker.find_vhost(config->kafka_vhost) == nullptr) {
      spdlog::critical("the Kafka vhost '{}' does not exist", config->kafka_vhost);
      return 1;
    }
    if (core::Status st = kafka_groups.load(*broker.find_vhost(config->kafka_vhost)); !st.ok()) {
      spdlog::critical("cannot load the Kafka consumer groups: {}", st.message());
      return 1;
    }
    if (core::Status st = kafka_transactions.load(*broker.find_vhost(config->kafka_vhost));
        !st.ok()) {
      spdlog::critical("cannot load the Kafka transactions: {}", st.message());
      return 1;
    }
    std::string err;
    if (!server::load_or_create_kafka_cluster_id(config->data_dir, kafka_config.cluster_id, err)) {
      spdlog::critical("{}", err);
      return 1;
    }
    if (!server::KafkaProducerIds::open(config->data_dir, kafka_producer_ids, err)) {
      spdlog::critical("{}", err);
      return 1;
    }
    kafka_config.producer_ids = kafka_producer_ids.get();
    if (err = kafka_listener.listen(config->bind, config->kafka_port); !err.empty()) {
      spdlog::critical("{}", err);
      return 1;
    }
    catalogs.add("kafka/topics", &kafka_topic_catalog);
    catalogs.add("kafka/groups", &kafka_group_catalog);
    spdlog::info("Kafka clients are told to connect to {}:{} (cluster id {})",
                 kafka_config.advertised_host, kafka_config.advertised_port,
                 kafka_config.cluster_id);
  }
  // SQS and SNS: the queues and topics of one vhost over HTTP/1.1 (SigV4 against the broker's
  // users) on one listener, each request routed to its service (server/aws_endpoint.h); the
  // listener is off with port 0. The services outlive the listener and so every session.
  sqs::ServiceConfig sqs_config;
  sqs_config.vhost = config->sqs_vhost;
  sqs_config.account_id = config->sqs_account_id;
  sqs::Service sqs_service(broker, timers, sqs_config);
  sns::ServiceConfig sns_config;
  sns_config.vhost = config->sqs_vhost;
  sns_config.account_id = config->sqs_account_id;
  sns::Service sns_service(broker, sns_config);
  // POSTs to SNS http and https subscriptions from their queues, restored by now.
  sns::HttpDeliveryOptions sns_delivery;
  sns_delivery.client.extra_ca_file = config->sns_https_ca_file;
  sns_delivery.account_id = config->sqs_account_id;
  sns::HttpDeliverer sns_deliverer(io, broker, config->sqs_vhost, sns_delivery);
  sns_service.set_http_deliverer(&sns_deliverer);
  sns_deliverer.start();
  // SQS receivers of an SNS publish see its notification envelope (or the raw message).
  sns::NotificationView sns_view(broker, config->sqs_vhost);
  sqs_service.set_delivery_view(&sns_view);
  server::AwsEndpoint aws_endpoint(sqs_service, sns_service, &sns::Service::serves_action);
  sqs::QueueCatalog sqs_queue_catalog(broker, config->sqs_vhost, config->sqs_account_id);
  sns::TopicCatalog sns_topic_catalog(broker, config->sqs_vhost);
  sns::SubscriptionCatalog sns_subscription_catalog(broker, config->sqs_vhost);
  net::Listener sqs_listener(io, "SQS/SNS", [&](net::Connection& connection) {
    return std::make_unique<http::Session>(connection, aws_endpoint);
  });
  if (config->sqs_port != 0) {
    if (broker.find_vhost(config->sqs_vhost) == nullptr) {
      spdlog::critical("the SQS vhost '{}' does not exist", config->sqs_vhost);
      return 1;
    }
    if (std::string err = sqs_listener.listen(config->bind, config->sqs_port); !err.empty()) {
      spdlog::critical("{}", err);
      return 1;
    }
    catalogs.add("sqs/queues", &sqs_queue_catalog);
    catalogs.add("sns/topics", &sns_topic_catalog);
    catalogs.add("sns/subscriptions", &sns_subscription_catalog);
  }
  // The management HTTP API (RabbitMQ's management plugin API); off with port 0. The service
  // outlives the listener and so every session.
  management::ServiceConfig management_config;
  management_config.product_version = session_config.version;
  management_config.bind_address = config->bind;
  management_config.listeners = {{"amqp", config->amqp_port},
                                 {"kafka", config->kafka_port},
                                 {"sqs", config->sqs_port},
                                 {"http", config->management_port}};
  management_config.more_metrics = [&committer, &aws_endpoint, &kafka_group_catalog,
                                    kafka_on =
                                        config->kafka_port != 0](management::PrometheusText& out) {
    server::write_storage_metrics(out, committer.stats());
    server::write_aws_metrics(out, aws_endpoint);
    if (kafka_on) server::write_kafka_group_metrics(out, kafka_group_catalog);
  };
  // Long lists (/api/queues with 10,000 queues) are written, sorted and paged on a thread of
  // their own, so the loop goes on moving messages meanwhile. Declared after the loop: its
  // thread is joined before the loop goes, and a task it finishes posts to a live loop.
  asio::thread_pool management_background(1);
  management_config.background = [&management_background](std::function<void()> task) {
    asio::post(management_background, std::move(task));
  };
  management_config.on_loop = [&io](std::function<void()> fn) { asio::post(io, std::move(fn)); };
  management_config.catalogs = &catalogs;
  management::Service management_service(broker, management_config);
  http::SessionConfig management_sessions;
  management_sessions.limits.max_body_bytes = management::kMaxBodyBytes;
  net::Listener management_listener(io, "management", [&](net::Connection& connection) {
    return std::make_unique<http::Session>(connection, management_service, management_sessions);
  });
  if (config->management_port != 0) {
    if (std::string err = management_listener.listen(config->bind, config->management_port);
        !err.empty()) {
      spdlog::critical("{}", err);
      return 1;
    }
  }
  spdlog::info("PolyMQ started (data directory {})", config->data_dir);

  asio::steady_timer shutdown_timer(io);
  asio::steady_timer idle_poll_timer(io);
  // Stops the loop as soon as every connection has gone, without waiting out the grace.
  std::function<void()> stop_when_idle = [&] {
    if (amqp_listener.connection_count() == 0 && kafka_listener.connection_count() == 0 &&
        sqs_listener.connection_count() == 0 && management_listener.connection_count() == 0) {
      io.stop();
      return;
    }
    idle_poll_timer.expires_after(std::chrono::milliseconds(20));
    idle_poll_timer.async_wait([&](const asio::error_code& e) {
      if (!e) stop_when_idle();
    });
  };
  signals.async_wait([&](const asio::error_code& error, int signal) {
    if (error) return;
    spdlog::info("received signal {}, shutting down", signal);
    retention.stop();
    compaction.stop();
    amqp_listener.shutdown();
    kafka_listener.shutdown();
    sqs_listener.shutdown();
    management_listener.shutdown();
    shutdown_timer.expires_after(kShutdownGrace);
    shutdown_timer.async_wait([&](const asio::error_code& e) {
      if (!e) io.stop();
    });
    stop_when_idle();
  });

  io.run();
  // Writes what the stores still buffer and syncs it, so a clean stop loses nothing.
  committer.flush_now();
  spdlog::info("PolyMQ stopped");
  return 0;
}
