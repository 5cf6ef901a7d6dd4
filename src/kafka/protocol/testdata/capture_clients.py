#!/usr/bin/env python3
"""Captures the bytes real Kafka clients send, for the codec's tests and the fuzzer's seeds.

Runs a throwaway broker stand-in on 127.0.0.1 (a free port) that records every request frame
and answers just enough (ApiVersions, Metadata, Produce) for the client to go on, then drives:
  - kcat (librdkafka): -L (ApiVersions v3, Metadata), -P with keys and headers, uncompressed
    and gzip (Produce with RecordBatch v2)
  - kafka-python (python3-kafka): its protocol encoder for ApiVersions v0-v2 and Metadata
    v0-v5, and a KafkaProducer send (ApiVersions v0 probe, Metadata, Produce)

Writes captured_requests.h beside this file (the frames, size prefix included) and one file per
frame into fuzz/corpus/kafka_request_fuzz/. Needs Debian's kcat and python3-kafka; run with
/usr/bin/python3 from anywhere. The output is committed; rerun only to refresh it.
"""

import os
import socket
import struct
import subprocess
import sys
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", "..", ".."))

# What the stand-in advertises in ApiVersions (the ranges PolyMQ's generated codec has).
ADVERTISED = {18: (0, 3), 3: (0, 12), 0: (0, 11), 1: (0, 17), 2: (0, 10), 10: (0, 6),
              11: (0, 9), 14: (0, 5), 12: (0, 4), 13: (0, 5), 8: (0, 9), 9: (0, 9),
              16: (0, 5), 15: (0, 5), 19: (0, 7), 20: (0, 6), 22: (0, 5)}
FLEX = {18: 3, 3: 9, 0: 9}


def i8(v): return struct.pack(">b", v)
def i16(v): return struct.pack(">h", v)
def i32(v): return struct.pack(">i", v)
def i64(v): return struct.pack(">q", v)


def uvarint(v):
    out = b""
    while v >= 0x80:
        out += bytes([(v & 0x7F) | 0x80])
        v >>= 7
    return out + bytes([v])


class Enc:
    def __init__(self, flexible):
        self.flex = flexible

    def string(self, s):
        if s is None:
            return uvarint(0) if self.flex else i16(-1)
        b = s.encode()
        return (uvarint(len(b) + 1) if self.flex else i16(len(b))) + b

    def array(self, items):
        return (uvarint(len(items) + 1) if self.flex else i32(len(items))) + b"".join(items)

    def tags(self):
        return b"\x00" if self.flex else b""


def api_versions_response(version):
    if version > 3:  # as Kafka: UNSUPPORTED_VERSION in v0 with our ApiVersions range
        return i16(35) + i32(1) + i16(18) + i16(0) + i16(3)
    e = Enc(version >= 3)
    keys = [i16(k) + i16(lo) + i16(hi) + e.tags() for k, (lo, hi) in sorted(ADVERTISED.items())]
    body = i16(0) + e.array(keys)
    if version >= 1:
        body += i32(0)
    return body + e.tags()


def metadata_response(version, port, topics):
    e = Enc(version >= 9)
    body = i32(0) if version >= 3 else b""
    broker = i32(0) + e.string("127.0.0.1") + i32(port)
    if version >= 1:
        broker += e.string(None)
    body += e.array([broker + e.tags()])
    if version >= 2:
        body += e.string("capture-cluster")
    if version >= 1:
        body += i32(0)
    out = []
    for name in topics:
        t = i16(0) + e.string(name)
        if version >= 10:
            t += b"\x01" * 16
        if version >= 1:
            t += b"\x00"
        p = i16(0) + i32(0) + i32(0)
        if version >= 7:
            p += i32(0)
        p += e.array([i32(0)]) + e.array([i32(0)])
        if version >= 5:
            p += e.array([])
        t += e.array([p + e.tags()])
        if version >= 8:
            t += i32(-2147483648)
        out.append(t + e.tags())
    body += e.array(out)
    if 8 <= version <= 10:
        body += i32(-2147483648)
    return body + e.tags()


def read_string(buf, pos, flex):
    if flex:
        n, pos = read_uvarint(buf, pos)
        n -= 1
    else:
        n = struct.unpack_from(">h", buf, pos)[0]
        pos += 2
    if n < 0:
        return None, pos
    return buf[pos:pos + n].decode(), pos + n


