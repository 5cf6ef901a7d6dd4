"""Message system attributes: SendMessage and SendMessageBatch carry MessageSystemAttributes
(AWSTraceHeader, the one a sender may set), the answer carries MD5OfMessageSystemAttributes,
and ReceiveMessage returns the trace header in Attributes when AttributeNames or
MessageSystemAttributeNames asks for it, also after a restart. boto3 and awscli speak the query
protocol; Debian's botocore has no MessageSystemAttributeNames, so that list is sent over JSON
1.0 (sqs_json.py)."""

import hashlib
import json
import struct

import pytest
from botocore.exceptions import ClientError

import sqs_json
from conftest import client, endpoint
from test_cli import AWS, aws

TRACE = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
SYSTEM = {"AWSTraceHeader": {"DataType": "String", "StringValue": TRACE}}


def md5_of_attributes(attributes):
    """AWS's documented digest of message (and message system) attributes: sorted by name, each
    its name, data type (4-byte big-endian length, UTF-8 bytes), a transport byte (1 String,
    2 Binary) and its value (length, bytes)."""
    def encoded(text):
        data = text.encode("utf-8")
        return struct.pack(">I", len(data)) + data

    digest = hashlib.md5()
    for name in sorted(attributes):
        value = attributes[name]
        digest.update(encoded(name) + encoded(value["DataType"]))
        if "BinaryValue" in value:
            digest.update(b"\x02" + struct.pack(">I", len(value["BinaryValue"]))
                          + value["BinaryValue"])
        else:
            digest.update(b"\x01" + encoded(value["StringValue"]))
    return digest.hexdigest()


EXPECTED_MD5 = md5_of_attributes(SYSTEM)


def receive_one(sqs, url, **kwargs):
    got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=2, VisibilityTimeout=0, **kwargs)
    [message] = got["Messages"]
    return message


def test_send_carries_the_md5_and_receive_returns_the_header(sqs):
    url = sqs.create_queue(QueueName="traced")["QueueUrl"]
    sent = sqs.send_message(QueueUrl=url, MessageBody="hi", MessageSystemAttributes=SYSTEM)
    assert sent["MD5OfMessageSystemAttributes"] == EXPECTED_MD5
    assert "MD5OfMessageAttributes" not in sent

    # Not asked for: not returned.
    assert "AWSTraceHeader" not in receive_one(sqs, url).get("Attributes", {})
    m = receive_one(sqs, url, AttributeNames=["AWSTraceHeader"])
    assert m["Attributes"] == {"AWSTraceHeader": TRACE}
    m = receive_one(sqs, url, AttributeNames=["All"])
    assert m["Attributes"]["AWSTraceHeader"] == TRACE
    assert m["Attributes"]["ApproximateReceiveCount"] == "3"
    # It is no message attribute.
    assert "MessageAttributes" not in receive_one(sqs, url, MessageAttributeNames=["All"])


def test_without_system_attributes_there_is_no_md5_and_no_header(sqs):
    url = sqs.create_queue(QueueName="untraced")["QueueUrl"]
    sent = sqs.send_message(QueueUrl=url, MessageBody="hi")
    assert "MD5OfMessageSystemAttributes" not in sent
    m = receive_one(sqs, url, AttributeNames=["All"])
    assert "AWSTraceHeader" not in m["Attributes"]


def test_json_protocol_and_message_system_attribute_names(sqs_broker, sqs):
    url = sqs.create_queue(QueueName="traced-json")["QueueUrl"]
    status, _, sent = sqs_json.call(endpoint(sqs_broker), "SendMessage", {
        "QueueUrl": url, "MessageBody": "json", "MessageSystemAttributes": SYSTEM,
        "MessageAttributes": {"k": {"DataType": "String", "StringValue": "v"}}})
    assert status == 200, sent
    assert sent["MD5OfMessageSystemAttributes"] == EXPECTED_MD5
    assert sent["MD5OfMessageAttributes"] == md5_of_attributes(
        {"k": {"DataType": "String", "StringValue": "v"}})
    for names in (["AWSTraceHeader"], ["All"]):
        status, _, got = sqs_json.call(endpoint(sqs_broker), "ReceiveMessage", {
            "QueueUrl": url, "MessageSystemAttributeNames": names, "VisibilityTimeout": 0,
            "WaitTimeSeconds": 2})
        assert status == 200, got
        [m] = got["Messages"]
        assert m["Attributes"]["AWSTraceHeader"] == TRACE
    status, _, got = sqs_json.call(endpoint(sqs_broker), "ReceiveMessage", {
        "QueueUrl": url, "MessageSystemAttributeNames": ["SentTimestamp"],
        "VisibilityTimeout": 0, "WaitTimeSeconds": 2})
    [m] = got["Messages"]
    assert list(m["Attributes"]) == ["SentTimestamp"]


