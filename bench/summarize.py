#!/usr/bin/env python3
"""Summarizes bench/compare.sh results (one JSON object per run) as Markdown tables: the
median of each metric per workload and broker, and the ratio PolyMQ/RabbitMQ. With a
baseline (compare.sh --baseline, an earlier PolyMQ build), also its medians and the ratio
PolyMQ/baseline."""
import json
import statistics
import sys

BROKERS = ("rabbitmq", "polymq", "baseline")

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

    has_baseline = any(r["broker"] == "baseline" for r in ok)
    rows = list(THROUGHPUT)
    for w in sorted({r["workload"] for r in ok if r["workload"].startswith("4-")}):
        rows.append((w, f"4 {w[2:]} B bodies, 1→1", "receive_rate", True))
    print("### Throughput (median msg/s)\n")
    if has_baseline:
        print("| workload | metric | RabbitMQ | PolyMQ | PolyMQ/RabbitMQ | baseline | "
              "PolyMQ/baseline | RabbitMQ range | PolyMQ range | baseline range |")
        print("| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | --- | --- |")
    else:
        print("| workload | metric | RabbitMQ | PolyMQ | PolyMQ/RabbitMQ | RabbitMQ range | "
              "PolyMQ range |")
        print("| --- | --- | ---: | ---: | ---: | --- | --- |")
    for workload, label, key, _ in rows:
        r = values(workload, "rabbitmq", key)
        p = values(workload, "polymq", key)
        b = values(workload, "baseline", key)
        if not r and not p:
            continue
        if has_baseline:
            print(f"| {label} | {key.replace('_', ' ')} | {fmt(median(r))} | {fmt(median(p))} | "
                  f"{ratio(median(p), median(r))} | {fmt(median(b))} | "
                  f"{ratio(median(p), median(b))} | {spread(r)} | {spread(p)} | {spread(b)} |")
        else:
            print(f"| {label} | {key.replace('_', ' ')} | {fmt(median(r))} | {fmt(median(p))} | "
                  f"{ratio(median(p), median(r))} | {spread(r)} | {spread(p)} |")

    # CPU the broker under test used per received message (per confirmed one in 2a), over
    # the whole run (set-up included): a measure of cost that holds when a busy machine makes
    # rates wander.
    cpu_rows = [(w, label, key) for w, label, key, _ in rows
                if key in ("receive_rate", "confirm_rate")]
    def cpu_us(workload, broker, key):
        count_key = "confirmed" if key == "confirm_rate" else "received"
        return [r["broker_cpu_ms"] * 1000 / r[count_key] for r in ok
                if r["workload"] == workload and r["broker"] == broker
                and "broker_cpu_ms" in r and r.get(count_key)]
    if any(cpu_us(w, "polymq", k) for w, _, k in cpu_rows):
        print("\n### Broker CPU per message (median µs of CPU per received message; lower is "
              "better)\n")
        names = [b for b in BROKERS if any(r["broker"] == b for r in ok)]
        print("| workload | " + " | ".join(names) + " |")
        print("| --- |" + " ---: |" * len(names))
        for w, label, key in cpu_rows:
            cells = [fmt(median(cpu_us(w, b, key)), 1) for b in names]
            if all(c == "–" for c in cells):
                continue
            print(f"| {label} | " + " | ".join(cells) + " |")

    lat_runs = [r for r in ok if r["workload"] == "5"]
    if lat_runs:
        target = lat_runs[0].get("target_rate")
        print(f"\n### Latency at a fixed {target} msg/s, 16 B, 1→1 (median of runs, µs; "
              "lower is better)\n")
        extra = " baseline | PolyMQ/baseline |" if has_baseline else ""
        print("| percentile | RabbitMQ | PolyMQ | PolyMQ/RabbitMQ | RabbitMQ range | PolyMQ range |"
              + extra)
        print("| --- | ---: | ---: | ---: | --- | --- |" + (" ---: | ---: |" if has_baseline else ""))
        for pct in LATENCY:
            rs = [x["latency_us"][pct] for x in lat_runs if x["broker"] == "rabbitmq"]
            ps = [x["latency_us"][pct] for x in lat_runs if x["broker"] == "polymq"]
            bs = [x["latency_us"][pct] for x in lat_runs if x["broker"] == "baseline"]
            r, p, b = median(rs), median(ps), median(bs)
            line = (f"| {pct.replace('p999', 'p99.9')} | {fmt(r)} | {fmt(p)} | {ratio(p, r)} | "
                    f"{spread(rs)} | {spread(ps)} |")
            if has_baseline:
                line += f" {fmt(b)} | {ratio(p, b)} |"
            print(line)
        r = median(values("5", "rabbitmq", "receive_rate"))
        p = median(values("5", "polymq", "receive_rate"))
        b = median(values("5", "baseline", "receive_rate"))
        print(f"| (received msg/s) | {fmt(r)} | {fmt(p)} | | | |"
              + (f" {fmt(b)} | |" if has_baseline else ""))

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
            name = {"rabbitmq": "RabbitMQ (beam.smp)", "polymq": "PolyMQ"}.get(broker, broker)
            print(f"| {name} | {fmt(before / 1024, 1)} | {fmt(after / 1024, 1)} | {fmt(per, 1)} |")

    print("\n### Every run\n")
    print("| workload | broker | rep | sent/s | confirmed/s | received/s | p50 µs | p99 µs | "
          "broker CPU ms | other broker CPU % | load 1m | note |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
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
              f"{r.get('broker_cpu_ms', '–')} | {r.get('other_broker_cpu_pct', '–')} | {r.get('loadavg_1m', '–')} | {note.strip()} |")

    failed = [r for r in runs if r.get("error")]
    if failed or died:
        print("\n### Problems\n")
        for r in failed:
            print(f"- workload {r['workload']} on {r['broker']} (rep {r['rep']}): {r['error']}")
        for d in died:
            print(f"- {d['broker']} died during a run")


if __name__ == "__main__":
    main(sys.argv[1])
