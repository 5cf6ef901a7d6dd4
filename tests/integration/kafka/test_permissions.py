"""Per-vhost permissions on the Kafka listener, with users and grants made through the
management API (RabbitMQ's model: configure, write and read patterns matched against topic
names) and the real clients: confluent-kafka (librdkafka) logging in with SASL PLAIN and
SCRAM, kafka-python with its v0 SASL handshake. A topic refused is Kafka's
TOPIC_AUTHORIZATION_FAILED; a login without a grant in the Kafka vhost fails."""

import os
import sys
import time

import confluent_kafka
import pytest
from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic
from kafka import KafkaAdminClient
from kafka.errors import KafkaError as KpKafkaError

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))

from management_api import Api  # noqa: E402

TIMEOUT = 20
DENIED = KafkaError.TOPIC_AUTHORIZATION_FAILED
WRITE_ORDERS = {"configure": "", "write": "^orders", "read": ""}
READ_ORDERS = {"configure": "", "write": "", "read": "^orders"}
NO_CONFIGURE = {"configure": "", "write": ".*", "read": ".*"}


@pytest.fixture
def broker(make_broker):
    return make_broker(kafka=True, management=True).start()


@pytest.fixture
def api(broker):
    return Api(broker)


@pytest.fixture
def user(api):
    """user(name, grant) makes a user (password 'pw') with that grant in vhost '/' (None:
    none)."""

    def make(name, grant):
        assert api.put("/users/" + name, {"password": "pw", "tags": ""}).status_code == 201
        if grant is not None:
            assert api.put("/permissions/%2F/" + name, grant).status_code == 201
        return name

    return make


def client_config(broker, name=None, mechanism="PLAIN", **extra):
    """Settings for a librdkafka client logged in as `name` (None: the loopback guest)."""
    config = {"bootstrap.servers": "127.0.0.1:%d" % broker.kafka_port}
    if name is not None:
        config.update({"security.protocol": "SASL_PLAINTEXT", "sasl.mechanism": mechanism,
                       "sasl.username": name, "sasl.password": "pw"})
    config.update(extra)
    return config


def produce(broker, topic, value, name=None, mechanism="PLAIN"):
    """Produces one record; returns the delivery error (None: delivered)."""
    results = []
    producer = Producer(client_config(broker, name, mechanism, **{
        "message.timeout.ms": TIMEOUT * 1000}))
    producer.produce(topic, value, on_delivery=lambda err, msg: results.append(err))
    producer.flush(TIMEOUT + 5)
    assert len(results) == 1, "no delivery report for %s" % topic
    return results[0]


def consume(broker, topic, name=None, subscribe=False):
    """Reads partition 0 of `topic` from offset 0 with assign() (or, `subscribe`, in a group
    from the earliest offset); returns (values, error) once a record or an error arrives.
    librdkafka reports a topic that Metadata refuses only to a subscription."""
    consumer = Consumer(client_config(broker, name, **{
        "group.id": "g-%s" % (name or "guest"), "enable.auto.commit": False,
        "auto.offset.reset": "earliest"}))
    try:
        if subscribe:
            consumer.subscribe([topic])
        else:
            consumer.assign([TopicPartition(topic, 0, 0)])
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            msg = consumer.poll(0.5)
            if msg is None:
                continue
            if msg.error() is not None:
                if msg.error().code() == KafkaError._PARTITION_EOF:
                    continue
                return [], msg.error()
            return [msg.value()], None
        return [], None
    finally:
        consumer.close()


def guest_topics(broker):
    return AdminClient(client_config(broker)).list_topics(timeout=TIMEOUT).topics


def create_topics(broker, names, name=None):
    """CreateTopics; returns {topic: error or None}."""
    client = AdminClient(client_config(broker, name))  # alive until the futures are done
    futures = client.create_topics(
        [NewTopic(n, num_partitions=1, replication_factor=1) for n in names],
        request_timeout=TIMEOUT)
    out = {}
    for topic, f in futures.items():
        try:
            f.result(timeout=TIMEOUT)
            out[topic] = None
        except confluent_kafka.KafkaException as e:
            out[topic] = e.args[0]
    return out


@pytest.fixture
def topics(broker):
    """'orders' with one record and 'other', made by the guest."""
    assert create_topics(broker, ["orders", "other"]) == {"orders": None, "other": None}
    assert produce(broker, "orders", b"first") is None
    return ["orders", "other"]


