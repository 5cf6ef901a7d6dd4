"""SetQueueAttributes and dead-letter queues through boto3 and AWS JSON 1.0: a RedrivePolicy
moves a message received maxReceiveCount times to its dead-letter queue when the last
visibility timeout ends; RedriveAllowPolicy decides who may use a queue as theirs;
ListDeadLetterSourceQueues pages through a dead-letter queue's sources. Changes apply at once
and survive a restart."""

import json
import time

import pytest
from botocore.exceptions import ClientError

from conftest import client, endpoint
from sqs_json import call


def error_code(excinfo):
    return excinfo.value.response["Error"]["Code"]


def arn(sqs, url):
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]


def redrive(target_arn, count):
    return json.dumps({"deadLetterTargetArn": target_arn, "maxReceiveCount": count})


def receive_one(sqs, url, visibility):
    got = sqs.receive_message(QueueUrl=url, VisibilityTimeout=visibility,
                              AttributeNames=["ApproximateReceiveCount"]).get("Messages", [])
    return got[0] if got else None


def test_message_moves_after_max_receive_count(sqs):
    dlq = sqs.create_queue(QueueName="dlq")["QueueUrl"]
    src = sqs.create_queue(QueueName="src", Attributes={
        "RedrivePolicy": redrive(arn(sqs, dlq), 2)})["QueueUrl"]
    sent = sqs.send_message(QueueUrl=src, MessageBody="poison")["MessageId"]

    for count in (1, 2):  # received maxReceiveCount times ...
        m = receive_one(sqs, src, 1)
        assert m is not None and m["Body"] == "poison"
        assert m["Attributes"]["ApproximateReceiveCount"] == str(count)
        time.sleep(1.3)  # ... and each time its visibility timeout ends
    # After the second receive's timeout it is in the dead-letter queue, not the source.
    assert receive_one(sqs, src, 30) is None
    moved = receive_one(sqs, dlq, 30)
    assert moved is not None
    assert (moved["Body"], moved["MessageId"]) == ("poison", sent)
    src_attrs = sqs.get_queue_attributes(QueueUrl=src, AttributeNames=["All"])["Attributes"]
    assert src_attrs["ApproximateNumberOfMessages"] == "0"
    assert src_attrs["ApproximateNumberOfMessagesNotVisible"] == "0"


def test_deleted_in_time_never_moves(sqs):
    dlq = sqs.create_queue(QueueName="dlq")["QueueUrl"]
    src = sqs.create_queue(QueueName="src", Attributes={
        "RedrivePolicy": redrive(arn(sqs, dlq), 1)})["QueueUrl"]
    sqs.send_message(QueueUrl=src, MessageBody="fine")
    m = receive_one(sqs, src, 30)
    sqs.delete_message(QueueUrl=src, ReceiptHandle=m["ReceiptHandle"])
    assert receive_one(sqs, dlq, 30) is None


def test_set_queue_attributes_applies_at_once_and_survives_a_restart(sqs_broker):
    sqs = client(sqs_broker)
    dlq = sqs.create_queue(QueueName="dlq")["QueueUrl"]
    src = sqs.create_queue(QueueName="src")["QueueUrl"]
    policy = redrive(arn(sqs, dlq), 1)
    sqs.set_queue_attributes(QueueUrl=src, Attributes={
        "VisibilityTimeout": "1", "RedrivePolicy": policy, "MaximumMessageSize": "2048"})
    attrs = sqs.get_queue_attributes(QueueUrl=src, AttributeNames=["All"])["Attributes"]
    assert attrs["VisibilityTimeout"] == "1"
    assert attrs["MaximumMessageSize"] == "2048"
    assert json.loads(attrs["RedrivePolicy"]) == {"deadLetterTargetArn": arn(sqs, dlq),
                                                  "maxReceiveCount": 1}
    assert "RedriveAllowPolicy" not in attrs
    with pytest.raises(ClientError) as e:
        sqs.send_message(QueueUrl=src, MessageBody="x" * 2049)
    assert error_code(e) == "InvalidParameterValue"

    sqs_broker.kill()
    sqs_broker.start(same_ports=True)
    sqs = client(sqs_broker)
    attrs = sqs.get_queue_attributes(QueueUrl=src, AttributeNames=["All"])["Attributes"]
    assert attrs["VisibilityTimeout"] == "1"
    assert json.loads(attrs["RedrivePolicy"])["maxReceiveCount"] == 1
    # The queue's default visibility (1 s) and its redrive work after the restart.
    sqs.send_message(QueueUrl=src, MessageBody="after restart")
    assert sqs.receive_message(QueueUrl=src)["Messages"][0]["Body"] == "after restart"
    time.sleep(1.3)
    assert receive_one(sqs, src, 30) is None
    assert receive_one(sqs, dlq, 30)["Body"] == "after restart"

    # An empty RedrivePolicy removes it: messages return to the source again.
    sqs.set_queue_attributes(QueueUrl=src, Attributes={"RedrivePolicy": ""})
    attrs = sqs.get_queue_attributes(QueueUrl=src, AttributeNames=["All"])["Attributes"]
    assert "RedrivePolicy" not in attrs
    sqs.send_message(QueueUrl=src, MessageBody="stays")
    for _ in range(2):
        assert receive_one(sqs, src, 1)["Body"] == "stays"
        time.sleep(1.3)
    assert receive_one(sqs, src, 30)["Body"] == "stays"


