"""Framing errors after the connection is open: connection.close 501/505
on channel 0 with class/method 0/0, then the socket is closed.  For
'fatal' framing errors (bad frame end, oversized frame) RabbitMQ waits
~3 s after connection.close before closing the socket."""

import struct

import pytest

import badinput_client as amqp

QOS = struct.pack(">IHB", 0, 0, 0)


def _close_after(data, frame_max=None, close_within=6):
    with amqp.connect(frame_max=frame_max) as c:
        c.open_channel(1)
        c.send(data)
        close = c.expect_connection_close()
        assert close.channel == 0
        assert c.wait_closed(close_within), "socket not closed after connection.close"
        return close


def test_bad_frame_end():
    close = _close_after(amqp.frame(amqp.FRAME_METHOD, 1,
                                    amqp.method_payload(amqp.BASIC_QOS, QOS), end=0xAB))
    assert close.reply_code == 501
    assert close.reply_text.startswith("FRAME_ERROR - type 1, all octets = ")
    assert "invalid_frame_end_marker" in close.reply_text
    assert (close.class_id, close.method_id) == (0, 0)


def _publish_with_body_frame(size):
    return (amqp.method_frame(1, amqp.BASIC_PUBLISH,
                              amqp.publish_args(routing_key="badinput-nowhere"))
            + amqp.header_frame(1, size) + amqp.body_frame(1, b"x" * size))


def test_frame_payload_up_to_frame_max_is_accepted():
    """RabbitMQ accepts a payload of frame_max octets (8 more than the spec
    allows) and rejects frame_max + 1."""
    with amqp.connect(frame_max=4096) as c:
        c.open_channel(1)
        c.send(_publish_with_body_frame(4088))
        c.send(_publish_with_body_frame(4096))
        c.roundtrip(1)


def test_frame_larger_than_frame_max():
    close = _close_after(_publish_with_body_frame(4097), frame_max=4096)
    assert close.reply_code == 501
    assert close.reply_text.startswith("FRAME_ERROR - type 3, all octets = <<>>: ")
    assert "frame_too_large" in close.reply_text
    assert (close.class_id, close.method_id) == (0, 0)


def test_huge_declared_frame_size():
    """A 0xFFFFFFFF frame size is rejected from the frame header alone."""
    close = _close_after(struct.pack(">BHI", amqp.FRAME_METHOD, 1, 0xFFFFFFFF))
    assert close.reply_code == 501
    assert close.reply_text.startswith("FRAME_ERROR - type 1, all octets = <<>>: ")
    assert "frame_too_large,4294967295," in close.reply_text
    assert (close.class_id, close.method_id) == (0, 0)


@pytest.mark.parametrize("frame_type,channel,payload", [
    (0, 0, b""), (4, 1, b"abc"), (9, 0, b"abc"), (0xFF, 1, b"x"),
    (amqp.FRAME_HEARTBEAT, 0, b"abc"),   # heartbeat with a payload
    (amqp.FRAME_METHOD, 1, b""),         # method frame too short for ids
    (amqp.FRAME_METHOD, 1, b"\x00\x3c"),
], ids=["type0", "type4", "type9", "type255", "heartbeat-payload",
        "empty-method", "short-method"])
def test_unknown_frame(frame_type, channel, payload):
    close = _close_after(amqp.frame(frame_type, channel, payload))
    assert close.reply_code == 501
    assert close.reply_text.startswith("FRAME_ERROR - type %d, all octets = " % frame_type)
    assert close.reply_text.endswith(": unknown_frame")
    assert (close.class_id, close.method_id) == (0, 0)


def test_heartbeat_on_nonzero_channel():
    close = _close_after(amqp.frame(amqp.FRAME_HEARTBEAT, 1, b""))
    assert close.reply_code == 505
    assert close.reply_text == "UNEXPECTED_FRAME - type 8, all octets = <<>>"
    assert (close.class_id, close.method_id) == (0, 0)


@pytest.mark.parametrize("channel,class_method", [
    (1, (99, 10)), (1, (60, 99)), (0, (99, 10)), (0, (10, 99)), (1, (0, 0)),
], ids=["class99-ch1", "basic.99-ch1", "class99-ch0", "connection.99-ch0", "0.0-ch1"])
def test_unknown_class_or_method_drops_connection(channel, class_method):
    """RabbitMQ drops the TCP connection without any connection.close; PolyMQ
    answers 540 NOT_IMPLEMENTED naming the method first.  Either way the
    connection ends and nothing else is sent."""
    with amqp.connect() as c:
        c.open_channel(1)
        c.send_method(channel, class_method, b"\x00" * 8)
        f = c.recv_frame(3)
        if f is not None:
            assert f.class_method == amqp.CONNECTION_CLOSE, f
            close = amqp.Close(f)
            assert close.reply_code == 540
            assert close.reply_text.startswith("NOT_IMPLEMENTED - unknown method")
            assert (close.class_id, close.method_id) == class_method
            c.send_method(0, amqp.CONNECTION_CLOSE_OK)
        assert c.wait_closed(3), "socket not closed"
