// Where an exchange's binding leads: a queue, a stream, or another exchange
// (exchange-to-exchange bindings). One typed value, so routing, unbinding and the definitions
// export never compare untyped pointers.
#pragma once

#include <functional>
#include <variant>

namespace polymq::core {

class Queue;
class Stream;
class Exchange;

class Destination {
 public:
  // Implicit on purpose: a Queue*, Stream* or Exchange* is a destination.
  Destination(Queue* queue) : to_(queue) {}           // NOLINT(google-explicit-constructor)
  Destination(Stream* stream) : to_(stream) {}        // NOLINT(google-explicit-constructor)
  Destination(Exchange* exchange) : to_(exchange) {}  // NOLINT(google-explicit-constructor)

  // The destination when it is of that kind, else null.
  Queue* queue() const { return get<Queue*>(); }
  Stream* stream() const { return get<Stream*>(); }
  Exchange* exchange() const { return get<Exchange*>(); }

  bool operator==(const Destination& other) const = default;
  // For hashing: the object's address, unique whatever its kind.
  const void* address() const {
    return std::visit([](auto* p) { return static_cast<const void*>(p); }, to_);
  }

 private:
  template <class T>
  T get() const {
    const T* p = std::get_if<T>(&to_);
    return p != nullptr ? *p : nullptr;
  }
  std::variant<Queue*, Stream*, Exchange*> to_;
};

struct DestinationHash {
  size_t operator()(const Destination& d) const { return std::hash<const void*>()(d.address()); }
};

}  // namespace polymq::core
