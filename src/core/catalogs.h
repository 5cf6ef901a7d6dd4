// What the front-ends keep beside the core's own objects, shown to operators: Kafka topics
// and consumer groups with their lag, SQS queues with their attributes, SNS topics and
// subscriptions. Each kind is a Catalog registered under a path of two segments
// ("kafka/groups"); the management API lists it under /api/polymq/<path> as JSON, knowing no
// protocol: a catalog describes its objects as typed tables (core/value.h).
//
// REQUIRES: every call on the owner (event loop) thread; a catalog outlives its registration.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/value.h"

namespace polymq::core {

class Catalog {
 public:
  virtual ~Catalog() = default;
  // Every object, in a stable order. Each table starts with "vhost" and "name" (strings);
  // the fields after them are the catalog's own (nested tables and arrays allowed).
  virtual std::vector<Table> list() const = 0;
};

class CatalogRegistry {
 public:
  void add(std::string path, const Catalog* catalog) { catalogs_[std::move(path)] = catalog; }
  void remove(std::string_view path) {
    if (auto it = catalogs_.find(path); it != catalogs_.end()) catalogs_.erase(it);
  }
  // Null when nothing is registered under `path`.
  const Catalog* find(std::string_view path) const {
    auto it = catalogs_.find(path);
    return it == catalogs_.end() ? nullptr : it->second;
  }
  std::vector<std::string> paths() const {
    std::vector<std::string> out;
    for (const auto& [path, catalog] : catalogs_) out.push_back(path);
    return out;
  }

 private:
  std::map<std::string, const Catalog*, std::less<>> catalogs_;
};

}  // namespace polymq::core
