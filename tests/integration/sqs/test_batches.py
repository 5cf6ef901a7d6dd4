"""SendMessageBatch, DeleteMessageBatch and ChangeMessageVisibilityBatch through boto3 (the
query protocol) and AWS JSON 1.0: each entry's success or failure, and the request-level
errors (empty, more than 10, malformed or repeated Ids, too long in total)."""

import hashlib

import pytest
from botocore.exceptions import ClientError

from conftest import client, endpoint
from sqs_json import call
from test_messages import md5_of_attributes


def error_code(excinfo):
    return excinfo.value.response["Error"]["Code"]


def receive_all(sqs, url, expected, **kwargs):
    got = []
    for _ in range(20):
        got += sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, **kwargs).get(
            "Messages", [])
        if len(got) >= expected:
            break
    return got


def test_send_batch_reports_each_entry(sqs):
    url = sqs.create_queue(QueueName="batch")["QueueUrl"]
    attributes = {"colour": {"DataType": "String", "StringValue": "blue"}}
    out = sqs.send_message_batch(QueueUrl=url, Entries=[
        {"Id": "plain", "MessageBody": "one"},
        {"Id": "with-attrs", "MessageBody": "two", "MessageAttributes": attributes},
        {"Id": "bad_body", "MessageBody": "three\x00"},
        {"Id": "delayed", "MessageBody": "four", "DelaySeconds": 2},
        {"Id": "bad_delay", "MessageBody": "four", "DelaySeconds": 901},
        {"Id": "bad_attr", "MessageBody": "five",
         "MessageAttributes": {"x": {"DataType": "Colour", "StringValue": "v"}}},
    ])
    successful = {e["Id"]: e for e in out["Successful"]}
    assert sorted(successful) == ["delayed", "plain", "with-attrs"]
    assert successful["plain"]["MD5OfMessageBody"] == hashlib.md5(b"one").hexdigest()
    assert "MD5OfMessageAttributes" not in successful["plain"]
    assert successful["with-attrs"]["MD5OfMessageAttributes"] == md5_of_attributes(attributes)
    assert successful["plain"]["MessageId"] != successful["with-attrs"]["MessageId"]
    failed = {e["Id"]: e for e in out["Failed"]}
    assert sorted(failed) == ["bad_attr", "bad_body", "bad_delay"]
    assert failed["bad_body"]["Code"] == "InvalidMessageContents"
    assert failed["bad_delay"]["Code"] == "InvalidParameterValue"
    assert failed["bad_attr"]["Code"] == "InvalidParameterValue"
    assert all(f["SenderFault"] is True and f["Message"] for f in failed.values())

    got = receive_all(sqs, url, 2, MessageAttributeNames=["All"])
    by_body = {m["Body"]: m for m in got}
    assert sorted(by_body) == ["one", "two"]  # "four" waits for its DelaySeconds
    [later] = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5)["Messages"]
    assert later["Body"] == "four"
    assert later["MessageId"] == successful["delayed"]["MessageId"]
    assert by_body["one"]["MessageId"] == successful["plain"]["MessageId"]
    assert by_body["two"]["MessageAttributes"]["colour"]["StringValue"] == "blue"


