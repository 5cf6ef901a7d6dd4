#!/usr/bin/env python3
"""How fast the management API lists many queues, and whether listing slows publishers; on
PolyMQ, on RabbitMQ with its management plugin, or on both with the ratios.

Starts the release build of PolyMQ and/or Debian's RabbitMQ (127.0.0.1, free ports, temporary
data directories, stopped at the end; RabbitMQ through tests/integration/common/
rabbitmq_process.py, with its default statistics interval of 5 s), declares N queues over AMQP,
then on each broker:
  1. times GET /api/queues (every queue, as rabbitmqadmin and old dashboards ask) and one page
     as the web UI asks (page_size=100, sorted by messages), REPEAT times each; reports the
     median, min and max in milliseconds;
  2. runs polymq-perf (1 producer, 1 consumer, 16-byte bodies) for SECONDS alone and then with
     a client listing every queue every INTERVAL seconds (0: back to back), REPEAT times each,
     alternating; reports the medians of the received rates and their ratio.
With --broker both, the brokers run one after the other (never side by side), and the ratios
PolyMQ/RabbitMQ of the median listing times and rates are printed at the end.

  /usr/bin/python3 bench/management_list.py [--broker polymq|rabbitmq|both] [--queues 10000]
                                             [--repeat 5] [--seconds 10] [--interval 0]
                                             [--build-dir build/release]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import pika
import requests

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration", "common"))

from polymq_process import Broker  # noqa: E402
from rabbitmq_process import RabbitNode, version as rabbitmq_version  # noqa: E402


def declare(port, count):
    conn = pika.BlockingConnection(pika.ConnectionParameters("127.0.0.1", port))
    ch = conn.channel()
    for i in range(count):
        ch.queue_declare("bench-q-%05d" % i)
    conn.close()


def timed_get(session, url):
    started = time.perf_counter()
    r = session.get(url, timeout=60)
    elapsed = (time.perf_counter() - started) * 1000.0
    r.raise_for_status()
    return elapsed, r


def summary(values):
    return "median %.1f (min %.1f, max %.1f)" % (statistics.median(values), min(values),
                                                 max(values))


def perf_rate(perf, port, seconds):
    out = subprocess.run([perf, "--port", str(port), "-z", str(seconds), "--json",
                          "-u", "bench-perf"], capture_output=True, text=True, timeout=seconds + 60)
    line = [l for l in out.stdout.splitlines() if l.startswith("{")][-1]
    result = json.loads(line)
    return result["receive_rate"]


def measure(name, broker, perf, args):
    """Runs both measurements on a started broker; returns the medians."""
    started = time.perf_counter()
    declare(broker.port, args.queues)
    print("[%s] declared %d queues in %.1f s" % (name, args.queues,
                                                 time.perf_counter() - started))
    base = "http://127.0.0.1:%d/api" % broker.management_port
    session = requests.Session()
    session.auth = ("guest", "guest")
    full, page = [], []
    size = 0
    for _ in range(args.repeat):
        ms, r = timed_get(session, base + "/queues")
        assert len(r.json()) >= args.queues
        full.append(ms)
        size = len(r.content)
        ms, r = timed_get(session, base + "/queues?page=1&page_size=100&sort=messages")
        assert r.json()["filtered_count"] >= args.queues
        page.append(ms)
    print("[%s] GET /api/queues (all %d): %s ms, %d bytes" % (name, args.queues,
                                                             summary(full), size))
    print("[%s] GET /api/queues?page=1&page_size=100&sort=messages: %s ms" % (name,
                                                                             summary(page)))

    alone, listing = [], []
    stop = threading.Event()

    def lister():
        s = requests.Session()
        s.auth = ("guest", "guest")
        while not stop.is_set():
            s.get(base + "/queues", timeout=60)
            stop.wait(args.interval)

    for _ in range(args.repeat):
        alone.append(perf_rate(perf, broker.port, args.seconds))
        stop.clear()
        t = threading.Thread(target=lister)
        t.start()
        try:
            listing.append(perf_rate(perf, broker.port, args.seconds))
        finally:
            stop.set()
            t.join()
    a, b = statistics.median(alone), statistics.median(listing)
    print("[%s] publisher->consumer msg/s alone: median %.0f (%s)" % (name, a, ", ".join(
        "%.0f" % v for v in alone)))
    print("[%s] while listing all queues every %.1f s: median %.0f (%s)" % (
        name, args.interval, b, ", ".join("%.0f" % v for v in listing)))
    print("[%s] ratio with/without listing: %.2f" % (name, b / a))
    return {"full_ms": statistics.median(full), "page_ms": statistics.median(page),
            "alone": a, "listing": b}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--broker", choices=("polymq", "rabbitmq", "both"), default="polymq")
    ap.add_argument("--queues", type=int, default=10000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--interval", type=float, default=0)
    ap.add_argument("--build-dir", default=os.path.join(ROOT, "build", "release"),
                    help="the build whose polymq and polymq-perf run (default: the release's)")
    args = ap.parse_args()
    binary = os.path.join(args.build_dir, "src", "server", "polymq")
    perf = os.path.join(args.build_dir, "src", "perf", "polymq-perf")
    names = ("polymq", "rabbitmq") if args.broker == "both" else (args.broker,)
    results = {}
    for name in names:
        if name == "rabbitmq":
            broker = RabbitNode(name="bench", stats_interval_ms=5000)
            try:
                broker.start(timeout=120)
                print("[rabbitmq] RabbitMQ %s started in %.1f s" % (
                    rabbitmq_version(), broker.start_seconds))
                results[name] = measure(name, broker, perf, args)
            finally:
                broker.stop()
            continue
        with tempfile.TemporaryDirectory(prefix="polymq-mgmt-bench.") as tmp:
            broker = Broker(tmp, binary=binary, management=True)
            broker.start()
            try:
                results[name] = measure(name, broker, perf, args)
            finally:
                broker.cleanup()
    if len(results) == 2:
        p, r = results["polymq"], results["rabbitmq"]
        print("PolyMQ/RabbitMQ: full listing time %.2f, page time %.2f, rate alone %.2f, "
              "rate while listing %.2f" % (p["full_ms"] / r["full_ms"], p["page_ms"] / r["page_ms"],
                                           p["alone"] / r["alone"], p["listing"] / r["listing"]))


if __name__ == "__main__":
    main()
