"""Minimal raw AMQP 0-9-1 client used to send malformed input to a broker.

Only the standard library is used.  The client knows just enough of the
protocol to do the connection handshake, open channels and decode the
methods a broker sends back when it rejects input (connection.close,
channel.close and friends).
"""

import os
import socket
import struct
import time

HOST = os.environ.get("AMQP_HOST", "127.0.0.1")
PORT = int(os.environ.get("AMQP_PORT", "5672"))
USER = os.environ.get("AMQP_USER", "guest")
PASSWORD = os.environ.get("AMQP_PASSWORD", "guest")

PROTOCOL_HEADER = b"AMQP\x00\x00\x09\x01"
FRAME_END = 0xCE

FRAME_METHOD = 1
FRAME_HEADER = 2
FRAME_BODY = 3
FRAME_HEARTBEAT = 8

# (class_id, method_id) pairs used by the tests
CONNECTION_START = (10, 10)
CONNECTION_START_OK = (10, 11)
CONNECTION_TUNE = (10, 30)
CONNECTION_TUNE_OK = (10, 31)
CONNECTION_OPEN = (10, 40)
CONNECTION_OPEN_OK = (10, 41)
CONNECTION_CLOSE = (10, 50)
CONNECTION_CLOSE_OK = (10, 51)
CHANNEL_OPEN = (20, 10)
CHANNEL_OPEN_OK = (20, 11)
CHANNEL_CLOSE = (20, 40)
CHANNEL_CLOSE_OK = (20, 41)
QUEUE_DECLARE = (50, 10)
QUEUE_DECLARE_OK = (50, 11)
QUEUE_DELETE = (50, 40)
QUEUE_DELETE_OK = (50, 41)
BASIC_QOS = (60, 10)
BASIC_QOS_OK = (60, 11)
BASIC_PUBLISH = (60, 40)
BASIC_GET = (60, 70)
BASIC_GET_OK = (60, 71)


class ProtocolError(AssertionError):
    pass


# ---------------------------------------------------------------- encoding

def shortstr(value):
    if isinstance(value, str):
        value = value.encode()
    assert len(value) < 256
    return struct.pack(">B", len(value)) + value


def longstr(value):
    if isinstance(value, str):
        value = value.encode()
    return struct.pack(">I", len(value)) + value


def table(items=None):
    """Encode a field table; supports str, bool, int and nested dicts."""
    body = b""
    for key, value in (items or {}).items():
        body += shortstr(key)
        if isinstance(value, bool):
            body += b"t" + struct.pack(">B", int(value))
        elif isinstance(value, int):
            body += b"l" + struct.pack(">q", value)
        elif isinstance(value, dict):
            body += b"F" + table(value)
        else:
            body += b"S" + longstr(value)
    return longstr(body)


def frame(frame_type, channel, payload, end=FRAME_END):
    return (struct.pack(">BHI", frame_type, channel, len(payload))
            + payload + struct.pack(">B", end))


def method_payload(class_method, args=b""):
    return struct.pack(">HH", *class_method) + args


def method_frame(channel, class_method, args=b""):
    return frame(FRAME_METHOD, channel, method_payload(class_method, args))


def header_frame(channel, body_size, class_id=60, flags=0, props=b""):
    payload = struct.pack(">HHQH", class_id, 0, body_size, flags) + props
    return frame(FRAME_HEADER, channel, payload)


def body_frame(channel, data):
    return frame(FRAME_BODY, channel, data)


def publish_args(exchange="", routing_key="", mandatory=False):
    return (struct.pack(">H", 0) + shortstr(exchange) + shortstr(routing_key)
            + struct.pack(">B", 1 if mandatory else 0))


def queue_declare_args(name, durable=False, exclusive=False,
                       auto_delete=False, arguments=None, raw_table=None, passive=False):
    bits = passive | (durable << 1) | (exclusive << 2) | (auto_delete << 3)
    tbl = raw_table if raw_table is not None else table(arguments)
    return struct.pack(">H", 0) + shortstr(name) + struct.pack(">B", bits) + tbl


def queue_delete_args(name):
    return struct.pack(">H", 0) + shortstr(name) + struct.pack(">B", 0)


# ---------------------------------------------------------------- decoding

class Reader:
    def __init__(self, data):
        self.data = data
        self.pos = 0

    def take(self, n):
        if self.pos + n > len(self.data):
            raise ProtocolError("truncated method arguments")
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk

    def octet(self):
        return self.take(1)[0]

    def short(self):
        return struct.unpack(">H", self.take(2))[0]

    def long(self):
        return struct.unpack(">I", self.take(4))[0]

    def shortstr(self):
        return self.take(self.octet()).decode("utf-8", "replace")

    def longstr(self):
        return self.take(self.long())