def test_redrive_errors(sqs):
    dlq = sqs.create_queue(QueueName="dlq")["QueueUrl"]
    src = sqs.create_queue(QueueName="src")["QueueUrl"]
    missing = arn(sqs, dlq).rsplit(":", 1)[0] + ":missing"
    with pytest.raises(sqs.exceptions.QueueDoesNotExist) as e:
        sqs.set_queue_attributes(QueueUrl=src, Attributes={"RedrivePolicy": redrive(missing, 3)})
    assert error_code(e) == "AWS.SimpleQueueService.NonExistentQueue"
    with pytest.raises(sqs.exceptions.QueueDoesNotExist):
        sqs.create_queue(QueueName="other", Attributes={"RedrivePolicy": redrive(missing, 3)})
    assert "other" not in str(sqs.list_queues().get("QueueUrls", []))
    for bad in (redrive(arn(sqs, dlq), 0), redrive(arn(sqs, dlq), 1001), "not json",
                json.dumps({"deadLetterTargetArn": arn(sqs, dlq)})):
        with pytest.raises(ClientError) as e:
            sqs.set_queue_attributes(QueueUrl=src, Attributes={"RedrivePolicy": bad})
        assert error_code(e) == "InvalidParameterValue", bad
    for attributes, code in (({"VisibilityTimeout": "-1"}, "InvalidParameterValue"),
                             ({"Colour": "red"}, "InvalidAttributeName"),
                             ({"Policy": "{}"}, "AWS.SimpleQueueService.UnsupportedOperation")):
        with pytest.raises(ClientError) as e:
            sqs.set_queue_attributes(QueueUrl=src, Attributes=attributes)
        assert error_code(e) == code
    # Nothing of the refused changes was applied.
    attrs = sqs.get_queue_attributes(QueueUrl=src, AttributeNames=["All"])["Attributes"]
    assert "RedrivePolicy" not in attrs and attrs["VisibilityTimeout"] == "30"
    # maxReceiveCount as text is accepted, as AWS does.
    sqs.set_queue_attributes(QueueUrl=src, Attributes={"RedrivePolicy": json.dumps(
        {"deadLetterTargetArn": arn(sqs, dlq), "maxReceiveCount": "4"})})
    attrs = sqs.get_queue_attributes(QueueUrl=src, AttributeNames=["RedrivePolicy"])["Attributes"]
    assert json.loads(attrs["RedrivePolicy"])["maxReceiveCount"] == 4


