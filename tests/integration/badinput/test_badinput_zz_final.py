"""Runs last: after all the bad input the broker still does real work."""

import os
import struct

import badinput_client as amqp


def test_broker_still_routes_messages():
    queue = "badinput-final-%d" % os.getpid()
    body = b"still alive"
    with amqp.connect() as c:
        c.open_channel(1)
        c.send_method(1, amqp.QUEUE_DECLARE, amqp.queue_declare_args(queue, auto_delete=False))
        f = c.expect_method(amqp.QUEUE_DECLARE_OK)
        assert f.args.shortstr() == queue
        try:
            c.send(amqp.method_frame(1, amqp.BASIC_PUBLISH, amqp.publish_args(routing_key=queue))
                   + amqp.header_frame(1, len(body)) + amqp.body_frame(1, body))
            c.send_method(1, amqp.BASIC_GET, struct.pack(">H", 0) + amqp.shortstr(queue) + b"\x01")
            f = c.expect_method(amqp.BASIC_GET_OK)
            header = c.recv_frame()
            assert header.type == amqp.FRAME_HEADER
            assert struct.unpack(">Q", header.payload[4:12])[0] == len(body)
            content = c.recv_frame()
            assert (content.type, content.payload) == (amqp.FRAME_BODY, body)
        finally:
            c.send_method(1, amqp.QUEUE_DELETE, amqp.queue_delete_args(queue))
            c.expect_method(amqp.QUEUE_DELETE_OK)
    assert amqp.broker_alive()