def test_batch_request_errors(sqs):
    url = sqs.create_queue(QueueName="errors", Attributes={"MaximumMessageSize": "1024"})[
        "QueueUrl"]
    cases = [
        ([{"Id": "m%d" % i, "MessageBody": "x"} for i in range(11)],
         "AWS.SimpleQueueService.TooManyEntriesInBatchRequest"),
        ([{"Id": "same", "MessageBody": "x"}, {"Id": "same", "MessageBody": "y"}],
         "AWS.SimpleQueueService.BatchEntryIdsNotDistinct"),
        ([{"Id": "not valid!", "MessageBody": "x"}], "AWS.SimpleQueueService.InvalidBatchEntryId"),
        ([{"Id": "i" * 81, "MessageBody": "x"}], "AWS.SimpleQueueService.InvalidBatchEntryId"),
        ([{"Id": "a", "MessageBody": "x" * 600}, {"Id": "b", "MessageBody": "y" * 600}],
         "AWS.SimpleQueueService.BatchRequestTooLong"),
        ([], "AWS.SimpleQueueService.EmptyBatchRequest"),
    ]
    for entries, code in cases:
        with pytest.raises(ClientError) as e:
            sqs.send_message_batch(QueueUrl=url, Entries=entries)
        assert error_code(e) == code, entries
        assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    # Nothing of a refused batch was sent.
    assert sqs.receive_message(QueueUrl=url).get("Messages", []) == []
    # 80 characters is the longest Id; 10 entries the most; 1024 bytes in total fit.
    out = sqs.send_message_batch(QueueUrl=url, Entries=[
        {"Id": "i" * 80, "MessageBody": "x" * 512}, {"Id": "b", "MessageBody": "y" * 512}])
    assert len(out["Successful"]) == 2 and out.get("Failed", []) == []
    out = sqs.send_message_batch(QueueUrl=url, Entries=[
        {"Id": "m%d" % i, "MessageBody": "x"} for i in range(10)])
    assert len(out["Successful"]) == 10

    for action, entries in (
            (sqs.delete_message_batch, [{"Id": "same", "ReceiptHandle": "h"}] * 2),
            (sqs.change_message_visibility_batch,
             [{"Id": "same", "ReceiptHandle": "h", "VisibilityTimeout": 1}] * 2)):
        with pytest.raises(ClientError) as e:
            action(QueueUrl=url, Entries=entries)
        assert error_code(e) == "AWS.SimpleQueueService.BatchEntryIdsNotDistinct"
        with pytest.raises(ClientError) as e:
            action(QueueUrl=url, Entries=[])
        assert error_code(e) == "AWS.SimpleQueueService.EmptyBatchRequest"
    missing = url.rsplit("/", 1)[0] + "/missing"
    with pytest.raises(sqs.exceptions.QueueDoesNotExist):
        sqs.send_message_batch(QueueUrl=missing, Entries=[{"Id": "a", "MessageBody": "x"}])


def test_delete_and_change_visibility_batches(sqs):
    url = sqs.create_queue(QueueName="settle")["QueueUrl"]
    sqs.send_message_batch(QueueUrl=url, Entries=[
        {"Id": str(i), "MessageBody": "m%d" % i} for i in range(4)])
    got = receive_all(sqs, url, 4, VisibilityTimeout=60)
    assert len(got) == 4
    handles = {m["Body"]: m["ReceiptHandle"] for m in got}

    out = sqs.delete_message_batch(QueueUrl=url, Entries=[
        {"Id": "d0", "ReceiptHandle": handles["m0"]},
        {"Id": "d1", "ReceiptHandle": handles["m1"]},
        {"Id": "junk", "ReceiptHandle": "not-a-handle"},
    ])
    assert sorted(e["Id"] for e in out["Successful"]) == ["d0", "d1"]
    [failed] = out["Failed"]
    assert (failed["Id"], failed["Code"], failed["SenderFault"]) == (
        "junk", "ReceiptHandleIsInvalid", True)

    out = sqs.change_message_visibility_batch(QueueUrl=url, Entries=[
        {"Id": "now", "ReceiptHandle": handles["m2"], "VisibilityTimeout": 0},
        {"Id": "later", "ReceiptHandle": handles["m3"], "VisibilityTimeout": 120},
        {"Id": "gone", "ReceiptHandle": handles["m0"], "VisibilityTimeout": 5},
        {"Id": "range", "ReceiptHandle": handles["m3"], "VisibilityTimeout": 43201},
    ])
    assert sorted(e["Id"] for e in out["Successful"]) == ["later", "now"]
    failed = {e["Id"]: e["Code"] for e in out["Failed"]}
    assert failed == {"gone": "InvalidParameterValue", "range": "InvalidParameterValue"}
    # m2 is visible again at once; m0 and m1 are deleted; m3 stays hidden.
    again = receive_all(sqs, url, 1, VisibilityTimeout=60)
    assert [m["Body"] for m in again] == ["m2"]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attrs["ApproximateNumberOfMessages"] == "0"
    assert attrs["ApproximateNumberOfMessagesNotVisible"] == "2"


