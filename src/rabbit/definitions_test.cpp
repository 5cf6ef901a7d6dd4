#include "rabbit/definitions.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <algorithm>

#include "core/test_storage.h"
#include "rabbit/json_parse.h"
#include "rabbit/model.h"

namespace polymq::rabbit {
namespace {

using namespace polymq::core;

// A broker with RabbitMQ's model, as the server runs one: every vhost has the amq.* exchanges
// that definitions files leave out, and queue arguments are checked as on a declare.
class ModelBroker : public Broker {
 public:
  ModelBroker() { model().install(hooks()); }

 private:
  static const Model& model() {
    static const Model instance;  // outlives every broker of the test
    return instance;
  }
};

QueuePtr declare_queue(VHost& v, const std::string& name, QueueOptions options, OwnerId owner = 1) {
  QueueDeclareOutcome out;
  Status s = v.declare_queue(name, options, false, owner, out);
  EXPECT_TRUE(s.ok()) << s.message();
  return out.queue;
}

QueueOptions durable(Table arguments = {}) {
  QueueOptions o;
  o.durable = true;
  o.arguments = std::move(arguments);
  return o;
}

ExchangeOptions durable_exchange(bool auto_delete = false, bool internal = false,
                                 Table arguments = {}) {
  ExchangeOptions o;
  o.durable = true;
  o.auto_delete = auto_delete;
  o.internal = internal;
  o.arguments = std::move(arguments);
  return o;
}

void expect_ok(const Status& s) { EXPECT_TRUE(s.ok()) << s.message(); }

std::vector<std::string> routed(VHost& v, const std::string& exchange, const std::string& key,
                                Table headers = {}) {
  Message m;
  m.exchange = exchange;
  m.routing_key = key;
  if (!headers.empty()) m.properties.headers = std::move(headers);
  std::vector<Queue*> out;
  expect_ok(v.route(exchange, m, out));
  std::vector<std::string> names;
  for (Queue* q : out) names.push_back(q->name());
  std::sort(names.begin(), names.end());
  return names;
}

// One of every kind of durable definition, across two vhosts.
std::string populate(Broker& b) {
  b.users().add("guest", "guest", true, {"administrator"});
  b.users().add("app", "s3cret", false, {"monitoring", "management"});
  VHost& root = b.add_vhost("/");
  VHost& orders = b.add_vhost("orders");

  expect_ok(orders.declare_exchange(
      "orders.direct", "direct",
      durable_exchange(false, false, {{"alternate-exchange", Value::String("orders.fallback")}}),
      false));
  expect_ok(orders.declare_exchange("orders.fallback", "fanout", durable_exchange(), false));
  expect_ok(orders.declare_exchange("orders.topic", "topic", durable_exchange(true), false));
  expect_ok(
      orders.declare_exchange("orders.internal", "headers", durable_exchange(false, true), false));

  Table nested = {{"depth", Value::Int32(2)},
                  {"list", Value::Arr({Value::String("a"), Value::Bool(true)})}};
  declare_queue(orders, "orders.q",
                durable({{"x-max-length", Value::Int32(1000)},
                         {"x-message-ttl", Value::Int64(60000)},
                         {"x-dead-letter-exchange", Value::String("orders.fallback")},
                         {"ratio", Value::Double(1.5)},
                         {"whole", Value::Double(2.0)},
                         {"flag", Value::Bool(false)},
                         {"nested", Value::Tab(nested)}}));
  declare_queue(orders, "orders.fallback.q", durable());
  declare_queue(orders, "orders.headers.q", durable());
  declare_queue(root, "plain", durable());
  // A server-named durable queue survives too.
  QueuePtr named = declare_queue(root, "", durable());

  expect_ok(orders.bind_queue("orders.q", "orders.direct", "new", {}, 1));
  expect_ok(orders.bind_queue("orders.q", "orders.topic", "order.#", {}, 1));
  expect_ok(orders.bind_queue("orders.fallback.q", "orders.fallback", "", {}, 1));
  expect_ok(orders.bind_queue("orders.headers.q", "orders.internal", "",
                              {{"x-match", Value::String("all")}, {"kind", Value::String("big")}},
                              1));
  expect_ok(orders.bind_exchange("orders.internal", "orders.direct", "new", {}));
  expect_ok(orders.bind_queue("orders.q", "amq.direct", "via-builtin", {}, 1));
  expect_ok(root.bind_queue(named->name(), "amq.fanout", "", {}, 1));
  return named->name();
}

TEST(DefinitionsTest, RoundTripKeepsEveryKindOfDefinition) {
  ModelBroker original;
  const std::string named = populate(original);
  const std::string json = export_definitions(original);

  ModelBroker restored;
  ASSERT_TRUE(import_definitions(json, restored).ok());
  EXPECT_EQ(export_definitions(restored), json);

  ASSERT_EQ(restored.vhost_count(), 2u);
  VHost& orders = *restored.find_vhost("orders");
  VHost& root = *restored.find_vhost("/");

  Exchange* direct = orders.find_exchange("orders.direct");
  ASSERT_NE(direct, nullptr);
  EXPECT_EQ(direct->type(), ExchangeType::kDirect);
  ASSERT_NE(direct->alternate_exchange(), nullptr);
  EXPECT_EQ(*direct->alternate_exchange(), "orders.fallback");
  Exchange* topic = orders.find_exchange("orders.topic");
  ASSERT_NE(topic, nullptr);
  EXPECT_TRUE(topic->options().auto_delete);
  Exchange* internal = orders.find_exchange("orders.internal");
  ASSERT_NE(internal, nullptr);
  EXPECT_TRUE(internal->options().internal);
  EXPECT_EQ(internal->type(), ExchangeType::kHeaders);

  // The restored bindings route: queue bindings, exchange-to-exchange, built-in sources, the
  // alternate exchange.
  EXPECT_EQ(routed(orders, "orders.direct", "new", {{"kind", Value::String("big")}}),
            (std::vector<std::string>{"orders.headers.q", "orders.q"}));
  EXPECT_EQ(routed(orders, "orders.topic", "order.created"),
            (std::vector<std::string>{"orders.q"}));
  EXPECT_EQ(routed(orders, "orders.direct", "unknown"),
            (std::vector<std::string>{"orders.fallback.q"}));
  EXPECT_EQ(routed(orders, "amq.direct", "via-builtin"), (std::vector<std::string>{"orders.q"}));
  EXPECT_EQ(routed(root, "amq.fanout", ""), (std::vector<std::string>{named}));
  EXPECT_NE(root.find_queue("plain"), nullptr);

  // Users keep their password, tags and loopback restriction.
  EXPECT_TRUE(restored.users().authenticate("app", "s3cret", false).ok());
  EXPECT_FALSE(restored.users().authenticate("app", "wrong", false).ok());
  EXPECT_TRUE(restored.users().authenticate("guest", "guest", true).ok());
  EXPECT_FALSE(restored.users().authenticate("guest", "guest", false).ok());
  EXPECT_EQ(restored.users().find("app")->tags,
            (std::vector<std::string>{"monitoring", "management"}));
}

TEST(DefinitionsTest, ArgumentsKeepIntegersFloatsAndNesting) {
  ModelBroker original;
  populate(original);
  ModelBroker restored;
  ASSERT_TRUE(import_definitions(export_definitions(original), restored).ok());
  Queue* q = restored.find_vhost("orders")->find_queue("orders.q");
  ASSERT_NE(q, nullptr);
  const Table& args = q->options().arguments;
  ASSERT_NE(find(args, "x-max-length"), nullptr);
  EXPECT_TRUE(find(args, "x-max-length")->is_integer());
  EXPECT_EQ(find_int(args, "x-max-length"), 1000);
  EXPECT_EQ(find(args, "ratio")->kind, ValueKind::kDouble);
  EXPECT_EQ(find(args, "ratio")->as_double(), 1.5);
  // 2.0 is written "2.0" and stays a double.
  EXPECT_EQ(find(args, "whole")->kind, ValueKind::kDouble);
  EXPECT_EQ(find_bool(args, "flag"), false);
  const Table* nested = find(args, "nested")->as_table();
  ASSERT_NE(nested, nullptr);
  EXPECT_EQ(find_int(*nested, "depth"), 2);
  const Array* list = find(*nested, "list")->as_array();
  ASSERT_NE(list, nullptr);
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ(*(*list)[0].as_string(), "a");
  EXPECT_EQ((*list)[1].as_bool(), true);
  // Redeclaring with the original (int32) arguments is equivalent.
  QueueDeclareOutcome out;
  expect_ok(restored.find_vhost("orders")->declare_queue(
      "orders.q",
      durable({{"x-max-length", Value::Int32(1000)},
               {"x-message-ttl", Value::Int32(60000)},
               {"x-dead-letter-exchange", Value::String("orders.fallback")}}),
      false, 7, out));
}

// A number too large for an integer becomes the double nearest to it, and exporting that double
// and importing it again gives the same double: parsing is exactly rounded, not approximate.
TEST(DefinitionsTest, LargeNumbersSurviveARoundTripExactly) {
  const std::string json =
      R"({"vhosts":[{"name":"/"}],"exchanges":[{"name":"x","vhost":"/","type":"topic",)"
      R"("durable":true,"auto_delete":false,"internal":false,)"
      R"("arguments":{"big":-9999999999999999999999999999991,"small":1.0000000000000002}}]})";
  ModelBroker first;
  ASSERT_TRUE(import_definitions(json, first).ok());
  const std::string exported = export_definitions(first);
  ModelBroker second;
  ASSERT_TRUE(import_definitions(exported, second).ok());
  EXPECT_EQ(export_definitions(second), exported);
  const Table& args = second.find_vhost("/")->find_exchange("x")->options().arguments;
  EXPECT_EQ(find(args, "big")->as_double(), -9999999999999999999999999999991.0);
  EXPECT_EQ(find(args, "small")->as_double(), 1.0000000000000002);
}

TEST(JsonParseTest, NumbersAreExactlyRoundedAndKeepTheirKind) {
  rapidjson::Document doc;
  std::string error;
  ASSERT_TRUE(parse_json(R"([0.0000000000000000000000000000000, 0.184467440737095516159,)"
                         R"( -9223372036854775808, 18446744073709551615, 18446744073709551616,)"
                         R"( 7, 2.0])",
                         doc, error))
      << error;
  ASSERT_TRUE(doc.IsArray());
  EXPECT_EQ(doc[0].GetDouble(), 0.0);
  EXPECT_EQ(doc[1].GetDouble(), 0.184467440737095516159);
  ASSERT_TRUE(doc[2].IsInt64());
  EXPECT_EQ(doc[2].GetInt64(), INT64_MIN);
  ASSERT_TRUE(doc[3].IsUint64());
  EXPECT_EQ(doc[3].GetUint64(), UINT64_MAX);
  ASSERT_TRUE(doc[4].IsDouble());
  EXPECT_EQ(doc[4].GetDouble(), 18446744073709551616.0);
  ASSERT_TRUE(doc[5].IsInt());
  EXPECT_EQ(doc[5].GetInt(), 7);
  EXPECT_TRUE(doc[6].IsDouble());
}

TEST(JsonParseTest, SyntaxErrorsAndOutOfRangeNumbersAreRefused) {
  for (const char* bad : {"{} {}", "[1,]", "1e400", "{\"a\":", "-"}) {
    rapidjson::Document doc;
    std::string error;
    EXPECT_FALSE(parse_json(bad, doc, error)) << bad;
    EXPECT_NE(error.find("offset"), std::string::npos) << error;
  }
}

TEST(DefinitionsTest, ExcludesWhatDoesNotSurviveARestart) {
  ModelBroker b;
  VHost& v = b.add_vhost("/");
  ExchangeOptions transient;
  expect_ok(v.declare_exchange("kept.x", "direct", durable_exchange(), false));
  expect_ok(v.declare_exchange("transient.x", "direct", transient, false));
  declare_queue(v, "kept.q", durable());
  QueueOptions exclusive = durable();
  exclusive.exclusive = true;
  declare_queue(v, "exclusive.q", exclusive);
  QueueOptions auto_delete = durable();
  auto_delete.auto_delete = true;
  declare_queue(v, "autodelete.q", auto_delete);
  declare_queue(v, "transient.q", QueueOptions{});
  expect_ok(v.bind_queue("kept.q", "kept.x", "kept", {}, 1));
  expect_ok(v.bind_queue("transient.q", "kept.x", "to-transient", {}, 1));
  expect_ok(v.bind_queue("exclusive.q", "kept.x", "to-exclusive", {}, 1));
  expect_ok(v.bind_queue("kept.q", "transient.x", "from-transient", {}, 1));
  expect_ok(v.bind_queue("transient.q", "amq.direct", "builtin-to-transient", {}, 1));
  expect_ok(v.bind_exchange("transient.x", "kept.x", "x-to-transient", {}));

  const std::string json = export_definitions(b);
  for (const char* gone : {"transient.x", "exclusive.q", "autodelete.q", "transient.q",
                           "to-transient", "to-exclusive", "from-transient", "amq.direct"}) {
    EXPECT_EQ(json.find(gone), std::string::npos) << gone << " in " << json;
  }

  ModelBroker restored;
  ASSERT_TRUE(import_definitions(json, restored).ok());
  VHost& r = *restored.find_vhost("/");
  EXPECT_NE(r.find_exchange("kept.x"), nullptr);
  EXPECT_NE(r.find_queue("kept.q"), nullptr);
  EXPECT_EQ(r.find_exchange("transient.x"), nullptr);
  EXPECT_EQ(r.queue_count(), 1u);
  EXPECT_EQ(r.find_exchange("kept.x")->binding_count(), 1u);
  EXPECT_EQ(routed(r, "kept.x", "kept"), (std::vector<std::string>{"kept.q"}));
  // Built-in exchanges exist without being stored.
  EXPECT_NE(r.find_exchange("amq.topic"), nullptr);
}

TEST(DefinitionsTest, PasswordHashIsRabbitMqs) {
  ModelBroker b;
  // base64(salt + SHA-256(salt + "s3cret")) for the salt 01 02 03 04, as RabbitMQ writes it.
  const std::string expected = "AQIDBLq/hWyT4GNQ5SjFtltSvLoQIZIQIckdYAqRUvj04Npv";
  ASSERT_TRUE(import_definitions(R"({"users": [{"name": "app", "password_hash": ")" + expected +
                                     R"(", "hashing_algorithm": "rabbit_password_hashing_sha256",
                                         "tags": []}]})",
                                 b)
                  .ok());
  EXPECT_TRUE(b.users().authenticate("app", "s3cret", false).ok());
  EXPECT_NE(export_definitions(b).find("\"password_hash\":\"" + expected + "\""),
            std::string::npos);
}

