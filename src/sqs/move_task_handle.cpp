#include "sqs/move_task_handle.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "sqs/digests.h"

namespace polymq::sqs {

std::string encode(const MoveTaskHandle& handle) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  w.Key("taskId");
  w.String(handle.task_id.data(), static_cast<rapidjson::SizeType>(handle.task_id.size()));
  w.Key("sourceArn");
  w.String(handle.source_arn.data(), static_cast<rapidjson::SizeType>(handle.source_arn.size()));
  w.EndObject();
  return base64_encode(std::string_view(buffer.GetString(), buffer.GetSize()));
}

std::optional<MoveTaskHandle> decode_move_task_handle(std::string_view text) {
  std::optional<std::string> json = base64_decode(text);
  if (!json || json->empty()) return std::nullopt;
  rapidjson::Document doc;
  doc.Parse(json->data(), json->size());
  if (doc.HasParseError() || !doc.IsObject()) return std::nullopt;
  auto member = [&](const char* name) -> std::optional<std::string> {
    auto it = doc.FindMember(name);
    if (it == doc.MemberEnd() || !it->value.IsString()) return std::nullopt;
    return std::string(it->value.GetString(), it->value.GetStringLength());
  };
  std::optional<std::string> id = member("taskId");
  std::optional<std::string> arn = member("sourceArn");
  if (!id || !arn || id->empty()) return std::nullopt;
  return MoveTaskHandle{std::move(*id), std::move(*arn)};
}

}  // namespace polymq::sqs
