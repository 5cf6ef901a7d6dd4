// VHost: its streams (core/stream.h), beside the queues and exchanges of vhost.cpp.
#include <algorithm>

#include "core/queue_store.h"
#include "core/vhost.h"

namespace polymq::core {

Status VHost::declare_stream(const std::string& requested, const StreamSettings& settings,
                             Stream*& out) {
  const std::string name = strip_cr_lf(requested);
  if (name.empty()) return {ErrorCode::kInvalidArgument, "a stream needs a name"};
  if (queues_.count(name) != 0) return locked(name);
  if (auto it = streams_.find(name); it != streams_.end()) {
    if (it->second->partition_count() != settings.partitions) {
      return {ErrorCode::kPreconditionFailed,
              "stream '" + name + "' in vhost '" + name_ + "' has " +
                  std::to_string(it->second->partition_count()) + " partitions, not " +
                  std::to_string(settings.partitions)};
    }
    out = it->second.get();
    return Status::Ok();
  }
  if (hooks_ == nullptr || hooks_->queue_stores == nullptr) {
    return {ErrorCode::kNotImplemented, "streams need a data directory"};
  }
  std::unique_ptr<Stream> stream;
  if (Status s = hooks_->queue_stores->open_stream(name_, name, settings, stream); !s.ok()) {
    return s;
  }
  out = stream.get();
  streams_.emplace(name, std::move(stream));
  record({.kind = DefinitionChange::Kind::kStreamAdded, .stream = out});
  return Status::Ok();
}

Stream* VHost::find_stream(std::string_view name) {
  auto it = streams_.find(name);
  return it == streams_.end() ? nullptr : it->second.get();
}

Status VHost::reconfigure_stream(const std::string& name, const StreamSettings& settings) {
  Stream* stream = find_stream(name);
  if (stream == nullptr) {
    return {ErrorCode::kNotFound, "no stream '" + name + "' in vhost '" + name_ + "'"};
  }
  const Status st = stream->reconfigure(settings);
  // Recorded even after a partial failure: what the stream now has is what a restart must find.
  record({.kind = DefinitionChange::Kind::kStreamChanged, .stream = stream});
  return st;
}

Status VHost::delete_stream(const std::string& name) {
  auto it = streams_.find(name);
  if (it == streams_.end()) {
    return {ErrorCode::kNotFound, "no stream '" + name + "' in vhost '" + name_ + "'"};
  }
  std::unique_ptr<Stream> stream = std::move(it->second);
  streams_.erase(it);
  std::vector<Exchange*> touched;
  for (auto& [n, exchange] : exchanges_) {
    if (exchange->unbind_all(stream.get()) > 0) touched.push_back(exchange.get());
  }
  for (Exchange* exchange : touched) maybe_auto_delete_exchange(*exchange);
  record({.kind = DefinitionChange::Kind::kStreamRemoved, .stream = stream.get()});
  stream->destroy();
  return Status::Ok();
}

Status VHost::bind_stream(const std::string& stream_name, const std::string& exchange_name,
                          const std::string& key, const Table& arguments) {
  if (exchange_name.empty()) {
    return {ErrorCode::kAccessRefused, "operation not permitted on the default exchange"};
  }
  Exchange* exchange = find_exchange(exchange_name);
  if (exchange == nullptr) return {ErrorCode::kNotFound, "no " + describe_exchange(exchange_name)};
  Stream* stream = find_stream(stream_name);
  if (stream == nullptr) {
    return {ErrorCode::kNotFound, "no stream '" + stream_name + "' in vhost '" + name_ + "'"};
  }
  std::shared_ptr<const BindingPredicate> filter;
  if (Status s = compile_filter(arguments, filter); !s.ok()) return s;
  if (exchange->bind(stream, key, arguments, std::move(filter)) &&
      survives_restart(exchange->options())) {
    record({.kind = DefinitionChange::Kind::kBindingAdded,
            .exchange = exchange,
            .stream = stream,
            .key = key,
            .arguments = &arguments});
  }
  return Status::Ok();
}

Status VHost::unbind_stream(const std::string& stream_name, const std::string& exchange_name,
                            const std::string& key, const Table& arguments) {
  Exchange* exchange = find_exchange(exchange_name);
  Stream* stream = find_stream(stream_name);
  // As for queues (RabbitMQ): a missing end means nothing is bound.
  if (exchange == nullptr || stream == nullptr) return Status::Ok();
  if (!exchange->unbind(stream, key, arguments)) return Status::Ok();
  if (survives_restart(exchange->options())) {
    record({.kind = DefinitionChange::Kind::kBindingRemoved,
            .exchange = exchange,
            .stream = stream,
            .key = key,
            .arguments = &arguments});
  }
  maybe_auto_delete_exchange(*exchange);
  return Status::Ok();
}

uint64_t VHost::apply_stream_retention(int64_t now_ms) {
  uint64_t bytes = 0;
  for (auto& [name, stream] : streams_) bytes += stream->apply_retention(now_ms);
  return bytes;
}

std::vector<const Stream*> VHost::streams() const {
  std::vector<const Stream*> out;
  out.reserve(streams_.size());
  for (const auto& [name, stream] : streams_) out.push_back(stream.get());
  std::sort(out.begin(), out.end(),
            [](const Stream* a, const Stream* b) { return a->name() < b->name(); });
  return out;
}

}  // namespace polymq::core