def test_redrive_allow_policy(sqs):
    dlq = sqs.create_queue(QueueName="dlq", Attributes={
        "RedriveAllowPolicy": json.dumps({"redrivePermission": "denyAll"})})["QueueUrl"]
    src = sqs.create_queue(QueueName="src")["QueueUrl"]
    other = sqs.create_queue(QueueName="other")["QueueUrl"]
    with pytest.raises(ClientError) as e:
        sqs.set_queue_attributes(QueueUrl=src, Attributes={"RedrivePolicy": redrive(arn(sqs, dlq),
                                                                                  2)})
    assert error_code(e) == "InvalidParameterValue"

    allow = {"redrivePermission": "byQueue", "sourceQueueArns": [arn(sqs, src)]}
    sqs.set_queue_attributes(QueueUrl=dlq, Attributes={"RedriveAllowPolicy": json.dumps(allow)})
    attrs = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["All"])["Attributes"]
    assert json.loads(attrs["RedriveAllowPolicy"]) == allow
    sqs.set_queue_attributes(QueueUrl=src, Attributes={"RedrivePolicy": redrive(arn(sqs, dlq), 2)})
    with pytest.raises(ClientError) as e:
        sqs.set_queue_attributes(QueueUrl=other,
                                 Attributes={"RedrivePolicy": redrive(arn(sqs, dlq), 2)})
    assert error_code(e) == "InvalidParameterValue"
    for bad in ({"redrivePermission": "byQueue"}, {"redrivePermission": "sometimes"},
                {"redrivePermission": "byQueue", "sourceQueueArns": ["a"] * 11}):
        with pytest.raises(ClientError) as e:
            sqs.set_queue_attributes(QueueUrl=dlq, Attributes={"RedriveAllowPolicy":
                                                               json.dumps(bad)})
        assert error_code(e) == "InvalidParameterValue"


def test_list_dead_letter_source_queues(sqs):
    dlq = sqs.create_queue(QueueName="dlq")["QueueUrl"]
    sqs.create_queue(QueueName="unrelated")
    sources = []
    for name in ("src-c", "src-a", "src-b"):
        sources.append(sqs.create_queue(QueueName=name, Attributes={
            "RedrivePolicy": redrive(arn(sqs, dlq), 3)})["QueueUrl"])
    out = sqs.list_dead_letter_source_queues(QueueUrl=dlq)
    assert out["queueUrls"] == sorted(sources)
    assert "NextToken" not in out
    first = sqs.list_dead_letter_source_queues(QueueUrl=dlq, MaxResults=2)
    assert first["queueUrls"] == sorted(sources)[:2]
    second = sqs.list_dead_letter_source_queues(QueueUrl=dlq, MaxResults=2,
                                                NextToken=first["NextToken"])
    assert second["queueUrls"] == sorted(sources)[2:]
    assert "NextToken" not in second
    # An empty flattened list has no element in XML: botocore leaves the key out.
    assert sqs.list_dead_letter_source_queues(QueueUrl=sources[0]).get("queueUrls", []) == []
    with pytest.raises(sqs.exceptions.QueueDoesNotExist):
        sqs.list_dead_letter_source_queues(QueueUrl=dlq.rsplit("/", 1)[0] + "/missing")

    ep = endpoint_of(sqs)
    status, _, out = call(ep, "ListDeadLetterSourceQueues", {"QueueUrl": dlq, "MaxResults": 1})
    assert status == 200, out
    assert out["queueUrls"] == sorted(sources)[:1] and out["NextToken"]


def endpoint_of(sqs):
    return sqs.meta.endpoint_url


def test_json_set_queue_attributes(sqs_broker):
    ep = endpoint(sqs_broker)
    dlq = call(ep, "CreateQueue", {"QueueName": "jdlq"})[2]["QueueUrl"]
    dlq_arn = call(ep, "GetQueueAttributes", {"QueueUrl": dlq, "AttributeNames": ["QueueArn"]})[
        2]["Attributes"]["QueueArn"]
    src = call(ep, "CreateQueue", {"QueueName": "jsrc"})[2]["QueueUrl"]
    status, _, out = call(ep, "SetQueueAttributes", {"QueueUrl": src, "Attributes": {
        "RedrivePolicy": redrive(dlq_arn, 5), "ReceiveMessageWaitTimeSeconds": "2"}})
    assert (status, out) == (200, {})
    status, _, out = call(ep, "GetQueueAttributes", {"QueueUrl": src, "AttributeNames": [
        "RedrivePolicy", "ReceiveMessageWaitTimeSeconds"]})
    assert out["Attributes"]["ReceiveMessageWaitTimeSeconds"] == "2"
    assert json.loads(out["Attributes"]["RedrivePolicy"]) == {"deadLetterTargetArn": dlq_arn,
                                                              "maxReceiveCount": 5}
    status, headers, out = call(ep, "SetQueueAttributes", {"QueueUrl": src, "Attributes": {
        "RedrivePolicy": redrive(dlq_arn[:-1] + "x", 5)}})
    assert status == 400
    assert out["__type"] == "com.amazonaws.sqs#QueueDoesNotExist"
