"""Messages through boto3 (the query protocol): send and receive with message attributes (the
MD5 digests checked against AWS's algorithm, computed here), delete, visibility timeouts
(expiry, ChangeMessageVisibility), long polling, and the errors of each."""

import hashlib
import struct
import threading
import time

import pytest
from botocore.exceptions import ClientError


def md5_of_attributes(attributes):
    """AWS's MD5OfMessageAttributes: names sorted; name, type, transport byte, value."""
    out = b""
    for name in sorted(attributes):
        a = attributes[name]
        t = a["DataType"]
        out += struct.pack(">I", len(name.encode())) + name.encode()
        out += struct.pack(">I", len(t.encode())) + t.encode()
        if "BinaryValue" in a:
            value = a["BinaryValue"]
            out += b"\x02" + struct.pack(">I", len(value)) + value
        else:
            value = a["StringValue"].encode()
            out += b"\x01" + struct.pack(">I", len(value)) + value
    return hashlib.md5(out).hexdigest()


def error_code(excinfo):
    return excinfo.value.response["Error"]["Code"]


ATTRIBUTES = {
    "colour": {"DataType": "String", "StringValue": "blue & green <3>"},
    "count": {"DataType": "Number", "StringValue": "42"},
    "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01\xff"},
    "url": {"DataType": "String.url", "StringValue": "http://example.com/"},
}


def test_send_receive_delete_with_attributes(sqs):
    url = sqs.create_queue(QueueName="work")["QueueUrl"]
    body = "hello \u00e9\u20ac\U0001f600\r\nline two"
    sent = sqs.send_message(QueueUrl=url, MessageBody=body, MessageAttributes=ATTRIBUTES)
    assert sent["MD5OfMessageBody"] == hashlib.md5(body.encode()).hexdigest()
    assert sent["MD5OfMessageAttributes"] == md5_of_attributes(ATTRIBUTES)
    assert len(sent["MessageId"]) == 36

    got = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"],
                              AttributeNames=["All"], MaxNumberOfMessages=10)["Messages"]
    assert len(got) == 1
    m = got[0]
    assert m["Body"] == body
    assert m["MessageId"] == sent["MessageId"]
    assert m["MD5OfBody"] == sent["MD5OfMessageBody"]
    assert m["MessageAttributes"] == ATTRIBUTES
    assert m["MD5OfMessageAttributes"] == sent["MD5OfMessageAttributes"]
    assert m["Attributes"]["ApproximateReceiveCount"] == "1"
    now_ms = time.time() * 1000
    assert abs(int(m["Attributes"]["SentTimestamp"]) - now_ms) < 60000
    assert abs(int(m["Attributes"]["ApproximateFirstReceiveTimestamp"]) - now_ms) < 60000

    # Invisible while leased; gone once deleted.
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attrs["ApproximateNumberOfMessages"] == "0"
    assert attrs["ApproximateNumberOfMessagesNotVisible"] == "0"


def test_attribute_selection(sqs):
    url = sqs.create_queue(QueueName="sel")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="x", MessageAttributes=ATTRIBUTES)
    m = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["count", "col.*"],
                            VisibilityTimeout=0)["Messages"][0]
    assert set(m["MessageAttributes"]) == {"count"}
    assert m["MD5OfMessageAttributes"] == md5_of_attributes({"count": ATTRIBUTES["count"]})
    # Visible again when its (zero) visibility timeout ends, on the broker's next timer turn.
    m = sqs.receive_message(QueueUrl=url, VisibilityTimeout=0, WaitTimeSeconds=2)["Messages"][0]
    assert "MessageAttributes" not in m and "Attributes" not in m


