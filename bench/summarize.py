#!/usr/bin/env python3
"""Summarizes bench/compare.sh results (one JSON object per run) as Markdown tables: the
median of each metric per workload and broker, and the ratio PolyMQ/RabbitMQ."""
import json
import statistics
import sys

BROKERS = ("rabbitmq", "polymq")

# (workload, label, metric, higher is better)
THROUGHPUT = [
    ("1", "1 transient 16 B, 1→1, prefetch 1000", "receive_rate", True),
    ("1", "1 (same) publish rate", "send_rate", True),
    ("2a", "2 persistent + confirms (window 1000), durable queue", "confirm_rate", True),
    ("2b", "2 drain of that queue", "receive_rate", True),
    ("3", "3 fanout to 10 queues, received (all consumers)", "receive_rate", True),
    ("3", "3 (same) publish rate", "send_rate", True),
    ("4a", "4 1 KiB bodies, 1→1", "receive_rate", True),
    ("4b", "4 64 KiB bodies, 1→1", "receive_rate", True),
]
LATENCY = ["p50", "p75", "p95", "p99", "p999", "max"]


def median(values):
    return statistics.median(values) if values else None


def fmt(value, digits=0):
    if value is None:
        return "–"
    return f"{value:,.{digits}f}"


def spread(values):
    """min–max of the runs, and how many there were."""
    if not values:
        return "–"
    return f"{min(values):,.0f}–{max(values):,.0f} (n={len(values)})"


def ratio(polymq, rabbit):
    if polymq is None or not rabbit:
        return "–"
    return f"{polymq / rabbit:.2f}"


def main(path):
    runs = [json.loads(line) for line in open(path) if line.strip()]
    died = [r for r in runs if r.get("event") == "died"]
    runs = [r for r in runs if "workload" in r]
    ok = [r for r in runs if not r.get("error")]

    def values(workload, broker, key):
        return [r[key] for r in ok if r["workload"] == workload and r["broker"] == broker
                and key in r]

    print("### Throughput (median msg/s)\n")
    print("| workload | metric | RabbitMQ | PolyMQ | PolyMQ/RabbitMQ | RabbitMQ range | "
          "PolyMQ range |")
    print("| --- | --- | ---: | ---: | ---: | --- | --- |")
    for workload, label, key, _ in THROUGHPUT:
        r = values(workload, "rabbitmq", key)
        p = values(workload, "polymq", key)
        if not r and not p:
            continue
        print(f"| {label} | {key.replace('_', ' ')} | {fmt(median(r))} | {fmt(median(p))} | "
              f"{ratio(median(p), median(r))} | {spread(r)} | {spread(p)} |")

    lat_runs = [r for r in ok if r["workload"] == "5"]
    if lat_runs:
        target = lat_runs[0].get("target_rate")
        print(f"\n### Latency at a fixed {target} msg/s, 16 B, 1→1 (median of runs, µs; "
              "lower is better)\n")
        print("| percentile | RabbitMQ | PolyMQ | PolyMQ/RabbitMQ | RabbitMQ range | PolyMQ range |")
        print("| --- | ---: | ---: | ---: | --- | --- |")
        for pct in LATENCY:
            rs = [x["latency_us"][pct] for x in lat_runs if x["broker"] == "rabbitmq"]
            ps = [x["latency_us"][pct] for x in lat_runs if x["broker"] == "polymq"]
            r, p = median(rs), median(ps)
            print(f"| {pct.replace('p999', 'p99.9')} | {fmt(r)} | {fmt(p)} | {ratio(p, r)} | "
                  f"{spread(rs)} | {spread(ps)} |")
        r = median(values("5", "rabbitmq", "receive_rate"))
        p = median(values("5", "polymq", "receive_rate"))
        print(f"| (received msg/s) | {fmt(r)} | {fmt(p)} | | | |")

    idle_runs = [r for r in runs if r["workload"] == "6"]
    if idle_runs:
        idle = idle_runs[0].get("idle", 0)
        print(f"\n### Memory: {idle} idle connections plus one busy pair (broker VmRSS)\n")
        print("| broker | RSS before (MiB) | RSS after (MiB) | KiB per idle connection |")
        print("| --- | ---: | ---: | ---: |")
        for broker in BROKERS:
            mine = [r for r in idle_runs if r["broker"] == broker and not r.get("error")]
            if not mine:
                continue
            before = median([r["rss_before_kb"] for r in mine])
            after = median([r["rss_after_kb"] for r in mine])
            per = median([(r["rss_after_kb"] - r["rss_before_kb"]) / r["idle"] for r in mine])
            name = "RabbitMQ (beam.smp)" if broker == "rabbitmq" else "PolyMQ"
            print(f"| {name} | {fmt(before / 1024, 1)} | {fmt(after / 1024, 1)} | {fmt(per, 1)} |")

    print("\n### Every run\n")
    print("| workload | broker | rep | sent/s | confirmed/s | received/s | p50 µs | p99 µs | "
          "other broker CPU % | load 1m | note |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for r in runs:
        lat = r.get("latency_us", {})
        note = r.get("error", "")
        if r.get("missing"):
            note += f" {r['missing']} missing"
        if r["workload"] == "6":
            note += (f" RSS {r['rss_before_kb']} → {r['rss_after_kb']} KiB")
        print(f"| {r['workload']} | {r['broker']} | {r['rep']} | {fmt(r.get('send_rate'))} | "
              f"{fmt(r.get('confirm_rate'))} | {fmt(r.get('receive_rate'))} | "
              f"{lat.get('p50', '–')} | {lat.get('p99', '–')} | "
              f"{r.get('other_broker_cpu_pct', '–')} | {r.get('loadavg_1m', '–')} | {note.strip()} |")

    failed = [r for r in runs if r.get("error")]
    if failed or died:
        print("\n### Problems\n")
        for r in failed:
            print(f"- workload {r['workload']} on {r['broker']} (rep {r['rep']}): {r['error']}")
        for d in died:
            print(f"- {d['broker']} died during a run")


if __name__ == "__main__":
    main(sys.argv[1])
