// The Kafka cluster id: made once, on the first start with a data directory, and kept in
// <data-dir>/kafka_cluster_id so Metadata announces the same id after every restart (clients
// notice a changed id as a different cluster).
#pragma once

#include <string>

namespace polymq::server {

// Reads the stored id, or makes one (Kafka's form: 16 random bytes in unpadded URL-safe
// base64, 22 characters) and stores it durably (written, synced, renamed into place, directory
// synced). Returns false with `error` set when the file cannot be read or written, or holds no
// valid id: the broker must not start with a different id than the one it had.
bool load_or_create_kafka_cluster_id(const std::string& data_dir, std::string& id,
                                     std::string& error);

// Kafka's form of a random UUID: 22 characters of [A-Za-z0-9_-].
std::string new_kafka_cluster_id();
bool valid_kafka_cluster_id(const std::string& id);

}  // namespace polymq::server