def test_sent_batch_is_durable(sqs_broker):
    sqs = client(sqs_broker)
    url = sqs.create_queue(QueueName="kept")["QueueUrl"]
    out = sqs.send_message_batch(QueueUrl=url, Entries=[
        {"Id": str(i), "MessageBody": "durable %d" % i} for i in range(10)])
    assert len(out["Successful"]) == 10
    sqs_broker.kill()
    sqs_broker.start(same_ports=True)
    sqs = client(sqs_broker)
    got = receive_all(sqs, url, 10)
    assert sorted(m["Body"] for m in got) == sorted("durable %d" % i for i in range(10))


def test_json_batches(sqs_broker):
    ep = endpoint(sqs_broker)
    status, _, out = call(ep, "CreateQueue", {"QueueName": "jb"})
    url = out["QueueUrl"]
    status, _, out = call(ep, "SendMessageBatch", {"QueueUrl": url, "Entries": [
        {"Id": "a", "MessageBody": "ja",
         "MessageAttributes": {"n": {"DataType": "Number", "StringValue": "7"}}},
        {"Id": "b", "MessageBody": "jb", "DelaySeconds": 1000},
    ]})
    assert status == 200, out
    [ok] = out["Successful"]
    assert ok["Id"] == "a"
    assert ok["MD5OfMessageBody"] == hashlib.md5(b"ja").hexdigest()
    assert ok["MD5OfMessageAttributes"] == md5_of_attributes(
        {"n": {"DataType": "Number", "StringValue": "7"}})
    [bad] = out["Failed"]
    assert bad["Id"] == "b" and bad["SenderFault"] is True
    assert bad["Code"] == "InvalidParameterValue"

    status, _, out = call(ep, "ReceiveMessage", {"QueueUrl": url, "VisibilityTimeout": 60})
    [m] = out["Messages"]
    status, _, out = call(ep, "ChangeMessageVisibilityBatch", {"QueueUrl": url, "Entries": [
        {"Id": "v", "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 100}]})
    assert (status, out) == (200, {"Successful": [{"Id": "v"}], "Failed": []})
    status, _, out = call(ep, "DeleteMessageBatch", {"QueueUrl": url, "Entries": [
        {"Id": "d", "ReceiptHandle": m["ReceiptHandle"]},
        {"Id": "x", "ReceiptHandle": "bad"}]})
    assert status == 200, out
    assert out["Successful"] == [{"Id": "d"}]
    assert [(f["Id"], f["Code"]) for f in out["Failed"]] == [("x", "ReceiptHandleIsInvalid")]

    for action, params, shape, code in (
            ("SendMessageBatch", {"Entries": []}, "EmptyBatchRequest",
             "AWS.SimpleQueueService.EmptyBatchRequest"),
            ("SendMessageBatch",
             {"Entries": [{"Id": str(i), "MessageBody": "x"} for i in range(11)]},
             "TooManyEntriesInBatchRequest",
             "AWS.SimpleQueueService.TooManyEntriesInBatchRequest"),
            ("DeleteMessageBatch", {"Entries": [{"Id": "a", "ReceiptHandle": "h"}] * 2},
             "BatchEntryIdsNotDistinct", "AWS.SimpleQueueService.BatchEntryIdsNotDistinct"),
            ("ChangeMessageVisibilityBatch",
             {"Entries": [{"Id": "a.b", "ReceiptHandle": "h", "VisibilityTimeout": 1}]},
             "InvalidBatchEntryId", "AWS.SimpleQueueService.InvalidBatchEntryId"),
            ("SendMessageBatch",
             {"Entries": [{"Id": "a", "MessageBody": "x" * 200000},
                          {"Id": "b", "MessageBody": "y" * 200000}]},
             "BatchRequestTooLong", "AWS.SimpleQueueService.BatchRequestTooLong"),
            ("SendMessageBatch", {"Entries": "nope"}, "SerializationException",
             "SerializationException")):
        params = dict(params, QueueUrl=url)
        status, headers, out = call(ep, action, params)
        assert status == 400, (action, out)
        assert out["__type"] == "com.amazonaws.sqs#" + shape, (action, out)
        assert headers["x-amzn-query-error"] == code + ";Sender"
