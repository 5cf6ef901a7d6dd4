// HTTP header fields in the order they arrived, duplicates kept (SigV4 signs every value of a
// repeated field, joined by commas, in arrival order). Names are compared case-insensitively
// (RFC 9110 5.1); values are kept as received, without the surrounding whitespace.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace polymq::http {

// ASCII case-insensitive equality, the comparison HTTP uses for field names and tokens.
bool iequals(std::string_view a, std::string_view b);

class Headers {
 public:
  using Field = std::pair<std::string, std::string>;

  void add(std::string name, std::string value);
  // Replaces every field of that name with one.
  void set(std::string_view name, std::string value);
  void remove(std::string_view name);

  // The first value of the field, if any.
  std::optional<std::string_view> find(std::string_view name) const;
  // The first value, or "" when the field is absent.
  std::string_view get(std::string_view name) const { return find(name).value_or(""); }
  bool contains(std::string_view name) const { return find(name).has_value(); }
  // Every value of the field, in arrival order.
  std::vector<std::string_view> all(std::string_view name) const;
  // Whether the comma-separated field (Connection, Expect ...) lists `token`.
  bool has_token(std::string_view name, std::string_view token) const;

  const std::vector<Field>& fields() const { return fields_; }
  bool empty() const { return fields_.empty(); }
  size_t size() const { return fields_.size(); }

 private:
  std::vector<Field> fields_;
};

}  // namespace polymq::http