def test_visibility_timeout_returns_the_message(sqs):
    url = sqs.create_queue(QueueName="vis", Attributes={"VisibilityTimeout": "1"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="again")
    first = sqs.receive_message(QueueUrl=url, AttributeNames=["ApproximateReceiveCount"])
    first = first["Messages"][0]
    assert first["Attributes"]["ApproximateReceiveCount"] == "1"
    time.sleep(1.5)
    second = sqs.receive_message(QueueUrl=url, AttributeNames=["All"])["Messages"][0]
    assert second["Body"] == "again"
    assert second["MessageId"] == first["MessageId"]
    assert second["Attributes"]["ApproximateReceiveCount"] == "2"
    assert second["ReceiptHandle"] != first["ReceiptHandle"]
    # The stale handle deletes nothing (and succeeds, as AWS specifies); the new one does.
    sqs.delete_message(QueueUrl=url, ReceiptHandle=first["ReceiptHandle"])
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attrs["ApproximateNumberOfMessagesNotVisible"] == "1"
    sqs.delete_message(QueueUrl=url, ReceiptHandle=second["ReceiptHandle"])
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attrs["ApproximateNumberOfMessagesNotVisible"] == "0"


def test_change_message_visibility(sqs):
    url = sqs.create_queue(QueueName="chg")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="m")
    m = sqs.receive_message(QueueUrl=url, VisibilityTimeout=600)["Messages"][0]
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"],
                                  VisibilityTimeout=0)
    time.sleep(0.2)
    again = sqs.receive_message(QueueUrl=url, AttributeNames=["ApproximateReceiveCount"])
    assert again["Messages"][0]["Attributes"]["ApproximateReceiveCount"] == "2"
    with pytest.raises(ClientError) as e:
        sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"],
                                      VisibilityTimeout=10)
    assert error_code(e) == "InvalidParameterValue"
    with pytest.raises(ClientError) as e:
        sqs.delete_message(QueueUrl=url, ReceiptHandle="garbage")
    assert error_code(e) == "ReceiptHandleIsInvalid"


def test_long_poll_returns_when_a_message_arrives(sqs_broker):
    from conftest import client
    sqs = client(sqs_broker, read_timeout=30)
    url = sqs.create_queue(QueueName="poll")["QueueUrl"]
    sender = client(sqs_broker)
    timer = threading.Timer(1.0, lambda: sender.send_message(QueueUrl=url, MessageBody="late"))
    start = time.monotonic()
    timer.start()
    try:
        got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=10, MaxNumberOfMessages=10)
    finally:
        timer.join()
    elapsed = time.monotonic() - start
    assert [m["Body"] for m in got["Messages"]] == ["late"]
    assert 0.9 <= elapsed < 5, elapsed


def test_long_poll_times_out_empty(sqs):
    url = sqs.create_queue(QueueName="quiet")["QueueUrl"]
    start = time.monotonic()
    got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)
    assert "Messages" not in got
    assert 0.9 <= time.monotonic() - start < 5


def test_send_errors(sqs):
    url = sqs.create_queue(QueueName="errs", Attributes={"MaximumMessageSize": "1024"})["QueueUrl"]
    with pytest.raises(ClientError) as e:
        sqs.send_message(QueueUrl=url, MessageBody="x" * 1025)
    assert error_code(e) == "InvalidParameterValue"
    with pytest.raises(ClientError) as e:
        sqs.send_message(QueueUrl=url, MessageBody="bad \x01 char")
    assert error_code(e) == "InvalidMessageContents"
    with pytest.raises(ClientError) as e:
        sqs.send_message(QueueUrl=url, MessageBody="x",
                         MessageAttributes={"AWS.reserved": {"DataType": "String",
                                                             "StringValue": "v"}})
    assert error_code(e) == "InvalidParameterValue"
    with pytest.raises(ClientError) as e:
        sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=11)
    assert error_code(e) == "InvalidParameterValue"


def test_many_messages_in_batches_of_ten(sqs):
    url = sqs.create_queue(QueueName="many")["QueueUrl"]
    for i in range(25):
        sqs.send_message(QueueUrl=url, MessageBody="m%d" % i)
    bodies = []
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not got:
            break
        assert len(got) <= 10
        bodies += [m["Body"] for m in got]
        for m in got:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    assert sorted(bodies) == sorted("m%d" % i for i in range(25))
