"""Every AMQP field-table value type survives a trip through the broker.

pika 1.2 cannot encode floats and decodes several numeric types lossily
(b/B swapped, f/d truncated to int), so this file encodes the headers table
itself and decodes the raw content-header bytes with a small independent
parser.  Field types are the ones RabbitMQ documents for 0-9-1 (its errata
to the spec): t b B s u I i l f d D S x A T F V.
"""

import decimal
import struct

import pika
import pika.data
import pika.spec
import pytest


class Field:
    """An explicitly typed field value: Field(kind, value)."""

    def __init__(self, kind, value):
        self.kind = kind
        self.value = value


_FIXED = {
    "t": ">B", "b": ">b", "B": ">B", "s": ">h", "u": ">H", "I": ">i",
    "i": ">I", "l": ">q", "f": ">f", "d": ">d", "T": ">Q",
}


def _encode_field(value):
    """Encode one (Field or dict/list) value, tag included."""
    if isinstance(value, dict):
        return b"F" + _encode_table(value)
    if isinstance(value, list):
        inner = b"".join(_encode_field(v) for v in value)
        return b"A" + struct.pack(">I", len(inner)) + inner
    assert isinstance(value, Field), value
    kind = value.kind
    if kind in _FIXED:
        return kind.encode() + struct.pack(_FIXED[kind], value.value)
    if kind == "D":
        exponent = value.value.as_tuple().exponent
        places = -exponent if exponent < 0 else 0
        raw = int(value.value.scaleb(places))
        return b"D" + struct.pack(">Bi", places, raw)
    if kind in ("S", "x"):
        data = value.value
        if isinstance(data, str):
            data = data.encode("utf-8")
        return kind.encode() + struct.pack(">I", len(data)) + data
    if kind == "V":
        return b"V"
    raise AssertionError("unsupported kind %r" % kind)


def _encode_table(table):
    body = b""
    for key, value in table.items():
        name = key.encode("utf-8")
        body += struct.pack(">B", len(name)) + name + _encode_field(value)
    return struct.pack(">I", len(body)) + body


def _decode_field(data, pos):
    kind = chr(data[pos])
    pos += 1
    if kind in _FIXED:
        fmt = _FIXED[kind]
        (value,) = struct.unpack_from(fmt, data, pos)
        return (kind, value), pos + struct.calcsize(fmt)
    if kind == "D":
        places, raw = struct.unpack_from(">Bi", data, pos)
        return (kind, decimal.Decimal(raw).scaleb(-places)), pos + 5
    if kind in ("S", "x"):
        (length,) = struct.unpack_from(">I", data, pos)
        pos += 4
        return (kind, bytes(data[pos:pos + length])), pos + length
    if kind == "V":
        return (kind, None), pos
    if kind == "A":
        (length,) = struct.unpack_from(">I", data, pos)
        pos += 4
        end = pos + length
        items = []
        while pos < end:
            item, pos = _decode_field(data, pos)
            items.append(item)
        assert pos == end
        return ("A", items), pos
    if kind == "F":
        table, pos = _decode_table(data, pos)
        return ("F", table), pos
    raise AssertionError("unknown field kind %r at %d" % (kind, pos - 1))


def _decode_table(data, pos):
    (length,) = struct.unpack_from(">I", data, pos)
    pos += 4
    end = pos + length
    table = {}
    while pos < end:
        name_len = data[pos]
        name = bytes(data[pos + 1:pos + 1 + name_len]).decode("utf-8")
        pos += 1 + name_len
        table[name], pos = _decode_field(data, pos)
    assert pos == end
    return table, pos


def _expected(value):
    """The decoded form of a sent value."""
    if isinstance(value, dict):
        return ("F", {k: _expected(v) for k, v in value.items()})
    if isinstance(value, list):
        return ("A", [_expected(v) for v in value])
    v = value.value
    if value.kind in ("S", "x") and isinstance(v, str):
        v = v.encode("utf-8")
    if value.kind == "t":
        v = int(v)
    return (value.kind, v)


