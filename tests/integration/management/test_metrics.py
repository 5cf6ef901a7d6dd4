"""/metrics and /metrics/per-object: Prometheus's text format on the management port, without
credentials, every line checked against the format, values checked against what pika did."""

import re

import pika
import requests

from polymq_process import params

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\\\|\\"|\\n)*"'
VALUE = r"(?:[+-]?(?:[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?)|[+-]Inf|NaN)"
HELP_RE = re.compile(r"^# HELP (%s) ((?:[^\\\n]|\\\\|\\n)*)$" % NAME)
TYPE_RE = re.compile(r"^# TYPE (%s) (counter|gauge|histogram|summary|untyped)$" % NAME)
SAMPLE_RE = re.compile(r"^(%s)(?:\{(%s(?:,%s)*)\})? (%s)$" % (NAME, LABEL, LABEL, VALUE))
LABEL_RE = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\\\|\\"|\\n)*)"')


def scrape(broker, path="/metrics"):
    """Parses the exposition strictly: returns {family: type} and {(name, labels): value}.
    Every line must be HELP, TYPE or a sample of the family announced just before it; a
    family is announced once."""
    r = requests.get("http://127.0.0.1:%d%s" % (broker.management_port, path), timeout=30)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    assert r.text.endswith("\n")
    types, samples, helped = {}, {}, set()
    family = None
    for line in r.text[:-1].split("\n"):
        if m := HELP_RE.match(line):
            assert m.group(1) not in helped, "family %s announced twice" % m.group(1)
            helped.add(m.group(1))
            family = m.group(1)
            continue
        if m := TYPE_RE.match(line):
            assert m.group(1) == family and family not in types, line
            types[family] = m.group(2)
            continue
        m = SAMPLE_RE.match(line)
        assert m, "not a valid sample line: %r" % line
        name = m.group(1)
        suffixes = ("_bucket", "_sum", "_count") if types.get(family) == "histogram" else ()
        assert name == family or any(name == family + s for s in suffixes), (
            "sample %s outside its family %s" % (name, family))
        labels = tuple(LABEL_RE.findall(m.group(2) or ""))
        key = (name, labels)
        assert key not in samples, "duplicate sample %r" % (key,)
        samples[key] = float(m.group(3))
    for name, kind in types.items():
        if kind == "counter":
            assert name.endswith("_total"), name
    return types, samples


def value(samples, name, **labels):
    return samples[(name, tuple(labels.items()))]


def test_metrics_follow_publishes_and_consumes(broker):
    types, before = scrape(broker)
    for name, kind in [("rabbitmq_connections", "gauge"), ("rabbitmq_channels", "gauge"),
                       ("rabbitmq_queues", "gauge"), ("rabbitmq_consumers", "gauge"),
                       ("rabbitmq_queue_messages_ready", "gauge"),
                       ("rabbitmq_queue_messages_unacked", "gauge"),
                       ("rabbitmq_queue_messages", "gauge"),
                       ("rabbitmq_channel_messages_published_total", "counter"),
                       ("rabbitmq_channel_messages_delivered_ack_total", "counter"),
                       ("rabbitmq_channel_messages_acked_total", "counter"),
                       ("rabbitmq_process_resident_memory_bytes", "gauge"),
                       ("rabbitmq_disk_space_available_bytes", "gauge"),
                       ("rabbitmq_alarms_memory_used_watermark", "gauge"),
                       ("polymq_storage_fdatasync_total", "counter"),
                       ("polymq_storage_sync_round_seconds", "histogram"),
                       ("polymq_storage_sync_round_logs", "histogram")]:
        assert types.get(name) == kind, name
    assert value(before, "rabbitmq_connections") == 0
    assert value(before, "rabbitmq_process_resident_memory_bytes") > 0
    assert value(before, "rabbitmq_alarms_memory_used_watermark") == 0

    conn = pika.BlockingConnection(params(broker.port))
    ch = conn.channel()
    ch.queue_declare("work", durable=True)
    ch.confirm_delivery()
    for i in range(5):
        ch.basic_publish("", "work", b"m%d" % i, pika.BasicProperties(delivery_mode=2))
    ch.basic_publish("", "nowhere", b"lost")  # unroutable, not mandatory: dropped
    method, _, _ = ch.basic_get("work", auto_ack=False)
    ch.basic_ack(method.delivery_tag)
    ch.queue_declare("empty")
    assert ch.basic_get("empty", auto_ack=True) == (None, None, None)

    _, mid = scrape(broker)
    assert value(mid, "rabbitmq_connections") == 1
    assert value(mid, "rabbitmq_channels") == 1
    assert value(mid, "rabbitmq_queues") == value(before, "rabbitmq_queues") + 2
    assert value(mid, "rabbitmq_queue_messages_ready") == 4
    assert value(mid, "rabbitmq_queue_messages") == 4
    d = lambda name: value(mid, name) - value(before, name)  # noqa: E731
    assert d("rabbitmq_channel_messages_published_total") == 6
    assert d("rabbitmq_channel_messages_confirmed_total") == 6
    assert d("rabbitmq_channel_messages_unroutable_dropped_total") == 1
    assert d("rabbitmq_channel_get_ack_total") == 1
    assert d("rabbitmq_channel_messages_acked_total") == 1
    assert d("rabbitmq_channel_get_empty_total") == 1
    assert d("rabbitmq_connections_opened_total") == 1
    # Persistent messages in a durable queue were synced by the group commit.
    assert d("polymq_storage_fdatasync_total") >= 1
    assert value(mid, "polymq_storage_sync_round_seconds_count") >= 1
    assert value(mid, "polymq_storage_sync_round_seconds_bucket", le="+Inf") == value(
        mid, "polymq_storage_sync_round_seconds_count")

    # Two taken by a consumer, left unacknowledged.
    ch.basic_qos(prefetch_count=2)
    got = []
    ch.basic_consume("work", lambda c, m, p, b: got.append(m.delivery_tag))
    while len(got) < 2:
        conn.process_data_events(time_limit=1)
    _, after = scrape(broker)
    assert value(after, "rabbitmq_consumers") == 1
    assert value(after, "rabbitmq_queue_messages_unacked") == 2
    assert value(after, "rabbitmq_queue_messages_ready") == 2
    assert value(after, "rabbitmq_channel_messages_delivered_ack_total") - value(
        before, "rabbitmq_channel_messages_delivered_ack_total") == 2
    conn.close()

    _, closed = scrape(broker)
    assert value(closed, "rabbitmq_connections") == 0
    assert value(closed, "rabbitmq_connections_closed_total") - value(
        before, "rabbitmq_connections_closed_total") == 1
    # The unacknowledged two went back to the queue.
    assert value(closed, "rabbitmq_queue_messages_ready") == 4


