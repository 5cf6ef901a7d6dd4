"""Delayed delivery through boto3: SendMessage's DelaySeconds, the queue's DelaySeconds (the
default for messages sent without one), ApproximateNumberOfMessagesDelayed, and a delayed
message that survives kill -9 and comes out at its time after the restart."""

import time

import pytest
from botocore.exceptions import ClientError

from conftest import client


def error_code(excinfo):
    return excinfo.value.response["Error"]["Code"]


def counts(sqs, url):
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return int(attrs["ApproximateNumberOfMessages"]), int(attrs["ApproximateNumberOfMessagesDelayed"])


def bodies(sqs, url, wait=0):
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=wait)
    return [m["Body"] for m in got.get("Messages", [])]


def test_message_delay_holds_the_message_until_its_time(sqs):
    url = sqs.create_queue(QueueName="delayed")["QueueUrl"]
    sent_at = time.monotonic()
    sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=2)
    sqs.send_message(QueueUrl=url, MessageBody="now")
    assert counts(sqs, url) == (1, 1)
    assert bodies(sqs, url) == ["now"]
    assert bodies(sqs, url) == []
    # A long poll is answered when the delay ends, not before.
    got = bodies(sqs, url, wait=5)
    assert got == ["later"]
    assert time.monotonic() - sent_at >= 1.9
    assert counts(sqs, url) == (0, 0)


def test_queue_delay_is_the_default_and_a_message_delay_overrides_it(sqs):
    url = sqs.create_queue(QueueName="slow", Attributes={"DelaySeconds": "2"})["QueueUrl"]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["DelaySeconds"])
    assert attrs["Attributes"] == {"DelaySeconds": "2"}
    sqs.send_message(QueueUrl=url, MessageBody="queue-default")
    sqs.send_message(QueueUrl=url, MessageBody="explicit-zero", DelaySeconds=0)
    assert counts(sqs, url) == (1, 1)
    assert bodies(sqs, url) == ["explicit-zero"]
    time.sleep(1)
    assert bodies(sqs, url) == []
    time.sleep(1.3)
    assert bodies(sqs, url) == ["queue-default"]
    # The same CreateQueue is idempotent; another DelaySeconds is a different queue.
    assert sqs.create_queue(QueueName="slow", Attributes={"DelaySeconds": "2"})["QueueUrl"] == url
    with pytest.raises(ClientError) as e:
        sqs.create_queue(QueueName="slow", Attributes={"DelaySeconds": "3"})
    assert error_code(e) == "QueueAlreadyExists"


def test_delay_out_of_range_is_refused(sqs):
    url = sqs.create_queue(QueueName="q")["QueueUrl"]
    with pytest.raises(ClientError) as e:
        sqs.send_message(QueueUrl=url, MessageBody="x", DelaySeconds=901)
    assert error_code(e) == "InvalidParameterValue"
    with pytest.raises(ClientError) as e:
        sqs.create_queue(QueueName="q2", Attributes={"DelaySeconds": "901"})
    assert error_code(e) == "InvalidParameterValue"
    assert counts(sqs, url) == (0, 0)


def test_purge_drops_delayed_messages(sqs):
    url = sqs.create_queue(QueueName="purged")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="held", DelaySeconds=1)
    assert counts(sqs, url) == (0, 1)
    sqs.purge_queue(QueueUrl=url)
    assert counts(sqs, url) == (0, 0)
    time.sleep(1.2)
    assert bodies(sqs, url) == []


def test_delayed_message_survives_kill_and_restart(make_broker):
    broker = make_broker(sqs=True).start()
    sqs = client(broker)
    url = sqs.create_queue(QueueName="durable-delay", Attributes={"DelaySeconds": "3"})["QueueUrl"]
    sent_at = time.monotonic()
    sqs.send_message(QueueUrl=url, MessageBody="own-delay", DelaySeconds=2)
    sqs.send_message(QueueUrl=url, MessageBody="queue-delay")
    broker.kill()
    broker.start(same_ports=True)
    sqs = client(broker)
    url = sqs.get_queue_url(QueueName="durable-delay")["QueueUrl"]
    if time.monotonic() - sent_at < 1.8:
        assert counts(sqs, url) == (0, 2)
        assert bodies(sqs, url) == []
    assert bodies(sqs, url, wait=5) == ["own-delay"]
    assert time.monotonic() - sent_at >= 1.9
    assert bodies(sqs, url, wait=5) == ["queue-delay"]
    assert time.monotonic() - sent_at >= 2.9
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["DelaySeconds"])
    assert attrs["Attributes"] == {"DelaySeconds": "3"}
