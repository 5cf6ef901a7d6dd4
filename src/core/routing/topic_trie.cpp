#include "core/routing/topic_trie.h"

#include <algorithm>
#include <functional>
#include <string>
#include <unordered_map>
#include <utility>

namespace polymq::core {

namespace {

constexpr std::string_view kStar = "*";
constexpr std::string_view kHash = "#";

// Calls fn(word) for each word of `key` as split_topic_key splits it: none for "", else one more
// than the number of dots.
template <typename Fn>
void for_each_word(std::string_view key, Fn&& fn) {
  if (key.empty()) return;
  size_t start = 0;
  while (true) {
    size_t dot = key.find('.', start);
    if (dot == std::string_view::npos) {
      fn(key.substr(start));
      return;
    }
    fn(key.substr(start, dot - start));
    start = dot + 1;
  }
}

std::vector<std::string_view> split_words(std::string_view key) {
  std::vector<std::string_view> words;
  for_each_word(key, [&](std::string_view w) { words.push_back(w); });
  return words;
}

struct WordHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

}  // namespace

// A node is the state "the binding words on the path from the root have been matched". The
// wildcard edges are kept apart from the literal ones so a routing word never has to be looked
// up as "*" or "#".
struct TopicTrie::Node {
  std::unordered_map<std::string, std::unique_ptr<Node>, WordHash, std::equal_to<>> literal;
  std::unique_ptr<Node> star;
  std::unique_ptr<Node> hash;
  std::vector<BindingId> ids;  // sorted, unique
  bool is_hash = false;        // reached through a "#" edge: may swallow further words

  bool unused() const { return ids.empty() && literal.empty() && !star && !hash; }

  Node* child(std::string_view word) const {
    if (word == kStar) return star.get();
    if (word == kHash) return hash.get();
    auto it = literal.find(word);
    return it == literal.end() ? nullptr : it->second.get();
  }

  Node* child_or_create(std::string_view word) {
    std::unique_ptr<Node>* slot;
    if (word == kStar) {
      slot = &star;
    } else if (word == kHash) {
      slot = &hash;
    } else {
      auto it = literal.find(word);
      if (it == literal.end()) it = literal.emplace(std::string(word), nullptr).first;
      slot = &it->second;
    }
    if (!*slot) {
      *slot = std::make_unique<Node>();
      (*slot)->is_hash = word == kHash;
    }
    return slot->get();
  }

  void drop_child(std::string_view word) {
    if (word == kStar) {
      star.reset();
    } else if (word == kHash) {
      hash.reset();
    } else if (auto it = literal.find(word); it != literal.end()) {
      literal.erase(it);
    }
  }
};

TopicTrie::TopicTrie() : root_(std::make_unique<Node>()) {}
TopicTrie::~TopicTrie() = default;
TopicTrie::TopicTrie(TopicTrie&& other) noexcept
    : root_(std::move(other.root_)), size_(std::exchange(other.size_, 0)) {}

TopicTrie& TopicTrie::operator=(TopicTrie&& other) noexcept {
  root_ = std::move(other.root_);
  size_ = std::exchange(other.size_, 0);
  return *this;
}

void TopicTrie::add(std::string_view binding_key, BindingId id) {
  if (!root_) root_ = std::make_unique<Node>();  // a moved-from trie stays usable
  Node* node = root_.get();
  for_each_word(binding_key, [&](std::string_view w) { node = node->child_or_create(w); });
  auto it = std::lower_bound(node->ids.begin(), node->ids.end(), id);
  if (it != node->ids.end() && *it == id) return;
  node->ids.insert(it, id);
  ++size_;
}

bool TopicTrie::remove(std::string_view binding_key, BindingId id) {
  if (!root_) return false;
  std::vector<std::string_view> words = split_words(binding_key);
  std::vector<Node*> path;  // path[i] is the node reached after words[0..i)
  path.reserve(words.size() + 1);
  path.push_back(root_.get());
  for (std::string_view w : words) {
    Node* next = path.back()->child(w);
    if (next == nullptr) return false;
    path.push_back(next);
  }
  std::vector<BindingId>& ids = path.back()->ids;
  auto it = std::lower_bound(ids.begin(), ids.end(), id);
  if (it == ids.end() || *it != id) return false;
  ids.erase(it);
  --size_;
  for (size_t i = words.size(); i > 0 && path[i]->unused(); --i) {
    path[i - 1]->drop_child(words[i - 1]);
  }
  return true;
}

void TopicTrie::match(std::string_view routing_key, std::vector<BindingId>& out) const {
  if (size_ == 0) return;

  // Adds `node` and the nodes reachable from it by "#" edges, which match zero words.
  auto enter = [](std::vector<const Node*>& set, const Node* node) {
    for (; node != nullptr; node = node->hash.get()) set.push_back(node);
  };

  std::vector<const Node*> live;
  std::vector<const Node*> next;
  enter(live, root_.get());
  for_each_word(routing_key, [&](std::string_view word) {
    if (live.empty()) return;  // no path left; the remaining words cannot revive one
    next.clear();
    for (const Node* node : live) {
      if (node->is_hash) enter(next, node);
      if (!node->literal.empty()) {
        auto it = node->literal.find(word);
        if (it != node->literal.end()) enter(next, it->second.get());
      }
      if (node->star) enter(next, node->star.get());
    }
    if (next.size() > 1) {
      std::sort(next.begin(), next.end());
      next.erase(std::unique(next.begin(), next.end()), next.end());
    }
    live.swap(next);
  });

  const size_t first = out.size();
  size_t contributing = 0;
  for (const Node* node : live) {
    if (node->ids.empty()) continue;
    out.insert(out.end(), node->ids.begin(), node->ids.end());
    ++contributing;
  }
  if (contributing > 1) {
    std::sort(out.begin() + first, out.end());
    out.erase(std::unique(out.begin() + first, out.end()), out.end());
  }
}

bool topic_matches(std::string_view binding_key, std::string_view routing_key) {
  const std::vector<std::string_view> pattern = split_words(binding_key);
  const size_t n = pattern.size();
  // matched[j]: the first j pattern words match the routing words consumed so far.
  std::vector<char> matched(n + 1, 0);
  std::vector<char> step(n + 1, 0);
  matched[0] = 1;
  for (size_t j = 1; j <= n; ++j) matched[j] = matched[j - 1] && pattern[j - 1] == kHash;
  for_each_word(routing_key, [&](std::string_view word) {
    step[0] = 0;
    for (size_t j = 1; j <= n; ++j) {
      std::string_view p = pattern[j - 1];
      if (p == kHash) {
        step[j] = step[j - 1] || matched[j];  // "#" takes no word, or this word too
      } else {
        step[j] = matched[j - 1] && (p == kStar || p == word);
      }
    }
    matched.swap(step);
  });
  return matched[n] != 0;
}

}  // namespace polymq::core
