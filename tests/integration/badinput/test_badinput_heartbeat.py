"""Half-sent frames and silence, with and without heartbeats."""

import struct
import time

import badinput_client as amqp

HALF_FRAME = amqp.method_frame(1, amqp.BASIC_QOS, struct.pack(">IHB", 0, 0, 0))[:6]


def test_half_frame_with_heartbeat_times_out():
    """Heartbeat 1 s: RabbitMQ drops the connection ~3 s after the last
    octet it received, sending only heartbeats and no connection.close."""
    with amqp.connect(heartbeat=1) as c:
        c.open_channel(1)
        c.send(HALF_FRAME)
        start = time.monotonic()
        frames = []
        closed = False
        while time.monotonic() - start < 8:
            f = c.recv_frame(timeout=8 - (time.monotonic() - start),
                             skip_heartbeats=False)
            if f is None:
                closed = True
                break
            frames.append(f)
        elapsed = time.monotonic() - start
        assert closed, "connection still open 8 s after a half-sent frame"
        assert elapsed >= 1.0, "closed after %.2f s, before the heartbeat timeout" % elapsed
        assert all(f.type == amqp.FRAME_HEARTBEAT and f.channel == 0 and f.payload == b""
                   for f in frames), frames
        assert frames, "server sent no heartbeats while waiting"


def test_half_frame_without_heartbeat_waits_for_rest():
    with amqp.connect(heartbeat=0) as c:
        c.open_channel(1)
        c.send(HALF_FRAME)
        frames, closed = c.drain(timeout=2)
        assert (frames, closed) == ([], False)
    # closed from the client side; the fixture checks the broker is fine


def test_half_frame_completed_later_is_processed():
    frame = amqp.method_frame(1, amqp.BASIC_QOS, struct.pack(">IHB", 0, 0, 0))
    with amqp.connect(heartbeat=0) as c:
        c.open_channel(1)
        for i in range(len(frame)):
            c.send(frame[i:i + 1])
            time.sleep(0.01)
        f = c.expect_method(amqp.BASIC_QOS_OK)
        assert f.channel == 1
