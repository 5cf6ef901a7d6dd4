// Exchanges (core/exchange.h): the match rule of each type, the binding set and its per
// destination bookkeeping; and VHost::route, which follows exchange-to-exchange bindings,
// alternate exchanges, CC and BCC keys, and collects streams when asked.
#include "core/exchange.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "core/queue_store.h"
#include "core/test_storage.h"
#include "core/vhost.h"

namespace polymq::core {
namespace {

Message message(std::string key, Table headers = {}) {
  Message m;
  m.routing_key = std::move(key);
  if (!headers.empty()) m.properties.headers = std::move(headers);
  return m;
}

Value Str(const char* s) { return Value::String(s); }

// "q:name", "s:name" or "x:name": the kind is part of the name so that a test tells a queue
// from a stream or an exchange of the same name.
std::string describe(const Binding* b) {
  if (b->queue() != nullptr) return "q:" + b->queue()->name();
  if (b->stream() != nullptr) return "s:" + b->stream()->name();
  return "x:" + b->exchange()->name();
}

// The destinations of the bindings `x` matches, sorted, duplicates kept.
std::vector<std::string> matched(const Exchange& x, const Message& m) {
  std::vector<const Binding*> out;
  x.route(m, out);
  std::vector<std::string> names;
  for (const Binding* b : out) names.push_back(describe(b));
  std::sort(names.begin(), names.end());
  return names;
}

using Names = std::vector<std::string>;

// A vhost with storage (streams live on disk only), a direct and a fanout exchange, three
// queues and a stream.
class ExchangeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage_ = std::make_unique<testing::TestStorage>("exchange");
    hooks_.queue_stores = &storage_->stores();
    vhost_ = std::make_unique<VHost>("/", &hooks_);
    // Without a broker model a vhost has no built-in exchanges.
    ASSERT_TRUE(vhost_->declare_exchange("x.direct", "direct", {}, false).ok());
    ASSERT_TRUE(vhost_->declare_exchange("x.fanout", "fanout", {}, false).ok());
    for (const char* name : {"q1", "q2", "q3"}) {
      QueueDeclareOutcome out;
      ASSERT_TRUE(vhost_->declare_queue(name, {}, false, 1, out).ok());
    }
    StreamSettings settings;
    settings.segment_bytes = 1 << 20;
    Stream* stream = nullptr;
    ASSERT_TRUE(vhost_->declare_stream("s", settings, stream).ok());
  }
  void TearDown() override {
    vhost_.reset();
    storage_.reset();
  }

  Queue* q(const char* name) { return vhost_->find_queue(name); }
  Stream* s() { return vhost_->find_stream("s"); }
  void declare_exchange(const std::string& name, const char* type, ExchangeOptions options = {}) {
    ASSERT_TRUE(vhost_->declare_exchange(name, type, options, false).ok()) << name;
  }
  void bind(const char* queue, const std::string& exchange, const std::string& key,
            const Table& args = {}) {
    ASSERT_TRUE(vhost_->bind_queue(queue, exchange, key, args, 1).ok());
  }
  void bind_x(const std::string& destination, const std::string& source, const std::string& key) {
    ASSERT_TRUE(vhost_->bind_exchange(destination, source, key, {}).ok());
  }
  // The queue names VHost::route gives, in its order, or the status when it fails.
  Names routed(const std::string& exchange, const Message& m, bool internal_ok = false,
               const std::vector<std::string>* bcc = nullptr, Names* streams = nullptr) {
    std::vector<Queue*> out;
    std::vector<Stream*> stream_out;
    Status st = vhost_->route(exchange, m, out, internal_ok, bcc,
                              streams != nullptr ? &stream_out : nullptr);
    if (!st.ok()) return {"error " + std::to_string(static_cast<int>(st.code()))};
    Names names;
    for (Queue* queue : out) names.push_back(queue->name());
    std::sort(names.begin(), names.end());
    if (streams != nullptr) {
      for (Stream* stream : stream_out) streams->push_back(stream->name());
    }
    return names;
  }
  static std::string error(ErrorCode code) {
    return "error " + std::to_string(static_cast<int>(code));
  }