TEST(DefinitionsTest, ImportsARabbitMqExport) {
  // Shaped like `rabbitmqctl export_definitions` output of RabbitMQ 3.8 (tags as a string,
  // a policy, parameters that PolyMQ ignores, queue "type").
  const char* json = R"({
    "rabbit_version": "3.8.9", "rabbitmq_version": "3.8.9",
    "users": [{"name": "guest", "password_hash": "kI3GCrswBLNZQzHJJ95QLoyfAVooYhnvf7jbqiW9BjOYUloe",
               "hashing_algorithm": "rabbit_password_hashing_sha256", "tags": "administrator"},
              {"name": "ops", "password_hash": "",
               "hashing_algorithm": "rabbit_password_hashing_sha256",
               "tags": "monitoring, management"}],
    "vhosts": [{"name": "/"}, {"name": "billing", "limits": [], "metadata": {}}],
    "permissions": [{"user": "guest", "vhost": "/", "configure": ".*", "write": ".*",
                     "read": ".*"}],
    "topic_permissions": [], "parameters": [], "global_parameters": [],
    "policies": [{"vhost": "/", "name": "ttl", "pattern": ".*", "apply-to": "queues",
                  "definition": {"message-ttl": 1000}, "priority": 0}],
    "queues": [{"name": "invoices", "vhost": "billing", "type": "classic", "durable": true,
                "auto_delete": false, "arguments": {"x-queue-type": "classic"}}],
    "exchanges": [{"name": "billing", "vhost": "billing", "type": "topic", "durable": true,
                   "auto_delete": false, "internal": false, "arguments": {}},
                  {"name": "amq.direct", "vhost": "/", "type": "direct", "durable": true,
                   "auto_delete": false, "internal": false, "arguments": {}}],
    "bindings": [{"source": "billing", "vhost": "billing", "destination": "invoices",
                  "destination_type": "queue", "routing_key": "invoice.*", "arguments": {}}]
  })";
  ModelBroker b;
  Status s = import_definitions(json, b);
  ASSERT_TRUE(s.ok()) << s.message();
  // guest/guest, and loopback-only as RabbitMQ's default loopback_users.
  EXPECT_TRUE(b.users().authenticate("guest", "guest", true).ok());
  EXPECT_FALSE(b.users().authenticate("guest", "guest", false).ok());
  EXPECT_EQ(b.users().find("guest")->tags, (std::vector<std::string>{"administrator"}));
  EXPECT_EQ(b.users().find("ops")->tags, (std::vector<std::string>{"monitoring", "management"}));
  EXPECT_FALSE(b.users().authenticate("ops", "", false).ok());  // no password at all
  VHost* billing = b.find_vhost("billing");
  ASSERT_NE(billing, nullptr);
  EXPECT_EQ(routed(*billing, "billing", "invoice.paid"), (std::vector<std::string>{"invoices"}));
  const Policy* ttl = b.policies(PolicyKind::kUser).find("/", "ttl");
  ASSERT_NE(ttl, nullptr);
  EXPECT_EQ(find_int(ttl->definition, "message-ttl"), 1000);
}

