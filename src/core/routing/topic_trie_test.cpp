#include "core/routing/topic_trie.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace polymq::core {
namespace {

std::vector<BindingId> Match(const TopicTrie& trie, std::string_view routing_key) {
  std::vector<BindingId> out;
  trie.match(routing_key, out);
  return out;
}

// Straightforward recursive matcher over explicit word lists: exponential, so only for the
// short keys used to check topic_matches itself.
std::vector<std::string> Words(const std::string& key) {
  std::vector<std::string> words;
  if (key.empty()) return words;
  size_t start = 0;
  for (size_t dot; (dot = key.find('.', start)) != std::string::npos; start = dot + 1) {
    words.push_back(key.substr(start, dot - start));
  }
  words.push_back(key.substr(start));
  return words;
}

bool NaiveMatch(const std::vector<std::string>& p, size_t i, const std::vector<std::string>& r,
                size_t j) {
  if (i == p.size()) return j == r.size();
  if (p[i] == "#") {
    for (size_t k = j; k <= r.size(); ++k) {
      if (NaiveMatch(p, i + 1, r, k)) return true;
    }
    return false;
  }
  if (j == r.size()) return false;
  return (p[i] == "*" || p[i] == r[j]) && NaiveMatch(p, i + 1, r, j + 1);
}

bool NaiveMatch(const std::string& binding, const std::string& routing) {
  return NaiveMatch(Words(binding), 0, Words(routing), 0);
}

// ---------------------------------------------------------------------------------------------
// The binding set and expectations of RabbitMQ's topic exchange routing test. Binding i + 1 has
// key kMatrixKeys[i]; ids 1 and 20 share the key "a.b.c".

const std::vector<std::string> kMatrixKeys = {
    "a.b.c",         "a.*.c", "a.#.b", "a.b.b.c", "#",     "#.#",   "#.b", "*.*",  "a.*",
    "*.b.c",         "a.#",   "a.#.#", "b.b.c",   "a.b.b", "a.b",   "b.c", "",     "*.*.*",
    "vodka.martini", "a.b.c", "*.#",   "#.*.#",   "*.#.#", "#.#.#", "*",   "#.b.#"};

TopicTrie MatrixTrie() {
  TopicTrie trie;
  for (size_t i = 0; i < kMatrixKeys.size(); ++i) trie.add(kMatrixKeys[i], i + 1);
  return trie;
}

struct Expect {
  std::string routing_key;
  std::vector<BindingId> ids;
};

void CheckAll(const TopicTrie& trie, const std::vector<Expect>& cases) {
  for (const Expect& c : cases) {
    EXPECT_EQ(Match(trie, c.routing_key), c.ids) << "routing key \"" << c.routing_key << "\"";
  }
}

TEST(TopicTrieTest, RabbitMatrix) {
  TopicTrie trie = MatrixTrie();
  EXPECT_EQ(trie.size(), 26u);
  CheckAll(trie, {
                     {"a.b.c", {1, 2, 5, 6, 10, 11, 12, 18, 20, 21, 22, 23, 24, 26}},
                     {"a.b", {3, 5, 6, 7, 8, 9, 11, 12, 15, 21, 22, 23, 24, 26}},
                     {"a.b.b", {3, 5, 6, 7, 11, 12, 14, 18, 21, 22, 23, 24, 26}},
                     {"", {5, 6, 17, 24}},
                     {"b.c.c", {5, 6, 18, 21, 22, 23, 24, 26}},
                     {"a.a.a.a.a", {5, 6, 11, 12, 21, 22, 23, 24}},
                     {"vodka.gin", {5, 6, 8, 21, 22, 23, 24}},
                     {"vodka.martini", {5, 6, 8, 19, 21, 22, 23, 24}},
                     {"b.b.c", {5, 6, 10, 13, 18, 21, 22, 23, 24, 26}},
                     {"nothing.here.at.all", {5, 6, 21, 22, 23, 24}},
                     {"oneword", {5, 6, 21, 22, 23, 24, 25}},
                 });
}

TEST(TopicTrieTest, RabbitMatrixAfterRemovals) {
  TopicTrie trie = MatrixTrie();
  for (BindingId id : {1, 5, 11, 19, 21}) {
    EXPECT_TRUE(trie.remove(kMatrixKeys[id - 1], id)) << id;
  }
  EXPECT_EQ(trie.size(), 21u);
  CheckAll(trie, {
                     {"a.b.c", {2, 6, 10, 12, 18, 20, 22, 23, 24, 26}},
                     {"a.b", {3, 6, 7, 8, 9, 12, 15, 22, 23, 24, 26}},
                     {"a.b.b", {3, 6, 7, 12, 14, 18, 22, 23, 24, 26}},
                     {"", {6, 17, 24}},
                     {"b.c.c", {6, 18, 22, 23, 24, 26}},
                     {"a.a.a.a.a", {6, 12, 22, 23, 24}},
                     {"vodka.gin", {6, 8, 22, 23, 24}},
                     {"vodka.martini", {6, 8, 22, 23, 24}},
                     {"b.b.c", {6, 10, 13, 18, 22, 23, 24, 26}},
                     {"nothing.here.at.all", {6, 22, 23, 24}},
                     {"oneword", {6, 22, 23, 24, 25}},
                 });
}

TEST(TopicTrieTest, RemovingEverythingLeavesNothingToMatch) {
  TopicTrie trie = MatrixTrie();
  for (size_t i = 0; i < kMatrixKeys.size(); ++i) {
    EXPECT_TRUE(trie.remove(kMatrixKeys[i], i + 1));
  }
  EXPECT_TRUE(trie.empty());
  EXPECT_EQ(trie.size(), 0u);
  CheckAll(trie, {{"a.b.c", {}}, {"b.b.c", {}}, {"", {}}});
}

// ---------------------------------------------------------------------------------------------
// Empty keys and empty words.

struct Case {
  const char* binding;
  const char* routing;
  bool matches;
};

const Case kEdgeCases[] = {
    // The empty key has no words.
    {"", "", true},
    {"#", "", true},
    {"#.#", "", true},
    {"*", "", false},
    {"*.#", "", false},
    {"#.*", "", false},
    {"", ".", false},
    {"", "a", false},
    {"a", "", false},
    // Empty words are words.
    {"*", ".", false},
    {"*.*", ".", true},
    {".", ".", true},
    {".", "", false},
    {"#", ".", true},
    {"a.*", "a.", true},
    {"a.*", "a", false},
    {"a.", "a.", true},
    {"a.", "a", false},
    {"a", "a.", false},
    {"a.#", "a", true},
    {"a.#", "a.", true},
    {"a.#", "a..", true},
    {"#.a", ".a", true},
    {"#.a", "a", true},
    {"*.a", ".a", true},
    {"*.a", "a", false},
    {"a..b", "a..b", true},
    {"a.*.b", "a..b", true},
    {"a.#.b", "a..b", true},
    {"a.#.b", "a.b", true},
    {"a..b", "a.b", false},
    {"..", "..", true},
    {"*.*.*", "..", true},
    {"*.*", "..", false},
    {"#..#", "..", true},
    {"#..#", "a.b", false},
    // Wildcards are whole words only; in routing keys they are ordinary words.
    {"a*", "ab", false},
    {"a*", "a*", true},
    {"#a", "a", false},
    {"#a", "#a", true},
    {"*", "*", true},
    {"*", "#", true},
    {"#", "#", true},
    {"a.#", "a.#.#", true},
    {"a.*", "a.#", true},
    {"a.b", "a.*", false},
    {"a.b", "#", false},
    // Ordinary cases.
    {"a.b.c", "a.b.c", true},
    {"a.b.c", "a.b", false},
    {"a.b.c", "a.b.c.d", false},
    {"*.b.*", "a.b.c", true},
    {"#.c", "a.b.c", true},
    {"#.#.c", "c", true},
    {"a.#.#.d", "a.d", true},
    {"a.#.c.#.e", "a.b.c.d.e", true},
    {"a.#.c.#.e", "a.c.e", true},
    {"a.#.c.#.e", "a.b.d.e", false},
    {"#.*.#.*.#", "a", false},
    {"#.*.#.*.#", "a.b", true},
};

TEST(TopicTrieTest, EdgeCasesFreeFunction) {
  for (const Case& c : kEdgeCases) {
    EXPECT_EQ(topic_matches(c.binding, c.routing), c.matches)
        << "binding \"" << c.binding << "\" routing \"" << c.routing << "\"";
    EXPECT_EQ(NaiveMatch(c.binding, c.routing), c.matches)
        << "binding \"" << c.binding << "\" routing \"" << c.routing << "\"";
  }
}

TEST(TopicTrieTest, EdgeCasesTrie) {
  for (const Case& c : kEdgeCases) {
    TopicTrie trie;
    trie.add(c.binding, 7);
    EXPECT_EQ(Match(trie, c.routing),
              c.matches ? std::vector<BindingId>{7} : std::vector<BindingId>{})
        << "binding \"" << c.binding << "\" routing \"" << c.routing << "\"";
  }
  // All of them in one trie at once.
  TopicTrie trie;
  for (size_t i = 0; i < std::size(kEdgeCases); ++i) trie.add(kEdgeCases[i].binding, i);
  for (const Case& c : kEdgeCases) {
    std::vector<BindingId> expected;
    for (size_t i = 0; i < std::size(kEdgeCases); ++i) {
      if (topic_matches(kEdgeCases[i].binding, c.routing)) expected.push_back(i);
    }
    EXPECT_EQ(Match(trie, c.routing), expected) << "routing \"" << c.routing << "\"";
  }
}

// ---------------------------------------------------------------------------------------------
// Adding and removing.

TEST(TopicTrieTest, AddIsIdempotent) {
  TopicTrie trie;
  trie.add("a.b", 1);
  trie.add("a.b", 1);
  EXPECT_EQ(trie.size(), 1u);
  EXPECT_EQ(Match(trie, "a.b"), (std::vector<BindingId>{1}));
  EXPECT_TRUE(trie.remove("a.b", 1));
  EXPECT_TRUE(trie.empty());
  EXPECT_TRUE(Match(trie, "a.b").empty());
}

TEST(TopicTrieTest, SeveralIdsOnOneKey) {
  TopicTrie trie;
  trie.add("a.*", 30);
  trie.add("a.*", 10);
  trie.add("a.*", 20);
  EXPECT_EQ(trie.size(), 3u);
  EXPECT_EQ(Match(trie, "a.x"), (std::vector<BindingId>{10, 20, 30}));
  EXPECT_TRUE(trie.remove("a.*", 20));
  EXPECT_EQ(Match(trie, "a.x"), (std::vector<BindingId>{10, 30}));
  EXPECT_FALSE(trie.remove("a.*", 20));
  EXPECT_EQ(trie.size(), 2u);
}

TEST(TopicTrieTest, OneIdUnderSeveralMatchingKeysIsReportedOnce) {
  TopicTrie trie;
  trie.add("#", 5);
  trie.add("a.#", 5);
  trie.add("*.b", 5);
  trie.add("a.b", 5);
  trie.add("a.b", 6);
  EXPECT_EQ(trie.size(), 5u);
  EXPECT_EQ(Match(trie, "a.b"), (std::vector<BindingId>{5, 6}));
  EXPECT_EQ(Match(trie, "z"), (std::vector<BindingId>{5}));
}

TEST(TopicTrieTest, ManyPathsToOneBindingReportItOnce) {
  TopicTrie trie;
  trie.add("#.#", 1);
  trie.add("#.#.#.#", 2);
  trie.add("#.a.#", 3);
  trie.add("#.*.#", 4);
  EXPECT_EQ(Match(trie, "a.a.a.a.a"), (std::vector<BindingId>{1, 2, 3, 4}));
  EXPECT_EQ(Match(trie, "b"), (std::vector<BindingId>{1, 2, 4}));
  EXPECT_EQ(Match(trie, ""), (std::vector<BindingId>{1, 2}));
}

TEST(TopicTrieTest, MatchAppendsWithoutTouchingExistingEntries) {
  TopicTrie trie;
  trie.add("#", 1);
  trie.add("a", 2);
  std::vector<BindingId> out = {2, 99};
  trie.match("a", out);
  EXPECT_EQ(out, (std::vector<BindingId>{2, 99, 1, 2}));
}

TEST(TopicTrieTest, RemoveRequiresTheExactPair) {
  TopicTrie trie;
  trie.add("a.b.c", 1);
  EXPECT_FALSE(trie.remove("a.b.c", 2));
  EXPECT_FALSE(trie.remove("a.b", 1));
  EXPECT_FALSE(trie.remove("a.b.c.d", 1));
  EXPECT_FALSE(trie.remove("a.*.c", 1));
  EXPECT_FALSE(trie.remove("", 1));
  EXPECT_EQ(trie.size(), 1u);
  EXPECT_TRUE(trie.remove("a.b.c", 1));
  EXPECT_FALSE(trie.remove("a.b.c", 1));
  EXPECT_TRUE(trie.empty());
}

TEST(TopicTrieTest, RemovingALeafKeepsItsAncestorsBindings) {
  TopicTrie trie;
  trie.add("a", 1);
  trie.add("a.b", 2);
  trie.add("a.b.c", 3);
  trie.add("a.#", 4);
  EXPECT_TRUE(trie.remove("a.b.c", 3));
  EXPECT_EQ(Match(trie, "a.b.c"), (std::vector<BindingId>{4}));
  EXPECT_EQ(Match(trie, "a.b"), (std::vector<BindingId>{2, 4}));
  EXPECT_TRUE(trie.remove("a", 1));  // interior node: still holds a child
  EXPECT_EQ(Match(trie, "a"), (std::vector<BindingId>{4}));
  EXPECT_EQ(Match(trie, "a.b"), (std::vector<BindingId>{2, 4}));
  EXPECT_TRUE(trie.remove("a.#", 4));
  EXPECT_TRUE(Match(trie, "a").empty());
  EXPECT_EQ(Match(trie, "a.b"), (std::vector<BindingId>{2}));
}

TEST(TopicTrieTest, ReAddAfterRemove) {
  TopicTrie trie;
  for (int round = 0; round < 3; ++round) {
    trie.add("x.#.y", 1);
    trie.add("x.*", 2);
    trie.add("", 3);
    EXPECT_EQ(Match(trie, "x.y"), (std::vector<BindingId>{1, 2}));
    EXPECT_EQ(Match(trie, ""), (std::vector<BindingId>{3}));
    EXPECT_TRUE(trie.remove("x.#.y", 1));
    EXPECT_TRUE(trie.remove("x.*", 2));
    EXPECT_TRUE(trie.remove("", 3));
    EXPECT_TRUE(trie.empty());
    EXPECT_TRUE(Match(trie, "x.y").empty());
  }
}

TEST(TopicTrieTest, MovedTrieKeepsBindingsAndSourceIsEmpty) {
  TopicTrie a;
  a.add("a.*", 1);
  TopicTrie b(std::move(a));
  EXPECT_EQ(Match(b, "a.b"), (std::vector<BindingId>{1}));
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): documented moved-from state
  EXPECT_TRUE(Match(a, "a.b").empty());
  a.add("c", 2);
  EXPECT_EQ(Match(a, "c"), (std::vector<BindingId>{2}));
  b = std::move(a);
  EXPECT_EQ(Match(b, "c"), (std::vector<BindingId>{2}));
  EXPECT_TRUE(Match(b, "a.b").empty());
}

