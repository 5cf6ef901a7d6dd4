// The transactions of one partition, as Kafka's log keeps them for read_committed readers:
// which producers have a transaction open in it (and from which offset), and which aborted
// transactions its records hold.
//
//   - The last stable offset (LSO) is the first offset of the oldest open transaction, or the
//     high watermark when none is open: a read_committed consumer reads below it only.
//   - An aborted transaction is (producer id, first offset, last offset = its abort marker's
//     offset). A Fetch names those overlapping what it returns, and the client drops that
//     producer's batches from the first offset up to the marker.
//
// A transaction's first offset here is the partition's end when the coordinator added the
// partition to the transaction (AddPartitionsToTxn), not the offset of its first batch: the
// producer writes only after that answer, so its batches lie at or after it. Holding the LSO
// from there is conservative (records of other producers between the two wait for the
// transaction too), and it is known to the coordinator, which keeps it durable, so a
// restarted broker rebuilds this state from the coordinator's log without reading partitions.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <utility>
#include <vector>

namespace polymq::kafka::txn {

struct AbortedTxn {
  int64_t producer_id = -1;
  int64_t first_offset = 0;
  int64_t last_offset = 0;  // the abort marker's offset
  bool operator==(const AbortedTxn&) const = default;
};

class PartitionTxns {
 public:
  // Kafka bounds the aborted index by the log's retention; this bounds it by count as well, so
  // a producer aborting forever cannot grow it without end. The oldest are dropped first.
  static constexpr size_t kMaxAborted = 100000;

  // A transaction of `producer_id` is open here from `first_offset` (kept when it already is).
  void begin(int64_t producer_id, int16_t epoch, int64_t first_offset);
  // The open transaction's epoch, or nullopt when the producer has none open here.
  std::optional<int16_t> open_epoch(int64_t producer_id) const;
  // Ends the producer's open transaction at its marker; an abort is remembered (and returned).
  // Nothing is open: nullopt, nothing changes.
  std::optional<AbortedTxn> end(int64_t producer_id, bool commit, int64_t marker_offset);
  // An aborted transaction read back from the coordinator's log; one with the same producer
  // and first offset is replaced (the abort was written again after a restart).
  void add_aborted(const AbortedTxn& aborted);

  // The last stable offset given the partition's high watermark.
  int64_t last_stable_offset(int64_t high_watermark) const;
  // The aborted transactions a fetch of [from, to) must be told of, by first offset.
  std::vector<AbortedTxn> aborted_between(int64_t from, int64_t to) const;
  bool has_open() const { return !open_.empty(); }
  // Every aborted transaction, by last offset.
  template <class Fn>
  void for_each_aborted(Fn&& fn) const {
    for (const auto& [last, aborted] : aborted_) fn(aborted);
  }
  size_t aborted_count() const { return aborted_.size(); }

 private:
  struct Open {
    int16_t epoch;
    int64_t first_offset;
  };
  std::map<int64_t, Open> open_;  // by producer id
  // By last offset (a marker's offset is the partition's alone), so those ending before a
  // fetch's start are skipped with one search; and by (producer, first offset) to replace.
  std::map<int64_t, AbortedTxn> aborted_;
  std::map<std::pair<int64_t, int64_t>, int64_t> aborted_by_start_;
  // The longest aborted transaction (last - first offset) seen: a search by last offset stops
  // once no later transaction can begin before the fetch's end.
  int64_t longest_aborted_ = 0;
};

}  // namespace polymq::kafka::txn
