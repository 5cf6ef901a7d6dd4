"""Channel lifecycle errors: all of them are connection-level errors
(connection.close on channel 0) in RabbitMQ."""

import struct

import badinput_client as amqp

QOS = struct.pack(">IHB", 0, 0, 0)
CLOSE_ARGS = struct.pack(">H", 200) + amqp.shortstr("bye") + struct.pack(">HH", 0, 0)


def _expect_close(c, code, text, class_method):
    close = c.expect_connection_close()
    assert close.channel == 0
    assert (close.reply_code, close.reply_text) == (code, text)
    assert (close.class_id, close.method_id) == class_method
    assert c.wait_closed(3), "socket not closed after connection.close"


def test_method_on_never_opened_channel(conn):
    conn.open_channel(1)
    conn.send_method(5, amqp.BASIC_QOS, QOS)
    _expect_close(conn, 504, "CHANNEL_ERROR - expected 'channel.open'", (60, 10))


def test_channel_close_on_never_opened_channel(conn):
    conn.send_method(5, amqp.CHANNEL_CLOSE, CLOSE_ARGS)
    _expect_close(conn, 504, "CHANNEL_ERROR - expected 'channel.open'", (20, 40))


def test_channel_close_ok_on_never_opened_channel(conn):
    conn.send_method(5, amqp.CHANNEL_CLOSE_OK)
    _expect_close(conn, 504, "CHANNEL_ERROR - expected 'channel.open'", (20, 41))


def test_method_on_channel_closed_by_client(conn):
    conn.open_channel(1)
    conn.send_method(1, amqp.CHANNEL_CLOSE, CLOSE_ARGS)
    conn.expect_method(amqp.CHANNEL_CLOSE_OK)
    conn.send_method(1, amqp.BASIC_QOS, QOS)
    _expect_close(conn, 504, "CHANNEL_ERROR - expected 'channel.open'", (60, 10))


def test_reopen_channel_closed_by_client(conn):
    conn.open_channel(1)
    conn.send_method(1, amqp.CHANNEL_CLOSE, CLOSE_ARGS)
    conn.expect_method(amqp.CHANNEL_CLOSE_OK)
    conn.open_channel(1)
    conn.roundtrip(1)


def _server_closes_channel(conn):
    """Trigger a 404 channel exception on channel 1."""
    conn.open_channel(1)
    conn.open_channel(2)
    conn.send_method(1, amqp.QUEUE_DECLARE, struct.pack(">H", 0)
                     + amqp.shortstr("badinput-no-such-queue") + b"\x01" + amqp.table())
    close = conn.expect_channel_close(1, send_close_ok=False)
    assert close.reply_code == 404
    assert close.reply_text == "NOT_FOUND - no queue 'badinput-no-such-queue' in vhost '/'"
    assert (close.class_id, close.method_id) == (50, 10)


def test_methods_ignored_until_close_ok_then_channel_reusable(conn):
    _server_closes_channel(conn)
    conn.send_method(1, amqp.BASIC_QOS, QOS)     # discarded while closing
    conn.roundtrip(2)                            # nothing came back for ch 1
    conn.send_method(1, amqp.CHANNEL_CLOSE_OK)
    conn.open_channel(1)
    conn.roundtrip(1)


def test_channel_close_crossing_server_close(conn):
    """The server answers a crossing channel.close with close-ok, but the
    channel stays reserved until the client's own close-ok arrives."""
    _server_closes_channel(conn)
    conn.send_method(1, amqp.CHANNEL_CLOSE, CLOSE_ARGS)
    f = conn.expect_method(amqp.CHANNEL_CLOSE_OK)
    assert f.channel == 1
    conn.send_method(1, amqp.CHANNEL_CLOSE_OK)
    conn.open_channel(1)
    conn.roundtrip(1)


def test_channel_open_after_crossing_close_without_close_ok(conn):
    _server_closes_channel(conn)
    conn.send_method(1, amqp.CHANNEL_CLOSE, CLOSE_ARGS)
    conn.expect_method(amqp.CHANNEL_CLOSE_OK)
    conn.send_method(1, amqp.CHANNEL_OPEN, amqp.shortstr(""))
    _expect_close(conn, 504, "CHANNEL_ERROR - second 'channel.open' seen", (20, 10))


def test_channel_open_before_close_ok(conn):
    _server_closes_channel(conn)
    conn.send_method(1, amqp.CHANNEL_OPEN, amqp.shortstr(""))
    _expect_close(conn, 504, "CHANNEL_ERROR - second 'channel.open' seen", (20, 10))


def test_channel_open_twice(conn):
    conn.open_channel(1)
    conn.send_method(1, amqp.CHANNEL_OPEN, amqp.shortstr(""))
    _expect_close(conn, 504, "CHANNEL_ERROR - second 'channel.open' seen", (20, 10))


def test_channel_method_on_channel_zero(conn):
    conn.send_method(0, amqp.BASIC_QOS, QOS)
    _expect_close(conn, 504,
                  "CHANNEL_ERROR - unexpected method in connection state running",
                  (60, 10))


def test_channel_open_on_channel_zero(conn):
    conn.send_method(0, amqp.CHANNEL_OPEN, amqp.shortstr(""))
    _expect_close(conn, 504,
                  "CHANNEL_ERROR - unexpected method in connection state running",
                  (20, 10))


def test_connection_open_again(conn):
    conn.send_method(0, amqp.CONNECTION_OPEN,
                     amqp.shortstr("/") + amqp.shortstr("") + b"\0")
    _expect_close(conn, 504,
                  "CHANNEL_ERROR - unexpected method in connection state running",
                  (10, 40))


def test_connection_method_on_nonzero_channel(conn):
    conn.open_channel(1)
    conn.send_method(1, amqp.CONNECTION_OPEN,
                     amqp.shortstr("/") + amqp.shortstr("") + b"\0")
    _expect_close(conn, 503, "COMMAND_INVALID - unimplemented method", (10, 40))


def test_more_channels_than_channel_max():
    """channel_max limits how many channels are open at once."""
    with amqp.connect(channel_max=3) as c:
        for ch in (1, 2, 3):
            c.open_channel(ch)
        c.send_method(7, amqp.CHANNEL_OPEN, amqp.shortstr(""))
        _expect_close(c, 530, "NOT_ALLOWED - number of channels opened (3) has"
                      " reached the negotiated channel_max (3)", (0, 0))


def test_channel_number_above_channel_max_is_accepted():
    """RabbitMQ does not check the channel number against channel_max, only
    the number of open channels."""
    with amqp.connect(channel_max=10) as c:
        for ch in (11, 65535):
            c.open_channel(ch)
            c.roundtrip(ch)
