#!/usr/bin/python3
"""Cost of durable definitions: declares N durable queues (each bound to amq.direct) one after
the other with pika, as a client waiting for every declare-ok does, and the same number of
transient queues for comparison. PolyMQ writes definitions.json before each durable declare-ok
(docs/architecture.md, "Durable definitions"), so the difference is the cost of that write.

    bench/declare_durable.py                       # 1000 queues, build/release's polymq
    bench/declare_durable.py --queues 5000 --polymq build/debug/src/server/polymq
    bench/declare_durable.py --rabbitmq 127.0.0.1:5672   # also a running RabbitMQ (guest/guest)

PolyMQ is started on a free 127.0.0.1 port with a fresh data directory under /tmp and stopped
at the end. Prints one line per broker and kind: queues, seconds, declares/s (a declare and a
bind each), and for PolyMQ the size of definitions.json at the end.
"""

import argparse
import os
import shutil
import socket
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


def run(host, port, count, durable, prefix):
    conn = pika.BlockingConnection(pika.ConnectionParameters(host, port))
    ch = conn.channel()
    started = time.monotonic()
    for i in range(count):
        name = "%s-%d" % (prefix, i)
        ch.queue_declare(name, durable=durable)
        ch.queue_bind(name, "amq.direct", name)
    elapsed = time.monotonic() - started
    for i in range(count):
        ch.queue_delete("%s-%d" % (prefix, i))
    conn.close()
    return elapsed


def report(broker, kind, count, elapsed, extra=""):
    print("%-9s %-9s %6d queues %8.2f s %9.0f declares/s%s" %
          (broker, kind, count, elapsed, count / elapsed, extra))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--queues", type=int, default=1000)
    parser.add_argument("--polymq", default=os.path.join(ROOT, "build/release/src/server/polymq"))
    parser.add_argument("--rabbitmq", help="HOST:PORT of a running RabbitMQ to measure too")
    args = parser.parse_args()

    if not os.access(args.polymq, os.X_OK):
        sys.exit("no polymq binary at %s (build it, or pass --polymq)" % args.polymq)
    data = tempfile.mkdtemp(prefix="polymq-declare-")
    port = free_port()
    proc = subprocess.Popen([args.polymq, "--bind", "127.0.0.1", "--amqp-port", str(port),
                             "--data-dir", data, "--log-level", "warn"])
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    sys.exit("polymq did not start")
                time.sleep(0.05)
        elapsed = run("127.0.0.1", port, args.queues, False, "transient")
        report("polymq", "transient", args.queues, elapsed)
        # Keep the durable queues until the file size is read: it is the largest file written.
        conn = pika.BlockingConnection(pika.ConnectionParameters("127.0.0.1", port))
        ch = conn.channel()
        started = time.monotonic()
        for i in range(args.queues):
            name = "durable-%d" % i
            ch.queue_declare(name, durable=True)
            ch.queue_bind(name, "amq.direct", name)
        elapsed = time.monotonic() - started
        size = os.path.getsize(os.path.join(data, "definitions.json"))
        report("polymq", "durable", args.queues, elapsed, "  definitions.json %d bytes" % size)
        conn.close()
    finally:
        proc.terminate()
        proc.wait()
        shutil.rmtree(data, ignore_errors=True)

    if args.rabbitmq:
        host, _, rport = args.rabbitmq.rpartition(":")
        report("rabbitmq", "transient", args.queues,
               run(host, int(rport), args.queues, False, "bench-transient"))
        report("rabbitmq", "durable", args.queues,
               run(host, int(rport), args.queues, True, "bench-durable"))


if __name__ == "__main__":
    main()
