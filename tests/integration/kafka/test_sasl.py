"""SASL logins with the real clients: confluent-kafka (librdkafka: SaslHandshake v1 and
SaslAuthenticate) and kafka-python (SaslHandshake v0 and bare tokens) log in with PLAIN,
SCRAM-SHA-256 and SCRAM-SHA-512 as a configured user; a wrong password is refused; and a
connection that does not log in is the guest user from loopback only (here: the broker has no
guest, so it is closed)."""

import struct

import confluent_kafka
import pytest
from confluent_kafka.admin import AdminClient
from kafka import KafkaAdminClient
from kafka.errors import KafkaError as KpKafkaError

import kafka_raw

TIMEOUT = 20


@pytest.fixture
def sasl_broker(make_broker, tmp_path):
    config = tmp_path / "polymq.toml"
    config.write_text('[[users]]\nname = "app"\npassword = "s3cret"\nloopback_only = false\n')
    return make_broker("--config", str(config), kafka=True).start()


def confluent_admin(broker, mechanism, password="s3cret"):
    return AdminClient({
        "bootstrap.servers": f"127.0.0.1:{broker.kafka_port}",
        "security.protocol": "SASL_PLAINTEXT",
        "sasl.mechanism": mechanism,
        "sasl.username": "app",
        "sasl.password": password,
    })


@pytest.mark.parametrize("mechanism", ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"])
def test_confluent_kafka_logs_in(sasl_broker, mechanism):
    client = confluent_admin(sasl_broker, mechanism)
    md = client.list_topics("logged-in", timeout=TIMEOUT)
    assert md.topics["logged-in"].error is None
    assert f"user 'app' logged in with {mechanism}" in sasl_broker.log_text()


@pytest.mark.parametrize("mechanism", ["PLAIN", "SCRAM-SHA-256"])
def test_confluent_kafka_wrong_password_is_refused(sasl_broker, mechanism):
    client = confluent_admin(sasl_broker, mechanism, password="wrong")
    with pytest.raises(confluent_kafka.KafkaException):
        client.list_topics("never", timeout=5)
    assert f"SASL {mechanism} login failed" in sasl_broker.log_text()
    assert "logged in" not in sasl_broker.log_text()


@pytest.mark.parametrize("mechanism", ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"])
def test_kafka_python_logs_in(sasl_broker, mechanism):
    client = KafkaAdminClient(bootstrap_servers=f"127.0.0.1:{sasl_broker.kafka_port}",
                              security_protocol="SASL_PLAINTEXT", sasl_mechanism=mechanism,
                              sasl_plain_username="app", sasl_plain_password="s3cret",
                              request_timeout_ms=TIMEOUT * 1000)
    try:
        assert isinstance(client.list_topics(), list)
    finally:
        client.close()
    assert f"user 'app' logged in with {mechanism}" in sasl_broker.log_text()


def test_kafka_python_wrong_password_is_refused(sasl_broker):
    with pytest.raises(KpKafkaError):
        KafkaAdminClient(bootstrap_servers=f"127.0.0.1:{sasl_broker.kafka_port}",
                         security_protocol="SASL_PLAINTEXT", sasl_mechanism="PLAIN",
                         sasl_plain_username="app", sasl_plain_password="wrong",
                         request_timeout_ms=5000, api_version_auto_timeout_ms=5000)
    assert "SASL PLAIN login failed" in sasl_broker.log_text()


def test_without_a_login_and_without_a_guest_the_connection_is_closed(sasl_broker):
    with kafka_raw.connect(sasl_broker.kafka_port) as s:
        # ApiVersions is answered before any login, as Kafka does.
        s.sendall(kafka_raw.request_bytes(kafka_raw.API_VERSIONS, 0, 1))
        assert kafka_raw.read_frame(s) is not None
        s.sendall(kafka_raw.request_bytes(kafka_raw.METADATA, 2, 2, struct.pack(">i", 0)))
        assert kafka_raw.read_frame(s) is None
    assert "there is no guest user" in sasl_broker.log_text()


def test_an_unknown_mechanism_gets_the_list(sasl_broker):
    with kafka_raw.connect(sasl_broker.kafka_port) as s:
        body = struct.pack(">h", 6) + b"GSSAPI"
        s.sendall(kafka_raw.request_bytes(17, 1, 5, body))
        payload = kafka_raw.read_frame(s)
    correlation_id, error_code, count = struct.unpack_from(">ihi", payload, 0)
    assert (correlation_id, error_code) == (5, 33)  # UNSUPPORTED_SASL_MECHANISM
    names, pos = [], 10
    for _ in range(count):
        (n,) = struct.unpack_from(">h", payload, pos)
        names.append(payload[pos + 2:pos + 2 + n].decode())
        pos += 2 + n
    assert names == ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]
