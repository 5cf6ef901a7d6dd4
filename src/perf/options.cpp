#include "perf/options.h"

#include <CLI/CLI.hpp>
#include <charconv>
#include <cstdio>

#include "perf/payload.h"

namespace polymq::perf {
namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool percent_decode(std::string_view in, std::string& out) {
  out.clear();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out.push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size()) return false;
    int hi = hex_digit(in[i + 1]);
    int lo = hex_digit(in[i + 2]);
    if (hi < 0 || lo < 0) return false;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return true;
}

}  // namespace

std::string parse_amqp_uri(const std::string& text, AmqpUri& out) {
  constexpr std::string_view kScheme = "amqp://";
  std::string_view rest(text);
  if (rest.substr(0, kScheme.size()) != kScheme) {
    return "the URI must start with amqp:// (amqps is not supported): " + text;
  }
  rest.remove_prefix(kScheme.size());
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash + 1);
  if (size_t q = path.find('?'); q != std::string_view::npos) path = path.substr(0, q);

  if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
    std::string_view userinfo = authority.substr(0, at);
    authority.remove_prefix(at + 1);
    size_t colon = userinfo.find(':');
    if (!percent_decode(userinfo.substr(0, colon), out.user)) return "bad user in URI: " + text;
    if (colon != std::string_view::npos &&
        !percent_decode(userinfo.substr(colon + 1), out.password)) {
      return "bad password in URI: " + text;
    }
  }

  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return "unterminated IPv6 address in URI: " + text;
    out.host = std::string(authority.substr(1, close - 1));
    authority.remove_prefix(close + 1);
    if (!authority.empty()) {
      if (authority.front() != ':') return "bad host in URI: " + text;
      port_text = authority.substr(1);
    }
  } else {
    size_t colon = authority.find(':');
    if (!authority.substr(0, colon).empty()) out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (!port_text.empty()) {
    unsigned port = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port == 0 ||
        port > 65535) {
      return "bad port in URI: " + text;
    }
    out.port = static_cast<uint16_t>(port);
  }

  if (path.empty()) {
    out.vhost = "/";
  } else if (!percent_decode(path, out.vhost)) {
    return "bad vhost in URI: " + text;
  }
  return {};
}

std::string Options::queue_name(int index) const {
  if (queue_count <= 1) return queue;
  return queue + "-" + std::to_string(index + 1);
}

std::optional<Options> parse_options(int argc, char** argv, int& exit_code) {
  Options o;
  CLI::App app{
      "polymq-perf: AMQP 0-9-1 load generator. Producers publish timestamped messages, consumers\n"
      "measure throughput and end-to-end latency. Works against any AMQP 0-9-1 broker."};
  std::string uri = "amqp://guest:guest@127.0.0.1:5672/";
  std::string host;
  int port = 0;

  app.add_option("--uri", uri, "amqp://user:password@host:port/vhost")->capture_default_str();
  app.add_option("--host", host, "Broker host (overrides the URI's)");
  app.add_option("--port", port, "Broker port (overrides the URI's)")->check(CLI::Range(1, 65535));
  app.add_option("-x,--producers", o.producers, "Number of producers")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  auto* consumers_opt = app.add_option("-y,--consumers", o.consumers, "Number of consumers")
                            ->capture_default_str()
                            ->check(CLI::NonNegativeNumber);
  app.add_option("--connections", o.connections,
                 "Connections the producers and consumers share (channels spread round-robin); "
                 "default one per producer and per consumer")
      ->check(CLI::PositiveNumber);
  app.add_option("--threads", o.threads, "Event loop threads (connections spread round-robin)")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  app.add_option("-s,--size", o.body_size, "Message body size in bytes (at least 8)")
      ->capture_default_str()
      ->check(CLI::Range(static_cast<uint32_t>(kTimestampSize), 512u * 1024 * 1024));
  app.add_option("-r,--rate", o.rate, "Messages per second per producer (0 = unlimited)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_flag("--persistent", o.persistent, "Publish with delivery mode 2");
  app.add_option("-c,--confirm", o.confirm_window,
                 "Publisher confirms with at most this many unconfirmed messages (0 = off)")
      ->capture_default_str();
  auto* auto_ack_opt = app.add_flag("-a,--auto-ack", o.auto_ack, "Consume with no-ack");
  app.add_option("-q,--prefetch", o.prefetch,
                 "Prefetch count for manual ack (acks go out as `multiple` every prefetch/2)")
      ->capture_default_str()
      ->excludes(auto_ack_opt);
  app.add_option("-u,--queue", o.queue, "Queue name (with --queues N: NAME-1 … NAME-N)")
      ->capture_default_str();
  app.add_option("--queues", o.queue_count,
                 "Number of queues bound to the exchange, one consumer each")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  app.add_option("-e,--exchange", o.exchange,
                 "Exchange to publish to (default: the default "
                 "exchange, straight to the queue)");
  app.add_option("-t,--type", o.exchange_type, "Exchange type")
      ->capture_default_str()
      ->check(CLI::IsMember({"direct", "fanout", "topic"}));
  app.add_option("-k,--routing-key", o.routing_key, "Routing key (default: the queue name)");
  app.add_flag("-f,--durable", o.durable, "Declare durable exchange and queues");
  app.add_option("-z,--time", o.time_limit, "Run for this many seconds")
      ->check(CLI::PositiveNumber);
  app.add_option("-C,--pmessages", o.pmessages, "Messages per producer, then stop");
  app.add_option("-D,--cmessages", o.cmessages, "Messages per consumer, then stop");
  app.add_option("--idle-connections", o.idle_connections,
                 "Extra connections that only exchange heartbeats")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--heartbeat", o.heartbeat, "Requested heartbeat interval in seconds (0 = off)")
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));
  app.add_flag("--json", o.json,
               "Print the result as one JSON line on stdout (progress goes to stderr)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    exit_code = app.exit(e);
    return std::nullopt;
  }

  auto fail = [&](const std::string& message) -> std::optional<Options> {
    std::fprintf(stderr, "polymq-perf: %s\n", message.c_str());
    exit_code = 2;
    return std::nullopt;
  };
  if (std::string err = parse_amqp_uri(uri, o.server); !err.empty()) return fail(err);
  if (!host.empty()) o.server.host = host;
  if (port != 0) o.server.port = static_cast<uint16_t>(port);
  if (o.queue_count > 1 && o.exchange.empty()) {
    return fail("--queues needs --exchange: the default exchange routes to one queue only");
  }
  if (o.queue_count > 1 && consumers_opt->count() == 0) o.consumers = o.queue_count;
  if (o.producers == 0 && o.consumers == 0 && o.idle_connections == 0) {
    return fail("nothing to do: no producers, consumers or idle connections");
  }
  if (o.routing_key.empty()) o.routing_key = o.queue;
  return o;
}

}  // namespace polymq::perf