def test_per_object_metrics_label_queues(broker):
    conn = pika.BlockingConnection(params(broker.port))
    ch = conn.channel()
    ch.queue_declare('odd "name"\\q')
    ch.queue_declare("plain")
    for _ in range(3):
        ch.basic_publish("", "plain", b"x")
    ch.basic_publish("", 'odd "name"\\q', b"y")
    conn.close()
    types, samples = scrape(broker, "/metrics/per-object")
    assert types["rabbitmq_queue_messages_ready"] == "gauge"
    assert value(samples, "rabbitmq_queue_messages_ready", vhost="/", queue="plain") == 3
    assert value(samples, "rabbitmq_queue_messages", vhost="/", queue='odd \\"name\\"\\\\q') == 1
    _, aggregated = scrape(broker)
    assert value(aggregated, "rabbitmq_queue_messages_ready") == 4
    assert not any(labels for (name, labels) in aggregated
                   if name.startswith("rabbitmq_queue_messages"))


def test_metrics_need_no_credentials_and_only_get(broker):
    base = "http://127.0.0.1:%d" % broker.management_port
    assert requests.get(base + "/metrics", timeout=30).status_code == 200
    assert requests.post(base + "/metrics", timeout=30).status_code == 405
    # The API itself still wants them.
    assert requests.get(base + "/api/overview", timeout=30).status_code == 401


def test_paged_out_messages_are_reported(make_broker):
    """A queue past its memory window pages new messages out to the store: /api/queues and
    /metrics/per-object count them, as RabbitMQ's messages_paged_out; a consumer draining the
    queue reads them back and the count falls to 0."""
    broker = make_broker("--queue-window-bytes", "8192", management=True).start()
    conn = pika.BlockingConnection(params(broker.port))
    ch = conn.channel()
    ch.queue_declare("deep", durable=True)
    ch.confirm_delivery()
    body = b"p" * 1024
    for _ in range(100):
        ch.basic_publish("", "deep", body, pika.BasicProperties(delivery_mode=2))
    api = "http://127.0.0.1:%d/api/queues/%%2F/deep" % broker.management_port
    q = requests.get(api, auth=("guest", "guest"), timeout=30).json()
    assert q["messages_ready"] == 100
    # At most 8 KiB of 1 KiB bodies stay in memory: the rest is paged out.
    assert 80 <= q["messages_paged_out"] < 100, q
    assert q["message_bytes_paged_out"] == q["messages_paged_out"] * 1024
    _, samples = scrape(broker, "/metrics/per-object")
    assert value(samples, "rabbitmq_queue_messages_paged_out", vhost="/",
                 queue="deep") == q["messages_paged_out"]
    assert value(samples, "rabbitmq_queue_messages_paged_out_bytes", vhost="/",
                 queue="deep") == q["message_bytes_paged_out"]
    got = 0
    for method, _, _ in ch.consume("deep", auto_ack=True, inactivity_timeout=10):
        if method is None:
            break
        got += 1
        if got == 100:
            break
    assert got == 100
    q = requests.get(api, auth=("guest", "guest"), timeout=30).json()
    assert (q["messages_ready"], q["messages_paged_out"]) == (0, 0)
    conn.close()