class Frame:
    def __init__(self, frame_type, channel, payload):
        self.type = frame_type
        self.channel = channel
        self.payload = payload
        self.class_method = None
        self.args = None
        if frame_type == FRAME_METHOD and len(payload) >= 4:
            self.class_method = struct.unpack(">HH", payload[:4])
            self.args = Reader(payload[4:])

    def __repr__(self):
        return "Frame(type=%d, channel=%d, method=%r, payload=%r)" % (
            self.type, self.channel, self.class_method, self.payload[:80])


class Close:
    """Decoded connection.close or channel.close."""

    def __init__(self, f):
        self.channel = f.channel
        self.kind = f.class_method
        self.reply_code = f.args.short()
        self.reply_text = f.args.shortstr()
        self.class_id = f.args.short()
        self.method_id = f.args.short()

    def __repr__(self):
        return "Close(%r on ch %d: %d %r class=%d method=%d)" % (
            self.kind, self.channel, self.reply_code, self.reply_text,
            self.class_id, self.method_id)


# ---------------------------------------------------------------- connection

class Conn:
    def __init__(self, host=None, port=None, timeout=5.0):
        self.sock = socket.create_connection(
            (host or HOST, port or PORT), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""
        self.discarded = b""
        self.frame_max = 0
        self.channel_max = 0
        self.heartbeat = 0
        self.server_properties = None

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # raw I/O ---------------------------------------------------------
    def send(self, data):
        self.sock.sendall(data)

    def send_method(self, channel, class_method, args=b""):
        self.send(method_frame(channel, class_method, args))

    def _fill(self, deadline):
        """Read more bytes into the buffer; returns False on EOF."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise socket.timeout("timed out waiting for data")
        self.sock.settimeout(remaining)
        try:
            chunk = self.sock.recv(65536)
        except ConnectionResetError:
            chunk = b""
        if not chunk:
            return False
        self.buf += chunk
        return True

    def recv_bytes(self, n, timeout=5.0):
        """Return up to n bytes (fewer if the peer closed or on timeout)."""
        deadline = time.monotonic() + timeout
        try:
            while len(self.buf) < n:
                if not self._fill(deadline):
                    break
        except socket.timeout:
            pass
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def recv_frame(self, timeout=5.0, skip_heartbeats=True):
        """Next frame, or None if the peer closed the connection."""
        deadline = time.monotonic() + timeout
        while True:
            while len(self.buf) < 7:
                if not self._fill(deadline):
                    return None
            frame_type, channel, size = struct.unpack(">BHI", self.buf[:7])
            while len(self.buf) < 8 + size:
                if not self._fill(deadline):
                    return None
            payload = self.buf[7:7 + size]
            end = self.buf[7 + size]
            self.buf = self.buf[8 + size:]
            if end != FRAME_END:
                raise ProtocolError("bad frame end 0x%02x from server" % end)
            if frame_type == FRAME_HEARTBEAT and skip_heartbeats:
                continue
            return Frame(frame_type, channel, payload)

    def expect_method(self, class_method, timeout=5.0):
        f = self.recv_frame(timeout)
        if f is None:
            raise ProtocolError("connection closed while waiting for %r"
                                % (class_method,))
        if f.class_method != class_method:
            if f.class_method in (CONNECTION_CLOSE, CHANNEL_CLOSE):
                raise ProtocolError("expected %r, got %r"
                                    % (class_method, Close(f)))
            raise ProtocolError("expected %r, got %r" % (class_method, f))
        return f

    def wait_closed(self, timeout=5.0):
        """True once the server closes the TCP connection (recv -> b"").

        Bytes received in the meantime are moved to self.discarded."""
        deadline = time.monotonic() + timeout
        try:
            while True:
                self.discarded += self.buf
                self.buf = b""
                if not self._fill(deadline):
                    return True
        except socket.timeout:
            return False
        except OSError:
            return True

    def drain(self, timeout=5.0):
        """Collect frames until the server closes the socket.

        Returns (frames, closed): heartbeats are dropped, connection.close and
        channel.close frames are decoded into Close objects, and closed tells
        whether EOF was seen before the timeout."""
        deadline = time.monotonic() + timeout
        frames = []
        while True:
            try:
                f = self.recv_frame(max(deadline - time.monotonic(), 0.001))
            except socket.timeout:
                return frames, False
            except OSError:
                return frames, True
            if f is None:
                return frames, True
            if f.class_method in (CONNECTION_CLOSE, CHANNEL_CLOSE):
                f = Close(f)
            frames.append(f)

    def expect_connection_close(self, timeout=5.0, send_close_ok=True):
        f = self.recv_frame(timeout)
        if f is None:
            raise ProtocolError("socket closed without connection.close")
        if f.class_method != CONNECTION_CLOSE:
            raise ProtocolError("expected connection.close, got %r" % (f,))
        close = Close(f)
        if send_close_ok:
            try:
                self.send_method(0, CONNECTION_CLOSE_OK)
            except OSError:
                pass
        return close

    def expect_channel_close(self, channel, timeout=5.0, send_close_ok=True):
        f = self.recv_frame(timeout)
        if f is None:
            raise ProtocolError("socket closed without channel.close")
        if f.class_method == CONNECTION_CLOSE:
            raise ProtocolError("expected channel.close, got %r" % Close(f))
        if f.class_method != CHANNEL_CLOSE or f.channel != channel:
            raise ProtocolError("expected channel.close on %d, got %r"
                                % (channel, f))
        close = Close(f)
        if send_close_ok:
            self.send_method(channel, CHANNEL_CLOSE_OK)
        return close

    # handshake -------------------------------------------------------
    def start(self, user=USER, password=PASSWORD, header=PROTOCOL_HEADER):
        """Send the protocol header, read connection.start, send start-ok."""
        self.send(header)
        f = self.expect_method(CONNECTION_START)
        f.args.octet()
        f.args.octet()
        self.server_properties = f.args.longstr()
        mechanisms = f.args.longstr().split()
        if b"PLAIN" not in mechanisms:
            raise ProtocolError("server does not offer PLAIN: %r" % mechanisms)
        response = b"\0" + user.encode() + b"\0" + password.encode()
        props = table({"product": "badinput-tests",
                       "capabilities": {"authentication_failure_close": True,
                                        "connection.blocked": True}})
        self.send_method(0, CONNECTION_START_OK,
                         props + shortstr("PLAIN") + longstr(response)
                         + shortstr("en_US"))

    def tune(self, frame_max=None, heartbeat=0, channel_max=None):
        """Read connection.tune and answer tune-ok with the given limits
        (None = accept the server's proposal)."""
        f = self.expect_method(CONNECTION_TUNE)
        srv_channel_max = f.args.short()
        srv_frame_max = f.args.long()
        f.args.short()
        self.channel_max = srv_channel_max if channel_max is None else channel_max
        self.frame_max = srv_frame_max if frame_max is None else frame_max
        self.heartbeat = heartbeat
        self.send_method(0, CONNECTION_TUNE_OK,
                         struct.pack(">HIH", self.channel_max, self.frame_max,
                                     self.heartbeat))
        return srv_channel_max, srv_frame_max

    def open(self, vhost="/"):
        self.send_method(0, CONNECTION_OPEN,
                         shortstr(vhost) + shortstr("") + b"\x00")
        self.expect_method(CONNECTION_OPEN_OK)

    def handshake(self, frame_max=None, heartbeat=0, channel_max=None):
        self.start()
        self.tune(frame_max=frame_max, heartbeat=heartbeat,
                  channel_max=channel_max)
        self.open()
        return self

    def open_channel(self, channel=1):
        self.send_method(channel, CHANNEL_OPEN, shortstr(""))
        f = self.expect_method(CHANNEL_OPEN_OK)
        assert f.channel == channel, f
        return channel

    def roundtrip(self, channel=1):
        """Prove that the channel still works: basic.qos -> basic.qos-ok."""
        self.send_method(channel, BASIC_QOS, struct.pack(">IHB", 0, 0, 0))
        f = self.expect_method(BASIC_QOS_OK)
        assert f.channel == channel, f


def connect(**tune):
    """Open a fully handshaken connection."""
    return Conn().handshake(**tune)


def broker_alive():
    """A fresh connection can handshake, open a channel and do a round trip."""
    try:
        with Conn() as c:
            c.handshake()
            c.open_channel(1)
            c.roundtrip(1)
            c.send_method(0, CONNECTION_CLOSE,
                          struct.pack(">H", 200) + shortstr("bye")
                          + struct.pack(">HH", 0, 0))
            c.expect_method(CONNECTION_CLOSE_OK)
        return True
    except (OSError, ProtocolError):
        return False
