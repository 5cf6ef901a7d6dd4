// The group coordinator's committed offsets: OffsetCommit, OffsetFetch and OffsetDelete.
#include <chrono>

#include "kafka/error_codes.h"
#include "kafka/groups/coordinator.h"
#include "kafka/groups/group_errors.h"

namespace polymq::kafka::groups {
namespace {

// Kafka's offset.metadata.max.bytes.
constexpr size_t kMaxOffsetMetadataBytes = 4096;

int64_t wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

OffsetCommitResponse commit_errors(const OffsetCommitRequest& request, int16_t error) {
  OffsetCommitResponse r;
  for (const auto& topic : request.topics) {
    OffsetCommitResponse::OffsetCommitResponseTopic t;
    t.name = topic.name;
    for (const auto& p : topic.partitions) {
      t.partitions.push_back({p.partition_index, error});
    }
    r.topics.push_back(std::move(t));
  }
  return r;
}

}  // namespace

void GroupCoordinator::commit(const OffsetCommitRequest& request, int16_t version,
                              Respond<OffsetCommitResponse> done) {
  if (request.group_id.empty()) return done(commit_errors(request, error::kInvalidGroupId));
  // v0 commits without group management.
  const int32_t generation = version >= 1 ? request.generation_id_or_member_epoch : -1;
  const std::string member_id = version >= 1 ? request.member_id : std::string();
  Group* g = find(request.group_id);
  if (g == nullptr) {
    // An unknown group with a generation: a member of a generation this broker no longer
    // knows (Kafka's answer). Without one: a simple commit, which creates the group.
    if (generation >= 0) return done(commit_errors(request, error::kIllegalGeneration));
    g = &group(request.group_id);
  }
  if (int16_t e = g->check_commit(generation, member_id, request.group_instance_id);
      e != error::kNone) {
    return done(commit_errors(request, e));
  }
  g->touch(member_id);

  OffsetCommitResponse r = commit_errors(request, error::kNone);
  std::vector<GroupRecord> records;
  std::vector<std::pair<size_t, size_t>> committed;  // (topic, partition) indexes into r
  const int64_t now_ms = wall_clock_ms();
  for (size_t ti = 0; ti < request.topics.size(); ++ti) {
    const auto& topic = request.topics[ti];
    const core::Stream* stream = vhost_ != nullptr ? vhost_->find_stream(topic.name) : nullptr;
    for (size_t pi = 0; pi < topic.partitions.size(); ++pi) {
      const auto& p = topic.partitions[pi];
      int16_t& error = r.topics[ti].partitions[pi].error_code;
      if (p.committed_metadata && p.committed_metadata->size() > kMaxOffsetMetadataBytes) {
        error = error::kOffsetMetadataTooLarge;
        continue;
      }
      if (vhost_ != nullptr &&
          (stream == nullptr || p.partition_index < 0 ||
           static_cast<uint32_t>(p.partition_index) >= stream->partition_count())) {
        error = error::kUnknownTopicOrPartition;
        continue;
      }
      GroupRecord record;
      record.kind = RecordKind::kOffset;
      record.group = request.group_id;
      record.partition = TopicPartition{topic.name, p.partition_index};
      record.offset.offset = p.committed_offset;
      record.offset.leader_epoch = version >= 6 ? p.committed_leader_epoch : -1;
      record.offset.metadata = p.committed_metadata.value_or("");
      record.offset.commit_timestamp_ms =
          version == 1 && p.commit_timestamp >= 0 ? p.commit_timestamp : now_ms;
      records.push_back(std::move(record));
      committed.emplace_back(ti, pi);
    }
  }
  if (records.empty()) return done(r);  // nothing to make durable
  if (!append(records)) {
    for (auto [ti, pi] : committed)
      r.topics[ti].partitions[pi].error_code = error::kUnknownServerError;
    return done(r);
  }
  // Visible (and answered) once durable: a fetch never returns an offset a crash could lose.
  after_durable([this, r = std::move(r), records = std::move(records), committed,
                 done = std::move(done)](bool ok) mutable {
    if (ok) {
      for (const GroupRecord& record : records) apply(record);
    } else {
      for (auto [ti, pi] : committed) {
        r.topics[ti].partitions[pi].error_code = error::kUnknownServerError;
      }
    }
    done(r);
  });
}

int16_t GroupCoordinator::check_transactional_commit(
    const std::string& group_id, int32_t generation, const std::string& member_id,
    const std::optional<std::string>& instance_id) {
  Group* g = find(group_id);
  if (g == nullptr) return error::kNone;
  return g->check_commit(generation, member_id, instance_id);
}

void GroupCoordinator::commit_records(const std::vector<GroupRecord>& records,
                                      std::function<void(bool ok)> done) {
  for (const GroupRecord& record : records) group(record.group);
  if (!append(records)) return done(false);
  after_durable([this, records, done = std::move(done)](bool ok) {
    if (ok) {
      for (const GroupRecord& record : records) apply(record);
    }
    done(ok);
  });
}

OffsetFetchResponse::OffsetFetchResponseGroup GroupCoordinator::fetch_group(
    const std::string& group_id,
    const std::optional<std::vector<OffsetFetchRequest::OffsetFetchRequestTopics>>& topics,
    bool require_stable) const {
  auto unstable = [&](const TopicPartition& tp) {
    return require_stable && pending_ != nullptr && pending_->pending(group_id, tp);
  };
  auto mark_unstable = [](OffsetFetchResponse::OffsetFetchResponsePartitions& p) {
    p.committed_offset = -1;
    p.committed_leader_epoch = -1;
    p.metadata = "";
    p.error_code = error::kUnstableOffsetCommit;
  };
  OffsetFetchResponse::OffsetFetchResponseGroup out;
  out.group_id = group_id;
  const Group* g = find_group(group_id);
  if (!topics) {
    // Every partition the group has an offset for.
    if (g == nullptr) return out;
    for (const auto& [tp, committed] : g->offsets()) {
      if (out.topics.empty() || out.topics.back().name != tp.topic) {
        out.topics.push_back({});
        out.topics.back().name = tp.topic;
      }
      OffsetFetchResponse::OffsetFetchResponsePartitions p;
      p.partition_index = tp.partition;
      p.committed_offset = committed.offset;
      p.committed_leader_epoch = committed.leader_epoch;
      p.metadata = committed.metadata.value_or("");
      if (unstable(tp)) mark_unstable(p);
      out.topics.back().partitions.push_back(std::move(p));
    }
    return out;
  }
  for (const auto& topic : *topics) {
    OffsetFetchResponse::OffsetFetchResponseTopics t;
    t.name = topic.name;
    for (int32_t index : topic.partition_indexes) {
      OffsetFetchResponse::OffsetFetchResponsePartitions p;
      p.partition_index = index;
      p.committed_offset = -1;  // no offset committed
      p.metadata = "";
      if (g != nullptr) {
        auto it = g->offsets().find(TopicPartition{topic.name, index});
        if (it != g->offsets().end()) {
          p.committed_offset = it->second.offset;
          p.committed_leader_epoch = it->second.leader_epoch;
          p.metadata = it->second.metadata.value_or("");
        }
      }
      if (unstable(TopicPartition{topic.name, index})) mark_unstable(p);
      t.partitions.push_back(std::move(p));
    }
    out.topics.push_back(std::move(t));
  }
  return out;
}

void GroupCoordinator::fetch(const OffsetFetchRequest& request, int16_t version,
                             Respond<OffsetFetchResponse> done) {
  auto answer = [this, request, version, done = std::move(done)](bool) {
    OffsetFetchResponse r;
    if (version >= 8) {
      for (const auto& requested : request.groups) {
        r.groups.push_back(fetch_group(requested.group_id, requested.topics, request.require_stable));
      }
      return done(r);
    }
    // v0-v7: one group, in the older shapes.
    std::optional<std::vector<OffsetFetchRequest::OffsetFetchRequestTopics>> topics;
    if (request.topics) {
      topics.emplace();
      for (const auto& t : *request.topics) topics->push_back({t.name, t.partition_indexes});
    }
    const auto group = fetch_group(request.group_id, topics, version >= 7 && request.require_stable);
    for (const auto& t : group.topics) {
      OffsetFetchResponse::OffsetFetchResponseTopic topic;
      topic.name = t.name;
      for (const auto& p : t.partitions) {
        OffsetFetchResponse::OffsetFetchResponsePartition partition;
        partition.partition_index = p.partition_index;
        partition.committed_offset = p.committed_offset;
        partition.committed_leader_epoch = p.committed_leader_epoch;
        partition.metadata = p.metadata;
        partition.error_code = p.error_code;
        topic.partitions.push_back(std::move(partition));
      }
      r.topics.push_back(std::move(topic));
    }
    done(r);
  };
  // Commits in flight: answered once they are visible, so a client reads its own commits.
  log_.after_pending(std::move(answer));
}

void GroupCoordinator::delete_offsets(const OffsetDeleteRequest& request,
                                      Respond<OffsetDeleteResponse> done) {
  OffsetDeleteResponse r;
  Group* g = request.group_id.empty() ? nullptr : find(request.group_id);
  if (g == nullptr) {
    r.error_code = request.group_id.empty() ? error::kInvalidGroupId : error::kGroupIdNotFound;
    return done(r);
  }
  if (g->member_count() != 0 && g->protocol_type() != "consumer") {
    r.error_code = error::kNonEmptyGroup;
    return done(r);
  }
  std::vector<GroupRecord> records;
  for (const auto& topic : request.topics) {
    OffsetDeleteResponse::OffsetDeleteResponseTopic t;
    t.name = topic.name;
    // A topic that active members consume keeps its offsets (they would be committed again).
    const bool subscribed = g->member_count() != 0 && g->subscribed_to(topic.name);
    for (const auto& p : topic.partitions) {
      OffsetDeleteResponse::OffsetDeleteResponsePartition partition;
      partition.partition_index = p.partition_index;
      if (subscribed) {
        partition.error_code = error::kGroupSubscribedToTopic;
      } else if (g->offsets().erase(TopicPartition{topic.name, p.partition_index}) != 0) {
        GroupRecord record;
        record.kind = RecordKind::kOffsetRemoved;
        record.group = request.group_id;
        record.partition = TopicPartition{topic.name, p.partition_index};
        records.push_back(std::move(record));
      }
      t.partitions.push_back(partition);
    }
    r.topics.push_back(std::move(t));
  }
  if (records.empty()) return done(r);  // nothing to make durable
  if (!append(records)) {
    r.error_code = error::kUnknownServerError;
    return done(r);
  }
  after_durable([r, done = std::move(done)](bool ok) mutable {
    if (!ok) r.error_code = error::kUnknownServerError;
    done(r);
  });
}

}  // namespace polymq::kafka::groups
