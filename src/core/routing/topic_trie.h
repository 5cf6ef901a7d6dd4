// Topic exchange matching, with RabbitMQ's semantics.
//
// A key is split into words at every '.'. Splitting follows RabbitMQ
// (rabbit_db_topic_exchange:split_topic_key/1):
//   - the empty key "" has ZERO words;
//   - any other key has (number of dots + 1) words, and empty words are ordinary words:
//     "a..b" is ["a", "", "b"], "a." is ["a", ""], "." is ["", ""].
// In a binding key the words "*" (exactly one word) and "#" (zero or more words) are wildcards;
// only whole words are: "a*" or "#b" are literal words. In a routing key every word is literal:
// "*" or "#" there are ordinary words, matched by the wildcards like any other word.
//
// Consequences for the empty key and empty words (RabbitMQ's own topic routing test expects
// exactly these; e.g. routing key "" is delivered to bindings "", "#", "#.#" and "#.#.#" only):
//   binding ""   matches only routing key "" (not ".", which is two empty words);
//   binding "#"  matches every routing key, "" included;
//   binding "*"  matches one-word keys such as "a"; not "" (zero words), not "." (two words);
//   binding "*.*" matches "." and "a." and ".b";
//   binding "a.*" matches "a." (the second word is empty) but not "a";
//   binding "a.#" matches "a", "a." and "a.b.c"; binding "#.a" matches "a" and ".a".
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

namespace polymq::core {

using BindingId = uint64_t;

// Index of topic bindings: a trie over binding-key words with the wildcards as their own edges.
// Matching simulates all trie paths in step over the routing key's words, keeping each node at
// most once per step, so its cost is O(words x live nodes) whatever the patterns ("#.#.#.#"
// against a long key included), never exponential.
//
// REQUIRES: external synchronization for add/remove; const members may run concurrently.
class TopicTrie {
 public:
  TopicTrie();
  ~TopicTrie();
  TopicTrie(TopicTrie&&) noexcept;
  TopicTrie& operator=(TopicTrie&&) noexcept;
  TopicTrie(const TopicTrie&) = delete;
  TopicTrie& operator=(const TopicTrie&) = delete;

  // Adds the pair (binding_key, id). Adding a pair that is already present changes nothing.
  // One id may be added under several keys and one key may hold several ids.
  void add(std::string_view binding_key, BindingId id);
  // Removes the pair; false when it was not present. Nodes left without bindings or children
  // are freed.
  bool remove(std::string_view binding_key, BindingId id);
  // Appends to `out` the id of every pair whose binding key matches `routing_key`. Each id is
  // appended once even when it is held under several matching keys or several trie paths lead
  // to it; the appended ids are in ascending order. Entries already in `out` are left alone.
  void match(std::string_view routing_key, std::vector<BindingId>& out) const;

  // Number of (binding key, id) pairs held.
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

 private:
  struct Node;

  std::unique_ptr<Node> root_;
  size_t size_ = 0;
};

// Whether `binding_key` matches `routing_key`, with the rules above. Linear in the product of
// the two word counts; for one-off checks, and the reference the trie is tested against.
bool topic_matches(std::string_view binding_key, std::string_view routing_key);

}  // namespace polymq::core
