#include "kafka/groups/group.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <random>
#include <set>

#include "kafka/error_codes.h"
#include "kafka/groups/group_errors.h"
#include "kafka/protocol/wire.h"

namespace polymq::kafka::groups {
namespace {

// Kafka's "consumer" protocol type: members' metadata is a ConsumerProtocolSubscription.
constexpr std::string_view kConsumerProtocolType = "consumer";

std::string random_suffix() {
  static std::mt19937_64 random{std::random_device{}()};
  const uint64_t a = random();
  const uint64_t b = random();
  char text[40];
  std::snprintf(text, sizeof(text), "%08x-%04x-%04x-%04x-%012llx", static_cast<uint32_t>(a >> 32),
                static_cast<uint32_t>(a >> 16) & 0xffff, static_cast<uint32_t>(a) & 0xffff,
                static_cast<uint32_t>(b >> 48),
                static_cast<unsigned long long>(b & 0xffffffffffffull));
  return text;
}

}  // namespace

const char* state_name(GroupState state) {
  switch (state) {
    case GroupState::kEmpty:
      return "Empty";
    case GroupState::kPreparingRebalance:
      return "PreparingRebalance";
    case GroupState::kCompletingRebalance:
      return "CompletingRebalance";
    case GroupState::kStable:
      return "Stable";
    case GroupState::kDead:
      return "Dead";
  }
  return "Dead";
}

Group::Group(std::string id, core::TimerService& timers, const GroupLimits& limits,
             std::function<void(Group&)> changed)
    : id_(std::move(id)), timers_(timers), limits_(limits), changed_(std::move(changed)) {
  rebalance_timer_ = timers_.create([this] {
    if (state_ == GroupState::kPreparingRebalance) complete_join();
  });
}

Group::~Group() = default;

const std::string* Group::Member::metadata_for(const std::optional<std::string>& protocol) const {
  if (!protocol) return nullptr;
  for (const Protocol& p : protocols) {
    if (p.name == *protocol) return &p.metadata;
  }
  return nullptr;
}

std::vector<Group::Protocol> Group::protocols_of(const JoinGroupRequest& request) {
  std::vector<Protocol> out;
  out.reserve(request.protocols.size());
  for (const auto& p : request.protocols) out.push_back(Protocol{p.name, p.metadata});
  return out;
}

JoinGroupResponse Group::join_error(const std::string& member_id, int16_t error) const {
  JoinGroupResponse r;
  r.error_code = error;
  r.generation_id = -1;
  r.protocol_name = std::nullopt;
  r.member_id = member_id;
  return r;
}

std::vector<JoinGroupResponse::JoinGroupResponseMember> Group::member_list() const {
  std::vector<JoinGroupResponse::JoinGroupResponseMember> out;
  for (const auto& [mid, member] : members_) {
    JoinGroupResponse::JoinGroupResponseMember m;
    m.member_id = mid;
    m.group_instance_id = member.instance_id;
    if (const std::string* metadata = member.metadata_for(protocol_name_)) m.metadata = *metadata;
    out.push_back(std::move(m));
  }
  return out;
}

JoinGroupResponse Group::current_generation(const std::string& member_id, bool with_members) const {
  JoinGroupResponse r;
  r.generation_id = generation_;
  r.protocol_type = protocol_type_;
  r.protocol_name = protocol_name_;
  r.leader = leader_;
  r.member_id = member_id;
  if (with_members) r.members = member_list();
  return r;
}

bool Group::supports(const std::string& protocol_type, const std::vector<Protocol>& protocols,
                     const std::string& except_member) const {
  if (protocol_type.empty() || protocols.empty()) return false;
  bool others = false;
  for (const auto& [mid, m] : members_) others = others || mid != except_member;
  if (!others) return true;
  if (protocol_type != protocol_type_) return false;
  // At least one of the joining member's protocols is supported by every other member.
  return std::any_of(protocols.begin(), protocols.end(), [&](const Protocol& p) {
    return std::all_of(members_.begin(), members_.end(), [&](const auto& entry) {
      return entry.first == except_member ||
             entry.second.metadata_for(std::optional<std::string>(p.name)) != nullptr;
    });
  });
}

std::string Group::new_member_id(const std::string& prefix) {
  return prefix + "-" + random_suffix();
}

bool Group::fenced(const std::string& member_id,
                   const std::optional<std::string>& instance_id) const {
  if (!instance_id) return false;
  auto it = static_members_.find(*instance_id);
  return it != static_members_.end() && it->second != member_id;
}

// --- JoinGroup ---

void Group::join(const JoinGroupRequest& request, int16_t version, const ClientInfo& client,
                 JoinDone done) {
  if (state_ == GroupState::kDead) {
    done(join_error(request.member_id, error::kCoordinatorNotAvailable));
    return;
  }
  if (request.session_timeout_ms < limits_.min_session_timeout_ms ||
      request.session_timeout_ms > limits_.max_session_timeout_ms) {
    done(join_error(request.member_id, error::kInvalidSessionTimeout));
    return;
  }
  const auto now = timers_.now();
  std::erase_if(pending_members_, [&](const auto& entry) { return entry.second <= now; });
  if (!supports(request.protocol_type, protocols_of(request), request.member_id)) {
    done(join_error(request.member_id, error::kInconsistentGroupProtocol));
    return;
  }
  if (request.member_id.empty()) {
    join_new_member(request, version, client, std::move(done));
  } else {
    join_known_member(request, client, std::move(done));
  }
}

void Group::join_new_member(const JoinGroupRequest& request, int16_t version,
                            const ClientInfo& client, JoinDone done) {
  const std::string member_id =
      new_member_id(request.group_instance_id ? *request.group_instance_id : client.client_id);
  if (request.group_instance_id) {
    auto it = static_members_.find(*request.group_instance_id);
    if (it != static_members_.end() && members_.count(it->second) != 0) {
      replace_static_member(it->second, request, version, client, std::move(done));
      return;
    }
    // A static member needs no second round trip: its instance id identifies it.
    add_member_and_rebalance(member_id, request, client, std::move(done));
    return;
  }
  if (version >= 4) {
    // KIP-394: the member must come back with this id, so that a client whose join timed
    // out does not leave a ghost member behind it.
    const auto timeout = std::chrono::milliseconds(request.session_timeout_ms);
    pending_members_[member_id] = timers_.now() + timeout;
    done(join_error(member_id, error::kMemberIdRequired));
    return;
  }
  add_member_and_rebalance(member_id, request, client, std::move(done));
}

void Group::join_known_member(const JoinGroupRequest& request, const ClientInfo& client,
                              JoinDone done) {
  const std::string& member_id = request.member_id;
  if (pending_members_.erase(member_id) != 0) {
    add_member_and_rebalance(member_id, request, client, std::move(done));
    return;
  }
  if (fenced(member_id, request.group_instance_id)) {
    done(join_error(member_id, error::kFencedInstanceId));
    return;
  }
  auto it = members_.find(member_id);
  if (it == members_.end()) {
    done(join_error(member_id, error::kUnknownMemberId));
    return;
  }
  Member& member = it->second;
  member.client = client;
  const bool same_protocols = member.protocols == protocols_of(request);
  switch (state_) {
    case GroupState::kPreparingRebalance:
      update_member(member, request, std::move(done));
      maybe_complete_join();
      return;
    case GroupState::kCompletingRebalance:
      if (same_protocols) {
        // It lost the join answer: give it again.
        done(current_generation(member_id, member_id == leader_));
        return;
      }
      update_member(member, request, std::move(done));
      prepare_rebalance();
      return;
    case GroupState::kStable:
      if (member_id == leader_ || !same_protocols) {
        // The leader rejoins to have the partitions assigned again (e.g. its subscription
        // matched new topics); a changed subscription needs a new assignment.
        update_member(member, request, std::move(done));
        prepare_rebalance();
        return;
      }
      arm_session_timer(member);
      done(current_generation(member_id, false));
      return;
    case GroupState::kEmpty:
    case GroupState::kDead:
      done(join_error(member_id, error::kUnknownMemberId));
      return;
  }
}

void Group::replace_static_member(const std::string& old_id, const JoinGroupRequest& request,
                                  int16_t version, const ClientInfo& client, JoinDone done) {
  const std::string new_id = new_member_id(*request.group_instance_id);
  auto node = members_.extract(old_id);
  Member& old = node.mapped();
  // The member it replaces is fenced: whatever it still waits for is answered now.
  fail_waiting(old, error::kFencedInstanceId);
  node.key() = new_id;
  old.id = new_id;
  old.client = client;
  old.session_timer = timers_.create([this, new_id] { session_expired(new_id); });
  auto inserted = members_.insert(std::move(node));
  Member& member = inserted.position->second;
  static_members_[*request.group_instance_id] = new_id;
  if (leader_ == old_id) leader_ = new_id;
  spdlog::info("kafka group '{}': static member '{}' rejoined as {} (was {})", id_,
               *request.group_instance_id, new_id, old_id);

  const std::vector<Protocol> protocols = protocols_of(request);
  if (state_ == GroupState::kStable && member.protocols == protocols) {
    // Same subscription: it takes over the old member's assignment without a rebalance.
    member.session_timeout_ms = request.session_timeout_ms;
    member.rebalance_timeout_ms = request.rebalance_timeout_ms;
    arm_session_timer(member);
    if (changed_) changed_(*this);
    // A leader that replaced itself keeps the group's assignment: from v9 on (KIP-814) it is
    // told so and given the members; before, it gets no member list to assign from, and the
    // assignment it might send back is ignored (the group is Stable).
    const bool leader = new_id == leader_ && version >= 9;
    JoinGroupResponse r = current_generation(new_id, leader);
    r.skip_assignment = leader;
    done(r);
    return;
  }
  update_member(member, request, std::move(done));
  if (state_ == GroupState::kStable || state_ == GroupState::kCompletingRebalance) {
    prepare_rebalance();
  } else {
    maybe_complete_join();
  }
}

void Group::add_member_and_rebalance(const std::string& member_id, const JoinGroupRequest& request,
                                     const ClientInfo& client, JoinDone done) {
  if (members_.empty()) protocol_type_ = request.protocol_type;
  Member& member = members_[member_id];
  member.id = member_id;
  member.instance_id = request.group_instance_id;
  member.client = client;
  member.session_timer = timers_.create([this, member_id] { session_expired(member_id); });
  if (request.group_instance_id) static_members_[*request.group_instance_id] = member_id;
  if (leader_.empty() || members_.count(leader_) == 0) leader_ = member_id;
  update_member(member, request, std::move(done));
  spdlog::info("kafka group '{}': member {} joins (generation {}, {} member(s))", id_, member_id,
               generation_, members_.size());
  if (state_ == GroupState::kPreparingRebalance) {
    maybe_complete_join();
  } else {
    prepare_rebalance();
  }
}

void Group::update_member(Member& member, const JoinGroupRequest& request, JoinDone done) {
  member.session_timeout_ms = request.session_timeout_ms;
  // v0 has no rebalance timeout: Kafka uses the session timeout.
  member.rebalance_timeout_ms =
      request.rebalance_timeout_ms > 0 ? request.rebalance_timeout_ms : request.session_timeout_ms;
  member.protocols = protocols_of(request);
  if (member.awaiting_join) {
    // A second join of the same member before the first was answered: the first is stale.
    auto stale = std::move(member.awaiting_join);
    stale(join_error(member.id, error::kRebalanceInProgress));
  }
  member.awaiting_join = std::move(done);
  arm_session_timer(member);
}

// --- rebalance ---

void Group::prepare_rebalance() {
  if (state_ == GroupState::kCompletingRebalance)
    answer_syncs_with_error(error::kRebalanceInProgress);
  state_ = GroupState::kPreparingRebalance;
  int32_t timeout_ms = 0;
  for (const auto& [mid, m] : members_) timeout_ms = std::max(timeout_ms, m.rebalance_timeout_ms);
  rebalance_timer_->arm(timers_.now() + std::chrono::milliseconds(timeout_ms));
  spdlog::info("kafka group '{}': preparing to rebalance (generation {})", id_, generation_);
  maybe_complete_join();
}

void Group::maybe_complete_join() {
  if (state_ != GroupState::kPreparingRebalance) return;
  const bool all_joined = std::all_of(members_.begin(), members_.end(), [](const auto& e) {
    return e.second.awaiting_join != nullptr;
  });
  if (all_joined) complete_join();
}

std::optional<std::string> Group::select_protocol() const {
  // Each member votes for the first of its protocols that every member supports; most votes
  // win, ties going to the protocol the leader prefers.
  std::map<std::string, int> votes;
  for (const auto& [mid, m] : members_) {
    for (const Protocol& p : m.protocols) {
      const bool everyone = std::all_of(members_.begin(), members_.end(), [&](const auto& e) {
        return e.second.metadata_for(std::optional<std::string>(p.name)) != nullptr;
      });
      if (everyone) {
        ++votes[p.name];
        break;
      }
    }
  }
  std::optional<std::string> best;
  int best_votes = 0;
  auto leader = members_.find(leader_);
  if (leader == members_.end()) leader = members_.begin();
  for (const Protocol& p : leader->second.protocols) {
    auto it = votes.find(p.name);
    if (it != votes.end() && it->second > best_votes) {
      best = p.name;
      best_votes = it->second;
    }
  }
  return best;
}

void Group::complete_join() {
  rebalance_timer_->cancel();
  // Dynamic members that did not rejoin in time are gone; static ones stay (they may be
  // restarting) and keep their last protocols.
  std::vector<std::string> late;
  for (const auto& [mid, m] : members_) {
    if (!m.awaiting_join && !m.instance_id) late.push_back(mid);
  }
  for (const std::string& mid : late) {
    spdlog::info("kafka group '{}': member {} did not rejoin in time", id_, mid);
    auto it = members_.find(mid);
    if (it->second.awaiting_sync) {
      auto callback = std::move(it->second.awaiting_sync);
      SyncGroupResponse r;
      r.error_code = error::kUnknownMemberId;
      callback(r);
    }
    members_.erase(it);
  }
  std::erase_if(static_members_, [&](const auto& e) { return members_.count(e.second) == 0; });
  ++generation_;
  if (members_.empty()) {
    state_ = GroupState::kEmpty;
    protocol_name_ = std::nullopt;
    leader_.clear();
    spdlog::info("kafka group '{}': empty at generation {}", id_, generation_);
    if (changed_) changed_(*this);
    return;
  }
  if (members_.count(leader_) == 0 || !members_.at(leader_).awaiting_join) {
    // The leader must be a member that is waiting for this join's answer (it assigns).
    for (const auto& [mid, m] : members_) {
      if (m.awaiting_join) {
        leader_ = mid;
        break;
      }
    }
  }
  protocol_name_ = select_protocol();
  state_ = GroupState::kCompletingRebalance;
  for (auto& [mid, m] : members_) m.assignment.clear();
  spdlog::info("kafka group '{}': generation {} with {} member(s), protocol '{}', leader {}", id_,
               generation_, members_.size(), protocol_name_.value_or(""), leader_);
  const auto members = member_list();
  for (auto& [mid, m] : members_) {
    if (!m.awaiting_join) continue;
    JoinGroupResponse r = current_generation(mid, false);
    if (mid == leader_) r.members = members;
    auto callback = std::move(m.awaiting_join);
    m.awaiting_join = nullptr;
    arm_session_timer(m);
    callback(r);
  }
}

void Group::answer_syncs_with_error(int16_t error) {
  for (auto& [mid, m] : members_) {
    if (!m.awaiting_sync) continue;
    auto callback = std::move(m.awaiting_sync);
    m.awaiting_sync = nullptr;
    SyncGroupResponse r;
    r.error_code = error;
    callback(r);
  }
}

// --- members ---

void Group::fail_waiting(Member& member, int16_t error) {
  if (member.awaiting_join) {
    auto callback = std::move(member.awaiting_join);
    member.awaiting_join = nullptr;
    callback(join_error(member.id, error));
  }
  if (member.awaiting_sync) {
    auto callback = std::move(member.awaiting_sync);
    member.awaiting_sync = nullptr;
    SyncGroupResponse r;
    r.error_code = error;
    callback(r);
  }
}

void Group::arm_session_timer(Member& member) {
  if (member.session_timer) {
    member.session_timer->arm(timers_.now() + std::chrono::milliseconds(member.session_timeout_ms));
  }
}

void Group::session_expired(const std::string& member_id) {
  auto it = members_.find(member_id);
  if (it == members_.end()) return;
  Member& member = it->second;
  if (member.awaiting_join || member.awaiting_sync) {
    // Waiting on the group, not silent: the rebalance timeout bounds that wait.
    arm_session_timer(member);
    return;
  }
  spdlog::info("kafka group '{}': member {} left: session timeout ({} ms) expired", id_, member_id,
               member.session_timeout_ms);
  remove_member(member_id);
}

void Group::remove_member(const std::string& member_id) {
  auto it = members_.find(member_id);
  if (it == members_.end()) return;
  Member& member = it->second;
  fail_waiting(member, error::kUnknownMemberId);
  if (member.instance_id) {
    auto s = static_members_.find(*member.instance_id);
    if (s != static_members_.end() && s->second == member_id) static_members_.erase(s);
  }
  // The timer may be the one running this call: destroying it is safe (core/timer.h).
  members_.erase(it);
  if (leader_ == member_id) leader_ = members_.empty() ? std::string() : members_.begin()->first;
  switch (state_) {
    case GroupState::kStable:
    case GroupState::kCompletingRebalance:
      prepare_rebalance();
      break;
    case GroupState::kPreparingRebalance:
      maybe_complete_join();
      break;
    case GroupState::kEmpty:
    case GroupState::kDead:
      break;
  }
}

// --- SyncGroup, Heartbeat, LeaveGroup ---

void Group::sync(const SyncGroupRequest& request, int16_t version, SyncDone done) {
  SyncGroupResponse r;
  auto fail = [&](int16_t error) {
    r.error_code = error;
    done(r);
  };
  if (state_ == GroupState::kDead) return fail(error::kCoordinatorNotAvailable);
  if (fenced(request.member_id, request.group_instance_id)) return fail(error::kFencedInstanceId);
  auto it = members_.find(request.member_id);
  if (it == members_.end()) return fail(error::kUnknownMemberId);
  if (request.generation_id != generation_) return fail(error::kIllegalGeneration);
  if (version >= 5 && ((request.protocol_type && *request.protocol_type != protocol_type_) ||
                       (request.protocol_name && request.protocol_name != protocol_name_))) {
    return fail(error::kInconsistentGroupProtocol);
  }
  Member& member = it->second;
  r.protocol_type = protocol_type_;
  r.protocol_name = protocol_name_;
  switch (state_) {
    case GroupState::kEmpty:
    case GroupState::kDead:
      return fail(error::kUnknownMemberId);
    case GroupState::kPreparingRebalance:
      return fail(error::kRebalanceInProgress);
    case GroupState::kStable:
      arm_session_timer(member);
      r.assignment = member.assignment;
      done(r);
      return;
    case GroupState::kCompletingRebalance:
      break;
  }
  if (member.awaiting_sync) {
    auto stale = std::move(member.awaiting_sync);
    SyncGroupResponse e;
    e.error_code = error::kRebalanceInProgress;
    stale(e);
  }
  member.awaiting_sync = std::move(done);
  arm_session_timer(member);
  if (request.member_id != leader_) return;  // followers wait for the leader's assignment
  for (auto& [mid, m] : members_) m.assignment.clear();
  for (const auto& a : request.assignments) {
    auto target = members_.find(a.member_id);
    if (target != members_.end()) target->second.assignment = a.assignment;
  }
  state_ = GroupState::kStable;
  spdlog::info("kafka group '{}': generation {} is stable", id_, generation_);
  if (changed_) changed_(*this);
  for (auto& [mid, m] : members_) {
    if (!m.awaiting_sync) continue;
    auto callback = std::move(m.awaiting_sync);
    m.awaiting_sync = nullptr;
    SyncGroupResponse answer = r;
    answer.assignment = m.assignment;
    callback(answer);
  }
}

int16_t Group::heartbeat(const HeartbeatRequest& request) {
  if (state_ == GroupState::kDead) return error::kCoordinatorNotAvailable;
  if (fenced(request.member_id, request.group_instance_id)) return error::kFencedInstanceId;
  auto it = members_.find(request.member_id);
  if (it == members_.end()) return error::kUnknownMemberId;
  if (request.generation_id != generation_) return error::kIllegalGeneration;
  arm_session_timer(it->second);
  // The members learn of a rebalance from their heartbeats, and then rejoin.
  return state_ == GroupState::kPreparingRebalance ? error::kRebalanceInProgress : error::kNone;
}

int16_t Group::leave(const std::string& member_id, const std::optional<std::string>& instance_id) {
  if (state_ == GroupState::kDead) return error::kCoordinatorNotAvailable;
  std::string target = member_id;
  if (instance_id) {
    auto s = static_members_.find(*instance_id);
    if (s == static_members_.end()) return error::kUnknownMemberId;
    if (!member_id.empty() && s->second != member_id) return error::kFencedInstanceId;
    target = s->second;
  } else if (pending_members_.erase(member_id) != 0) {
    return error::kNone;
  }
  if (members_.count(target) == 0) return error::kUnknownMemberId;
  spdlog::info("kafka group '{}': member {} leaves", id_, target);
  remove_member(target);
  return error::kNone;
}

int16_t Group::check_commit(int32_t generation, const std::string& member_id,
                            const std::optional<std::string>& instance_id) {
  if (state_ == GroupState::kDead) return error::kCoordinatorNotAvailable;
  if (fenced(member_id, instance_id)) return error::kFencedInstanceId;
  // Not using group management (assign() rather than subscribe()): Kafka lets it commit.
  if (generation < 0 && state_ == GroupState::kEmpty) return error::kNone;
  if (state_ == GroupState::kCompletingRebalance) return error::kRebalanceInProgress;
  if (members_.count(member_id) == 0) return error::kUnknownMemberId;
  if (generation != generation_) return error::kIllegalGeneration;
  return error::kNone;
}

void Group::touch(const std::string& member_id) {
  auto it = members_.find(member_id);
  if (it != members_.end()) arm_session_timer(it->second);
}

bool Group::subscribed_to(const std::string& topic) const {
  if (protocol_type_ != kConsumerProtocolType) return false;
  for (const auto& [mid, m] : members_) {
    const std::string* metadata = m.metadata_for(protocol_name_);
    if (metadata == nullptr) continue;
    // ConsumerProtocolSubscription: int16 version, then an array of topic names (classic
    // encoding in every version).
    Reader r(*metadata);
    r.int16();
    const int64_t count = r.array_length(false, false, 2);
    for (int64_t i = 0; r.ok() && i < count; ++i) {
      std::string name;
      if (r.string(name, false) && name == topic) return true;
    }
  }
  return false;
}

DescribeGroupsResponse::DescribedGroup Group::describe() const {
  DescribeGroupsResponse::DescribedGroup g;
  g.group_id = id_;
  g.group_state = state_name(state_);
  g.protocol_type = protocol_type_;
  // As Kafka: the protocol and the members' metadata and assignments only once Stable.
  const bool stable = state_ == GroupState::kStable;
  if (stable) g.protocol_data = protocol_name_.value_or("");
  for (const auto& [mid, m] : members_) {
    DescribeGroupsResponse::DescribedGroupMember d;
    d.member_id = mid;
    d.group_instance_id = m.instance_id;
    d.client_id = m.client.client_id;
    d.client_host = m.client.client_host;
    if (stable) {
      if (const std::string* metadata = m.metadata_for(protocol_name_))
        d.member_metadata = *metadata;
      d.member_assignment = m.assignment;
    }
    g.members.push_back(std::move(d));
  }
  return g;
}

StoredGroup Group::snapshot() const {
  StoredGroup s;
  s.protocol_type = protocol_type_;
  s.generation = generation_;
  s.protocol_name = protocol_name_;
  s.leader = leader_;
  if (state_ != GroupState::kStable) return s;  // only a completed assignment is worth keeping
  for (const auto& [mid, m] : members_) {
    StoredMember sm;
    sm.member_id = mid;
    sm.instance_id = m.instance_id;
    sm.client_id = m.client.client_id;
    sm.client_host = m.client.client_host;
    sm.session_timeout_ms = m.session_timeout_ms;
    sm.rebalance_timeout_ms = m.rebalance_timeout_ms;
    if (const std::string* metadata = m.metadata_for(protocol_name_)) sm.metadata = *metadata;
    sm.assignment = m.assignment;
    s.members.push_back(std::move(sm));
  }
  return s;
}

void Group::restore(const StoredGroup& stored) {
  members_.clear();
  static_members_.clear();
  protocol_type_ = stored.protocol_type;
  generation_ = stored.generation;
  protocol_name_ = stored.protocol_name;
  leader_ = stored.leader;
  for (const StoredMember& sm : stored.members) {
    if (!protocol_name_) break;
    Member& m = members_[sm.member_id];
    m.id = sm.member_id;
    m.instance_id = sm.instance_id;
    m.client = ClientInfo{sm.client_id, sm.client_host};
    m.session_timeout_ms = std::clamp(sm.session_timeout_ms, limits_.min_session_timeout_ms,
                                      limits_.max_session_timeout_ms);
    m.rebalance_timeout_ms = sm.rebalance_timeout_ms;
    m.protocols = {Protocol{*protocol_name_, sm.metadata}};
    m.assignment = sm.assignment;
    const std::string mid = sm.member_id;
    m.session_timer = timers_.create([this, mid] { session_expired(mid); });
    // Its members get a full session timeout from the start to find the broker again.
    arm_session_timer(m);
    if (m.instance_id) static_members_[*m.instance_id] = mid;
  }
  state_ = members_.empty() ? GroupState::kEmpty : GroupState::kStable;
  if (members_.count(leader_) == 0) leader_ = members_.empty() ? "" : members_.begin()->first;
  if (members_.empty()) protocol_name_ = std::nullopt;
}

void Group::mark_dead() {
  rebalance_timer_->cancel();
  for (auto& [mid, m] : members_) fail_waiting(m, error::kCoordinatorNotAvailable);
  members_.clear();
  state_ = GroupState::kDead;
}

}  // namespace polymq::kafka::groups
