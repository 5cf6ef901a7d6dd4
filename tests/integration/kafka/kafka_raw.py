"""A raw Kafka client for what the real clients cannot be made to send: requests in versions
they would never pick, bad sizes, unknown API keys. Only the few fields the tests read are
decoded."""

import socket
import struct

API_VERSIONS = 18
METADATA = 3
PRODUCE = 0
FETCH = 1
LIST_OFFSETS = 2
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