TEST(DefinitionsTest, MissingSectionsAreEmpty) {
  ModelBroker b;
  EXPECT_TRUE(import_definitions("{}", b).ok());
  EXPECT_EQ(b.vhost_count(), 0u);
  // The export parses as JSON with every section present.
  rapidjson::Document doc;
  doc.Parse(export_definitions(b).c_str());
  ASSERT_TRUE(doc.IsObject());
  for (const char* key : {"users", "vhosts", "permissions", "exchanges", "queues", "bindings"}) {
    ASSERT_TRUE(doc.HasMember(key)) << key;
    EXPECT_TRUE(doc[key].IsArray()) << key;
  }
  EXPECT_TRUE(doc["polymq_version"].IsString());
}

TEST(DefinitionsTest, MalformedInputIsAnErrorNamingTheEntry) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "not valid JSON"},
      {"{", "not valid JSON"},
      {"{} x", "not valid JSON"},
      {std::string("{\"a\":\0}", 7), "not valid JSON"},
      {"[]", "must be a JSON object"},
      {R"({"queues": 5})", "queues: must be an array"},
      {R"({"queues": [5]})", "queues[0]: must be an object"},
      {R"({"queues": [{"vhost": "/"}]})", "queues[0]: missing 'name'"},
      {R"({"queues": [{"name": 5, "vhost": "/"}]})", "'name' must be a string"},
      {R"({"queues": [{"name": "q", "vhost": "nope"}]})", "no vhost 'nope'"},
      {R"({"queues": [{"name": "q", "vhost": "/", "durable": "yes"}]})", "'durable'"},
      {R"({"queues": [{"name": "q", "vhost": "/", "arguments": 3}]})", "'arguments'"},
      {R"({"queues": [{"name": "", "vhost": "/"}]})", "queues[0]"},
      {R"({"exchanges": [{"name": "x", "vhost": "/", "type": "nonsense"}]})",
       "unknown exchange type"},
      {R"({"exchanges": [{"name": "x", "vhost": "/"}]})", "missing 'type'"},
      {R"({"bindings": [{"source": "amq.direct", "vhost": "/", "destination": "missing",
           "destination_type": "queue", "routing_key": ""}]})",
       "bindings[0]: no queue 'missing'"},
      {R"({"bindings": [{"source": "amq.direct", "vhost": "/", "destination": "amq.fanout",
           "destination_type": "topic", "routing_key": ""}]})",
       "destination_type"},
      {R"({"users": [{"name": "u", "password_hash": "!!!!"}]})", "not base64"},
      {R"({"users": [{"name": "u", "password_hash": "AAAA"}]})", "4-byte salt"},
      {R"({"users": [{"name": "u", "password_hash": "", "hashing_algorithm":
           "rabbit_password_hashing_md5"}]})",
       "not supported"},
      {R"({"users": [{"name": "u", "password_hash": "", "tags": 5}]})", "'tags'"},
      {R"({"users": [{"name": "u"}]})", "missing 'password_hash'"},
      {R"({"vhosts": [{"name": ["/"]}]})", "vhosts[0]"},
      {std::string(100000, '['), "not valid JSON"},
  };
  for (const auto& [json, expected] : cases) {
    ModelBroker b;
    b.add_vhost("/");
    Status s = import_definitions(json, b);
    EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument) << json;
    EXPECT_EQ(s.message().rfind("definitions: ", 0), 0u) << s.message();
    EXPECT_NE(s.message().find(expected), std::string::npos)
        << "for " << json << " got: " << s.message();
  }
}

