// A virtual host: a namespace of exchanges, queues and bindings, declared, deleted and bound.
// Every method answers with a Status whose code a protocol front-end maps to its own error.
// Where a broker model decides (built-in exchanges, reserved and generated names, redeclare
// equivalence: core/declaration_rules.h; queue settings; dead-lettered messages), the vhost
// asks the model its hooks point at; the other texts follow RabbitMQ's so clients and
// operators see familiar messages.
//
// REQUIRES: all calls on the vhost's owner thread.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/definitions_log.h"
#include "core/exchange.h"
#include "core/queue.h"
#include "core/status.h"
#include "core/stream.h"

namespace polymq::core {

class DeadLettering;
class DeclarationRules;
class QueueStoreFactory;
class PolicyStore;
class Shard;
class TimerService;

// What a vhost needs from the broker around it; owned by the broker, outliving its vhosts.
struct VHostHooks {
  // Gives queues their message storage; null keeps every queue in memory only.
  QueueStoreFactory* queue_stores = nullptr;
  // Told of every change to a durable definition (core/definitions_log.h); null: nothing
  // is kept.
  DefinitionsLog* definitions = nullptr;
  // The broker model's rules for queue settings (rabbit/: x-arguments and operator
  // policies), applied when a queue is declared or restored; null: default settings.
  const QueueSettingsSource* queue_settings = nullptr;
  // The broker model's dead-lettered messages and cycles (core/dead_lettering.h); null:
  // messages are re-addressed as they are, and only the depth limit stops a cycle.
  const DeadLettering* dead_lettering = nullptr;
  // The registry front-ends reach queues through (core/shard.h); null: none (unit tests).
  Shard* shard = nullptr;
  // The broker model's built-in exchanges, reserved and generated names and redeclare
  // equivalence (core/declaration_rules.h); null: NeutralDeclarationRules.
  const DeclarationRules* declarations = nullptr;
  // Timers for message TTL and queue expiry; null: TTLs are only applied when messages are
  // next looked at (unit tests without time).
  TimerService* timers = nullptr;
  // The policies and operator policies queues match by name (core/policies.h); null: none.
  const PolicyStore* policies = nullptr;
  const PolicyStore* operator_policies = nullptr;
  // The broker model's binding filters (core/binding_filter.h: SNS filter policies), compiled
  // from a binding's arguments when it is bound; null: bindings carry no filters.
  const BindingFilters* binding_filters = nullptr;
};

// What survives a restart, by RabbitMQ 3.x's rules: durable exchanges; durable queues that are
// neither exclusive nor auto-delete; bindings whose source and destination both survive.
bool survives_restart(const ExchangeOptions& exchange);
bool survives_restart(const QueueOptions& queue);
bool survives_restart(const Exchange& source, const Binding& binding);

// `name` without CR and LF. RabbitMQ removes them from the exchange and queue names of
// declare, delete, bind and unbind (not of publish, consume or get), so declaring "q\r\n"
// declares "q"; the vhost methods for those operations apply it.
std::string strip_cr_lf(std::string_view name);

struct QueueDeclareOutcome {
  QueuePtr queue;
  bool created = false;
};

class VHost final : public QueueHost {
 public:
  explicit VHost(std::string name, const VHostHooks* hooks = nullptr);
  // Takes its queues out of the shard's registry.
  ~VHost() override;
  VHost(const VHost&) = delete;
  VHost& operator=(const VHost&) = delete;

  const std::string& name() const { return name_; }
  // The vhost was deleted while connections may still hold it (Broker::retire_vhost): it
  // follows `hooks` (which outlive it) from here on.
  void retire(const VHostHooks* hooks) { hooks_ = hooks; }

  // --- exchanges ---
  Status declare_exchange(const std::string& name, std::string_view type,
                          const ExchangeOptions& options, bool passive);
  Status delete_exchange(const std::string& name, bool if_unused);
  // "" is the default exchange, which has no Exchange object.
  Exchange* find_exchange(std::string_view name);
  // Gives the existing exchange `name` new declare arguments (its type and flags stay) and
  // records the change of a durable one (kExchangeChanged); kNotFound when there is none. For
  // front-ends that keep an entity's settings in its arguments and change them in place (SNS
  // SetTopicAttributes, TagResource) and for replaying such a change.
  Status change_exchange_arguments(const std::string& name, const Table& arguments);
  Status bind_exchange(const std::string& destination, const std::string& source,
                       const std::string& key, const Table& arguments);
  Status unbind_exchange(const std::string& destination, const std::string& source,
                         const std::string& key, const Table& arguments);

