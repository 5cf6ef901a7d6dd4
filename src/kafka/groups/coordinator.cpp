#include "kafka/groups/coordinator.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <span>

#include "kafka/error_codes.h"
#include "kafka/groups/group_errors.h"

namespace polymq::kafka::groups {
namespace {

// Replay reads the offsets stream in chunks of about this many bytes.

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

void log_rewrite_outcome(const core::Status& st, uint64_t dropped) {
  if (!st.ok()) {
    spdlog::warn("kafka: {} keeps its records before the rewrite: {}", kOffsetsTopic, st.message());
  } else {
    spdlog::info("kafka: {} rewritten as its current state; {} older record(s) dropped",
                 kOffsetsTopic, dropped);
  }
}

}  // namespace

GroupCoordinator::GroupCoordinator(core::TimerService& timers, core::CommitTracker& commits,
                                   const GroupLimits& limits)
    : timers_(timers), limits_(limits), log_(commits) {}

GroupCoordinator::~GroupCoordinator() = default;

core::Status GroupCoordinator::load(core::VHost& vhost) {
  vhost_ = &vhost;
  // Replay: the last record per key wins; groups' memberships are restored at the end, once
  // the last of each is known.
  core::Status st = log_.open(
      vhost, std::string(kOffsetsTopic),
      [&](std::string_view payload) {
        GroupRecord record;
        if (!decode_record(payload, record)) {
          ++skipped_;
          return;
        }
        ++replayed_;
        if (record.kind == RecordKind::kGroup) {
          stored_[record.group] = record.stored;
          group(record.group);
        } else if (record.kind == RecordKind::kGroupRemoved) {
          stored_.erase(record.group);
        }
        apply(record);
      },
      skipped_);
  if (!st.ok()) return st;
  for (const auto& [group_id, stored] : stored_) {
    if (Group* g = find(group_id)) g->restore(stored);
  }
  spdlog::info("kafka: group coordinator loaded {} group(s) from {} record(s) of {}{}",
               groups_.size(), replayed_, kOffsetsTopic,
               skipped_ == 0 ? std::string() : " (" + std::to_string(skipped_) + " skipped)");
  return core::Status::Ok();
}

void GroupCoordinator::apply(const GroupRecord& record) {
  switch (record.kind) {
    case RecordKind::kOffset:
      group(record.group).offsets()[record.partition] = record.offset;
      break;
    case RecordKind::kOffsetRemoved:
      if (Group* g = find(record.group)) g->offsets().erase(record.partition);
      break;
    case RecordKind::kGroup:
      break;  // restored by load() once the last one is known
    case RecordKind::kGroupRemoved:
      if (auto it = groups_.find(record.group); it != groups_.end()) {
        it->second->mark_dead();
        groups_.erase(it);
      }
      stored_.erase(record.group);
      break;
  }
}

Group& GroupCoordinator::group(const std::string& group_id) {
  auto it = groups_.find(group_id);
  if (it == groups_.end()) {
    auto g = std::make_unique<Group>(group_id, timers_, limits_,
                                     [this](Group& changed) { store_membership(changed); });
    it = groups_.emplace(group_id, std::move(g)).first;
  }
  return *it->second;
}

Group* GroupCoordinator::find(const std::string& group_id) {
  auto it = groups_.find(group_id);
  return it == groups_.end() ? nullptr : it->second.get();
}

const Group* GroupCoordinator::find_group(const std::string& group_id) const {
  auto it = groups_.find(group_id);
  return it == groups_.end() ? nullptr : it->second.get();
}

std::vector<const Group*> GroupCoordinator::groups() const {
  std::vector<const Group*> out;
  out.reserve(groups_.size());
  for (const auto& [id, group] : groups_) out.push_back(group.get());
  return out;
}

void GroupCoordinator::store_membership(Group& group) {
  GroupRecord record;
  record.kind = RecordKind::kGroup;
  record.group = group.id();
  record.stored = group.snapshot();
  stored_[record.group] = record.stored;
  append({record});
}

bool GroupCoordinator::append(const std::vector<GroupRecord>& records) {
  if (!log_.is_open() || records.empty()) return true;
  const int64_t now_ms = timers_.wall_ms();
  std::vector<std::string> payloads;
  payloads.reserve(records.size());
  for (const GroupRecord& r : records) payloads.push_back(encode_record(r));
  if (!log_.append(payloads, now_ms)) {
    spdlog::error("kafka: cannot append to {}: {}", kOffsetsTopic, log_.last_error());
    return false;
  }
  if (log_.rewrite_due()) log_.rewrite(current_state(), now_ms, log_rewrite_outcome);
  return true;
}

std::vector<std::string> GroupCoordinator::current_state() const {
  std::vector<std::string> out;
  for (const auto& [group_id, g] : groups_) {
    if (const auto it = stored_.find(group_id); it != stored_.end()) {
      GroupRecord record;
      record.kind = RecordKind::kGroup;
      record.group = group_id;
      record.stored = it->second;
      out.push_back(encode_record(record));
    }
    for (const auto& [partition, offset] : g->offsets()) {
      GroupRecord record;
      record.kind = RecordKind::kOffset;
      record.group = group_id;
      record.partition = partition;
      record.offset = offset;
      out.push_back(encode_record(record));
    }
  }
  return out;
}

// --- membership ---

void GroupCoordinator::join(const JoinGroupRequest& request, int16_t version,
                            const ClientInfo& client, JoinDone done) {
  if (request.group_id.empty()) {
    JoinGroupResponse r;
    r.error_code = error::kInvalidGroupId;
    r.member_id = request.member_id;
    done(r);
    return;
  }
  Group* existing = find(request.group_id);
  if (existing == nullptr && !request.member_id.empty()) {
    JoinGroupResponse r;
    r.error_code = error::kUnknownMemberId;
    r.member_id = request.member_id;
    done(r);
    return;
  }
  group(request.group_id).join(request, version, client, std::move(done));
}

void GroupCoordinator::sync(const SyncGroupRequest& request, int16_t version, SyncDone done) {
  Group* g = request.group_id.empty() ? nullptr : find(request.group_id);
  if (g == nullptr) {
    SyncGroupResponse r;
    r.error_code = request.group_id.empty() ? error::kInvalidGroupId : error::kUnknownMemberId;
    done(r);
    return;
  }
  g->sync(request, version, std::move(done));
}

HeartbeatResponse GroupCoordinator::heartbeat(const HeartbeatRequest& request) {
  HeartbeatResponse r;
  Group* g = request.group_id.empty() ? nullptr : find(request.group_id);
  if (g == nullptr) {
    r.error_code = request.group_id.empty() ? error::kInvalidGroupId : error::kUnknownMemberId;
    return r;
  }
  r.error_code = g->heartbeat(request);
  return r;
}

LeaveGroupResponse GroupCoordinator::leave(const LeaveGroupRequest& request, int16_t version) {
  LeaveGroupResponse r;
  if (request.group_id.empty()) {
    r.error_code = error::kInvalidGroupId;
    return r;
  }
  Group* g = find(request.group_id);
  if (version < 3) {
    r.error_code =
        g == nullptr ? error::kUnknownMemberId : g->leave(request.member_id, std::nullopt);
    return r;
  }
  for (const auto& identity : request.members) {
    LeaveGroupResponse::MemberResponse m;
    m.member_id = identity.member_id;
    m.group_instance_id = identity.group_instance_id;
    m.error_code = g == nullptr ? error::kUnknownMemberId
                                : g->leave(identity.member_id, identity.group_instance_id);
    r.members.push_back(std::move(m));
  }
  if (g == nullptr) r.error_code = error::kUnknownMemberId;
  return r;
}

ListGroupsResponse GroupCoordinator::list(const ListGroupsRequest& request, int16_t version) const {
  ListGroupsResponse r;
  for (const auto& [group_id, g] : groups_) {
    const char* state = state_name(g->state());
    if (version >= 4 && !request.states_filter.empty() &&
        std::none_of(request.states_filter.begin(), request.states_filter.end(),
                     [&](const std::string& s) { return equals_ignoring_case(s, state); })) {
      continue;
    }
    ListGroupsResponse::ListedGroup listed;
    listed.group_id = group_id;
    listed.protocol_type = g->protocol_type();
    listed.group_state = state;
    r.groups.push_back(std::move(listed));
  }
  return r;
}

DescribeGroupsResponse GroupCoordinator::describe(const DescribeGroupsRequest& request) const {
  DescribeGroupsResponse r;
  for (const std::string& group_id : request.groups) {
    if (const Group* g = find_group(group_id)) {
      r.groups.push_back(g->describe());
      continue;
    }
    // As Kafka: a group it does not know is described as Dead, without an error.
    DescribeGroupsResponse::DescribedGroup dead;
    dead.group_id = group_id;
    dead.group_state = state_name(GroupState::kDead);
    r.groups.push_back(std::move(dead));
  }
  return r;
}

void GroupCoordinator::delete_groups(const DeleteGroupsRequest& request,
                                     Respond<DeleteGroupsResponse> done) {
  DeleteGroupsResponse r;
  std::vector<GroupRecord> records;
  std::vector<size_t> deleted;  // indexes into r.results
  for (const std::string& group_id : request.groups_names) {
    DeleteGroupsResponse::DeletableGroupResult result;
    result.group_id = group_id;
    auto it = groups_.find(group_id);
    if (group_id.empty()) {
      result.error_code = error::kInvalidGroupId;
    } else if (it == groups_.end()) {
      result.error_code = error::kGroupIdNotFound;
    } else if (it->second->member_count() != 0) {
      result.error_code = error::kNonEmptyGroup;
    } else {
      it->second->mark_dead();
      groups_.erase(it);
      stored_.erase(group_id);
      GroupRecord record;
      record.kind = RecordKind::kGroupRemoved;
      record.group = group_id;
      records.push_back(std::move(record));
      deleted.push_back(r.results.size());
      spdlog::info("kafka group '{}': deleted", group_id);
    }
    r.results.push_back(std::move(result));
  }
  if (records.empty()) return done(r);  // nothing to make durable
  if (!append(records)) {
    for (size_t i : deleted) r.results[i].error_code = error::kUnknownServerError;
    done(r);
    return;
  }
  after_durable([r, deleted, done = std::move(done)](bool ok) mutable {
    if (!ok) {
      for (size_t i : deleted) r.results[i].error_code = error::kUnknownServerError;
    }
    done(r);
  });
}

}  // namespace polymq::kafka::groups