@pytest.mark.parametrize("mechanism", ["PLAIN", "SCRAM-SHA-256"])
def test_a_write_only_user_produces_to_its_topics_only(broker, user, topics, mechanism):
    writer = user("writer", WRITE_ORDERS)
    assert produce(broker, "orders", b"from writer", writer, mechanism) is None
    err = produce(broker, "other", b"nope", writer, mechanism)
    assert err is not None and err.code() == DENIED
    values, err = consume(broker, "orders", writer)
    assert values == [] and err is not None and err.code() == DENIED
    # The guest sees both records of orders, the writer's too.
    assert consume(broker, "orders") == ([b"first"], None)
    assert b"from writer" in broker_records(broker, "orders")


def broker_records(broker, topic):
    """Every value in partition 0 of `topic`, read as the guest."""
    consumer = Consumer(client_config(broker, **{"group.id": "check", "enable.auto.commit":
                                                 False, "enable.partition.eof": True}))
    values = []
    try:
        consumer.assign([TopicPartition(topic, 0, 0)])
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            msg = consumer.poll(0.5)
            if msg is None:
                continue
            if msg.error() is not None:
                assert msg.error().code() == KafkaError._PARTITION_EOF, msg.error()
                break
            values.append(msg.value())
        return values
    finally:
        consumer.close()


def test_a_read_only_user_consumes_but_cannot_produce(broker, user, topics):
    reader = user("reader", READ_ORDERS)
    assert consume(broker, "orders", reader) == ([b"first"], None)
    # In a consumer group too (FindCoordinator, JoinGroup, OffsetFetch need the grant only).
    assert consume(broker, "orders", reader, subscribe=True) == ([b"first"], None)
    err = produce(broker, "orders", b"nope", reader)
    assert err is not None and err.code() == DENIED
    values, err = consume(broker, "other", reader, subscribe=True)
    assert values == [] and err is not None and err.code() == DENIED
    assert broker_records(broker, "orders") == [b"first"]


def test_a_user_without_configure_creates_no_topic(broker, user, topics):
    name = user("noconf", NO_CONFIGURE)
    result = create_topics(broker, ["fresh"], name)
    assert result["fresh"] is not None and result["fresh"].code() == DENIED
    # Producing to a missing topic does not auto-create it either.
    err = produce(broker, "auto-made", b"x", name)
    assert err is not None and err.code() == DENIED
    present = guest_topics(broker)
    assert "fresh" not in present and "auto-made" not in present
    # It may still use the topics that exist.
    assert produce(broker, "other", b"fine", name) is None
    # The listing holds the topics it may describe; a user limited to orders sees only it.
    limited = user("limited", READ_ORDERS)
    listed = AdminClient(client_config(broker, limited)).list_topics(timeout=TIMEOUT).topics
    assert sorted(listed) == ["orders"]


def test_a_user_without_a_grant_in_the_vhost_is_refused(broker, user, topics):
    name = user("stranger", None)
    errors = []
    client = AdminClient(client_config(broker, name, error_cb=errors.append))
    with pytest.raises(confluent_kafka.KafkaException):
        client.list_topics(timeout=5)
    deadline = time.monotonic() + TIMEOUT
    while not errors and time.monotonic() < deadline:
        client.poll(0.5)  # serves error_cb
    assert any("has no access to vhost '/'" in str(e) for e in errors), errors
    assert "SASL PLAIN login refused" in broker.log_text()
    # kafka-python (SaslHandshake v0, bare tokens): the connection closes.
    with pytest.raises(KpKafkaError):
        KafkaAdminClient(bootstrap_servers="127.0.0.1:%d" % broker.kafka_port,
                         security_protocol="SASL_PLAINTEXT", sasl_mechanism="PLAIN",
                         sasl_plain_username=name, sasl_plain_password="pw",
                         request_timeout_ms=5000, api_version_auto_timeout_ms=5000)
    # Granted through the API, the next login succeeds.
    assert Api(broker).put("/permissions/%2F/" + name, NO_CONFIGURE).status_code == 201
    assert consume(broker, "orders", name) == ([b"first"], None)


def test_the_guest_is_unaffected(broker, topics):
    assert produce(broker, "orders", b"second") is None
    assert broker_records(broker, "orders") == [b"first", b"second"]
    assert create_topics(broker, ["guest-made"]) == {"guest-made": None}
    assert produce(broker, "auto-by-guest", b"x") is None
    assert "auto-by-guest" in guest_topics(broker)


def test_a_guest_without_a_grant_is_refused_every_topic(broker, api, topics):
    # The loopback guest has no login to fail: its topic requests are refused one by one, from
    # the next request on once the grant is gone.
    assert api.delete("/permissions/%2F/guest").status_code == 204
    assert guest_topics(broker) == {}
    err = produce(broker, "orders", b"nope")
    assert err is not None and err.code() == DENIED
    assert api.put("/permissions/%2F/guest", {"configure": "", "write": "", "read": "^orders$"}
                   ).status_code == 201
    assert sorted(guest_topics(broker)) == ["orders"]
    assert consume(broker, "orders") == ([b"first"], None)