  std::unique_ptr<testing::TestStorage> storage_;
  VHostHooks hooks_;
  std::unique_ptr<VHost> vhost_;
};

// ---- match rules of each type ----

TEST_F(ExchangeTest, DirectMatchesTheExactKeyWithEveryBindingOfIt) {
  Exchange x("x", ExchangeType::kDirect, {});
  Exchange inner("inner", ExchangeType::kFanout, {});
  ASSERT_TRUE(x.bind(q("q1"), "k", {}));
  ASSERT_TRUE(x.bind(q("q2"), "k", {}));
  ASSERT_TRUE(x.bind(s(), "k", {}));
  ASSERT_TRUE(x.bind(&inner, "k", {}));
  ASSERT_TRUE(x.bind(q("q3"), "k.j", {}));
  EXPECT_EQ(matched(x, message("k")), (Names{"q:q1", "q:q2", "s:s", "x:inner"}));
  EXPECT_EQ(matched(x, message("k.j")), Names{"q:q3"});
  // No wildcards, no case folding, no prefixes.
  EXPECT_TRUE(matched(x, message("K")).empty());
  EXPECT_TRUE(matched(x, message("k.")).empty());
  EXPECT_TRUE(matched(x, message("")).empty());
  ASSERT_TRUE(x.bind(q("q3"), "", {}));
  EXPECT_EQ(matched(x, message("")), Names{"q:q3"});
}

TEST_F(ExchangeTest, FanoutMatchesEveryBindingWhateverTheKey) {
  Exchange x("x", ExchangeType::kFanout, {});
  EXPECT_TRUE(matched(x, message("k")).empty());
  ASSERT_TRUE(x.bind(q("q1"), "a", {}));
  ASSERT_TRUE(x.bind(q("q1"), "b", {}));  // a second binding of one queue is a second match
  ASSERT_TRUE(x.bind(s(), "", {}));
  EXPECT_EQ(matched(x, message("zzz")), (Names{"q:q1", "q:q1", "s:s"}));
  EXPECT_EQ(matched(x, message("")), (Names{"q:q1", "q:q1", "s:s"}));
  // ... but VHost::route hands the queue the message once.
  bind("q1", "x.fanout", "a");
  bind("q1", "x.fanout", "b");
  EXPECT_EQ(routed("x.fanout", message("c")), Names{"q1"});
}

TEST_F(ExchangeTest, TopicWildcardsEmptyWordsAndLongKeys) {
  // One destination exchange per binding key, named after it, so that the result of a route
  // reads as the list of binding keys that matched.
  const std::vector<std::string> patterns = {"",    "#",   "*",    "*.*", "a.*",    "a.#",
                                             "#.a", "a.b", "a..b", "#.#", "a.*.c.#"};
  std::vector<std::unique_ptr<Exchange>> sinks;
  Exchange x("x", ExchangeType::kTopic, {});
  for (const std::string& p : patterns) {
    sinks.push_back(std::make_unique<Exchange>(p, ExchangeType::kFanout, ExchangeOptions{}));
    ASSERT_TRUE(x.bind(sinks.back().get(), p, {}));
  }
  auto keys = [&](const std::string& routing_key) {
    Names names = matched(x, message(routing_key));
    for (std::string& n : names) n.erase(0, 2);  // "x:"
    return names;
  };
  // Routing key "" has zero words; "." has two empty ones.
  EXPECT_EQ(keys(""), (Names{"", "#", "#.#"}));
  EXPECT_EQ(keys("."), (Names{"#", "#.#", "*.*"}));
  EXPECT_EQ(keys("a"), (Names{"#", "#.#", "#.a", "*", "a.#"}));
  EXPECT_EQ(keys("a."), (Names{"#", "#.#", "*.*", "a.#", "a.*"}));
  EXPECT_EQ(keys(".a"), (Names{"#", "#.#", "#.a", "*.*"}));
  EXPECT_EQ(keys("a.b"), (Names{"#", "#.#", "*.*", "a.#", "a.*", "a.b"}));
  EXPECT_EQ(keys("a..b"), (Names{"#", "#.#", "a.#", "a..b"}));
  EXPECT_EQ(keys("a.x.c"), (Names{"#", "#.#", "a.#", "a.*.c.#"}));
  EXPECT_EQ(keys("b.a"), (Names{"#", "#.#", "#.a", "*.*"}));
  // Many words: "#" spans any number of them, "*" exactly one.
  std::string longer = "a.x.c";
  for (int i = 0; i < 200; ++i) longer += ".w" + std::to_string(i);
  EXPECT_EQ(keys(longer), (Names{"#", "#.#", "a.#", "a.*.c.#"}));
  EXPECT_EQ(keys(longer + ".a"), (Names{"#", "#.#", "#.a", "a.#", "a.*.c.#"}));
  // In a routing key "*" and "#" are plain words.
  EXPECT_EQ(keys("*"), (Names{"#", "#.#", "*"}));
  EXPECT_EQ(keys("a.#"), (Names{"#", "#.#", "*.*", "a.#", "a.*"}));
}