// ---------------------------------------------------------------------------------------------
// Patterns whose naive backtracking is exponential. Each of these would not finish if the trie
// (or topic_matches) explored every way the "#"s can split the key.

std::string Repeat(std::string_view word, size_t n) {
  std::string s;
  for (size_t i = 0; i < n; ++i) {
    if (i > 0) s += '.';
    s += word;
  }
  return s;
}

TEST(TopicTrieTest, PathologicalHashChainsStayPolynomial) {
  const std::string hashes = Repeat("#", 40);
  const std::string no_match = hashes + ".z";  // needs a final "z" that never comes
  const std::string interleaved = Repeat("#.a", 30) + ".#.z";
  const std::string key = Repeat("a", 400);

  TopicTrie trie;
  trie.add(hashes, 1);
  trie.add(no_match, 2);
  trie.add(interleaved, 3);
  trie.add(Repeat("#.*", 30) + ".#", 4);
  EXPECT_EQ(Match(trie, key), (std::vector<BindingId>{1, 4}));
  EXPECT_EQ(Match(trie, key + ".z"), (std::vector<BindingId>{1, 2, 3, 4}));

  EXPECT_TRUE(topic_matches(hashes, key));
  EXPECT_FALSE(topic_matches(no_match, key));
  EXPECT_FALSE(topic_matches(interleaved, key));
  EXPECT_TRUE(topic_matches(interleaved, key + ".z"));
}

