// Live connections, their channels and consumers, from the core's registry of the
// front-ends' sessions (core/connections.h): /api/connections[/{name}[/channels]] (DELETE
// closes one), /api/vhosts/{vhost}/connections and .../channels, /api/channels[/{name}],
// /api/consumers[/{vhost}].
//
// Names are RabbitMQ's: a connection is "<peer host>:<peer port> -> <host>:<port>", a channel
// "<connection name> (<number>)". Users without the monitoring tag see their own connections
// only, as in RabbitMQ.
#include <optional>

#include "management/json_output.h"
#include "management/service.h"
#include "rabbit/json_values.h"

namespace polymq::management {
namespace {

// RabbitMQ's default reason, when the DELETE has no X-Reason header.
constexpr std::string_view kDefaultCloseReason = "Closed via management plugin";

std::string connection_name(const core::ConnectionView& c) {
  return c.peer_host + ":" + std::to_string(c.peer_port) + " -> " + c.host + ":" +
         std::to_string(c.port);
}

std::string channel_name(const core::ConnectionView& c, uint16_t number) {
  return connection_name(c) + " (" + std::to_string(number) + ")";
}

struct Described {
  core::LiveConnection* live;
  core::ConnectionView view;
  std::string name;
};

void write_connection(JsonWriter& w, const Described& d, const std::string& node) {
  const core::ConnectionView& c = d.view;
  w.StartObject();
  w.Key("name");
  write(w, d.name);
  w.Key("node");
  write(w, node);
  w.Key("type");
  w.String("network");
  w.Key("protocol");
  write(w, c.protocol);
  w.Key("user");
  write(w, c.user);
  w.Key("user_who_performed_action");
  write(w, c.user);
  w.Key("vhost");
  write(w, c.vhost);
  w.Key("host");
  write(w, c.host);
  w.Key("port");
  w.Uint(c.port);
  w.Key("peer_host");
  write(w, c.peer_host);
  w.Key("peer_port");
  w.Uint(c.peer_port);
  w.Key("ssl");
  w.Bool(false);
  w.Key("auth_mechanism");
  w.String("PLAIN");
  w.Key("state");
  write(w, c.state);
  w.Key("channels");
  w.Uint64(c.channel_count);
  w.Key("channel_max");
  w.Uint(c.channel_max);
  w.Key("frame_max");
  w.Uint(c.frame_max);
  w.Key("timeout");
  w.Uint(c.heartbeat_s);
  w.Key("connected_at");
  w.Int64(c.connected_at_ms);
  w.Key("client_properties");
  rabbit::write_json_table(w, c.client_properties);
  w.Key("recv_oct");
  w.Uint64(c.recv_oct);
  w.Key("recv_cnt");
  w.Uint64(c.recv_cnt);
  w.Key("send_oct");
  w.Uint64(c.send_oct);
  w.Key("send_cnt");
  w.Uint64(c.send_cnt);
  w.Key("send_pend");
  w.Uint(0);
  w.EndObject();
}

void write_connection_details(JsonWriter& w, const Described& d) {
  w.StartObject();
  w.Key("name");
  write(w, d.name);
  w.Key("peer_host");
  write(w, d.view.peer_host);
  w.Key("peer_port");
  w.Uint(d.view.peer_port);
  w.EndObject();
}

void write_channel(JsonWriter& w, const Described& d, const core::ChannelView& ch,
                   const std::string& node, const MessageStatRates& rates) {
  w.StartObject();
  w.Key("name");
  write(w, channel_name(d.view, ch.number));
  w.Key("node");
  write(w, node);
  w.Key("number");
  w.Uint(ch.number);
  w.Key("user");
  write(w, d.view.user);
  w.Key("user_who_performed_action");
  write(w, d.view.user);
  w.Key("vhost");
  write(w, d.view.vhost);
  w.Key("connection_details");
  write_connection_details(w, d);
  w.Key("state");
  write(w, ch.state);
  w.Key("consumer_count");
  w.Uint64(ch.consumers.size());
  w.Key("messages_unacknowledged");
  w.Uint64(ch.unacked);
  w.Key("messages_unconfirmed");
  w.Uint(0);
  w.Key("messages_uncommitted");
  w.Uint64(ch.uncommitted);
  w.Key("acks_uncommitted");
  w.Uint(0);
  w.Key("prefetch_count");
  w.Uint(ch.prefetch_count);
  w.Key("global_prefetch_count");
  w.Uint(ch.global_prefetch_count);
  w.Key("confirm");
  w.Bool(ch.confirm);
  w.Key("transactional");
  w.Bool(ch.transactional);
  write_message_stats(w, message_stat_values(ch.stats), &rates);
  w.EndObject();
}

void write_consumer(JsonWriter& w, const Described& d, const core::ChannelView& ch,
                    const core::ConsumerView& c, const std::string& node) {
  w.StartObject();
  w.Key("queue");
  w.StartObject();
  w.Key("name");
  write(w, c.queue);
  w.Key("vhost");
  write(w, d.view.vhost);
  w.EndObject();
  w.Key("consumer_tag");
  write(w, c.tag);
  w.Key("channel_details");
  w.StartObject();
  w.Key("name");
  write(w, channel_name(d.view, ch.number));
  w.Key("number");
  w.Uint(ch.number);
  w.Key("connection_name");
  write(w, d.name);
  w.Key("peer_host");
  write(w, d.view.peer_host);
  w.Key("peer_port");
  w.Uint(d.view.peer_port);
  w.Key("user");
  write(w, d.view.user);
  w.Key("node");
  write(w, node);
  w.EndObject();
  w.Key("ack_required");
  w.Bool(c.ack_required);
  w.Key("prefetch_count");
  w.Uint(c.prefetch_count);
  w.Key("exclusive");
  w.Bool(c.exclusive);
  w.Key("active");
  w.Bool(true);
  w.Key("activity_status");
  w.String("up");
  w.Key("arguments");
  rabbit::write_json_table(w, c.arguments);
  w.EndObject();
}

// The connections `call` may see (a vhost's only, when `vhost` is set), oldest first.
std::vector<Described> visible(core::Broker& broker, const Call& call, bool with_channels,
                               const std::string* vhost) {
  std::vector<Described> out;
  for (core::LiveConnection* live : broker.connections().all()) {
    Described d{live, {}, {}};
    live->describe(d.view, with_channels);
    if (call.access < Access::kMonitoring && d.view.user != call.user) continue;
    if (vhost != nullptr && d.view.vhost != *vhost) continue;
    d.name = connection_name(d.view);
    out.push_back(std::move(d));
  }
  return out;
}

std::optional<Described> find_connection(core::Broker& broker, const Call& call,
                                         const std::string& name, bool with_channels) {
  for (Described& d : visible(broker, call, with_channels, nullptr)) {
    if (d.name == name) return std::move(d);
  }
  return std::nullopt;
}

}  // namespace

// /api/connections, /api/connections/{name}[/channels], /api/vhosts/{vhost}/connections.
void Service::connections(const CallPtr& call) {
  const Call& c = *call;
  const bool by_vhost = c.path[0] == "vhosts";
  if (by_vhost) {
    if (c.request.method != "GET")
      return send(c, error(405, "method_not_allowed", c.request.method));
    if (vhost_at(c, 1) == nullptr) return;
    rapidjson::StringBuffer b;
    JsonWriter w(b);
    w.StartArray();
    for (const Described& d : visible(broker_, c, false, &c.path[1])) {
      write_connection(w, d, config_.node_name);
    }
    w.EndArray();
    return send_list(c, text(b));
  }
  if (c.path.size() == 1) {
    if (c.request.method != "GET")
      return send(c, error(405, "method_not_allowed", c.request.method));
    rapidjson::StringBuffer b;
    JsonWriter w(b);
    w.StartArray();
    for (const Described& d : visible(broker_, c, false, nullptr)) {
      write_connection(w, d, config_.node_name);
    }
    w.EndArray();
    return send_list(c, text(b));
  }
  if (c.path.size() > 3 || (c.path.size() == 3 && c.path[2] != "channels")) {
    return send(c, not_found());
  }
  const bool channels = c.path.size() == 3;
  std::optional<Described> d = find_connection(broker_, c, c.path[1], channels);
  if (!d) return send(c, not_found());
  if (channels) {
    if (c.request.method != "GET")
      return send(c, error(405, "method_not_allowed", c.request.method));
    rapidjson::StringBuffer b;
    JsonWriter w(b);
    w.StartArray();
    for (const core::ChannelView& ch : d->view.channels) {
      write_channel(w, *d, ch, config_.node_name, channel_rates(d->view, ch));
    }
    w.EndArray();
    return send_list(c, text(b));
  }
  if (c.request.method == "GET") {
    rapidjson::StringBuffer b;
    JsonWriter w(b);
    write_connection(w, *d, config_.node_name);
    return send(c, json(200, text(b)));
  }
  if (c.request.method == "DELETE") {
    // RabbitMQ lets a user close their own connections; others' need administrator.
    if (d->view.user != c.user && !require(c, Access::kAdministrator)) return;
    std::optional<std::string_view> reason = c.request.headers.find("X-Reason");
    d->live->close_by_operator(std::string(reason ? *reason : kDefaultCloseReason));
    return send(c, no_content(204));
  }
  send(c, error(405, "method_not_allowed", c.request.method));
}

// /api/channels, /api/channels/{name}, /api/vhosts/{vhost}/channels.
void Service::channels(const CallPtr& call) {
  const Call& c = *call;
  if (c.request.method != "GET") return send(c, error(405, "method_not_allowed", c.request.method));
  const bool by_vhost = c.path[0] == "vhosts";
  if (by_vhost && vhost_at(c, 1) == nullptr) return;
  if (!by_vhost && c.path.size() > 2) return send(c, not_found());
  const std::string* vhost = by_vhost ? &c.path[1] : nullptr;
  rapidjson::StringBuffer b;
  JsonWriter w(b);
  const bool one = !by_vhost && c.path.size() == 2;
  if (!one) w.StartArray();
  bool found = false;
  for (const Described& d : visible(broker_, c, true, vhost)) {
    for (const core::ChannelView& ch : d.view.channels) {
      if (one && channel_name(d.view, ch.number) != c.path[1]) continue;
      write_channel(w, d, ch, config_.node_name, channel_rates(d.view, ch));
      found = true;
    }
  }
  if (one) {
    if (!found) return send(c, not_found());
    return send(c, json(200, text(b)));
  }
  w.EndArray();
  send_list(c, text(b));
}

// /api/consumers, /api/consumers/{vhost}.
void Service::consumers(const CallPtr& call) {
  const Call& c = *call;
  if (c.request.method != "GET") return send(c, error(405, "method_not_allowed", c.request.method));
  if (c.path.size() > 2) return send(c, not_found());
  if (c.path.size() == 2 && vhost_at(c, 1) == nullptr) return;
  const std::string* vhost = c.path.size() == 2 ? &c.path[1] : nullptr;
  rapidjson::StringBuffer b;
  JsonWriter w(b);
  w.StartArray();
  for (const Described& d : visible(broker_, c, true, vhost)) {
    for (const core::ChannelView& ch : d.view.channels) {
      for (const core::ConsumerView& consumer : ch.consumers) {
        write_consumer(w, d, ch, consumer, config_.node_name);
      }
    }
  }
  w.EndArray();
  send_list(c, text(b));
}

MessageStatRates Service::channel_rates(const core::ConnectionView& connection,
                                        const core::ChannelView& channel) {
  const auto now = decltype(channel_rates_)::Clock::now();
  // Closed channels' readings go after a while; looked for at most once a minute.
  if (now - channel_rates_swept_ > std::chrono::minutes(1)) {
    channel_rates_.forget_unread_since(now - std::chrono::minutes(10));
    channel_rates_swept_ = now;
  }
  return channel_rates_.rates(channel_name(connection, channel.number),
                              message_stat_values(channel.stats), now);
}

}  // namespace polymq::management
