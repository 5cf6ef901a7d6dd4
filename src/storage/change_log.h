// An append-only log of small change records (the broker's definitions changes), written and
// synced in batches on its own thread so that the owner thread (the event loop) never waits
// for the disk. It sits beside a snapshot that the owner writes now and then (through run());
// at start the records after the snapshot are replayed over it.
//
// Files: <dir>/<prefix><20-digit base>, a *generation* holding the records numbered base+1,
// base+2, ... back to back, framed as in log_format.h with the record's number as its offset
// (length, CRC-32C, number, timestamp, payload). rotate() starts the next generation, named by
// the last number appended before it; remove_through(S) deletes the generations all of whose
// records are <= S, once a snapshot holds them.
//
// Preallocation: a generation is created as `preallocate_bytes` of written zeros (extended
// by as much again when full), so that an append followed by fdatasync is an overwrite of
// allocated blocks: the file size does not change and the sync needs no file-system journal
// commit. The records end at the first length field that is zero.
//
// Durability: the writing thread takes everything appended since its last batch, writes it
// with one pwrite per generation and fdatasyncs once, then posts the outcome to the owner
// thread, which calls the when_durable() callbacks of the numbers it covered. Appends made
// while a batch is being synced go in the next batch, so the slower the disk, the more each
// sync carries. After a failed write or sync the file is not trusted again (the kernel may
// have dropped the pages): the waiters of that batch and of every later one are told false
// until mark_durable() says a snapshot holds those records.
//
// Replay (replay_change_log): generations in order of base; records must follow each other
// without a gap. The first record of a generation that fails a check (torn write, bad CRC,
// wrong number) ends that generation, and a gap in the numbering ends the replay: nothing
// after either was acknowledged, because a record is only reported durable once it and every
// record before it are synced.
//
// REQUIRES: every member call on the owner thread; `post` runs a callable on that thread, and
// callables posted after the ChangeLog is destroyed are not run (the loop stopped first).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "storage/file.h"
#include "storage/status.h"

namespace polymq::storage {

struct ChangeLogOptions {
  std::string dir;
  std::string prefix = "changes.";           // file names: prefix + 20 digits
  uint64_t preallocate_bytes = 1024 * 1024;  // 0: plain appends
  // false: records are written (in the page cache, safe from a process crash) but not
  // fdatasynced before they are reported durable; the broker's sync_policy "never".
  bool sync = true;
  const FaultHooks* hooks = nullptr;  // may be null; must outlive the log
};

// What a replay found.
struct ChangeLogReplay {
  uint64_t last_seq = 0;           // the last record delivered, or `after` when none was
  uint64_t records = 0;            // records delivered
  std::vector<std::string> files;  // every generation file found, in order (full paths)
  std::string dropped;             // non-empty: the torn or corrupt tails skipped, or the gap that
                                   // ended the replay
};

// Calls fn(seq, payload) for each record numbered above `after`, in order. A non-ok Status
// from fn stops the replay and is returned; so is an I/O error.
Result<ChangeLogReplay> replay_change_log(
    const ChangeLogOptions& options, uint64_t after,
    const std::function<Status(uint64_t seq, std::string_view payload)>& fn);

// The generation file for `base` (records base+1 ...).
std::string change_log_file(const ChangeLogOptions& options, uint64_t base);

class ChangeLog {
 public:
  using Post = std::function<void(std::function<void()>)>;
  using DoneFn = std::function<void(bool ok)>;

  // Creates the generation `last_seq` (replacing a file of that name) synchronously, and
  // starts the writing thread. The next record is last_seq + 1.
  static Result<std::unique_ptr<ChangeLog>> create(ChangeLogOptions options, uint64_t last_seq,
                                                   Post post);
  // Writes and syncs what is still queued, then stops the thread.
  ~ChangeLog();
  ChangeLog(const ChangeLog&) = delete;
  ChangeLog& operator=(const ChangeLog&) = delete;

  // Queues a record; returns its number.
  uint64_t append(std::string_view payload);
  uint64_t last_seq() const { return last_seq_; }
  // Every record up to here is on disk (in a generation or, after mark_durable, a snapshot).
  uint64_t durable_seq() const { return durable_seq_; }
  // A write or sync failed and no snapshot has covered it yet.
  bool failed() const { return failed_; }
  // Bytes appended to the current generation.
  uint64_t generation_bytes() const { return generation_bytes_; }

  // done(true) once every record up to `seq` is durable (at once if it is), done(false) if a
  // batch holding one of them failed.
  void when_durable(uint64_t seq, DoneFn done);

  // Records appended from now on go to a new generation, base last_seq().
  void rotate();
  // Runs `job` on the writing thread after everything queued before it has been written and
  // synced, then done(status) on the owner thread.
  void run(std::function<Status()> job, std::function<void(Status)> done);
  // Deletes (on the writing thread, in queue order) the generations before the one that holds
  // record seq + 1, i.e. whose records are all <= seq.
  void remove_through(uint64_t seq);
  // A snapshot holds every record up to `seq`: they are durable whatever happened to the
  // generation files, and a failure before `seq` is healed.
  void mark_durable(uint64_t seq);

  // Blocks until the writing thread has done everything queued (shutdown). Completions it
  // posts are not needed after this.
  void drain();

 private:
  struct Op {
    enum class Kind { kRecords, kRotate, kJob, kRemove } kind;
    std::string bytes;  // kRecords: framed records
    uint64_t seq = 0;   // kRecords: the last record; kRotate: the new base; kRemove: S
    std::function<Status()> job;
    std::function<void(Status)> done;
  };
  struct BatchResult {
    uint64_t last_seq = 0;  // the last record the batch wrote (0: none)
    bool ok = true;
    std::vector<std::pair<std::function<void(Status)>, Status>> jobs;
  };

  ChangeLog(ChangeLogOptions options, uint64_t last_seq, Post post);
  void writing_thread();
  // Writing thread: the ops of one batch, in order.
  BatchResult run_batch(std::vector<Op>& ops);
  Status write_records(const std::string& bytes);
  Status sync_current();
  Status open_generation(uint64_t base);
  Status extend(uint64_t needed);
  void finish_batch(BatchResult result);
  void queue(Op op);
  void resolve_waiters(uint64_t upto, bool ok);

  const ChangeLogOptions options_;
  const Post post_;

  // Owner thread.
  uint64_t last_seq_;
  uint64_t durable_seq_;
  uint64_t generation_bytes_ = 0;
  bool failed_ = false;
  uint64_t failed_through_ = 0;  // the last record of a failed batch
  std::multimap<uint64_t, DoneFn> waiters_;

  // Writing thread only.
  File file_;
  uint64_t file_base_ = 0;
  uint64_t write_pos_ = 0;
  uint64_t file_size_ = 0;
  bool file_dirty_ = false;
  bool file_failed_ = false;
  std::vector<uint64_t> bases_;  // generations on disk (from this process), oldest first

  // Shared.
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Op> ops_;
  bool busy_ = false;  // the thread is running a batch
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace polymq::storage
