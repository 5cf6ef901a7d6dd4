"""Protocol header negotiation: anything but AMQP 0-9-1 (or the legacy 0-9
header) is answered with the 0-9-1 header and a closed socket."""

import pytest

import badinput_client as amqp

BAD_HEADERS = [
    pytest.param(b"AMQP\x00\x00\x09\x00", id="amqp-0-9-0"),
    pytest.param(b"AMQP\x00\x00\x09\x02", id="amqp-0-9-2"),
    pytest.param(b"AMQP\x00\x00\x08\x00", id="amqp-0-8-0-new-style"),
    pytest.param(b"AMQP\x00\x01\x00\x00", id="amqp-1.0"),
    pytest.param(b"AMQP\x03\x01\x00\x00", id="amqp-1.0-sasl"),
    pytest.param(b"AMQP\x02\x01\x00\x00", id="amqp-1.0-tls"),
    pytest.param(b"HTTP/1.1", id="http"),
    pytest.param(b"\x00" * 8, id="zeros"),
    pytest.param(b"garbage!", id="garbage"),
    pytest.param(b"GET / HTTP/1.1\r\nHost: localhost\r\nUser-Agent: x\r\n\r\n",
                 id="http-request"),
    pytest.param(b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03" + b"\x00" * 32,
                 id="tls-client-hello"),
]


@pytest.mark.parametrize("header", BAD_HEADERS)
def test_bad_header_gets_091_header_and_close(header):
    with amqp.Conn() as c:
        c.send(header)
        assert c.recv_bytes(8, timeout=3) == amqp.PROTOCOL_HEADER
        assert c.wait_closed(3), "socket still open after the header reply"
        assert c.discarded == b""


def test_legacy_0_9_header_is_served_as_091():
    """b"AMQP\\x01\\x01\\x00\\x09" (AMQP 0-9) is accepted and spoken as 0-9-1;
    connection.start then announces version 0-9."""
    with amqp.Conn() as c:
        c.send(b"AMQP\x01\x01\x00\x09")
        f = c.expect_method(amqp.CONNECTION_START)
        assert (f.args.octet(), f.args.octet()) == (0, 9)
    with amqp.Conn() as c:
        c.start(header=b"AMQP\x01\x01\x00\x09")
        c.tune()
        c.open()
        c.open_channel(1)
        c.roundtrip(1)


def test_partial_header_then_close_from_client():
    with amqp.Conn() as c:
        c.send(b"AMQ")
    # the fixture checks the broker still serves new connections
