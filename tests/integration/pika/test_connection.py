"""Connection and channel lifecycle, negotiation and authentication."""

import socket
import time

import pika
import pika.connection
import pika.exceptions
import pika.frame
import pika.spec
import pytest

AMQP_091_HEADER = b"AMQP\x00\x00\x09\x01"


def _raw_socket(params, timeout=5.0):
    return socket.create_connection((params.host, params.port),
                                    timeout=timeout)


def _read_first_frame(params):
    """Send the 0-9-1 header; return the broker's first frame."""
    sock = _raw_socket(params)
    data = b""
    try:
        sock.sendall(AMQP_091_HEADER)
        while True:
            chunk = sock.recv(65536)
            assert chunk, "broker closed the socket: %r" % data
            data += chunk
            if len(data) >= 7:
                _, frame = pika.frame.decode_frame(data)
                if frame is not None:
                    return frame
    finally:
        sock.close()


def _send_bad_header(params, header):
    """Send ``header``; return (bytes received, closed_by_broker)."""
    sock = _raw_socket(params)
    data = b""
    try:
        sock.sendall(header)
        while True:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                return data, True
            except socket.timeout:
                return data, False
            if not chunk:
                return data, True
            data += chunk
    finally:
        sock.close()


def test_open_and_close(amqp):
    conn = amqp.connect()
    assert conn.is_open
    ch = conn.channel()
    assert ch.is_open
    ch.close()
    assert ch.is_closed
    conn.close()
    assert conn.is_closed


def test_server_properties(conn):
    props = conn._impl.server_properties
    assert props.get("product")
    assert props.get("version")
    caps = props["capabilities"]
    for cap in ("publisher_confirms", "exchange_exchange_bindings",
                "basic.nack", "consumer_cancel_notify", "connection.blocked",
                "authentication_failure_close", "per_consumer_qos"):
        assert caps.get(cap) is True, cap


def test_connection_start_fields_on_raw_socket(amqp):
    frame = _read_first_frame(amqp.params())
    assert isinstance(frame, pika.frame.Method), frame
    assert frame.channel_number == 0
    start = frame.method
    assert isinstance(start, pika.spec.Connection.Start)
    assert (start.version_major, start.version_minor) == (0, 9)
    assert b"PLAIN" in start.mechanisms.split()
    assert b"en_US" in start.locales.split()


@pytest.mark.parametrize("header", [
    b"AMQP\x00\x00\x08\x00",        # AMQP 0-8 style header
    b"AMQP\x00\x00\x09\x00",        # 0-9-0
    b"GET / HTTP/1.1\r\n\r\n",      # not AMQP at all
], ids=["amqp-0-8", "amqp-0-9-0", "http"])
def test_bad_protocol_header_gets_supported_header_and_close(amqp, header):
    # Spec 4.2.2: reply with the supported protocol header, then close.
    data, closed = _send_bad_header(amqp.params(), header)
    assert data == AMQP_091_HEADER
    assert closed


def test_wrong_password_is_refused(amqp):
    user = amqp.params().credentials.username
    params = amqp.params(credentials=pika.PlainCredentials(
        user, "pikatest-wrong-password"))
    with pytest.raises((pika.exceptions.ProbableAuthenticationError,
                        pika.exceptions.AuthenticationError)) as info:
        pika.BlockingConnection(params)
    # authentication_failure_close: broker sends connection.close 403.
    text = str(info.value)
    assert "403" in text and "ACCESS_REFUSED" in text, text


def test_unknown_user_is_refused(amqp):
    params = amqp.params(credentials=pika.PlainCredentials(
        "no-such-user-pikatest", "guest"))
    with pytest.raises((pika.exceptions.ProbableAuthenticationError,
                        pika.exceptions.AuthenticationError)) as info:
        pika.BlockingConnection(params)
    text = str(info.value)
    assert "403" in text and "ACCESS_REFUSED" in text, text


def test_unknown_vhost_is_not_allowed(amqp):
    params = amqp.params(virtual_host="pikatest-no-such-vhost")
    with pytest.raises(pika.exceptions.ProbableAccessDeniedError) as info:
        pika.BlockingConnection(params)
    text = str(info.value)
    assert "530" in text and "NOT_ALLOWED" in text, text


def test_tune_and_negotiated_limits(amqp, monkeypatch):
    seen = {}
    original = pika.connection.Connection._on_connection_tune

    def spy(self, method_frame):
        seen["tune"] = method_frame.method
        return original(self, method_frame)

    monkeypatch.setattr(pika.connection.Connection, "_on_connection_tune", spy)
    conn = amqp.connect(frame_max=8192, channel_max=64)
    tune = seen["tune"]
    assert tune.frame_max == 0 or tune.frame_max >= pika.spec.FRAME_MIN_SIZE
    assert tune.channel_max >= 0
    assert tune.heartbeat >= 0
    # Client asked for lower limits than the server; those are used.
    assert conn._impl.params.frame_max == 8192
    assert conn._impl.params.channel_max == 64
    # The negotiated frame_max really works in both directions.
    ch = conn.channel()
    queue = ch.queue_declare("", exclusive=True).method.queue
    body = bytes(range(256)) * 400  # ~100 KiB -> many 8 KiB body frames
    ch.basic_publish("", queue, body)
    got = amqp.get_messages(ch, queue, 1)
    assert got and got[0][2] == body


def test_heartbeat_negotiated_and_connection_survives(amqp):
    conn = amqp.connect(heartbeat=2)
    assert conn._impl.params.heartbeat == 2
    deadline = time.monotonic() + 5.0
    while time.monotonic() < deadline:
        conn.process_data_events(time_limit=0.5)
    assert conn.is_open
    checker = conn._impl._heartbeat_checker
    assert checker is not None
    # Over 5 s of silence with a 2 s interval the broker must have sent
    # heartbeat frames.
    assert checker._heartbeat_frames_received >= 1
    amqp.assert_connection_usable(conn)


def test_many_channels(conn, amqp):
    channels = [conn.channel() for _ in range(100)]
    numbers = [c.channel_number for c in channels]
    assert len(set(numbers)) == 100
    for c in channels:
        c.exchange_declare("amq.direct", passive=True)
    for c in channels[::2]:
        c.close()
    for c in channels[1::2]:
        assert c.is_open
        c.exchange_declare("amq.fanout", passive=True)
        c.close()
    amqp.assert_connection_usable(conn)


def test_channel_close_and_reopen(conn, amqp):
    ch = conn.channel()
    number = ch.channel_number
    ch.close()
    assert ch.is_closed
    ch2 = conn.channel(channel_number=number)
    assert ch2.is_open
    queue = ch2.queue_declare("", exclusive=True).method.queue
    ch2.basic_publish("", queue, b"x")
    assert amqp.get_messages(ch2, queue, 1)[0][2] == b"x"


def test_closing_connection_closes_channels(amqp):
    conn = amqp.connect()
    ch = conn.channel()
    conn.close()
    assert ch.is_closed
    with pytest.raises(pika.exceptions.ChannelWrongStateError):
        ch.basic_publish("", "whatever", b"x")


def test_channel_flow_active_true_is_acknowledged(conn, ch, amqp):
    assert ch.flow(True) is True
    amqp.assert_connection_usable(conn)


def test_channel_flow_active_false_is_not_implemented(conn, ch, amqp):
    # RabbitMQ does not support client-initiated flow stop:
    # connection.close 540 "NOT_IMPLEMENTED - active=false".
    amqp.expect_connection_error(conn, lambda: ch.flow(False),
                                 pika.spec.NOT_IMPLEMENTED,
                                 "NOT_IMPLEMENTED")