TEST(DefinitionsTest, DeepArgumentsAreRefusedNotRecursedInto) {
  auto nested = [](int depth) {
    return R"({"vhosts": [{"name": "/"}], "queues": [{"name": "q", "vhost": "/", "arguments":
             {"a": )" +
           std::string(static_cast<size_t>(depth), '[') + "1" +
           std::string(static_cast<size_t>(depth), ']') + "}}]}";
  };
  ModelBroker shallow;
  EXPECT_TRUE(import_definitions(nested(10), shallow).ok());
  ModelBroker deep;
  Status s = import_definitions(nested(10000), deep);
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(s.message().find("nested deeper"), std::string::npos) << s.message();
}

// Records every change as export_change encodes it, checking the state it is told in.
class RecordingLog final : public DefinitionsLog {
 public:
  // `stores`: where the check broker opens the streams it is told of (streams live on disk).
  explicit RecordingLog(Broker& b, QueueStoreFactory* stores = nullptr)
      : broker_(b), stores_(stores) {}
  uint64_t record(const DefinitionChange& change) override {
    // Whatever the log sees must be a loadable file: no binding to a half-removed entity.
    ModelBroker check;
    check.hooks().queue_stores = stores_;
    Status s = import_definitions(export_definitions(broker_), check);
    EXPECT_TRUE(s.ok()) << s.message();
    changes.push_back(export_change(change));
    return changes.size();
  }
  uint64_t last_recorded() const override { return changes.size(); }
  void when_durable(uint64_t, std::function<void(bool)> done) override { done(true); }

