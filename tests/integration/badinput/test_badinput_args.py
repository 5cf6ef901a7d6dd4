"""Malformed method arguments and field tables."""

import struct
import time

import badinput_client as amqp


def _connection_close(c):
    close = c.expect_connection_close()
    assert close.channel == 0
    assert c.wait_closed(3), "socket not closed after connection.close"
    return close


def _cannot_decode(c, class_method):
    close = _connection_close(c)
    assert close.reply_code == 501
    assert close.reply_text.startswith("FRAME_ERROR - cannot decode <<")
    assert (close.class_id, close.method_id) == class_method


def test_truncated_publish_arguments(conn):
    conn.open_channel(1)
    conn.send_method(1, amqp.BASIC_PUBLISH, b"\x00\x00\x05ab")
    _cannot_decode(conn, (60, 40))


def test_publish_arguments_missing_bits(conn):
    conn.open_channel(1)
    conn.send_method(1, amqp.BASIC_PUBLISH, b"\x00\x00\x00\x00")
    _cannot_decode(conn, (60, 40))


def test_publish_arguments_with_trailing_junk(conn):
    conn.open_channel(1)
    conn.send_method(1, amqp.BASIC_PUBLISH, amqp.publish_args() + b"junk")
    _cannot_decode(conn, (60, 40))


def test_table_length_beyond_frame(conn):
    conn.open_channel(1)
    bad_table = struct.pack(">I", 4096) + amqp.shortstr("x-foo")
    conn.send_method(1, amqp.QUEUE_DECLARE, amqp.queue_declare_args(
        "badinput-table", auto_delete=True, raw_table=bad_table))
    _cannot_decode(conn, (50, 10))


def _drops_connection(c):
    """RabbitMQ drops the socket without a word; PolyMQ says why first, with a
    connection.close 501 "cannot decode".  Either way the connection ends."""
    f = c.recv_frame(3)
    if f is not None:
        assert f.class_method == amqp.CONNECTION_CLOSE, f
        close = amqp.Close(f)
        assert close.channel == 0
        assert close.reply_code == 501
        assert close.reply_text.startswith("FRAME_ERROR - cannot decode <<")
        c.send_method(0, amqp.CONNECTION_CLOSE_OK)
    assert c.wait_closed(3), "socket not closed"


def test_table_with_unknown_type_tag_drops_connection(conn):
    """RabbitMQ's reader crashes on the bad tag: TCP close, no connection.close."""
    conn.open_channel(1)
    bad_table = amqp.longstr(amqp.shortstr("x-foo") + b"Z" + b"\x00\x00\x00\x01")
    conn.send_method(1, amqp.QUEUE_DECLARE, amqp.queue_declare_args(
        "badinput-table", auto_delete=True, raw_table=bad_table))
    _drops_connection(conn)


def test_table_value_overrunning_table_drops_connection(conn):
    conn.open_channel(1)
    bad_table = amqp.longstr(amqp.shortstr("x-foo") + b"S" + struct.pack(">I", 4096) + b"ab")
    conn.send_method(1, amqp.QUEUE_DECLARE, amqp.queue_declare_args(
        "badinput-table", auto_delete=True, raw_table=bad_table))
    _drops_connection(conn)


def test_bad_table_in_content_header_properties(conn):
    conn.open_channel(1)
    headers = amqp.longstr(amqp.shortstr("k") + b"Z\x00")     # 'headers' property
    conn.send(amqp.method_frame(1, amqp.BASIC_PUBLISH,
                                amqp.publish_args(routing_key="badinput-nowhere"))
              + amqp.header_frame(1, 1, flags=0x2000, props=headers)
              + amqp.body_frame(1, b"x"))
    close = _connection_close(conn)
    assert (close.reply_code, close.reply_text) == (541, "INTERNAL_ERROR")
    assert (close.class_id, close.method_id) == (0, 0)


def test_truncated_connection_close(conn):
    conn.send_method(0, amqp.CONNECTION_CLOSE, b"\x00")
    close = _connection_close(conn)
    assert (close.reply_code, close.reply_text) == (541, "INTERNAL_ERROR")
    assert (close.class_id, close.method_id) == (0, 0)


def test_cr_and_lf_are_removed_from_a_declared_queue_name(conn):
    # RabbitMQ strips CR and LF from the name at declare: declare-ok names the stripped
    # queue, which is the one that exists.
    conn.open_channel(1)
    name = "badinput-crlf-%d" % time.monotonic_ns()
    conn.send_method(1, amqp.QUEUE_DECLARE, amqp.queue_declare_args(
        "\r" + name[:8] + "\r\n" + name[8:] + "\n", exclusive=True))
    ok = conn.expect_method(amqp.QUEUE_DECLARE_OK)
    assert ok.args.shortstr() == name
    conn.send_method(1, amqp.QUEUE_DECLARE, amqp.queue_declare_args(name, passive=True))
    conn.expect_method(amqp.QUEUE_DECLARE_OK)
    conn.send_method(1, amqp.QUEUE_DELETE, amqp.queue_delete_args(name + "\r\n"))
    conn.expect_method(amqp.QUEUE_DELETE_OK)