TEST_F(ExchangeTest, HeadersAllAnyAndTheirWithXVariants) {
  struct Case {
    const char* name;
    Table args;
  };
  const std::vector<Case> cases = {
      {"all", {{"x-match", Str("all")}, {"color", Str("red")}, {"size", Value::Int32(1)}}},
      {"any", {{"x-match", Str("any")}, {"color", Str("red")}, {"size", Value::Int32(1)}}},
      {"default-all", {{"color", Str("red")}}},
      {"all-ignores-x", {{"x-match", Str("all")}, {"color", Str("red")}, {"x-tag", Str("t")}}},
      {"all-with-x", {{"x-match", Str("all-with-x")}, {"color", Str("red")}, {"x-tag", Str("t")}}},
      {"any-with-x", {{"x-match", Str("any-with-x")}, {"x-tag", Str("t")}}},
      {"any-ignores-x", {{"x-match", Str("any")}, {"x-tag", Str("t")}}},
      {"empty", {}},
  };
  std::vector<std::unique_ptr<Exchange>> sinks;
  Exchange x("x", ExchangeType::kHeaders, {});
  for (const Case& c : cases) {
    sinks.push_back(std::make_unique<Exchange>(c.name, ExchangeType::kFanout, ExchangeOptions{}));
    // The routing key plays no part in a headers exchange.
    ASSERT_TRUE(x.bind(sinks.back().get(), "ignored", c.args));
  }
  auto modes = [&](Table headers) {
    Names names = matched(x, message("k", std::move(headers)));
    for (std::string& n : names) n.erase(0, 2);
    return names;
  };
  // A 64-bit 1 equals the binding's 32-bit 1.
  EXPECT_EQ(modes({{"color", Str("red")}, {"size", Value::Int64(1)}}),
            (Names{"all", "all-ignores-x", "any", "default-all", "empty"}));
  EXPECT_EQ(modes({{"color", Str("red")}, {"x-tag", Str("t")}}),
            (Names{"all-ignores-x", "all-with-x", "any", "any-with-x", "default-all", "empty"}));
  EXPECT_EQ(modes({{"x-tag", Str("t")}}), (Names{"any-with-x", "empty"}));
  EXPECT_EQ(modes({{"color", Str("blue")}, {"size", Value::Int32(1)}}), (Names{"any", "empty"}));
  // No headers at all: only the binding with nothing to compare.
  EXPECT_EQ(modes({}), Names{"empty"});
}

// ---- the binding set ----