  std::vector<std::string> changes;

 private:
  Broker& broker_;
  QueueStoreFactory* stores_;
};

// Replays recorded changes into `out`, a broker with the vhost "/" and nothing else, as a
// restart replays the change log.
void replay(const std::vector<std::string>& changes, ModelBroker& out) {
  out.add_vhost("/");
  for (const std::string& change : changes) {
    Status s = apply_change(change, out);
    EXPECT_TRUE(s.ok()) << change << ": " << s.message();
  }
}

TEST(DefinitionsHookTest, AChangedQueueReplaysWithItsNewArguments) {
  ModelBroker b;
  RecordingLog log(b);
  b.hooks().definitions = &log;
  VHost& v = b.add_vhost("/");
  declare_queue(v, "dq", durable());
  QueueOptions transient;
  declare_queue(v, "tq", transient);
  const Table args = {{"x-dead-letter-exchange", Value::String("")},
                      {"x-delivery-limit", Value::Int64(2)},
                      {"x-sqs-tags", Value::Tab({{"team", Value::String("blue")}})}};
  expect_ok(v.change_queue_arguments("dq", args));
  expect_ok(v.change_queue_arguments("tq", args));  // not durable: nothing recorded
  ASSERT_EQ(log.changes.size(), 2u);
  EXPECT_NE(log.changes[1].find(R"("op":"change")"), std::string::npos) << log.changes[1];

  ModelBroker replayed;
  replay(log.changes, replayed);
  EXPECT_EQ(export_definitions(replayed), export_definitions(b));
  Queue* q = replayed.find_vhost("/")->find_queue("dq");
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->settings().delivery_limit, 2u);
  ASSERT_TRUE(q->settings().dead_letter);
  EXPECT_EQ(q->settings().dead_letter->exchange, "");
  // A change of a queue that is not there is the replay's error.
  ModelBroker empty;
  empty.add_vhost("/");
  EXPECT_FALSE(apply_change(log.changes[1], empty).ok());
}

TEST(DefinitionsHookTest, AChangedExchangeReplaysWithItsNewArguments) {
  ModelBroker b;
  RecordingLog log(b);
  b.hooks().definitions = &log;
  VHost& v = b.add_vhost("/");
  expect_ok(v.declare_exchange("dx", "fanout", durable_exchange(), false));
  expect_ok(v.declare_exchange("tx", "fanout", ExchangeOptions{}, false));
  const Table args = {{"x-sns-topic", Value::Bool(true)},
                      {"x-sns-attribute-DisplayName", Value::String("shown")}};
  expect_ok(v.change_exchange_arguments("dx", args));
  expect_ok(v.change_exchange_arguments("tx", args));  // not durable: nothing recorded
  EXPECT_EQ(v.change_exchange_arguments("none", args).code(), ErrorCode::kNotFound);
  ASSERT_EQ(log.changes.size(), 2u);
  EXPECT_NE(log.changes[1].find(R"("op":"change")"), std::string::npos) << log.changes[1];

  ModelBroker replayed;
  replay(log.changes, replayed);
  EXPECT_EQ(export_definitions(replayed), export_definitions(b));
  Exchange* x = replayed.find_vhost("/")->find_exchange("dx");
  ASSERT_NE(x, nullptr);
  const std::string* shown = find_string(x->options().arguments, "x-sns-attribute-DisplayName");
  ASSERT_NE(shown, nullptr);
  EXPECT_EQ(*shown, "shown");
  ModelBroker empty;
  empty.add_vhost("/");
  EXPECT_FALSE(apply_change(log.changes[1], empty).ok());
}

