#include "kafka/session.h"

#include <spdlog/spdlog.h>

#include <chrono>

#include "kafka/api_versions.h"
#include "kafka/error_codes.h"
#include "kafka/metadata.h"

namespace polymq::kafka {
namespace {

// A request at least this large that has not fully arrived is buffered in a block of its
// exact size (net::Connection::expect_input), so it is not copied again at every read.
constexpr size_t kOwnBlockRequestSize = 32 * 1024;

}  // namespace

Session::Session(core::Broker& broker, net::Connection& connection, const Config& config,
                 uint32_t max_request_bytes)
    : broker_(broker),
      connection_(connection),
      config_(config),
      max_request_bytes_(max_request_bytes),
      replies_(
          std::make_shared<ReplyQueue>([this]() -> std::string& { return connection_.output(); },
                                       [this] { connection_.flush_soon(); },
                                       [this] { connection_.set_reading(true); }, kMaxUnanswered)),
      durable_(std::make_unique<DurableAnswers>(broker.commits())),
      fetcher_(std::make_unique<Fetcher>(broker, config)),
      connected_at_ms_(std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count()) {
  broker_.connections().add(this);
}

Session::~Session() {
  broker_.connections().remove(this);
  replies_->detach();
}

void Session::describe(core::ConnectionView& out, bool /*with_channels*/) const {
  out.protocol = "Kafka";
  out.user = user_;
  out.vhost = config_.vhost;
  out.peer_host = connection_.peer_host();
  out.peer_port = connection_.peer_port();
  out.host = connection_.local_host();
  out.port = connection_.local_port();
  out.connected_at_ms = connected_at_ms_;
  // Before its login (SASL, or the first request of a loopback guest) it is starting.
  out.state = connection_.closing() ? "closing" : user_.empty() ? "starting" : "running";
  out.client_properties.clear();
  out.client_properties.emplace_back("client_id", core::Value::String(client_id_));
  if (!client_software_name_.empty()) {
    out.client_properties.emplace_back("product", core::Value::String(client_software_name_));
    out.client_properties.emplace_back("version", core::Value::String(client_software_version_));
  }
  out.recv_oct = connection_.bytes_received();
  out.send_oct = connection_.bytes_sent();
  out.recv_cnt = connection_.reads();
  out.send_cnt = connection_.writes();
  // Kafka has no channels; a request may be up to this large.
  out.frame_max = max_request_bytes_;
  out.channel_count = 0;
  out.channels.clear();
}

void Session::close_by_operator(const std::string& reason) {
  // Kafka has no goodbye: the client sees the connection close and reconnects if it wants.
  close("closed by an operator: " + reason);
}

Reply Session::reply_to(const RequestHeader& header, int16_t version) {
  return Reply(replies_, replies_->open(), version, header.correlation_id);
}

size_t Session::on_read(const uint8_t* data, size_t size) {
  size_t pos = 0;
  while (pos < size) {
    // Whatever arrives after we decided to close is dropped (the close lingers to read it).
    if (connection_.closing()) return size;
    if (replies_->full()) {
      // Resumed by the ReplyQueue's room callback; the unconsumed bytes are presented again.
      connection_.set_reading(false);
      return pos;
    }
    std::string_view payload;
    size_t consumed = 0;
    const FrameParse result =
        parse_frame(data + pos, size - pos, max_request_bytes_, payload, consumed);
    if (result == FrameParse::kNeedMore) {
      if (size - pos >= kSizePrefixBytes) {
        // Within [0, max_request_bytes_]: parse_frame would have refused it otherwise.
        const size_t total =
            static_cast<size_t>(declared_frame_size(data + pos)) + kSizePrefixBytes;
        if (total >= kOwnBlockRequestSize) connection_.expect_input(total);
      }
      break;
    }
    if (result == FrameParse::kTooLarge || result == FrameParse::kNegative) {
      close("request size " + std::to_string(declared_frame_size(data + pos)) + " is outside [0, " +
            std::to_string(max_request_bytes_) + "]");
      return size;
    }
    pos += consumed;
    if (sasl_raw_) {
      if (!handle_raw_sasl_token(payload)) return size;
      continue;
    }
    if (!handle(payload)) return size;
  }
  return pos;
}

bool Session::handle(std::string_view payload) {
  Request request;
  const RequestParse parsed = parse_request(payload, request);
  const RequestHeader& h = request.header;
  switch (parsed) {
    case RequestParse::kOk:
      return dispatch(request);
    case RequestParse::kUnknownApi:
      close("unknown api key " + std::to_string(h.request_api_key));
      return false;
    case RequestParse::kMalformed:
      close("malformed request (api key " + std::to_string(h.request_api_key) + " v" +
            std::to_string(h.request_api_version) + ")");
      return false;
    case RequestParse::kUnsupportedVersion:
      // The codec cannot read this version: dispatch answers ApiVersions without its body and
      // closes for every other API.
      return dispatch(request);
  }
  return false;
}

bool Session::dispatch(const Request& request) {
  const RequestHeader& h = request.header;
  if (h.client_id && *h.client_id != client_id_) client_id_ = *h.client_id;
  const SupportedApi* api = find_supported_api(h.request_api_key);
  if (api == nullptr) {
    close("api key " + std::to_string(h.request_api_key) + " is not served");
    return false;
  }
  const int16_t version = h.request_api_version;
  const bool supported = version >= api->min_version && version <= api->max_version;
  if (h.request_api_key == api_key::kApiVersions) {
    if (supported) {
      if (const auto* body = std::get_if<ApiVersionsRequest>(&request.body)) {
        client_software_name_ = body->client_software_name;
        client_software_version_ = body->client_software_version;
      }
      reply_to(h, version).send(api_versions_response(error::kNone));
    } else {
      // Kafka's answer to a version it does not know: v0 (which every client can read), the
      // error and the supported ranges.
      reply_to(h, 0).send(api_versions_response(error::kUnsupportedVersion));
    }
    return true;
  }
  if (!supported) {
    // As Kafka (InvalidRequestException): a client must pick a version from ApiVersions.
    close("unsupported version " + std::to_string(version) + " of api key " +
          std::to_string(h.request_api_key));
    return false;
  }
  if (h.request_api_key == api_key::kSaslHandshake ||
      h.request_api_key == api_key::kSaslAuthenticate) {
    return dispatch_auth(request, reply_to(h, version));
  }
  if (!may_serve(h)) return false;
  const TopicAccess access = current_access();
  if (h.request_api_key == api_key::kMetadata) {
    const auto& body = std::get<MetadataRequest>(request.body);
    // Auto-created topics are answered once their definitions are durable.
    const uint64_t before = definitions_seq();
    send_when_durable(before, reply_to(h, version),
                      ResponseBody(handle_metadata(broker_, config_, access, body, version)));
    return true;
  }
  const Reply reply = reply_to(h, version);
  if (dispatch_data(request, access, reply) || dispatch_groups(request, access, reply) ||
      dispatch_admin(request, access, reply) || dispatch_txn(request, access, reply)) {
    return true;
  }
  // Unreachable while every supported API has a handler; the slot stays unanswered, and the
  // connection closes.
  close("api key " + std::to_string(h.request_api_key) + " has no handler");
  return false;
}

TopicAccess Session::current_access() const {
  return TopicAccess(broker_.permissions().find(config_.vhost, user_));
}

uint64_t Session::definitions_seq() const {
  const core::DefinitionsLog* log = broker_.hooks().definitions;
  return log != nullptr ? log->last_recorded() : 0;
}

void Session::send_when_durable(uint64_t before, const Reply& reply, ResponseBody body) {
  core::DefinitionsLog* log = broker_.hooks().definitions;
  const uint64_t seq = log != nullptr ? log->last_recorded() : 0;
  if (seq == before) {
    reply.send(body);
    return;
  }
  log->when_durable(seq, [this, replies = replies_, reply, body = std::move(body)](bool ok) {
    if (ok) {
      reply.send(body);
      return;
    }
    // The session is gone once its queue is detached.
    if (!replies->detached()) close("definitions could not be written to disk");
  });
}

void Session::close(const std::string& reason) {
  spdlog::info("kafka {}: closing connection: {}", connection_.remote_address(), reason);
  connection_.close_after_flush();
}

void Session::on_tick(net::Clock::time_point) {}

void Session::on_shutdown() { connection_.close_after_flush(); }

void Session::on_closed() {
  broker_.connections().remove(this);
  replies_->detach();
  // Nothing is answered any more: stop waiting for streams and rounds.
  fetcher_.reset();
  durable_.reset();
}

}  // namespace polymq::kafka