TEST_F(ExchangeTest, BindIsIdempotentForTheSameDestinationKeyAndArguments) {
  Exchange x("x", ExchangeType::kDirect, {});
  const Table args{{"a", Value::Int32(1)}, {"b", Str("two")}};
  EXPECT_TRUE(x.bind(q("q1"), "k", args));
  EXPECT_FALSE(x.bind(q("q1"), "k", args));
  // Argument order does not make a binding different.
  EXPECT_FALSE(x.bind(q("q1"), "k", Table{{"b", Str("two")}, {"a", Value::Int32(1)}}));
  EXPECT_EQ(x.binding_count(), 1u);
  EXPECT_EQ(matched(x, message("k")), Names{"q:q1"});  // the index holds it once too
  // Another key, other arguments or another destination is another binding.
  EXPECT_TRUE(x.bind(q("q1"), "j", args));
  EXPECT_TRUE(x.bind(q("q1"), "k", {}));
  EXPECT_TRUE(x.bind(q("q1"), "k", Table{{"a", Value::Int32(2)}, {"b", Str("two")}}));
  EXPECT_TRUE(x.bind(q("q2"), "k", args));
  EXPECT_EQ(x.binding_count(), 5u);
  EXPECT_TRUE(x.has_binding(q("q1"), "k", Table{{"b", Str("two")}, {"a", Value::Int32(1)}}));
  EXPECT_FALSE(x.has_binding(q("q1"), "k", Table{{"a", Value::Int32(1)}}));
  EXPECT_FALSE(x.has_binding(q("q3"), "k", args));
}

TEST_F(ExchangeTest, UnbindRemovesOnlyTheIdenticalBinding) {
  Exchange x("x", ExchangeType::kTopic, {});
  const Table args{{"a", Value::Int32(1)}};
  ASSERT_TRUE(x.bind(q("q1"), "k.*", args));
  ASSERT_TRUE(x.bind(q("q2"), "k.*", args));
  EXPECT_FALSE(x.unbind(q("q3"), "k.*", args));  // never bound
  EXPECT_FALSE(x.unbind(q("q1"), "k.#", args));  // another key
  EXPECT_FALSE(x.unbind(q("q1"), "k.*", {}));    // other arguments
  EXPECT_FALSE(x.unbind(s(), "k.*", args));      // another destination kind
  EXPECT_EQ(x.binding_count(), 2u);
  EXPECT_TRUE(x.has_binding_to(q("q1")));
  EXPECT_TRUE(x.unbind(q("q1"), "k.*", args));
  EXPECT_FALSE(x.unbind(q("q1"), "k.*", args));  // already gone
  EXPECT_FALSE(x.has_binding_to(q("q1")));
  EXPECT_EQ(matched(x, message("k.z")), Names{"q:q2"});
  EXPECT_TRUE(x.unbind(q("q2"), "k.*", args));
  EXPECT_FALSE(x.has_bindings());
  EXPECT_TRUE(matched(x, message("k.z")).empty());
}

TEST_F(ExchangeTest, QueueStreamAndExchangeAreDistinctDestinationsAtOneKey) {
  Exchange x("x", ExchangeType::kDirect, {});
  Exchange inner("inner", ExchangeType::kFanout, {});
  ASSERT_TRUE(x.bind(q("q1"), "k", {}));
  ASSERT_TRUE(x.bind(q("q1"), "j", {}));
  ASSERT_TRUE(x.bind(q("q2"), "k", {}));
  ASSERT_TRUE(x.bind(s(), "k", {}));
  ASSERT_TRUE(x.bind(&inner, "k", {}));
  EXPECT_TRUE(x.has_binding(s(), "k", {}));
  EXPECT_FALSE(x.has_binding(s(), "j", {}));

  EXPECT_EQ(x.unbind_all(q("q1")), 2u);
  EXPECT_EQ(x.unbind_all(q("q1")), 0u);
  EXPECT_FALSE(x.has_binding_to(q("q1")));
  EXPECT_TRUE(x.has_binding_to(q("q2")));
  EXPECT_TRUE(x.has_binding_to(s()));
  EXPECT_TRUE(x.has_binding_to(&inner));
  EXPECT_TRUE(matched(x, message("j")).empty());
  EXPECT_EQ(matched(x, message("k")), (Names{"q:q2", "s:s", "x:inner"}));

  EXPECT_EQ(x.unbind_all(s()), 1u);
  EXPECT_FALSE(x.has_binding_to(s()));
  EXPECT_EQ(matched(x, message("k")), (Names{"q:q2", "x:inner"}));
  EXPECT_EQ(x.unbind_all(&inner), 1u);
  EXPECT_EQ(x.binding_count(), 1u);
  EXPECT_EQ(matched(x, message("k")), Names{"q:q2"});
}

