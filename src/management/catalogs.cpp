// The front-ends' own objects (core/catalogs.h): /api/polymq lists the catalogs,
// /api/polymq/{front-end}/{kind}[/{vhost}[/{name}]] their objects, in the vhosts the user
// sees, sorted, filtered and paged as RabbitMQ's lists are. Read-only: the objects are changed
// through their own protocols (Kafka admin requests, SQS and SNS actions).
#include "core/value.h"
#include "management/json_output.h"
#include "management/service.h"
#include "rabbit/json_values.h"

namespace polymq::management {

void Service::polymq(const CallPtr& call) {
  const Call& c = *call;
  if (c.request.method != "GET") return send(c, error(405, "method_not_allowed", c.request.method));
  if (c.path.size() == 1) {
    rapidjson::StringBuffer b;
    JsonWriter w(b);
    w.StartArray();
    if (config_.catalogs != nullptr) {
      for (const std::string& path : config_.catalogs->paths()) {
        w.StartObject();
        w.Key("name");
        write(w, path);
        w.EndObject();
      }
    }
    w.EndArray();
    return send(c, json(200, text(b)));
  }
  if (c.path.size() < 3 || c.path.size() > 5 || config_.catalogs == nullptr) {
    return send(c, not_found());
  }
  const core::Catalog* catalog = config_.catalogs->find(c.path[1] + "/" + c.path[2]);
  if (catalog == nullptr) return send(c, not_found());
  const std::string* vhost = nullptr;
  if (c.path.size() >= 4) {
    if (vhost_at(c, 3) == nullptr) return;
    vhost = &c.path[3];
  }
  const std::string* name = c.path.size() == 5 ? &c.path[4] : nullptr;

  rapidjson::StringBuffer b;
  JsonWriter w(b);
  if (name == nullptr) w.StartArray();
  bool found = false;
  for (const core::Table& row : catalog->list()) {
    const std::string* row_vhost = core::find_string(row, "vhost");
    if (row_vhost == nullptr || !sees_vhost(c, *row_vhost)) continue;
    if (vhost != nullptr && *row_vhost != *vhost) continue;
    if (name != nullptr) {
      const std::string* row_name = core::find_string(row, "name");
      if (row_name == nullptr || *row_name != *name) continue;
    }
    rabbit::write_json_table(w, row);
    found = true;
    if (name != nullptr) break;
  }
  if (name != nullptr) return found ? send(c, json(200, text(b))) : send(c, not_found());
  w.EndArray();
  send_list(c, text(b));
}

}  // namespace polymq::management