TEST(TopicTrieTest, ManyBindingsUnderOneHash) {
  TopicTrie trie;
  std::vector<BindingId> all;
  for (BindingId id = 1; id <= 2000; ++id) {
    trie.add("#", id);
    trie.add("#." + std::to_string(id), id);
    all.push_back(id);
  }
  EXPECT_EQ(trie.size(), 4000u);
  EXPECT_EQ(Match(trie, "x.y.z"), all);
  EXPECT_EQ(Match(trie, "x.17"), all);
}

// ---------------------------------------------------------------------------------------------
// Randomized cross-check of the trie against topic_matches, and of topic_matches against the
// naive matcher.

std::string RandomKey(std::mt19937& rng, const std::vector<std::string>& alphabet,
                      size_t max_words) {
  size_t n = std::uniform_int_distribution<size_t>(0, max_words)(rng);
  std::vector<std::string> words;
  for (size_t i = 0; i < n; ++i) {
    words.push_back(alphabet[std::uniform_int_distribution<size_t>(0, alphabet.size() - 1)(rng)]);
  }
  std::string key;
  for (size_t i = 0; i < words.size(); ++i) {
    if (i > 0) key += '.';
    key += words[i];
  }
  return key;
}

TEST(TopicTrieTest, RandomizedAgainstReference) {
  std::mt19937 rng(20240521);
  const std::vector<std::string> binding_words = {"a", "b", "ab", "", "*", "#", "#", "*"};
  const std::vector<std::string> routing_words = {"a", "b", "ab", "", "*", "#", "c"};

  // Every id under one key, every seventh under a second one too.
  std::map<BindingId, std::set<std::string>> keys_by_id;
  TopicTrie trie;
  size_t pairs = 0;
  for (BindingId id = 0; id < 250; ++id) {
    size_t count = id % 7 == 0 ? 2 : 1;
    for (size_t k = 0; k < count; ++k) {
      std::string key = RandomKey(rng, binding_words, 6);
      trie.add(key, id);
      if (keys_by_id[id].insert(key).second) ++pairs;
    }
  }
  EXPECT_EQ(trie.size(), pairs);

  auto check = [&](size_t samples) {
    for (size_t s = 0; s < samples; ++s) {
      std::string routing = RandomKey(rng, routing_words, 8);
      std::vector<BindingId> expected;
      for (const auto& [id, keys] : keys_by_id) {
        if (std::any_of(keys.begin(), keys.end(),
                        [&](const std::string& k) { return topic_matches(k, routing); })) {
          expected.push_back(id);
        }
      }
      ASSERT_EQ(Match(trie, routing), expected) << "routing \"" << routing << "\"";
    }
  };
  check(1200);

  // Remove one key of every other id, then check again.
  for (auto& [id, keys] : keys_by_id) {
    if (id % 2 == 0) {
      ASSERT_TRUE(trie.remove(*keys.begin(), id));
      keys.erase(keys.begin());
      --pairs;
    }
  }
  std::erase_if(keys_by_id, [](const auto& entry) { return entry.second.empty(); });
  EXPECT_EQ(trie.size(), pairs);
  check(1200);
}

TEST(TopicTrieTest, RandomizedReferenceAgainstNaive) {
  std::mt19937 rng(7);
  const std::vector<std::string> binding_words = {"a", "b", "", "*", "#"};
  const std::vector<std::string> routing_words = {"a", "b", "", "*", "#"};
  for (int i = 0; i < 5000; ++i) {
    std::string binding = RandomKey(rng, binding_words, 5);
    std::string routing = RandomKey(rng, routing_words, 6);
    ASSERT_EQ(topic_matches(binding, routing), NaiveMatch(binding, routing))
        << "binding \"" << binding << "\" routing \"" << routing << "\"";
  }
}

}  // namespace
}  // namespace polymq::core