def test_batch_send(sqs_broker, sqs):
    url = sqs.create_queue(QueueName="traced-batch")["QueueUrl"]
    got = sqs.send_message_batch(QueueUrl=url, Entries=[
        {"Id": "traced", "MessageBody": "one", "MessageSystemAttributes": SYSTEM},
        {"Id": "plain", "MessageBody": "two"},
        {"Id": "bad", "MessageBody": "three", "MessageSystemAttributes": {
            "SenderId": {"DataType": "String", "StringValue": "x"}}},
    ])
    ok = {e["Id"]: e for e in got["Successful"]}
    assert set(ok) == {"traced", "plain"}
    assert ok["traced"]["MD5OfMessageSystemAttributes"] == EXPECTED_MD5
    assert "MD5OfMessageSystemAttributes" not in ok["plain"]
    [failed] = got["Failed"]
    assert failed["Id"] == "bad"
    assert failed["Code"] == "InvalidParameterValue"
    assert failed["SenderFault"] is True
    assert "SenderId" in failed["Message"]

    headers = {}
    for _ in range(10):
        for m in sqs.receive_message(QueueUrl=url, AttributeNames=["All"], MaxNumberOfMessages=10,
                                     WaitTimeSeconds=1).get("Messages", []):
            headers[m["Body"]] = m["Attributes"].get("AWSTraceHeader")
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        if len(headers) == 2:
            break
    assert headers == {"one": TRACE, "two": None}

    status, _, sent = sqs_json.call(endpoint(sqs_broker), "SendMessageBatch", {
        "QueueUrl": url, "Entries": [
            {"Id": "j", "MessageBody": "json", "MessageSystemAttributes": SYSTEM}]})
    assert status == 200, sent
    assert sent["Successful"][0]["MD5OfMessageSystemAttributes"] == EXPECTED_MD5


@pytest.mark.parametrize("attributes, text", [
    ({"SenderId": {"DataType": "String", "StringValue": "x"}},
     "Message system attribute name 'SenderId' is invalid."),
    ({"AWSTraceHeader": {"DataType": "Number", "StringValue": "1"}}, "must be 'String'"),
    ({"AWSTraceHeader": {"DataType": "Binary", "BinaryValue": b"x"}}, "must be 'String'"),
])
def test_invalid_system_attributes_are_refused(sqs, attributes, text):
    url = sqs.create_queue(QueueName="refusing")["QueueUrl"]
    with pytest.raises(ClientError) as excinfo:
        sqs.send_message(QueueUrl=url, MessageBody="hi", MessageSystemAttributes=attributes)
    assert excinfo.value.response["Error"]["Code"] == "InvalidParameterValue"
    assert text in excinfo.value.response["Error"]["Message"]
    assert "Messages" not in sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0)


def test_system_attributes_do_not_count_toward_the_size_limit(sqs):
    url = sqs.create_queue(QueueName="small",
                           Attributes={"MaximumMessageSize": "1024"})["QueueUrl"]
    long_trace = {"AWSTraceHeader": {"DataType": "String", "StringValue": "Root=" + "a" * 1100}}
    sent = sqs.send_message(QueueUrl=url, MessageBody="b" * 1024,
                            MessageSystemAttributes=long_trace)
    assert sent["MD5OfMessageSystemAttributes"] == md5_of_attributes(long_trace)


def test_trace_header_survives_a_restart(make_broker):
    broker = make_broker(sqs=True).start()
    sqs = client(broker)
    url = sqs.create_queue(QueueName="traced-durable")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="kept", MessageSystemAttributes=SYSTEM)
    broker.kill()
    broker.start(same_ports=True)
    sqs = client(broker)
    url = sqs.get_queue_url(QueueName="traced-durable")["QueueUrl"]
    m = receive_one(sqs, url, AttributeNames=["AWSTraceHeader"])
    assert m["Body"] == "kept"
    assert m["Attributes"] == {"AWSTraceHeader": TRACE}


def test_trace_header_stays_with_a_dead_lettered_message(sqs):
    dlq = sqs.create_queue(QueueName="traced-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    src = sqs.create_queue(QueueName="traced-src", Attributes={"RedrivePolicy": json.dumps(
        {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 1})})["QueueUrl"]
    sqs.send_message(QueueUrl=src, MessageBody="poison", MessageSystemAttributes=SYSTEM)
    # Received once and returned (visibility 0): it moves to the dead-letter queue.
    receive_one(sqs, src)
    m = receive_one(sqs, dlq, AttributeNames=["AWSTraceHeader"])
    assert m["Body"] == "poison"
    assert m["Attributes"] == {"AWSTraceHeader": TRACE}


@pytest.mark.skipif(AWS is None, reason="awscli is not installed")
def test_cli_send_message_system_attributes(sqs_broker):
    url = json.loads(aws(sqs_broker, "create-queue", "--queue-name", "cli-traced").stdout)[
        "QueueUrl"]
    sent = json.loads(aws(sqs_broker, "send-message", "--queue-url", url, "--message-body", "c",
                          "--message-system-attributes", json.dumps(SYSTEM)).stdout)
    assert sent["MD5OfMessageSystemAttributes"] == EXPECTED_MD5
    got = json.loads(aws(sqs_broker, "receive-message", "--queue-url", url,
                         "--attribute-names", "All").stdout)
    [m] = got["Messages"]
    assert m["Attributes"]["AWSTraceHeader"] == TRACE
    p = aws(sqs_broker, "send-message", "--queue-url", url, "--message-body", "c",
            "--message-system-attributes",
            '{"Other":{"DataType":"String","StringValue":"x"}}', check=False)
    assert p.returncode != 0
    assert "InvalidParameterValue" in p.stderr