TEST(DestinationTest, KindIsPartOfTheIdentityEvenAtOneAddress) {
  // Routing never dereferences a destination, so one address can stand for all three kinds.
  alignas(std::max_align_t) char storage[16];
  const Destination as_queue(reinterpret_cast<Queue*>(storage));
  const Destination as_stream(reinterpret_cast<Stream*>(storage));
  const Destination as_exchange(reinterpret_cast<Exchange*>(storage));
  EXPECT_NE(as_queue, as_stream);
  EXPECT_NE(as_stream, as_exchange);
  EXPECT_EQ(as_queue.queue(), reinterpret_cast<Queue*>(storage));
  EXPECT_EQ(as_queue.stream(), nullptr);
  EXPECT_EQ(as_queue.exchange(), nullptr);

  Exchange x("x", ExchangeType::kFanout, {});
  EXPECT_TRUE(x.bind(as_queue, "k", {}));
  EXPECT_TRUE(x.bind(as_stream, "k", {}));
  EXPECT_TRUE(x.bind(as_exchange, "k", {}));
  EXPECT_EQ(x.binding_count(), 3u);
  EXPECT_EQ(x.unbind_all(as_stream), 1u);
  EXPECT_TRUE(x.has_binding_to(as_queue));
  EXPECT_FALSE(x.has_binding_to(as_stream));
  EXPECT_TRUE(x.has_binding(as_exchange, "k", {}));
}

TEST_F(ExchangeTest, BindingsAreListedInBindOrder) {
  Exchange x("x", ExchangeType::kDirect, {});
  Names expected;
  for (int i = 0; i < 40; ++i) {
    const std::string key = "k" + std::to_string((i * 17) % 40);  // not in key order
    ASSERT_TRUE(x.bind(q(i % 2 == 0 ? "q1" : "q2"), key, {}));
    expected.push_back(key);
  }
  auto listed = [&] {
    Names keys;
    for (const Binding* b : x.bindings()) keys.push_back(b->key);
    return keys;
  };
  EXPECT_EQ(listed(), expected);
  // An unbound then re-bound binding is a new one: it moves to the end.
  ASSERT_TRUE(x.unbind(q("q1"), expected[0], {}));
  EXPECT_FALSE(x.bind(q("q2"), expected[1], {}));  // already there: keeps its place
  ASSERT_TRUE(x.bind(q("q1"), expected[0], {}));
  expected.push_back(expected[0]);
  expected.erase(expected.begin());
  EXPECT_EQ(listed(), expected);
}

// ---- VHost::route ----

TEST_F(ExchangeTest, DirectQueueBoundByTwoKeysGetsTheMessageOnce) {
  bind("q1", "x.direct", "a");
  bind("q1", "x.direct", "b");
  bind("q2", "x.direct", "b");
  Exchange& x = *vhost_->find_exchange("x.direct");
  // Both of q1's bindings match when the CC header adds the second key ...
  Message m = message("a", {{"CC", Value::Arr({Str("b")})}});
  std::vector<const Binding*> out;
  x.route(m, out);
  x.route(m, "b", out);
  EXPECT_EQ(out.size(), 3u);
  // ... and the vhost delivers to it once.
  EXPECT_EQ(routed("x.direct", m), (Names{"q1", "q2"}));
  EXPECT_EQ(routed("x.direct", message("a")), Names{"q1"});
}