TEST(DefinitionsHookTest, FiresOnlyForDurableChangesWithAConsistentState) {
  ModelBroker b;
  RecordingLog log(b);
  b.hooks().definitions = &log;
  // Replaying the recorded changes over the state they started from rebuilds every step.
  ModelBroker replayed;
  replayed.add_vhost("/");
  size_t applied = 0;
  int calls = 0;
  auto replay_matches = [&] {
    for (; applied < log.changes.size(); ++applied) {
      Status s = apply_change(log.changes[applied], replayed);
      EXPECT_TRUE(s.ok()) << log.changes[applied] << ": " << s.message();
    }
    calls = static_cast<int>(log.changes.size());
    return export_definitions(replayed) == export_definitions(b);
  };
  VHost& v = b.add_vhost("/");
  ExchangeOptions transient;
  QueueOptions exclusive = durable();
  exclusive.exclusive = true;
  QueueOptions auto_delete = durable();
  auto_delete.auto_delete = true;

  expect_ok(v.declare_exchange("dx", "direct", durable_exchange(), false));
  EXPECT_TRUE(replay_matches());
  EXPECT_EQ(calls, 1);
  expect_ok(v.declare_exchange("dx", "direct", durable_exchange(), false));  // exists
  expect_ok(v.declare_exchange("tx", "direct", transient, false));
  EXPECT_TRUE(replay_matches());
  EXPECT_EQ(calls, 1);
  declare_queue(v, "dq", durable());
  EXPECT_TRUE(replay_matches());
  EXPECT_EQ(calls, 2);
  declare_queue(v, "dq", durable());  // exists
  declare_queue(v, "eq", exclusive);
  declare_queue(v, "aq", auto_delete);
  declare_queue(v, "tq", QueueOptions{});
  EXPECT_TRUE(replay_matches());
  EXPECT_EQ(calls, 2);

  expect_ok(v.bind_queue("dq", "dx", "k", {}, 1));
  EXPECT_TRUE(replay_matches());
  EXPECT_EQ(calls, 3);
  expect_ok(v.bind_queue("dq", "dx", "k", {}, 1));  // already bound
  expect_ok(v.bind_queue("tq", "dx", "k", {}, 1));
  expect_ok(v.bind_queue("eq", "dx", "k", {}, 1));
  expect_ok(v.bind_queue("dq", "tx", "k", {}, 1));
  EXPECT_TRUE(replay_matches());
  EXPECT_EQ(calls, 3);
  expect_ok(v.bind_exchange("dx", "amq.fanout", "", {}));
  EXPECT_TRUE(replay_matches());
  EXPECT_EQ(calls, 4);
  expect_ok(v.bind_exchange("tx", "dx", "", {}));
  EXPECT_TRUE(replay_matches());
  EXPECT_EQ(calls, 4);

  expect_ok(v.unbind_queue("dq", "dx", "k", {}, 1));
  EXPECT_TRUE(replay_matches());
  EXPECT_EQ(calls, 5);
  expect_ok(v.unbind_queue("dq", "dx", "k", {}, 1));  // not bound
  expect_ok(v.unbind_queue("tq", "dx", "k", {}, 1));
  EXPECT_TRUE(replay_matches());
  EXPECT_EQ(calls, 5);
  expect_ok(v.unbind_exchange("dx", "amq.fanout", "", {}));
  EXPECT_TRUE(replay_matches());
  EXPECT_EQ(calls, 6);

  size_t count = 0;
  expect_ok(v.delete_queue("tq", false, false, 1, count));
  EXPECT_TRUE(replay_matches());
  EXPECT_EQ(calls, 6);
  expect_ok(v.delete_queue("dq", false, false, 1, count));
  EXPECT_TRUE(replay_matches());
  EXPECT_EQ(calls, 7);
  expect_ok(v.delete_exchange("tx", false));
  EXPECT_TRUE(replay_matches());
  EXPECT_EQ(calls, 7);
  expect_ok(v.delete_exchange("dx", false));
  EXPECT_TRUE(replay_matches());
  EXPECT_EQ(calls, 8);

  // Deleting a durable queue auto-deletes the durable exchange it was the last binding of.
  expect_ok(v.declare_exchange("adx", "fanout", durable_exchange(true), false));
  declare_queue(v, "dq2", durable());
  expect_ok(v.bind_queue("dq2", "adx", "", {}, 1));
  EXPECT_TRUE(replay_matches());
  EXPECT_EQ(calls, 11);
  expect_ok(v.delete_queue("dq2", false, false, 1, count));
  EXPECT_EQ(v.find_exchange("adx"), nullptr);
  EXPECT_TRUE(replay_matches());
  EXPECT_EQ(calls, 13);  // the exchange's removal, then the queue's
  ASSERT_TRUE(replay_matches());
  const int before = calls;

  // An exclusive queue going with its connection changes nothing durable...
  v.release_owner(1);
  EXPECT_TRUE(replay_matches());
  EXPECT_EQ(calls, before);
  EXPECT_EQ(v.find_queue("eq"), nullptr);
  // ...unless it was the last binding of a durable auto-delete exchange.
  expect_ok(v.declare_exchange("adx2", "fanout", durable_exchange(true), false));
  declare_queue(v, "eq2", exclusive, 2);
  expect_ok(v.bind_queue("eq2", "adx2", "", {}, 2));
  EXPECT_TRUE(replay_matches());
  EXPECT_EQ(calls, before + 1);
  v.release_owner(2);
  EXPECT_EQ(v.find_exchange("adx2"), nullptr);
  EXPECT_TRUE(replay_matches());
  EXPECT_EQ(calls, before + 2);
}

StreamSettings big_stream() {
  StreamSettings s;
  s.partitions = 3;
  s.segment_bytes = 1 << 20;
  s.retention_ms = 7 * 24 * 3600 * 1000ll;
  s.retention_bytes = 5'000'000;
  return s;
}

std::vector<std::string> routed_streams(VHost& v, const std::string& exchange,
                                        const std::string& key) {
  Message m;
  m.exchange = exchange;
  m.routing_key = key;
  std::vector<Queue*> queues;
  std::vector<Stream*> streams;
  expect_ok(v.route(exchange, m, queues, false, nullptr, &streams));
  std::vector<std::string> names;
  for (Stream* s : streams) names.push_back(s->name());
  std::sort(names.begin(), names.end());
  return names;
}

// Streams (Kafka topics among them) are definitions: their settings and their bindings come
// back after a restart, in RabbitMQ's stream-queue layout.
TEST(DefinitionsTest, StreamsAndTheirBindingsRoundTrip) {
  core::testing::TestStorage storage_a("defs-a");
  core::testing::TestStorage storage_b("defs-b");
  std::string json;
  {
    ModelBroker original;
    original.hooks().queue_stores = &storage_a.stores();
    VHost& v = original.add_vhost("/");
    Stream* stream = nullptr;
    expect_ok(v.declare_stream("events", big_stream(), stream));
    expect_ok(v.declare_stream("audit", {}, stream));
    expect_ok(v.declare_exchange("ex", "direct", durable_exchange(), false));
    expect_ok(v.bind_stream("events", "ex", "k", {}));
    expect_ok(v.bind_stream("audit", "amq.fanout", "", {}));
    json = export_definitions(original);
  }
  EXPECT_NE(json.find(R"("x-queue-type":"stream")"), std::string::npos) << json;

  ModelBroker restored;
  restored.hooks().queue_stores = &storage_b.stores();
  ASSERT_TRUE(import_definitions(json, restored).ok());
  EXPECT_EQ(export_definitions(restored), json);
  VHost& v = *restored.find_vhost("/");
  const Stream* events = v.find_stream("events");
  ASSERT_NE(events, nullptr);
  EXPECT_EQ(events->partition_count(), 3u);
  EXPECT_EQ(events->settings().segment_bytes, 1u << 20);
  EXPECT_EQ(events->settings().retention_ms, big_stream().retention_ms);
  EXPECT_EQ(events->settings().retention_bytes, big_stream().retention_bytes);
  const Stream* audit = v.find_stream("audit");
  ASSERT_NE(audit, nullptr);
  EXPECT_EQ(audit->settings().retention_ms, -1);
  EXPECT_EQ(audit->settings().retention_bytes, -1);
  EXPECT_EQ(v.find_queue("events"), nullptr) << "a stream, not a queue";
  EXPECT_EQ(routed_streams(v, "ex", "k"), (std::vector<std::string>{"events"}));
  EXPECT_EQ(routed_streams(v, "amq.fanout", ""), (std::vector<std::string>{"audit"}));
}

