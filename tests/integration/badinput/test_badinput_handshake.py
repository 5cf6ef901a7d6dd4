"""Errors before connection.open-ok.

RabbitMQ answers most handshake errors by closing the socket without a
connection.close (after a 3 s anti-DoS delay); only authentication failures
(with the authentication_failure_close capability) and connection.open
errors get a connection.close."""

import struct
import threading
import time

import pytest

import badinput_client as amqp


def _after_start(data):
    def run(c):
        c.send(amqp.PROTOCOL_HEADER)
        c.expect_method(amqp.CONNECTION_START)
        c.send(data)
    return run


def _after_tune(data):
    def run(c):
        c.start()
        c.expect_method(amqp.CONNECTION_TUNE)
        c.send(data)
    return run


def _start_ok(mechanism, response, capabilities):
    props = amqp.table({"product": "badinput-tests",
                        "capabilities": capabilities})
    return amqp.method_frame(0, amqp.CONNECTION_START_OK,
                             props + amqp.shortstr(mechanism)
                             + amqp.longstr(response) + amqp.shortstr("en_US"))


def _tune_ok(channel_max, frame_max, heartbeat=0):
    return amqp.method_frame(0, amqp.CONNECTION_TUNE_OK,
                             struct.pack(">HIH", channel_max, frame_max, heartbeat))


def _start_ok_of_size(payload_size):
    """A valid PLAIN start-ok whose frame payload is exactly ``payload_size`` octets (padded
    with a client property)."""
    def build(pad):
        props = amqp.table({"product": "badinput-tests",
                            "capabilities": {"authentication_failure_close": True},
                            "padding": "x" * pad})
        return amqp.method_payload(amqp.CONNECTION_START_OK, props + amqp.shortstr("PLAIN")
                                   + amqp.longstr(b"\0" + amqp.USER.encode() + b"\0"
                                                  + amqp.PASSWORD.encode())
                                   + amqp.shortstr("en_US"))
    pad = payload_size - len(build(0))
    payload = build(pad)
    assert len(payload) == payload_size
    return amqp.frame(amqp.FRAME_METHOD, 0, payload)


SILENT_CASES = {
    # Until tune-ok the frame limit is 4096 octets of payload (RabbitMQ's initial frame_max).
    "start-ok-larger-than-4096": _after_start(_start_ok_of_size(4097)),
    "garbage-instead-of-start-ok": _after_start(b"garbage!garbage!"),
    "huge-frame-size-before-start-ok":
        _after_start(struct.pack(">BHI", 1, 0, 0xFFFFFFFF) + b"x" * 64),
    "huge-frame-size-before-tune-ok":
        _after_tune(struct.pack(">BHI", 1, 0, 0xFFFFFFFF) + b"x" * 64),
    "unknown-frame-type-before-start-ok": _after_start(amqp.frame(9, 0, b"")),
    "bad-frame-end-before-start-ok": _after_start(
        amqp.frame(1, 0, amqp.method_payload(amqp.CONNECTION_START_OK), end=0)),
    "connection-open-instead-of-start-ok": _after_start(amqp.method_frame(
        0, amqp.CONNECTION_OPEN, amqp.shortstr("/") + amqp.shortstr("") + b"\0")),
    "start-ok-on-channel-1": _after_start(
        amqp.method_frame(1, amqp.CONNECTION_START_OK, b"")),
    "unknown-sasl-mechanism": _after_start(_start_ok(
        "BOGUS", b"\0guest\0guest", {"authentication_failure_close": True})),
    "bad-password-without-capability": _after_start(_start_ok(
        "PLAIN", b"\0" + amqp.USER.encode() + b"\0badinput-wrong", {})),
    "tune-ok-frame-max-below-4096": _after_tune(_tune_ok(0, 100)),
    "tune-ok-frame-max-above-server": _after_tune(_tune_ok(0, 1 << 24)),
    "tune-ok-channel-max-above-server": _after_tune(_tune_ok(65535, 4096)),
}


@pytest.fixture(scope="module")
def silent_results():
    """Run all silent-close cases concurrently (each takes ~3 s on RabbitMQ)."""
    results = {}

    def worker(name, action):
        try:
            with amqp.Conn() as c:
                action(c)
                start = time.monotonic()
                frames, closed = c.drain(timeout=8)
                results[name] = (frames, closed, time.monotonic() - start)
        except Exception as exc:  # reported by the test that reads it
            results[name] = exc

    threads = [threading.Thread(target=worker, args=item)
               for item in SILENT_CASES.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    return results


@pytest.mark.parametrize("case", sorted(SILENT_CASES))
def test_handshake_error_closes_socket_silently(silent_results, case):
    result = silent_results.get(case)
    assert not isinstance(result, Exception), result
    frames, closed, elapsed = result
    assert frames == [], "expected no reply frames, got %r" % frames
    assert closed, "socket still open %.1f s after the bad input" % elapsed


def test_start_ok_of_4096_octets_is_accepted():
    with amqp.Conn() as c:
        c.send(amqp.PROTOCOL_HEADER)
        c.expect_method(amqp.CONNECTION_START)
        c.send(_start_ok_of_size(4096))
        c.tune()
        c.open()
        c.open_channel(1)
        c.roundtrip(1)


def test_wrong_password_with_capability_gets_403():
    with amqp.Conn() as c:
        c.send(amqp.PROTOCOL_HEADER)
        c.expect_method(amqp.CONNECTION_START)
        c.send(_start_ok("PLAIN", b"\0" + amqp.USER.encode() + b"\0badinput-wrong",
                         {"authentication_failure_close": True}))
        close = c.expect_connection_close()
        assert close.reply_code == 403
        assert close.reply_text == (
            "ACCESS_REFUSED - Login was refused using authentication mechanism"
            " PLAIN. For details see the broker logfile.")
        assert (close.class_id, close.method_id) == (0, 0)
        assert c.wait_closed(3)


def test_unknown_vhost_gets_530():
    with amqp.Conn() as c:
        c.start()
        c.tune()
        c.send_method(0, amqp.CONNECTION_OPEN, amqp.shortstr("badinput-no-such-vhost")
                      + amqp.shortstr("") + b"\0")
        close = c.expect_connection_close()
        assert close.reply_code == 530
        assert close.reply_text == "NOT_ALLOWED - vhost badinput-no-such-vhost not found"
        assert (close.class_id, close.method_id) == (10, 40)
        assert c.wait_closed(3)


def test_channel_open_before_connection_open_gets_505():
    with amqp.Conn() as c:
        c.start()
        c.tune()
        c.send_method(1, amqp.CHANNEL_OPEN, amqp.shortstr(""))
        close = c.expect_connection_close()
        assert close.reply_code == 505
        assert close.reply_text.startswith("UNEXPECTED_FRAME - type 1, all octets = ")
        assert (close.class_id, close.method_id) == (0, 0)
        assert c.wait_closed(5)


@pytest.mark.slow
def test_silent_client_closed_after_handshake_timeout():
    """RabbitMQ's handshake_timeout is 10 s; the socket gets no bytes at all."""
    start = time.monotonic()
    silent = amqp.Conn()
    partial = amqp.Conn()
    try:
        partial.send(b"AMQ")
        for c in (silent, partial):
            assert c.wait_closed(15 - (time.monotonic() - start)), \
                "connection still open after 15 s"
            assert c.discarded == b""
        assert time.monotonic() - start > 5, "closed before the handshake timeout"
    finally:
        silent.close()
        partial.close()