  // --- queues ---
  // `name` empty asks for a server-generated name.
  Status declare_queue(const std::string& name, const QueueOptions& options, bool passive,
                       OwnerId owner, QueueDeclareOutcome& out);
  Status delete_queue(const std::string& name, bool if_unused, bool if_empty, OwnerId owner,
                      size_t& message_count);
  Status purge_queue(const std::string& name, OwnerId owner, size_t& message_count);
  Status bind_queue(const std::string& queue, const std::string& exchange, const std::string& key,
                    const Table& arguments, OwnerId owner);
  Status unbind_queue(const std::string& queue, const std::string& exchange, const std::string& key,
                      const Table& arguments, OwnerId owner);
  // Gives the existing queue `name` new declare arguments, as though it had been declared
  // with them: the model derives its settings again (its error, if any, changes nothing), the
  // queue behaves by them from now on (messages already queued keep the expiry they were
  // given) and a durable queue's change is recorded (kQueueChanged). What a queue cannot
  // change while it exists (priorities, x-expires, single active consumer, exclusivity) is
  // kPreconditionFailed; a missing queue kNotFound. For front-ends whose protocol changes a
  // queue's settings in place (SQS SetQueueAttributes) and for replaying such a change.
  Status change_queue_arguments(const std::string& name, const Table& arguments);
  // Derives every queue's settings again from its arguments and the policies that match it
  // now, after a policy was set or cleared; what a queue cannot change while it exists
  // (priorities, single active consumer) stays. A lowered length limit applies at once.
  void reapply_policies();
  // Recreates a stored queue at startup: declare_queue without an owner, also accepting a
  // name the model reserves (server-named durable queues survive restarts).
  Status restore_queue(const std::string& name, const QueueOptions& options);
  // The queue `name` for use by `owner`: kNotFound, or kResourceLocked when another
  // connection's exclusive queue.
  Status use_queue(std::string_view name, OwnerId owner, QueuePtr& out);
  Queue* find_queue(std::string_view name);
  size_t queue_count() const { return queues_.size(); }

  // --- routing ---
  // Resolves `exchange` and appends the distinct queues `message` routes to, following
  // exchange-to-exchange bindings and alternate exchanges. kNotFound for a missing exchange,
  // kAccessRefused for an internal one (unless `internal_ok`: dead-lettering may target one).
  // Also routes by the keys of the message's CC header and by `bcc` (the BCC header, which
  // the front-end removes from the message before it is stored), at every exchange passed.
  // A CC or BCC header that is not an array is kPreconditionFailed, as in RabbitMQ.
  // With `streams`, the distinct streams it routes to are appended there; without, bindings
  // to streams are passed over.
  Status route(std::string_view exchange, const Message& message, std::vector<Queue*>& out,
               bool internal_ok = false, const std::vector<std::string>* bcc = nullptr,
               std::vector<Stream*>* streams = nullptr);

  // --- streams ---
  // Creates the stream `name` (or opens its partitions left on disk), or finds the existing
  // one, which must have as many partitions (kPreconditionFailed otherwise). Streams and
  // queues share one namespace: a name taken by the other kind is kResourceLocked.
  // kNotImplemented when the vhost has no storage (streams live on disk only).
  Status declare_stream(const std::string& name, const StreamSettings& settings, Stream*& out);
  Stream* find_stream(std::string_view name);
  // Gives the existing stream new settings (Stream::reconfigure: more partitions, retention,
  // segment size) and records the change; kNotFound when there is none.
  Status reconfigure_stream(const std::string& name, const StreamSettings& settings);
  // Deletes the stream, its bindings and its data; kNotFound when there is none.
  Status delete_stream(const std::string& name);
  Status bind_stream(const std::string& stream, const std::string& exchange, const std::string& key,
                     const Table& arguments);
  Status unbind_stream(const std::string& stream, const std::string& exchange,
                       const std::string& key, const Table& arguments);
  std::vector<const Stream*> streams() const;
  // Deletes, in every stream, the whole segments past its retention; returns bytes reclaimed.
  uint64_t apply_stream_retention(int64_t now_ms);