TEST(DefinitionsTest, ARabbitMqStreamQueueImportsAsAStream) {
  core::testing::TestStorage storage("defs");
  ModelBroker b;
  b.hooks().queue_stores = &storage.stores();
  const char* json = R"({"vhosts":[{"name":"/"}],
    "queues":[{"name":"rs","vhost":"/","durable":true,"auto_delete":false,
               "arguments":{"x-queue-type":"stream","x-max-age":"7D",
                            "x-max-length-bytes":20000000}}],
    "bindings":[{"source":"amq.direct","vhost":"/","destination":"rs",
                 "destination_type":"queue","routing_key":"rs","arguments":{}}]})";
  const Status s = import_definitions(json, b);
  ASSERT_TRUE(s.ok()) << s.message();
  VHost& v = *b.find_vhost("/");
  const Stream* rs = v.find_stream("rs");
  ASSERT_NE(rs, nullptr);
  EXPECT_EQ(rs->partition_count(), 1u);
  EXPECT_EQ(rs->settings().retention_ms, 7 * 24 * 3600 * 1000ll);
  EXPECT_EQ(rs->settings().retention_bytes, 20'000'000);
  EXPECT_EQ(routed_streams(v, "amq.direct", "rs"), (std::vector<std::string>{"rs"}));

  ModelBroker bad;
  bad.hooks().queue_stores = &storage.stores();
  const Status refused = import_definitions(
      R"({"vhosts":[{"name":"/"}],
          "queues":[{"name":"x","vhost":"/","durable":true,"auto_delete":false,
          "arguments":{"x-queue-type":"stream","x-max-age":"soon"}}]})",
      bad);
  EXPECT_EQ(refused.code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(refused.message().find("x-max-age"), std::string::npos) << refused.message();
}

