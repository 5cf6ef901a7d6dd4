// storage_log_bench: appends N records of S bytes to a fresh log, fsyncing every B records
// (0: only once at the end) and writing K records per append_batch, then reads them all back;
// prints records/s and payload MB/s for both. The append figure includes the final flush, so
// it is the rate at which records became durable. For the docs, not a test.
//
//   storage_log_bench [--records N] [--size S] [--sync-every B] [--batch K]
//                     [--segment-bytes X] [--dir D]
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "storage/crc32c.h"
#include "storage/log.h"

namespace {

using polymq::storage::Log;
using polymq::storage::LogOptions;
using polymq::storage::RecordInput;
using polymq::storage::RecordView;
using Clock = std::chrono::steady_clock;

struct Args {
  uint64_t records = 200000;
  uint64_t size = 1024;
  uint64_t sync_every = 1000;  // 0: only at the end
  uint64_t batch = 1;
  uint64_t segment_bytes = 64 << 20;
  std::string dir;
};

bool parse(int argc, char** argv, Args* args) {
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const char* value = argv[i + 1];
    if (flag == "--dir") {
      args->dir = value;
      continue;
    }
    const uint64_t n = std::strtoull(value, nullptr, 10);
    if (flag == "--records")
      args->records = n;
    else if (flag == "--size")
      args->size = n;
    else if (flag == "--sync-every")
      args->sync_every = n;
    else if (flag == "--batch")
      args->batch = n == 0 ? 1 : n;
    else if (flag == "--segment-bytes")
      args->segment_bytes = n;
    else
      return false;
  }
  return argc % 2 == 1;
}

void report(const char* what, uint64_t records, uint64_t bytes, Clock::duration elapsed) {
  const double seconds = std::chrono::duration<double>(elapsed).count();
  std::printf("%-6s %10.0f records/s %9.1f MB/s  (%llu records, %.3f s)\n", what,
              static_cast<double>(records) / seconds, static_cast<double>(bytes) / seconds / 1e6,
              static_cast<unsigned long long>(records), seconds);
}

int fail(const char* what, const std::string& message) {
  std::fprintf(stderr, "%s: %s\n", what, message.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  if (!parse(argc, argv, &args)) {
    std::fprintf(stderr,
                 "usage: %s [--records N] [--size S] [--sync-every B] [--batch K] "
                 "[--segment-bytes X] [--dir D]\n",
                 argv[0]);
    return 2;
  }
  const bool own_dir = args.dir.empty();
  if (own_dir) {
    std::string tmpl = "/tmp/polymq-log-bench-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) return fail("mkdtemp", std::strerror(errno));
    args.dir = tmpl;
  }
  std::printf(
      "records=%llu size=%llu sync-every=%llu batch=%llu segment-bytes=%llu crc32c=%s\n",
      static_cast<unsigned long long>(args.records), static_cast<unsigned long long>(args.size),
      static_cast<unsigned long long>(args.sync_every), static_cast<unsigned long long>(args.batch),
      static_cast<unsigned long long>(args.segment_bytes),
      polymq::storage::crc32c::hardware_available() ? "sse4.2" : "software");

  LogOptions options;
  options.segment_bytes = args.segment_bytes;
  int rc = 0;
  {
    auto log = Log::open(args.dir, options);
    if (!log.ok()) return fail("open", log.status().message());
    const std::string payload(args.size, 'x');
    const std::vector<RecordInput> batch(args.batch, RecordInput{payload, 0});
    uint64_t since_sync = 0;
    const auto start = Clock::now();
    for (uint64_t done = 0; done < args.records && rc == 0;) {
      const uint64_t n = std::min(args.batch, args.records - done);
      auto r = (*log)->append_batch(std::span(batch.data(), n));
      if (!r.ok()) rc = fail("append", r.status().message());
      done += n;
      since_sync += n;
      if (args.sync_every != 0 && since_sync >= args.sync_every) {
        if (auto st = (*log)->flush(); !st.ok()) rc = fail("flush", st.message());
        since_sync = 0;
      }
    }
    const auto written = Clock::now();
    if (rc == 0) {
      if (auto st = (*log)->flush(); !st.ok()) rc = fail("flush", st.message());
    }
    const auto end = Clock::now();
    report("append", args.records, args.records * args.size, end - start);
    std::printf("       of which the final flush took %.3f s\n",
                std::chrono::duration<double>(end - written).count());

    uint64_t read = 0;
    uint64_t bytes = 0;
    const auto read_start = Clock::now();
    for (uint64_t offset = 0; rc == 0 && offset < (*log)->next_offset();) {
      auto next = (*log)->read(offset, 1 << 20, [&](const RecordView& rec) {
        ++read;
        bytes += rec.payload.size();
        return true;
      });
      if (!next.ok())
        rc = fail("read", next.status().message());
      else
        offset = *next;
    }
    report("read", read, bytes, Clock::now() - read_start);
  }
  if (own_dir) std::filesystem::remove_all(args.dir);
  return rc;
}