  // --- QueueHost ---
  // Republishes to the queue's dead-letter target the message the model makes of it
  // (core/dead_lettering.h); a missing exchange, or a target the model calls a cycle, drops
  // it, as does a chain of more than 16 dead-letterings each caused by the one before.
  // Delivered before it returns, without recursion: the dead-letterings its enqueues cause
  // are queued and worked off by the outermost call.
  void dead_letter(Queue& queue, const MessagePtr& message, DeadLetterReason reason) override;
  // The queue `message` was last dead-lettered from, as the model recorded it
  // (DeadLettering::dead_lettered_from); nullopt without a model or a record.
  std::optional<std::string> dead_lettered_from(const Message& message) const;
  void queue_expired(Queue& queue) override;

  // --- lifecycle hooks ---
  // A consumer left `queue`: an auto-delete queue with no consumers left is deleted.
  void consumer_removed(Queue& queue) override;
  // The connection `owner` closed: its exclusive queues are deleted.
  void release_owner(OwnerId owner);

  std::vector<const Exchange*> exchanges() const;
  std::vector<const Queue*> queues() const;

 private:
  // The model's completion of `settings` with the policies that match `queue` now; returns
  // their names.
  AppliedPolicies complete_settings(const QueueSettingsSource& source, const std::string& queue,
                                    const QueueOptions& options, QueueSettings& settings) const;
  void add_builtin_exchanges();
  const DeclarationRules& rules() const;
  // The two ends of a queue binding, checked as RabbitMQ does (default exchange, then 404s);
  // the caller checks exclusivity.
  Status binding_ends(const std::string& queue_name, const std::string& exchange_name,
                      QueuePtr& queue, Exchange*& exchange);
  Status exchange_binding_ends(const std::string& destination, const std::string& source,
                               Exchange*& dst, Exchange*& src);
  // Routes by message.routing_key and `extra_keys` from `start` (null: the default exchange),
  // each exchange on the way matching every key, adding queues not already in out[first..].
  void route_keys(Exchange* start, const Message& message, std::vector<Stream*>* streams,
                  const std::vector<std::string>& extra_keys, size_t first,
                  std::vector<Queue*>& out);
  void remove_queue(QueuePtr queue);  // by value: it erases the map entry
  void remove_exchange(const std::string& name);
  void maybe_auto_delete_exchange(Exchange& exchange);
  std::string generate_queue_name();
  std::string describe_queue(std::string_view name) const;
  std::string describe_exchange(std::string_view name) const;
  Status check_exclusive(const Queue& queue, OwnerId owner) const;
  // The filter the hooks' BindingFilters compile from a binding's arguments (null: none).
  Status compile_filter(const Table& arguments, std::shared_ptr<const BindingPredicate>& out) const;
  Status locked(std::string_view queue_name) const;

  void record(DefinitionChange change) const {
    if (hooks_ == nullptr || hooks_->definitions == nullptr) return;
    change.vhost = this;
    hooks_->definitions->record(change);
  }

  std::string name_;
  const VHostHooks* hooks_;
  // Looked up by string_view without making a string: every publish finds its exchange, and
  // the default exchange its queue.
  struct NameHash {
    using is_transparent = void;
    size_t operator()(std::string_view name) const { return std::hash<std::string_view>{}(name); }
  };
  template <class T>
  using ByName = std::unordered_map<std::string, T, NameHash, std::equal_to<>>;
  ByName<ExchangePtr> exchanges_;
  ByName<QueuePtr> queues_;
  ByName<std::unique_ptr<Stream>> streams_;
  bool restoring_ = false;  // set by restore_queue around its declare_queue
  // Dead-lettered messages waiting to be routed, oldest first (see dead_letter()).
  struct PendingDeadLetter {
    MessagePtr message;
    DeadLetterReason reason;
    int generation;  // 0: caused by a queue's own doing; n: by delivering generation n - 1
  };
  std::deque<PendingDeadLetter> dead_letters_;
  bool delivering_dead_letter_ = false;  // an outer dead_letter() is working off the list
  int dead_letter_generation_ = 0;       // of the dead letter being delivered
};

}  // namespace polymq::core
