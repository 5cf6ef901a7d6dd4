"""Content frames out of sequence, and oversized messages."""

import struct

import badinput_client as amqp

QOS = struct.pack(">IHB", 0, 0, 0)
MAX_MESSAGE_SIZE = 128 * 1024 * 1024     # RabbitMQ 3.10 default


def _publish(channel=1):
    return amqp.method_frame(channel, amqp.BASIC_PUBLISH,
                             amqp.publish_args(routing_key="badinput-nowhere"))


def _expect_505(c, text, class_method):
    close = c.expect_connection_close()
    assert close.channel == 0
    assert (close.reply_code, close.reply_text) == (505, "UNEXPECTED_FRAME - " + text)
    assert (close.class_id, close.method_id) == class_method
    assert c.wait_closed(3), "socket not closed after connection.close"


def test_body_without_publish(conn):
    conn.open_channel(1)
    conn.send(amqp.body_frame(1, b"hello"))
    _expect_505(conn, "expected method frame, got non method frame instead", (0, 0))


def test_header_without_publish(conn):
    conn.open_channel(1)
    conn.send(amqp.header_frame(1, 5))
    _expect_505(conn, "expected method frame, got non method frame instead", (0, 0))


def test_body_on_never_opened_channel(conn):
    conn.send(amqp.body_frame(3, b"hello"))
    _expect_505(conn, "expected method frame, got non method frame instead", (0, 0))


def test_content_header_on_channel_zero(conn):
    conn.send(amqp.header_frame(0, 1))
    close = conn.expect_connection_close()
    assert close.reply_code == 505
    assert close.reply_text.startswith("UNEXPECTED_FRAME - type 2, all octets = ")
    assert (close.class_id, close.method_id) == (0, 0)
    assert conn.wait_closed(3)


def test_method_while_header_expected(conn):
    conn.open_channel(1)
    conn.send(_publish() + amqp.method_frame(1, amqp.BASIC_QOS, QOS))
    _expect_505(conn, "expected content header for class 60, got non content"
                " header frame instead", (60, 40))


def test_body_while_header_expected(conn):
    conn.open_channel(1)
    conn.send(_publish() + amqp.body_frame(1, b"x"))
    _expect_505(conn, "expected content header for class 60, got non content"
                " header frame instead", (60, 40))


def test_header_of_wrong_class(conn):
    conn.open_channel(1)
    conn.send(_publish() + amqp.header_frame(1, 1, class_id=50))
    _expect_505(conn, "expected content header for class 60, got one for class 50"
                " instead", (60, 40))


def test_method_while_body_expected(conn):
    conn.open_channel(1)
    conn.send(_publish() + amqp.header_frame(1, 10) + amqp.body_frame(1, b"hello")
              + amqp.method_frame(1, amqp.BASIC_QOS, QOS))
    _expect_505(conn, "expected content body, got non content body frame instead",
                (60, 40))


def test_publish_on_closing_channel_still_expects_content(conn):
    """Frames on a channel awaiting close-ok are still assembled: a
    basic.publish there must be followed by its content header."""
    conn.open_channel(1)
    conn.send_method(1, amqp.QUEUE_DECLARE, struct.pack(">H", 0)
                     + amqp.shortstr("badinput-no-such-queue") + b"\x01" + amqp.table())
    assert conn.expect_channel_close(1, send_close_ok=False).reply_code == 404
    conn.send(_publish() + amqp.method_frame(1, amqp.CHANNEL_CLOSE_OK))
    _expect_505(conn, "expected content header for class 60, got non content"
                " header frame instead", (60, 40))


def test_large_declared_body_size_over_limit(conn):
    """A 200 MiB body_size over the 128 MiB limit: RabbitMQ waits for the whole
    body before refusing it; PolyMQ refuses at the content header (so it never
    buffers more than the limit) with the same channel.close 406.  Either way
    the connection and its other channels keep working."""
    conn.open_channel(1)
    conn.open_channel(2)
    conn.send(_publish() + amqp.header_frame(1, 200 * 1024 * 1024)
              + amqp.body_frame(1, b"x" * 1000))
    conn.send_method(2, amqp.BASIC_QOS, struct.pack(">IHB", 0, 0, 0))
    frames = []
    while True:                      # everything up to channel 2's qos-ok
        f = conn.recv_frame(5)
        assert f is not None, "connection closed"
        if f.class_method == amqp.BASIC_QOS_OK:
            assert f.channel == 2
            break
        frames.append(amqp.Close(f) if f.class_method == amqp.CHANNEL_CLOSE else f)
    extra, closed = conn.drain(timeout=0.5)
    assert not closed
    frames += extra
    if frames:
        assert len(frames) == 1 and isinstance(frames[0], amqp.Close), frames
        close = frames[0]
        assert close.channel == 1
        assert close.reply_code == 406
        assert close.reply_text == ("PRECONDITION_FAILED - message size %d is larger than"
                                    " configured max size %d"
                                    % (200 * 1024 * 1024, MAX_MESSAGE_SIZE))
        conn.roundtrip(2)


def _send_body(c, channel, size, chunk):
    blob = b"x" * chunk
    frames = []
    sent = 0
    while sent < size:
        n = min(chunk, size - sent)
        frames.append(amqp.body_frame(channel, blob[:n]))
        sent += n
        if len(frames) == 64:
            c.send(b"".join(frames))
            frames = []
    c.send(b"".join(frames))


def test_message_larger_than_max_message_size(conn):
    size = MAX_MESSAGE_SIZE + 1
    conn.open_channel(1)
    conn.sock.settimeout(30)
    conn.send(_publish() + amqp.header_frame(1, size))
    _send_body(conn, 1, size, conn.frame_max - 8)
    close = conn.expect_channel_close(1, timeout=30)
    assert close.reply_code == 406
    assert close.reply_text == ("PRECONDITION_FAILED - message size %d is larger than"
                                " configured max size %d" % (size, MAX_MESSAGE_SIZE))
    assert (close.class_id, close.method_id) == (60, 40)
    conn.open_channel(1)
    conn.roundtrip(1)