def read_uvarint(buf, pos):
    v, shift = 0, 0
    while True:
        b = buf[pos]
        pos += 1
        v |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return v, pos


def metadata_topics(body, version):
    """The topic names a Metadata request asks for (None: all); enough of the format for that."""
    flex = version >= 9
    if flex:
        n, pos = read_uvarint(body, 0)
        n -= 1
    else:
        n, pos = struct.unpack_from(">i", body, 0)[0], 4
    if n < 0:
        return None
    names = []
    for _ in range(n):
        if version >= 10:
            pos += 16
        name, pos = read_string(body, pos, flex)
        names.append(name)
        if flex:
            pos += 1  # no tagged fields
    return names


def produce_response(version, body):
    """Success for every partition of the request (topic names and partitions parsed)."""
    flex = version >= 9
    e = Enc(flex)
    pos = 0
    if version >= 3:
        _, pos = read_string(body, pos, flex)  # transactional id
    pos += 2 + 4  # acks, timeout
    if flex:
        nt, pos = read_uvarint(body, pos)
        nt -= 1
    else:
        nt, pos = struct.unpack_from(">i", body, pos)[0], pos + 4
    topics = []
    for _ in range(nt):
        name, pos = read_string(body, pos, flex)
        if flex:
            np_, pos = read_uvarint(body, pos)
            np_ -= 1
        else:
            np_, pos = struct.unpack_from(">i", body, pos)[0], pos + 4
        parts = []
        for _ in range(np_):
            index = struct.unpack_from(">i", body, pos)[0]
            pos += 4
            if flex:
                n, pos = read_uvarint(body, pos)
                n -= 1
            else:
                n, pos = struct.unpack_from(">i", body, pos)[0], pos + 4
            pos += max(n, 0)
            if flex:
                pos += 1
            p = i32(index) + i16(0) + i64(0)
            if version >= 2:
                p += i64(-1)
            if version >= 5:
                p += i64(0)
            if version >= 8:
                p += e.array([]) + e.string(None)
            parts.append(p + e.tags())
        if flex:
            pos += 1
        topics.append(e.string(name) + e.array(parts) + e.tags())
    out = e.array(topics)
    if version >= 1:
        out += i32(0)
    return out + e.tags()


class StandIn:
    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.label = ""
        self.frames = []  # (label, api key, version, frame bytes)
        self.lock = threading.Lock()
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self.serve, args=(conn,), daemon=True).start()

    def serve(self, conn):
        buf = b""
        try:
            while True:
                data = conn.recv(65536)
                if not data:
                    return
                buf += data
                while len(buf) >= 4:
                    size = struct.unpack_from(">i", buf, 0)[0]
                    if len(buf) < 4 + size:
                        break
                    frame, buf = buf[:4 + size], buf[4 + size:]
                    reply = self.handle(frame)
                    if reply is None:
                        return
                    conn.sendall(reply)
        finally:
            conn.close()

    def handle(self, frame):
        key, version, corr = struct.unpack_from(">hhi", frame, 4)
        with self.lock:
            self.frames.append((self.label, key, version, frame))
        pos = 12
        client_len = struct.unpack_from(">h", frame, pos)[0]
        pos += 2 + max(client_len, 0)
        if key in FLEX and version >= FLEX[key]:
            pos += 1  # request header v2: no tagged fields from these clients
        body = frame[pos:]
        header = i32(corr)
        if key == 18:
            resp = api_versions_response(version)
        elif key == 3:
            topics = metadata_topics(body, version) or ["orders"]
            resp = metadata_response(version, self.port, topics)
            header += b"\x00" if version >= 9 else b""
        elif key == 0:
            resp = produce_response(version, body)
            header += b"\x00" if version >= 9 else b""
        else:
            return None
        payload = header + resp
        return i32(len(payload)) + payload


def run(cmd, stdin=None):
    r = subprocess.run(cmd, input=stdin, capture_output=True, timeout=30)
    if r.returncode != 0:
        print("warning: %s exited %d: %s" % (cmd[0], r.returncode, r.stderr.decode()[-300:]),
              file=sys.stderr)


