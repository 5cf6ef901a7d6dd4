#!/usr/bin/python3
"""Compaction throughput of a Kafka topic with cleanup.policy=compact.

Starts a PolyMQ (release build) on 127.0.0.1 with compaction checks an hour apart, produces
RECORDS records of SIZE bytes over KEYS keys into a one-partition compacted topic with
confluent-kafka, stops the broker, and starts it again with checks every 200 ms: the first
pass after a restart reads every settled segment (the dirty start is kept in memory), so it
is one pass over all of them. Reports the pass's own log line (bytes of settled segments,
records removed, bytes reclaimed, duration), the partition's size on disk before and after,
and the pass's rate in MB/s.

  bench/kafka_compaction.py BUILD_DIR [--records N] [--size BYTES] [--keys K]
                            [--segment-bytes B]
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                "integration", "common"))

import confluent_kafka  # noqa: E402
from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402
from polymq_process import Broker  # noqa: E402

PASS = re.compile(r"compacted bench-0 in vhost '/': (\d+) records removed, (\d+) bytes "
                  r"reclaimed in (\d+) segments \((\d+) bytes of settled segments, pass took "
                  r"(\d+) ms\)")


def du(path):
    out = subprocess.run(["du", "-sb", path], capture_output=True, text=True, check=True)
    return int(out.stdout.split()[0])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--records", type=int, default=200_000)
    ap.add_argument("--size", type=int, default=1024)
    ap.add_argument("--keys", type=int, default=1000)
    ap.add_argument("--segment-bytes", type=int, default=16 * 1024 * 1024)
    a = ap.parse_args()
    binary = os.path.join(a.build, "src", "server", "polymq")
    with tempfile.TemporaryDirectory(prefix="polymq-compaction-") as work:
        broker = Broker(work, args=["--compaction-check-interval-ms", "3600000"], binary=binary,
                        kafka=True)
        broker.start()
        try:
            bootstrap = f"127.0.0.1:{broker.kafka_port}"
            admin = AdminClient({"bootstrap.servers": bootstrap})
            config = {"cleanup.policy": "compact", "segment.bytes": str(a.segment_bytes)}
            for f in admin.create_topics([NewTopic("bench", 1, config=config)]).values():
                f.result(30)
            producer = confluent_kafka.Producer({"bootstrap.servers": bootstrap,
                                                 "linger.ms": 5, "acks": "1"})
            value = b"v" * a.size
            started = time.monotonic()
            for i in range(a.records):
                while True:
                    try:
                        producer.produce("bench", key=b"key-%d" % (i % a.keys), value=value)
                        break
                    except BufferError:
                        producer.poll(0.01)
            producer.flush(120)
            produce_s = time.monotonic() - started
        finally:
            broker.stop()
        partition = [os.path.join(root) for root, dirs, files in os.walk(broker.data_dir)
                     if root.endswith(os.sep + "0") and any(f.endswith(".log") for f in files)]
        before = sum(du(p) for p in partition)
        broker.args = ["--compaction-check-interval-ms", "200"]
        broker.start()
        try:
            deadline = time.monotonic() + 600
            m = None
            while m is None and time.monotonic() < deadline:
                m = PASS.search(broker.log_text())
                time.sleep(0.2)
            if m is None:
                sys.exit("no compaction pass in 600 s:\n" + broker.log_tail())
        finally:
            broker.stop()
        after = sum(du(p) for p in partition)
        removed, reclaimed, segments, settled, took_ms = (int(x) for x in m.groups())
        print(f"produced {a.records} records of {a.size} B over {a.keys} keys in "
              f"{produce_s:.1f} s; partition {before / 1e6:.1f} MB on disk")
        print(f"first pass after the restart: {settled / 1e6:.1f} MB of settled segments, "
              f"{removed} records removed, {reclaimed / 1e6:.1f} MB reclaimed in {segments} "
              f"segments, {took_ms} ms ({settled / 1e6 / max(took_ms, 1) * 1000:.0f} MB/s)")
        print(f"partition after: {after / 1e6:.1f} MB on disk")


if __name__ == "__main__":
    main()
