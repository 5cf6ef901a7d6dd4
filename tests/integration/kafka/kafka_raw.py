"""A raw Kafka client for what the real clients cannot be made to send: requests in versions
they would never pick, bad sizes, unknown API keys, and DeleteRecords (which Debian's
confluent-kafka 1.7 and kafka-python 2.0.2 do not have). Only the few fields the tests read
are decoded."""

import socket
import struct

API_VERSIONS = 18
METADATA = 3
PRODUCE = 0
FETCH = 1
LIST_OFFSETS = 2
DELETE_RECORDS = 21
OFFSET_FOR_LEADER_EPOCH = 23


def connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def request_bytes(api_key, version, correlation_id, body=b"", flexible=False, client_id=b"raw"):
    """A request frame; `flexible` writes header v2 (client id, then no tagged fields)."""
    header = struct.pack(">hhi", api_key, version, correlation_id)
    header += struct.pack(">h", len(client_id)) + client_id
    if flexible:
        header += b"\x00"
    payload = header + body
    return struct.pack(">i", len(payload)) + payload


def recv_exactly(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def read_frame(sock):
    """The next response payload, or None when the server closed the connection."""
    size = recv_exactly(sock, 4)
    if size is None:
        return None
    return recv_exactly(sock, struct.unpack(">i", size)[0])


def closed_by_server(sock):
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True


def parse_api_versions_v0(payload):
    """(correlation id, error code, {api key: (min, max)}) of an ApiVersions v0 response."""
    correlation_id, error_code, count = struct.unpack_from(">ihi", payload, 0)
    apis = {}
    pos = 10
    for _ in range(count):
        key, lo, hi = struct.unpack_from(">hhh", payload, pos)
        apis[key] = (lo, hi)
        pos += 6
    assert pos == len(payload), "trailing bytes in an ApiVersions v0 response"
    return correlation_id, error_code, apis


def _string(payload, pos):
    (n,) = struct.unpack_from(">h", payload, pos)
    pos += 2
    if n < 0:
        return None, pos
    return payload[pos:pos + n].decode(), pos + n


def metadata_v2_cluster(port):
    """(brokers [(node id, host, port)], cluster id, controller id) from Metadata v2 with no
    topics asked for."""
    with connect(port) as s:
        s.sendall(request_bytes(METADATA, 2, 1, struct.pack(">i", 0)))
        payload = read_frame(s)
    assert payload is not None, "no Metadata response"
    pos = 4  # correlation id
    (count,) = struct.unpack_from(">i", payload, pos)
    pos += 4
    brokers = []
    for _ in range(count):
        (node,) = struct.unpack_from(">i", payload, pos)
        host, pos = _string(payload, pos + 4)
        (bport,) = struct.unpack_from(">i", payload, pos)
        _rack, pos = _string(payload, pos + 4)
        brokers.append((node, host, bport))
    cluster_id, pos = _string(payload, pos)
    (controller,) = struct.unpack_from(">i", payload, pos)
    return brokers, cluster_id, controller


def _uvarint(n):
    out = b""
    while n >= 0x80:
        out += bytes([(n & 0x7F) | 0x80])
        n >>= 7
    return out + bytes([n])


def _read_uvarint(payload, pos):
    n, shift = 0, 0
    while True:
        b = payload[pos]
        pos += 1
        n |= (b & 0x7F) << shift
        if b < 0x80:
            return n, pos
        shift += 7


def _array_length(payload, pos, flexible):
    if flexible:
        n, pos = _read_uvarint(payload, pos)
        return n - 1, pos
    return struct.unpack_from(">i", payload, pos)[0], pos + 4


def _read_string(payload, pos, flexible):
    if flexible:
        n, pos = _read_uvarint(payload, pos)
        return payload[pos:pos + n - 1].decode(), pos + n - 1
    return _string(payload, pos)


def _skip_tags(payload, pos):
    count, pos = _read_uvarint(payload, pos)
    for _ in range(count):
        _tag, pos = _read_uvarint(payload, pos)
        size, pos = _read_uvarint(payload, pos)
        pos += size
    return pos


def delete_records(port, topic, offsets, version=2, timeout_ms=30000):
    """DeleteRecords of `topic` for {partition: offset}: {partition: (low watermark, error
    code)}. v2 is flexible: compact arrays and strings, tagged fields."""
    flexible = version >= 2
    name = topic.encode()
    if flexible:
        body = _uvarint(2) + _uvarint(len(name) + 1) + name + _uvarint(len(offsets) + 1)
        for partition, offset in offsets.items():
            body += struct.pack(">iq", partition, offset) + b"\x00"
        body += b"\x00" + struct.pack(">i", timeout_ms) + b"\x00"
    else:
        body = struct.pack(">i", 1) + struct.pack(">h", len(name)) + name
        body += struct.pack(">i", len(offsets))
        for partition, offset in offsets.items():
            body += struct.pack(">iq", partition, offset)
        body += struct.pack(">i", timeout_ms)
    with connect(port) as s:
        s.sendall(request_bytes(DELETE_RECORDS, version, 5, body, flexible=flexible))
        payload = read_frame(s)
    assert payload is not None, "no DeleteRecords response"
    (correlation_id,) = struct.unpack_from(">i", payload, 0)
    assert correlation_id == 5
    pos = 4
    if flexible:
        pos = _skip_tags(payload, pos)  # the response header's
    pos += 4  # throttle_time_ms
    result = {}
    topics, pos = _array_length(payload, pos, flexible)
    for _ in range(topics):
        got_name, pos = _read_string(payload, pos, flexible)
        assert got_name == topic
        partitions, pos = _array_length(payload, pos, flexible)
        for _ in range(partitions):
            partition, low, error = struct.unpack_from(">iqh", payload, pos)
            pos += 14
            if flexible:
                pos = _skip_tags(payload, pos)
            result[partition] = (low, error)
        if flexible:
            pos = _skip_tags(payload, pos)
    if flexible:
        pos = _skip_tags(payload, pos)
    assert pos == len(payload), "trailing bytes in a DeleteRecords response"
    return result