TEST_F(ExchangeTest, ExchangeToExchangeFollowsCyclesOnce) {
  declare_exchange("x1", "topic");
  declare_exchange("x2", "direct");
  declare_exchange("x3", "fanout");
  bind_x("x2", "x1", "#");
  bind_x("x3", "x2", "a");
  bind_x("x1", "x3", "");  // x1 -> x2 -> x3 -> x1
  bind("q1", "x1", "a");
  bind("q2", "x2", "a");
  bind("q3", "x3", "");
  EXPECT_EQ(routed("x1", message("a")), (Names{"q1", "q2", "q3"}));
  EXPECT_TRUE(routed("x1", message("b")).empty());  // x2 stops it
  EXPECT_EQ(routed("x3", message("b")), Names{"q3"});
  EXPECT_EQ(routed("x2", message("a")), (Names{"q1", "q2", "q3"}));
  // A diamond: two paths to one queue deliver once.
  declare_exchange("d", "fanout");
  bind_x("x2", "d", "");
  bind_x("x3", "d", "");
  EXPECT_EQ(routed("d", message("z")), Names{"q3"});
}

TEST_F(ExchangeTest, AlternateExchangeOnlyWhenNothingMatched) {
  ExchangeOptions with_ae;
  with_ae.arguments.emplace_back("alternate-exchange", Str("ae"));
  declare_exchange("main", "direct", with_ae);
  ExchangeOptions internal;
  internal.internal = true;  // an internal alternate is still used
  declare_exchange("ae", "fanout", internal);
  declare_exchange("empty", "fanout");
  bind("q1", "main", "k");
  bind("q3", "ae", "");
  bind_x("empty", "main", "to-empty");
  EXPECT_EQ(routed("main", message("k")), Names{"q1"});
  EXPECT_EQ(routed("main", message("other")), Names{"q3"});
  // A match that leads nowhere is still a match: the alternate is not used.
  EXPECT_TRUE(routed("main", message("to-empty")).empty());

  // Each exchange on the way consults its own alternate.
  declare_exchange("front", "fanout");
  bind_x("main", "front", "");
  EXPECT_EQ(routed("front", message("other")), Names{"q3"});

  // Alternates in a loop, or naming a missing exchange, end with nothing routed.
  ExchangeOptions to_b, to_a, to_missing;
  to_b.arguments.emplace_back("alternate-exchange", Str("alt-b"));
  to_a.arguments.emplace_back("alternate-exchange", Str("alt-a"));
  to_missing.arguments.emplace_back("alternate-exchange", Str("missing"));
  declare_exchange("alt-a", "direct", to_b);
  declare_exchange("alt-b", "direct", to_a);
  declare_exchange("lost", "direct", to_missing);
  bind("q2", "alt-b", "k");
  EXPECT_EQ(routed("alt-a", message("k")), Names{"q2"});
  EXPECT_TRUE(routed("alt-a", message("none")).empty());
  EXPECT_TRUE(routed("lost", message("k")).empty());
}

TEST_F(ExchangeTest, InternalAndMissingExchanges) {
  ExchangeOptions internal;
  internal.internal = true;
  declare_exchange("inner", "fanout", internal);
  declare_exchange("outer", "fanout");
  bind("q1", "inner", "");
  bind_x("inner", "outer", "");
  EXPECT_EQ(routed("inner", message("k")), Names{error(ErrorCode::kAccessRefused)});
  EXPECT_EQ(routed("inner", message("k"), true), Names{"q1"});
  // Reaching an internal exchange through a binding is what it is for.
  EXPECT_EQ(routed("outer", message("k")), Names{"q1"});
  EXPECT_EQ(routed("nope", message("k")), Names{error(ErrorCode::kNotFound)});
  EXPECT_EQ(routed("nope", message("k"), true), Names{error(ErrorCode::kNotFound)});
  // A failed route leaves the output alone.
  std::vector<Queue*> out{q("q2")};
  EXPECT_FALSE(vhost_->route("nope", message("k"), out).ok());
  EXPECT_EQ(out, std::vector<Queue*>{q("q2")});
}

