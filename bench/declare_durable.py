#!/usr/bin/python3
"""Cost of durable definitions: one pika client declares N durable queues one after the other,
each followed by a bind to amq.direct, waiting for every declare-ok and bind-ok, as a client
setting up its topology does. Every one of those replies waits until the change is on disk
(docs/architecture.md, "Durable definitions"), so with the default sync policy the run is one
fdatasync per reply. Then the broker is killed with SIGKILL and started again (the change log
is replayed over the snapshot), and stopped and started cleanly; both restarts are timed until
a passive declare of the last queue answers. Disk use is the data directory's allocated size.

    bench/declare_durable.py                          # 1000 queues, build/release's polymq
    bench/declare_durable.py --queues 10000 --runs 3  # medians of 3
    bench/declare_durable.py --sync-policy never      # written before each reply, not synced
    bench/declare_durable.py --rabbitmq 127.0.0.1:5692   # also a running RabbitMQ (guest/guest)

PolyMQ is started on a free 127.0.0.1 port with a fresh data directory under /tmp for each run
and stopped at the end. Prints one line per run and one with the medians.
"""

import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

import pika

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def declare(host, port, count, durable, prefix):
    conn = pika.BlockingConnection(pika.ConnectionParameters(host, port))
    ch = conn.channel()
    started = time.monotonic()
    for i in range(count):
        name = "%s-%d" % (prefix, i)
        ch.queue_declare(name, durable=durable)
        ch.queue_bind(name, "amq.direct", name)
    elapsed = time.monotonic() - started
    conn.close()
    return elapsed


def delete(host, port, count, prefix):
    conn = pika.BlockingConnection(pika.ConnectionParameters(host, port))
    ch = conn.channel()
    for i in range(count):
        ch.queue_delete("%s-%d" % (prefix, i))
    conn.close()


def disk_kb(path):
    out = subprocess.run(["du", "-sk", path], capture_output=True, text=True, check=True)
    return int(out.stdout.split()[0])


class PolyMQ:
    def __init__(self, binary, data, sync_policy):
        self.binary, self.data, self.sync_policy = binary, data, sync_policy
        self.proc = None
        self.port = None

    def start(self, ready_queue=None):
        """Starts the broker; returns seconds until it answers (a passive declare of
        ready_queue, when given)."""
        self.port = free_port()
        started = time.monotonic()
        self.proc = subprocess.Popen([self.binary, "--bind", "127.0.0.1", "--amqp-port",
                                      str(self.port), "--data-dir", self.data, "--log-level",
                                      "warn", "--sync-policy", self.sync_policy],
                                     # AMQP only: Kafka's default port may be taken.
                                     env=dict(os.environ, POLYMQ_KAFKA_PORT="0",
                                              POLYMQ_SQS_PORT="0",
                                              POLYMQ_MANAGEMENT_PORT="0"))
        deadline = started + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    sys.exit("polymq did not start")
                time.sleep(0.005)
        if ready_queue is not None:
            conn = pika.BlockingConnection(pika.ConnectionParameters("127.0.0.1", self.port))
            conn.channel().queue_declare(ready_queue, passive=True)  # raises if it is missing
            conn.close()
        return time.monotonic() - started

    def stop(self, sig):
        self.proc.send_signal(sig)
        self.proc.wait()


def run_polymq(args):
    data = tempfile.mkdtemp(prefix="polymq-declare-")
    broker = PolyMQ(args.polymq, data, args.sync_policy)
    try:
        broker.start()
        transient = declare("127.0.0.1", broker.port, args.queues, False, "transient")
        delete("127.0.0.1", broker.port, args.queues, "transient")
        durable = declare("127.0.0.1", broker.port, args.queues, True, "durable")
        kb = disk_kb(data)
        last = "durable-%d" % (args.queues - 1)
        broker.stop(signal.SIGKILL)
        after_kill = broker.start(last)
        broker.stop(signal.SIGTERM)
        after_stop = broker.start(last)
        broker.stop(signal.SIGTERM)
        return {"transient": transient, "durable": durable, "kill9_restart": after_kill,
                "clean_restart": after_stop, "disk_kb": kb}
    finally:
        if broker.proc is not None and broker.proc.poll() is None:
            broker.stop(signal.SIGKILL)
        shutil.rmtree(data, ignore_errors=True)


def run_rabbitmq(args):
    host, _, port = args.rabbitmq.rpartition(":")
    port = int(port)
    transient = declare(host, port, args.queues, False, "bench-transient")
    delete(host, port, args.queues, "bench-transient")
    durable = declare(host, port, args.queues, True, "bench-durable")
    delete(host, port, args.queues, "bench-durable")
    return {"transient": transient, "durable": durable}


def show(broker, n, r):
    line = "%-8s %6d queues: durable %7.2f s (%6.0f declare+bind/s), transient %5.2f s" % (
        broker, n, r["durable"], n / r["durable"], r["transient"])
    if "disk_kb" in r:
        line += ", restart after kill -9 %.2f s, clean restart %.2f s, disk %d KB (%.1f KB/queue)" % (
            r["kill9_restart"], r["clean_restart"], r["disk_kb"], r["disk_kb"] / n)
    print(line, flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--queues", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--polymq", default=os.path.join(ROOT, "build/release/src/server/polymq"))
    parser.add_argument("--sync-policy", default="batch", choices=["batch", "never"])
    parser.add_argument("--rabbitmq", help="HOST:PORT of a running RabbitMQ to measure too")
    args = parser.parse_args()
    if not os.access(args.polymq, os.X_OK):
        sys.exit("no polymq binary at %s (build it, or pass --polymq)" % args.polymq)

    for name, fn in [("polymq", run_polymq)] + ([("rabbitmq", run_rabbitmq)] if args.rabbitmq
                                                 else []):
        runs = [fn(args) for _ in range(args.runs)]
        for r in runs:
            show(name, args.queues, r)
        if args.runs > 1:
            med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
            print("median of %d:" % args.runs, end=" ")
            show(name, args.queues, med)


if __name__ == "__main__":
    main()
