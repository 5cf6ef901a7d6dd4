#include "ctl/output.h"

#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <iostream>

namespace polymq::ctl {

std::string json_text(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string cell_text(const rapidjson::Value* value) {
  if (value == nullptr || value->IsNull()) return {};
  if (!value->IsString()) return json_text(*value);
  std::string out;
  for (const char c : std::string_view(value->GetString(), value->GetStringLength())) {
    switch (c) {
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\\':
        out += "\\\\";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

const rapidjson::Value* find_path(const rapidjson::Value& object,
                                  const std::vector<std::string>& path) {
  const rapidjson::Value* at = &object;
  for (const std::string& key : path) {
    if (!at->IsObject()) return nullptr;
    auto it = at->FindMember(rapidjson::StringRef(key.data(), key.size()));
    if (it == at->MemberEnd()) return nullptr;
    at = &it->value;
  }
  return at;
}

namespace {

void write_pretty(const rapidjson::Value& value, std::ostream& out) {
  rapidjson::StringBuffer buffer;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> writer(buffer);
  writer.SetIndent(' ', 2);
  value.Accept(writer);
  out << std::string_view(buffer.GetString(), buffer.GetSize()) << '\n';
}

}  // namespace

void print_rows(const rapidjson::Value& rows, const std::vector<Column>& columns,
                const OutputOptions& options, std::ostream& out) {
  if (options.format == Format::kJson) {
    rapidjson::Document doc(rapidjson::kArrayType);
    auto& alloc = doc.GetAllocator();
    if (rows.IsArray()) {
      for (const rapidjson::Value& row : rows.GetArray()) {
        rapidjson::Value object(rapidjson::kObjectType);
        for (const Column& c : columns) {
          rapidjson::Value key(c.name.c_str(), alloc);
          rapidjson::Value value;
          if (c.path.empty()) {
            value.SetString(c.constant.c_str(), alloc);
          } else if (const rapidjson::Value* v = find_path(row, c.path)) {
            value.CopyFrom(*v, alloc);
          }
          object.AddMember(key, value, alloc);
        }
        doc.PushBack(object, alloc);
      }
    }
    write_pretty(doc, out);
    return;
  }
  if (!options.quiet && options.table_headers) {
    for (size_t i = 0; i < columns.size(); ++i) out << (i ? "\t" : "") << columns[i].name;
    out << '\n';
  }
  if (!rows.IsArray()) return;
  for (const rapidjson::Value& row : rows.GetArray()) {
    for (size_t i = 0; i < columns.size(); ++i) {
      const Column& c = columns[i];
      out << (i ? "\t" : "") << (c.path.empty() ? c.constant : cell_text(find_path(row, c.path)));
    }
    out << '\n';
  }
}

void print_object(const rapidjson::Value& object, const OutputOptions& options, std::ostream& out) {
  if (options.format == Format::kJson) return write_pretty(object, out);
  if (!object.IsObject()) return;
  for (const auto& member : object.GetObject()) {
    out << cell_text(&member.name) << '\t' << cell_text(&member.value) << '\n';
  }
}

void print_info(const OutputOptions& options, std::string_view line) {
  if (options.quiet || options.format == Format::kJson) return;
  std::cout << line << '\n';
}

}  // namespace polymq::ctl