def capture():
    s = StandIn()
    broker = "127.0.0.1:%d" % s.port
    kcat = ["kcat", "-b", broker, "-X", "client.id=kcat-capture"]
    s.label = "kcat"
    run(kcat + ["-L", "-t", "orders"])
    run(kcat + ["-P", "-t", "orders", "-p", "0", "-K", ":", "-H", "trace=abc", "-H", "n=1",
                "-X", "linger.ms=100"], stdin=b"k1:first\nk2:second\n:no-key\n")
    run(kcat + ["-P", "-t", "orders", "-p", "0", "-z", "gzip", "-X", "linger.ms=100"],
        stdin=b"gz-" + b"a" * 400 + b"\n")  # compressible: librdkafka sends small ones raw

    s.label = "kafka-python"
    from kafka.protocol.admin import ApiVersionRequest
    from kafka.protocol.metadata import MetadataRequest
    from kafka.protocol.parser import KafkaProtocol
    requests = [ApiVersionRequest[v]() for v in range(3)]
    requests += [MetadataRequest[0](["orders"])]
    requests += [MetadataRequest[v](["orders"]) for v in range(1, 4)]
    requests += [MetadataRequest[v](["orders"], True) for v in range(4, len(MetadataRequest))]
    proto = KafkaProtocol(client_id="kafka-python-capture")
    for r in requests:
        proto.send_request(r)
    with socket.create_connection(("127.0.0.1", s.port)) as c:
        c.sendall(proto.send_bytes())
        c.settimeout(5)
        expected = len(requests)
        got = 0
        buf = b""
        while got < expected:
            buf += c.recv(65536)
            while len(buf) >= 4 and len(buf) >= 4 + struct.unpack_from(">i", buf, 0)[0]:
                buf = buf[4 + struct.unpack_from(">i", buf, 0)[0]:]
                got += 1
    from kafka import KafkaProducer
    p = KafkaProducer(bootstrap_servers=broker, client_id="kafka-python-capture", linger_ms=50)
    p.send("orders", key=b"pk", value=b"python-value", partition=0,
           headers=[("h", b"v")], timestamp_ms=1700000000123)
    p.send("orders", value=b"second", partition=0, timestamp_ms=1700000000456)
    p.flush(10)
    p.close(5)
    s.sock.close()
    return s.frames


def c_string(data):
    out, line = [], '"'
    for b in data:
        line += "\\x%02x" % b
        if len(line) > 88:
            out.append(line + '"')
            line = '"'
    if line != '"':
        out.append(line + '"')
    return out or ['""']


def main():
    frames = capture()
    seen = set()
    unique = []
    for label, key, version, frame in frames:
        ident = (label, key, version, frame[12:])  # the correlation id does not matter
        if ident in seen:
            continue
        seen.add(ident)
        unique.append((label, key, version, frame))
    names = {0: "Produce", 3: "Metadata", 18: "ApiVersions"}
    o = ["// Captured by src/kafka/protocol/testdata/capture_clients.py from kcat 1.7.1\n"
         "// (librdkafka 2.0.2) and kafka-python 2.0.2 (Debian 12). DO NOT EDIT; rerun it.\n"
         "//\n// Whole request frames as the clients wrote them, size prefix included.\n"
         "#pragma once\n\n#include <cstdint>\n#include <string_view>\n\n"
         "namespace polymq::kafka::testdata {\n\n"
         "struct CapturedRequest {\n  const char* client;\n  int16_t api_key;\n"
         "  int16_t api_version;\n  std::string_view frame;\n};\n\n"
         "inline constexpr CapturedRequest kCapturedRequests[] = {\n"]
    corpus = os.path.join(ROOT, "fuzz", "corpus", "kafka_request_fuzz")
    os.makedirs(corpus, exist_ok=True)
    for i, (label, key, version, frame) in enumerate(unique):
        o.append("    {\"%s\", %d, %d,  // %s v%d\n     std::string_view(\n"
                 % (label, key, version, names.get(key, str(key)), version))
        for line in c_string(frame):
            o.append("         %s\n" % line)
        o.append("         , %d)},\n" % len(frame))
        fname = "%02d-%s-%s-v%d" % (i, label, names.get(key, str(key)).lower(), version)
        with open(os.path.join(corpus, fname), "wb") as f:
            f.write(b"\x00" + frame)  # the fuzzer's first byte is its option byte
    o.append("};\n\n}  // namespace polymq::kafka::testdata\n")
    with open(os.path.join(HERE, "captured_requests.h"), "w") as f:
        f.write("".join(o))
    for label, key, version, frame in unique:
        print("%-13s %-12s v%-2d %5d bytes" % (label, names.get(key, key), version, len(frame)))


if __name__ == "__main__":
    main()