TEST_F(ExchangeTest, CcAndBccKeysApplyAtEveryExchangeOnTheWay) {
  declare_exchange("x1", "direct");
  declare_exchange("x2", "topic");
  bind("q1", "x1", "k");
  bind_x("x2", "x1", "cc-key");
  bind("q2", "x2", "cc-key");
  bind("q3", "x2", "bcc.*");
  const Message with_cc = message("k", {{"CC", Value::Arr({Str("cc-key")})}});
  EXPECT_EQ(routed("x1", message("k")), Names{"q1"});
  // x2 is reached by the CC key, and matches q2 by it too.
  EXPECT_EQ(routed("x1", with_cc), (Names{"q1", "q2"}));
  const std::vector<std::string> bcc{"bcc.1"};
  EXPECT_EQ(routed("x1", with_cc, false, &bcc), (Names{"q1", "q2", "q3"}));
  // Without the CC key, x2 is not reached at all, so the BCC key alone routes nowhere there.
  EXPECT_EQ(routed("x1", message("k"), false, &bcc), Names{"q1"});
  // On the default exchange the extra keys are queue names.
  const std::vector<std::string> bcc_q3{"q3"};
  EXPECT_EQ(routed("", message("q1", {{"CC", Value::Arr({Str("q2"), Str("q1")})}}), false, &bcc_q3),
            (Names{"q1", "q2", "q3"}));
  // A CC or BCC header that is not an array is refused.
  EXPECT_EQ(routed("x1", message("k", {{"CC", Str("cc-key")}})),
            Names{error(ErrorCode::kPreconditionFailed)});
  EXPECT_EQ(routed("x1", message("k", {{"BCC", Value::Int32(1)}})),
            Names{error(ErrorCode::kPreconditionFailed)});
}

// ---- streams as destinations ----

TEST(ExchangeStreamsTest, StreamsNeedStorage) {
  VHost v("/");
  Stream* stream = nullptr;
  EXPECT_EQ(v.declare_stream("s", {}, stream).code(), ErrorCode::kNotImplemented);
  EXPECT_EQ(stream, nullptr);
}

TEST_F(ExchangeTest, RouteCollectsStreamsOnlyWhenAsked) {
  ASSERT_TRUE(vhost_->bind_stream("s", "x.direct", "k", {}).ok());
  ASSERT_TRUE(vhost_->bind_stream("s", "x.direct", "j", {}).ok());
  bind("q1", "x.direct", "k");
  Names streams;
  EXPECT_EQ(routed("x.direct", message("k"), false, nullptr, &streams), Names{"q1"});
  EXPECT_EQ(streams, Names{"s"});
  // Without the out-parameter the stream is passed over; the queue still gets it.
  EXPECT_EQ(routed("x.direct", message("k")), Names{"q1"});
  // Two keys matching two bindings of the stream: it is listed once.
  streams.clear();
  const Message cc_j = message("k", {{"CC", Value::Arr({Str("j")})}});
  EXPECT_EQ(routed("x.direct", cc_j, false, nullptr, &streams), Names{"q1"});
  EXPECT_EQ(streams, Names{"s"});
  // Through an exchange-to-exchange binding, beside a direct binding of the same stream.
  declare_exchange("front", "fanout");
  bind_x("x.direct", "front", "");
  ASSERT_TRUE(vhost_->bind_stream("s", "front", "", {}).ok());
  streams.clear();
  EXPECT_EQ(routed("front", message("j"), false, nullptr, &streams), Names{});
  EXPECT_EQ(streams, Names{"s"});
  // Deleting the stream removes its bindings everywhere.
  ASSERT_TRUE(vhost_->delete_stream("s").ok());
  EXPECT_EQ(vhost_->find_exchange("x.direct")->binding_count(), 1u);
  EXPECT_EQ(vhost_->find_exchange("front")->binding_count(), 1u);
  streams.clear();
  EXPECT_EQ(routed("front", message("k"), false, nullptr, &streams), Names{"q1"});
  EXPECT_TRUE(streams.empty());
}

}  // namespace
}  // namespace polymq::core
