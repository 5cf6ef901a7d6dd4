"""The AWS JSON 1.0 protocol (X-Amz-Target: AmazonSQS.<Action>): the same actions, JSON
answers, and errors with __type and the x-amzn-query-error header."""

import base64
import hashlib

from conftest import endpoint
from sqs_json import call


def test_json_round_trip(sqs_broker):
    ep = endpoint(sqs_broker)
    status, headers, out = call(ep, "CreateQueue", {"QueueName": "j",
                                                    "Attributes": {"VisibilityTimeout": "3"}})
    assert status == 200, out
    assert headers["Content-Type"] == "application/x-amz-json-1.0"
    url = out["QueueUrl"]
    assert url.endswith("/000000000000/j")
    status, _, out = call(ep, "SendMessage", {
        "QueueUrl": url, "MessageBody": "json body",
        "MessageAttributes": {"b": {"DataType": "Binary",
                                    "BinaryValue": base64.b64encode(b"\x00\x07").decode()}}})
    assert status == 200, out
    assert out["MD5OfMessageBody"] == hashlib.md5(b"json body").hexdigest()
    status, _, out = call(ep, "ReceiveMessage", {
        "QueueUrl": url, "MaxNumberOfMessages": 10, "MessageAttributeNames": ["All"],
        "MessageSystemAttributeNames": ["ApproximateReceiveCount"]})
    assert status == 200, out
    [m] = out["Messages"]
    assert m["Body"] == "json body"
    assert m["Attributes"] == {"ApproximateReceiveCount": "1"}
    assert base64.b64decode(m["MessageAttributes"]["b"]["BinaryValue"]) == b"\x00\x07"
    status, _, out = call(ep, "DeleteMessage", {"QueueUrl": url,
                                                "ReceiptHandle": m["ReceiptHandle"]})
    assert (status, out) == (200, {})
    status, _, out = call(ep, "ListQueues", {})
    assert out == {"QueueUrls": [url]}
    status, _, out = call(ep, "GetQueueAttributes", {"QueueUrl": url,
                                                     "AttributeNames": ["VisibilityTimeout"]})
    assert out == {"Attributes": {"VisibilityTimeout": "3"}}


def test_json_errors(sqs_broker):
    ep = endpoint(sqs_broker)
    status, headers, out = call(ep, "GetQueueUrl", {"QueueName": "missing"})
    assert status == 400
    assert out["__type"] == "com.amazonaws.sqs#QueueDoesNotExist"
    assert headers["x-amzn-query-error"] == "AWS.SimpleQueueService.NonExistentQueue;Sender"
    status, headers, out = call(ep, "NoSuchAction", {})
    assert status == 400
    assert headers["x-amzn-query-error"] == "InvalidAction;Sender"
    status, headers, out = call(ep, "ListQueues", {}, secret="wrong")
    assert status == 403
    assert headers["x-amzn-query-error"] == "SignatureDoesNotMatch;Sender"