def _headers_from_raw_properties(raw):
    """Extract the headers table from raw basic content-header properties."""
    (flags,) = struct.unpack_from(">H", raw, 0)
    pos = 2
    for flag in (pika.spec.BasicProperties.FLAG_CONTENT_TYPE,
                 pika.spec.BasicProperties.FLAG_CONTENT_ENCODING):
        if flags & flag:
            pos += 1 + raw[pos]
    assert flags & pika.spec.BasicProperties.FLAG_HEADERS
    table, _ = _decode_table(raw, pos)
    return table


@pytest.fixture
def typed_codec(monkeypatch):
    """Let pika encode Field values; keep raw received property bytes."""
    original_encode = pika.data.encode_value

    def encode_value(pieces, value):
        if isinstance(value, Field):
            encoded = _encode_field(value)
            pieces.append(encoded)
            return len(encoded)
        return original_encode(pieces, value)

    monkeypatch.setattr(pika.data, "encode_value", encode_value)

    original_decode = pika.spec.BasicProperties.decode

    def decode(self, encoded, offset=0):
        self.raw_encoded = bytes(encoded[offset:])
        return original_decode(self, encoded, offset)

    monkeypatch.setattr(pika.spec.BasicProperties, "decode", decode)


TYPED_HEADERS = {
    "bool-t": Field("t", True),
    "bool-f": Field("t", False),
    "int8": Field("b", -128),
    "uint8": Field("B", 255),
    "int16": Field("s", -32768),
    "uint16": Field("u", 65535),
    "int32": Field("I", -2 ** 31),
    "uint32": Field("i", 2 ** 32 - 1),
    "int64": Field("l", -2 ** 63),
    "float": Field("f", 1.5),
    "double": Field("d", -2.718281828459045),
    "decimal": Field("D", decimal.Decimal("-123.45")),
    "longstr": Field("S", "caf\u00e9 " + "y" * 300),
    "bytes": Field("x", b"\x00\xff\x10binary"),
    "timestamp": Field("T", 1700000000),
    "void": Field("V", None),
    "array": [Field("I", 1), Field("S", "two"), Field("d", 3.0),
              [Field("t", True)], {"in-array": Field("V", None)}],
    "table": {
        "a": Field("l", 2 ** 62),
        "nested": {"deeper": [Field("b", 1), Field("u", 2)]},
        "empty": {},
    },
    "empty-array": [],
    "": Field("S", "empty key"),
}


def test_all_field_types_round_trip(ch, amqp, typed_codec):
    queue = amqp.declare_queue(ch)
    ch.basic_publish("", queue, b"typed",
                     pika.BasicProperties(content_type="text/plain",
                                          headers=TYPED_HEADERS))
    method, props, body = amqp.get_messages(ch, queue, 1)[0]
    assert body == b"typed"
    assert props.content_type == "text/plain"
    received = _headers_from_raw_properties(props.raw_encoded)
    expected = {k: _expected(v) for k, v in TYPED_HEADERS.items()}
    assert received == expected


def test_field_types_in_consumed_message_and_binding_arguments(
        conn, ch, amqp, typed_codec):
    # Headers exchange matching on typed values: a double and a decimal.
    exchange = amqp.declare_exchange(ch, "headers")
    queue = amqp.declare_queue(ch)
    ch.queue_bind(queue, exchange, arguments={
        "x-match": "all",
        "ratio": Field("d", 0.5),
        "price": Field("D", decimal.Decimal("9.99")),
    })
    ch.confirm_delivery()
    matching = {"ratio": Field("d", 0.5),
                "price": Field("D", decimal.Decimal("9.99"))}
    ch.basic_publish(exchange, "", b"match",
                     pika.BasicProperties(headers=matching))
    ch.basic_publish(exchange, "", b"no-match", pika.BasicProperties(
        headers={"ratio": Field("d", 0.25),
                 "price": Field("D", decimal.Decimal("9.99"))}))
    got = amqp.consume(ch, queue, 1)
    assert [m[2] for m in got] == [b"match"]
    received = _headers_from_raw_properties(got[0][1].raw_encoded)
    assert received == {k: _expected(v) for k, v in matching.items()}
    assert ch.basic_get(queue, auto_ack=True)[0] is None