TEST(DefinitionsHookTest, StreamChangesAreRecordedAndReplay) {
  core::testing::TestStorage storage("defs");
  core::testing::TestStorage check_storage("defs-check");
  core::testing::TestStorage replay_storage("defs-replay");
  ModelBroker b;
  b.hooks().queue_stores = &storage.stores();
  RecordingLog log(b, &check_storage.stores());
  b.hooks().definitions = &log;
  ModelBroker replayed;
  replayed.hooks().queue_stores = &replay_storage.stores();
  replayed.add_vhost("/");
  size_t applied = 0;
  auto replay_matches = [&] {
    for (; applied < log.changes.size(); ++applied) {
      Status s = apply_change(log.changes[applied], replayed);
      EXPECT_TRUE(s.ok()) << log.changes[applied] << ": " << s.message();
    }
    return export_definitions(replayed) == export_definitions(b);
  };
  VHost& v = b.add_vhost("/");
  Stream* stream = nullptr;
  expect_ok(v.declare_stream("topic", big_stream(), stream));
  EXPECT_TRUE(replay_matches());
  EXPECT_EQ(log.changes.size(), 1u);
  expect_ok(v.declare_stream("topic", big_stream(), stream));  // exists
  EXPECT_EQ(log.changes.size(), 1u);

  expect_ok(v.declare_exchange("dx", "direct", durable_exchange(), false));
  expect_ok(v.declare_exchange("tx", "direct", ExchangeOptions{}, false));
  expect_ok(v.bind_stream("topic", "dx", "k", {}));
  EXPECT_TRUE(replay_matches());
  EXPECT_EQ(log.changes.size(), 3u);
  expect_ok(v.bind_stream("topic", "dx", "k", {}));  // already bound
  expect_ok(v.bind_stream("topic", "tx", "k", {}));  // a transient source is not recorded
  EXPECT_EQ(log.changes.size(), 3u);
  expect_ok(v.unbind_stream("topic", "dx", "k", {}));
  EXPECT_TRUE(replay_matches());
  EXPECT_EQ(log.changes.size(), 4u);

  // New settings (Kafka's CreatePartitions, AlterConfigs) replay onto the existing stream.
  StreamSettings more = big_stream();
  more.partitions = 5;
  more.retention_ms = 60'000;
  expect_ok(v.reconfigure_stream("topic", more));
  EXPECT_TRUE(replay_matches());
  EXPECT_EQ(log.changes.size(), 5u);
  EXPECT_EQ(replayed.find_vhost("/")->find_stream("topic")->partition_count(), 5u);
  more.partitions = 2;
  EXPECT_EQ(v.reconfigure_stream("topic", more).code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(v.find_stream("topic")->partition_count(), 5u);

  // Deleting the stream takes its bindings along, and the auto-delete exchange it was the last
  // binding of.
  expect_ok(v.declare_exchange("adx", "fanout", durable_exchange(true), false));
  expect_ok(v.bind_stream("topic", "adx", "", {}));
  EXPECT_TRUE(replay_matches());
  expect_ok(v.delete_stream("topic"));
  EXPECT_TRUE(replay_matches());
  EXPECT_EQ(v.find_exchange("adx"), nullptr);
  EXPECT_EQ(replayed.find_vhost("/")->find_stream("topic"), nullptr);
  EXPECT_EQ(replayed.find_vhost("/")->find_exchange("adx"), nullptr);
}

TEST(DefinitionsHookTest, VhostAndUserChangesReplay) {
  Broker source;
  source.users().add("ops", "secret", false, {"administrator"});
  DefinitionChange added{DefinitionChange::Kind::kUserAdded};
  added.user = source.users().find("ops");
  VHost& dev = source.add_vhost("dev");
  DefinitionChange vhost{DefinitionChange::Kind::kVhostAdded};
  vhost.vhost = &dev;
  DefinitionChange removed{DefinitionChange::Kind::kUserRemoved};
  removed.user_name = "ops";

  Broker replayed;
  ASSERT_TRUE(apply_change(export_change(vhost), replayed).ok());
  ASSERT_TRUE(apply_change(export_change(added), replayed).ok());
  EXPECT_NE(replayed.find_vhost("dev"), nullptr);
  ASSERT_NE(replayed.users().find("ops"), nullptr);
  EXPECT_EQ(replayed.users().find("ops")->tags, std::vector<std::string>{"administrator"});
  EXPECT_TRUE(replayed.users().authenticate("ops", "secret", false).ok());
  ASSERT_TRUE(apply_change(export_change(removed), replayed).ok());
  EXPECT_EQ(replayed.users().find("ops"), nullptr);
  // Removing what is not there is not an error.
  EXPECT_TRUE(apply_change(export_change(removed), replayed).ok());
  vhost.kind = DefinitionChange::Kind::kVhostRemoved;
  ASSERT_TRUE(apply_change(export_change(vhost), replayed).ok());
  EXPECT_EQ(replayed.find_vhost("dev"), nullptr);
}

TEST(DefinitionsHookTest, PermissionChangesReplayAndGoWithTheirUserOrVhost) {
  Broker source;
  source.users().add("ops", "secret", false, {});
  VHost& dev = source.add_vhost("dev");
  const core::PermissionPatterns patterns{"^cfg", "", "^r"};
  DefinitionChange set{DefinitionChange::Kind::kPermissionSet};
  set.vhost = &dev;
  set.user_name = "ops";
  set.permissions = &patterns;
  DefinitionChange cleared{DefinitionChange::Kind::kPermissionCleared};
  cleared.vhost = &dev;
  cleared.user_name = "ops";
  DefinitionChange user{DefinitionChange::Kind::kUserAdded};
  user.user = source.users().find("ops");
  DefinitionChange vhost{DefinitionChange::Kind::kVhostAdded};
  vhost.vhost = &dev;

  Broker replayed;
  ASSERT_TRUE(apply_change(export_change(vhost), replayed).ok());
  ASSERT_TRUE(apply_change(export_change(user), replayed).ok());
  ASSERT_TRUE(apply_change(export_change(set), replayed).ok());
  core::GrantPtr grant = replayed.permissions().find("dev", "ops");
  ASSERT_NE(grant, nullptr);
  EXPECT_EQ(grant->patterns().configure, "^cfg");
  EXPECT_TRUE(grant->allows(core::Permission::kConfigure, "cfg.q"));
  EXPECT_FALSE(grant->allows(core::Permission::kWrite, "anything"));  // "" grants nothing
  EXPECT_FALSE(grant->allows(core::Permission::kRead, "x"));
  // In the snapshot too, and back.
  Broker imported;
  ASSERT_TRUE(import_definitions(export_definitions(replayed), imported).ok());
  ASSERT_NE(imported.permissions().find("dev", "ops"), nullptr);
  EXPECT_EQ(imported.permissions().find("dev", "ops")->patterns().read, "^r");

  ASSERT_TRUE(apply_change(export_change(cleared), replayed).ok());
  EXPECT_EQ(replayed.permissions().find("dev", "ops"), nullptr);
  EXPECT_TRUE(apply_change(export_change(cleared), replayed).ok());  // nothing to clear: fine
  // A removed user or vhost takes its grants along.
  ASSERT_TRUE(apply_change(export_change(set), replayed).ok());
  DefinitionChange removed{DefinitionChange::Kind::kUserRemoved};
  removed.user_name = "ops";
  ASSERT_TRUE(apply_change(export_change(removed), replayed).ok());
  EXPECT_EQ(replayed.permissions().find("dev", "ops"), nullptr);
  ASSERT_TRUE(apply_change(export_change(user), replayed).ok());
  ASSERT_TRUE(apply_change(export_change(set), replayed).ok());
  vhost.kind = DefinitionChange::Kind::kVhostRemoved;
  ASSERT_TRUE(apply_change(export_change(vhost), replayed).ok());
  EXPECT_TRUE(replayed.permissions().list().empty());
}

TEST(DefinitionsTest, PermissionsNeedAnExistingUserAndVhostAndValidPatterns) {
  Broker b;
  b.add_vhost("/");
  b.users().add("app", "pw", false, {});
  EXPECT_EQ(import_definitions(
                R"({"permissions": [{"user": "nobody", "vhost": "/", "configure": ".*",
                                     "write": ".*", "read": ".*"}]})",
                b)
                .message(),
            "definitions: permissions[0]: no user 'nobody'");
  EXPECT_FALSE(import_definitions(R"({"permissions": [{"user": "app", "vhost": "none",
                                     "configure": ".*", "write": ".*", "read": ".*"}]})",
                                  b)
                   .ok());
  EXPECT_FALSE(import_definitions(R"({"permissions": [{"user": "app", "vhost": "/",
                                     "configure": "([", "write": ".*", "read": ".*"}]})",
                                  b)
                   .ok());
  EXPECT_EQ(b.permissions().find("/", "app"), nullptr);
}

}  // namespace
}  // namespace polymq::rabbit
