#include "sqs/queue_catalog.h"

#include <algorithm>

#include "sqs/queue_attributes.h"
#include "sqs/queue_tags.h"

namespace polymq::sqs {

std::vector<core::Table> QueueCatalog::list() const {
  std::vector<core::Table> rows;
  const core::VHost* vhost = broker_.find_vhost(vhost_);
  if (vhost == nullptr) return rows;
  std::vector<const core::Queue*> queues;
  for (const core::Queue* q : vhost->queues()) {
    if (is_listed_queue(*q)) queues.push_back(q);
  }
  std::sort(queues.begin(), queues.end(),
            [](const core::Queue* a, const core::Queue* b) { return a->name() < b->name(); });
  rows.reserve(queues.size());
  for (const core::Queue* q : queues) {
    const QueueConfig config = queue_config(*q);
    core::Table attributes;
    for (auto& [name, value] : queue_attribute_values(*q, config)) {
      attributes.emplace_back(std::move(name), core::Value::String(std::move(value)));
    }
    core::Table tags;
    for (const auto& [key, value] : tags_of(q->options().arguments)) {
      tags.emplace_back(key, core::Value::String(value));
    }
    core::Table row;
    row.emplace_back("vhost", core::Value::String(vhost_));
    row.emplace_back("name", core::Value::String(q->name()));
    row.emplace_back("url_path", core::Value::String("/" + account_id_ + "/" + q->name()));
    row.emplace_back("fifo", core::Value::Bool(config.fifo_queue));
    row.emplace_back("attributes", core::Value::Tab(std::move(attributes)));
    row.emplace_back("tags", core::Value::Tab(std::move(tags)));
    if (config.redrive_policy) {
      row.emplace_back("dead_letter_queue",
                       core::Value::String(config.redrive_policy->dead_letter_queue));
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace polymq::sqs
