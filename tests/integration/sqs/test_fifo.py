"""FIFO queues through boto3: .fifo names and FifoQueue, the FIFO attributes, order within a
message group across several groups, a group blocked while a message of it is in flight and
released by DeleteMessage or by its visibility timeout, deduplication by explicit id and by
content, batch sends, AWS's errors, increasing SequenceNumbers, and messages with their order
surviving kill -9 after acknowledged sends."""

import hashlib
import time

import pytest
from botocore.exceptions import ClientError

from conftest import client


def error(excinfo):
    e = excinfo.value.response["Error"]
    return e["Code"], e["Message"]


def fifo_queue(sqs, name="orders.fifo", **attributes):
    attrs = {"FifoQueue": "true"}
    attrs.update(attributes)
    return sqs.create_queue(QueueName=name, Attributes=attrs)["QueueUrl"]


def receive(sqs, url, max=10, visibility=None, wait=0):
    kw = {"QueueUrl": url, "MaxNumberOfMessages": max, "WaitTimeSeconds": wait,
          "AttributeNames": ["All"], "ReceiveRequestAttemptId": "attempt-1"}
    if visibility is not None:
        kw["VisibilityTimeout"] = visibility
    return sqs.receive_message(**kw).get("Messages", [])


def bodies(messages):
    return [m["Body"] for m in messages]


def delete(sqs, url, messages):
    for m in messages:
        sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])


def test_names_and_attributes(sqs):
    url = fifo_queue(sqs, ContentBasedDeduplication="true")
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attrs["FifoQueue"] == "true"
    assert attrs["ContentBasedDeduplication"] == "true"
    assert attrs["DeduplicationScope"] == "queue"
    assert attrs["FifoThroughputLimit"] == "perQueue"
    # Idempotent with the same attributes, QueueAlreadyExists with others.
    assert fifo_queue(sqs, ContentBasedDeduplication="true") == url
    with pytest.raises(ClientError) as e:
        fifo_queue(sqs, ContentBasedDeduplication="false")
    assert error(e)[0] == "QueueAlreadyExists"
    # Changeable where AWS allows; FifoQueue is not.
    sqs.set_queue_attributes(QueueUrl=url, Attributes={
        "DeduplicationScope": "messageGroup", "FifoThroughputLimit": "perMessageGroupId"})
    attrs = sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["DeduplicationScope", "FifoThroughputLimit"])["Attributes"]
    assert attrs == {"DeduplicationScope": "messageGroup",
                     "FifoThroughputLimit": "perMessageGroupId"}
    with pytest.raises(ClientError) as e:
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"FifoQueue": "false"})
    assert error(e)[0] == "InvalidAttributeName"
    # A standard queue shows none of them, and refuses them.
    std = sqs.create_queue(QueueName="plain")["QueueUrl"]
    attrs = sqs.get_queue_attributes(QueueUrl=std, AttributeNames=["All"])["Attributes"]
    assert "FifoQueue" not in attrs
    with pytest.raises(ClientError) as e:
        sqs.create_queue(QueueName="plain2", Attributes={"ContentBasedDeduplication": "true"})
    assert error(e) == ("InvalidAttributeName", "Unknown Attribute ContentBasedDeduplication.")


def test_name_and_type_must_agree(sqs):
    with pytest.raises(ClientError) as e:
        sqs.create_queue(QueueName="nosuffix", Attributes={"FifoQueue": "true"})
    assert error(e) == (
        "InvalidParameterValue",
        "The name of a FIFO queue can only include alphanumeric characters, hyphens, or "
        "underscores, must end with .fifo suffix and be 1 to 80 in length.")
    with pytest.raises(ClientError) as e:
        sqs.create_queue(QueueName="suffix.fifo")
    assert error(e)[0] == "InvalidParameterValue"
    with pytest.raises(ClientError) as e:
        sqs.create_queue(QueueName="a" * 76 + ".fifo", Attributes={"FifoQueue": "true"})
    assert error(e)[0] == "InvalidParameterValue"
    assert sqs.create_queue(QueueName="a" * 75 + ".fifo", Attributes={"FifoQueue": "true"})


def test_send_errors(sqs):
    url = fifo_queue(sqs)
    with pytest.raises(ClientError) as e:
        sqs.send_message(QueueUrl=url, MessageBody="x", MessageDeduplicationId="d")
    assert error(e) == ("MissingParameter",
                        "The request must contain the parameter MessageGroupId.")
    with pytest.raises(ClientError) as e:
        sqs.send_message(QueueUrl=url, MessageBody="x", MessageGroupId="g")
    assert error(e) == ("InvalidParameterValue",
                        "The queue should either have ContentBasedDeduplication enabled or "
                        "MessageDeduplicationId provided explicitly")
    with pytest.raises(ClientError) as e:
        sqs.send_message(QueueUrl=url, MessageBody="x", MessageGroupId="g",
                         MessageDeduplicationId="d", DelaySeconds=5)
    assert error(e)[0] == "InvalidParameterValue"
    assert "DelaySeconds" in error(e)[1]
    with pytest.raises(ClientError) as e:
        sqs.send_message(QueueUrl=url, MessageBody="x", MessageGroupId="g" * 129,
                         MessageDeduplicationId="d")
    assert error(e)[0] == "InvalidParameterValue"
    # A standard queue takes a MessageGroupId but refuses a MessageDeduplicationId.
    std = sqs.create_queue(QueueName="plain")["QueueUrl"]
    sqs.send_message(QueueUrl=std, MessageBody="fair", MessageGroupId="tenant-1")
    with pytest.raises(ClientError) as e:
        sqs.send_message(QueueUrl=std, MessageBody="x", MessageDeduplicationId="d")
    assert error(e)[0] == "InvalidParameterValue"
    got = receive(sqs, std)
    assert bodies(got) == ["fair"]
    assert got[0]["Attributes"]["MessageGroupId"] == "tenant-1"
    assert "SequenceNumber" not in got[0]["Attributes"]
    assert sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])[
        "Attributes"]["ApproximateNumberOfMessages"] == "0"


def test_order_within_groups_and_attributes(sqs):
    url = fifo_queue(sqs)
    sent = {}
    sequences = []
    for i in range(6):
        for group in ("a", "b", "c"):
            body = "%s%d" % (group, i)
            r = sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId=group,
                                 MessageDeduplicationId=body)
            sent[body] = r
            sequences.append(int(r["SequenceNumber"]))
    assert sequences == sorted(sequences) and len(set(sequences)) == len(sequences)
    assert all(len(r["SequenceNumber"]) >= 19 for r in sent.values())
    seen = {"a": [], "b": [], "c": []}
    # Several consumers' worth of receives, deleting as they go: each group comes in order.
    for _ in range(20):
        got = receive(sqs, url, max=4)
        for m in got:
            group = m["Attributes"]["MessageGroupId"]
            seen[group].append(m["Body"])
            assert m["Attributes"]["MessageDeduplicationId"] == m["Body"]
            assert m["Attributes"]["SequenceNumber"] == sent[m["Body"]]["SequenceNumber"]
            assert m["MessageId"] == sent[m["Body"]]["MessageId"]
        # A receive returns a group's messages together, in order.
        groups = [m["Attributes"]["MessageGroupId"] for m in got]
        assert groups == sorted(groups, key=groups.index)
        delete(sqs, url, got)
        if sum(len(v) for v in seen.values()) == 18:
            break
    for group, got in seen.items():
        assert got == ["%s%d" % (group, i) for i in range(6)]


def test_group_blocked_while_in_flight_then_released(sqs):
    url = fifo_queue(sqs)
    for body, group in [("a1", "a"), ("a2", "a"), ("b1", "b")]:
        sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId=group,
                         MessageDeduplicationId=body)
    first = receive(sqs, url, max=1)
    assert bodies(first) == ["a1"]
    # a2 waits behind a1 in flight; b goes on.
    assert bodies(receive(sqs, url)) == ["b1"]
    assert receive(sqs, url) == []
    # Released by the delete: a2 comes next.
    delete(sqs, url, first)
    second = receive(sqs, url, visibility=1)
    assert bodies(second) == ["a2"]
    sqs.send_message(QueueUrl=url, MessageBody="a3", MessageGroupId="a",
                     MessageDeduplicationId="a3")
    assert receive(sqs, url) == []
    # Released by the visibility timeout: a2 again, at the head of its group, then a3.
    time.sleep(1.3)
    again = receive(sqs, url)
    assert bodies(again) == ["a2", "a3"]
    assert again[0]["Attributes"]["ApproximateReceiveCount"] == "2"
    # ChangeMessageVisibility to 0 returns them at once, in place.
    for m in again:
        sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"],
                                      VisibilityTimeout=0)
    time.sleep(0.2)
    assert bodies(receive(sqs, url)) == ["a2", "a3"]


def test_long_poll_is_answered_when_the_group_is_released(sqs_broker):
    sqs = client(sqs_broker)
    url = fifo_queue(sqs)
    sqs.send_message(QueueUrl=url, MessageBody="g1", MessageGroupId="g",
                     MessageDeduplicationId="1")
    sqs.send_message(QueueUrl=url, MessageBody="g2", MessageGroupId="g",
                     MessageDeduplicationId="2")
    held = receive(sqs, url, max=1, visibility=2)
    assert bodies(held) == ["g1"]
    started = time.monotonic()
    got = receive(client(sqs_broker), url, max=1, wait=10)
    # g1's visibility ends after ~2 s; g1 comes back first, at the head of its group.
    assert bodies(got) == ["g1"]
    assert 1.5 <= time.monotonic() - started < 8


def test_deduplication_by_id_and_by_content(sqs):
    url = fifo_queue(sqs)
    first = sqs.send_message(QueueUrl=url, MessageBody="one", MessageGroupId="g",
                             MessageDeduplicationId="same")
    again = sqs.send_message(QueueUrl=url, MessageBody="other body", MessageGroupId="g",
                             MessageDeduplicationId="same")
    assert again["MessageId"] == first["MessageId"]
    assert again["SequenceNumber"] == first["SequenceNumber"]
    got = receive(sqs, url)
    assert bodies(got) == ["one"]
    delete(sqs, url, got)
    # Still within the window after the delete.
    third = sqs.send_message(QueueUrl=url, MessageBody="one", MessageGroupId="g",
                             MessageDeduplicationId="same")
    assert third["MessageId"] == first["MessageId"]
    assert receive(sqs, url) == []

    cbd = fifo_queue(sqs, "content.fifo", ContentBasedDeduplication="true")
    a = sqs.send_message(QueueUrl=cbd, MessageBody="payload", MessageGroupId="g1")
    b = sqs.send_message(QueueUrl=cbd, MessageBody="payload", MessageGroupId="g2")
    c = sqs.send_message(QueueUrl=cbd, MessageBody="different", MessageGroupId="g1")
    assert b["MessageId"] == a["MessageId"]
    assert c["MessageId"] != a["MessageId"]
    got = receive(sqs, cbd)
    assert sorted(bodies(got)) == ["different", "payload"]
    dedup = {m["Body"]: m["Attributes"]["MessageDeduplicationId"] for m in got}
    assert dedup["payload"] == hashlib.sha256(b"payload").hexdigest()

    # Scope messageGroup: the same id in another group is another message.
    scoped = fifo_queue(sqs, "scoped.fifo", DeduplicationScope="messageGroup")
    x = sqs.send_message(QueueUrl=scoped, MessageBody="x", MessageGroupId="g1",
                         MessageDeduplicationId="d")
    y = sqs.send_message(QueueUrl=scoped, MessageBody="y", MessageGroupId="g2",
                         MessageDeduplicationId="d")
    z = sqs.send_message(QueueUrl=scoped, MessageBody="z", MessageGroupId="g1",
                         MessageDeduplicationId="d")
    assert x["MessageId"] != y["MessageId"]
    assert z["MessageId"] == x["MessageId"]
    got = receive(sqs, scoped)
    assert sorted(bodies(got)) == ["x", "y"]
    assert all(m["Attributes"]["MessageDeduplicationId"] == "d" for m in got)


def test_batch_send(sqs):
    url = fifo_queue(sqs)
    entries = [{"Id": "e%d" % i, "MessageBody": "m%d" % i, "MessageGroupId": "g",
                "MessageDeduplicationId": "d%d" % i} for i in range(5)]
    entries.append({"Id": "dup", "MessageBody": "again", "MessageGroupId": "g",
                    "MessageDeduplicationId": "d1"})
    entries.append({"Id": "nogroup", "MessageBody": "x", "MessageDeduplicationId": "d9"})
    entries.append({"Id": "delay", "MessageBody": "x", "MessageGroupId": "g",
                    "MessageDeduplicationId": "d8", "DelaySeconds": 1})
    r = sqs.send_message_batch(QueueUrl=url, Entries=entries)
    ok = {s["Id"]: s for s in r["Successful"]}
    failed = {f["Id"]: f for f in r["Failed"]}
    assert sorted(ok) == ["dup", "e0", "e1", "e2", "e3", "e4"]
    assert failed["nogroup"]["Code"] == "MissingParameter"
    assert failed["delay"]["Code"] == "InvalidParameterValue"
    assert ok["dup"]["MessageId"] == ok["e1"]["MessageId"]
    assert ok["dup"]["SequenceNumber"] == ok["e1"]["SequenceNumber"]
    numbers = [int(ok["e%d" % i]["SequenceNumber"]) for i in range(5)]
    assert numbers == sorted(numbers)
    assert bodies(receive(sqs, url)) == ["m0", "m1", "m2", "m3", "m4"]


def test_dead_letter_queue_must_be_fifo(sqs):
    std = sqs.create_queue(QueueName="std-dlq")["QueueUrl"]
    std_arn = sqs.get_queue_attributes(QueueUrl=std, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    policy = '{"deadLetterTargetArn":"%s","maxReceiveCount":"2"}' % std_arn
    with pytest.raises(ClientError) as e:
        fifo_queue(sqs, "src.fifo", RedrivePolicy=policy)
    assert error(e)[0] == "InvalidParameterValue"
    assert error(e)[1].endswith(
        "Reason: Dead-letter queue must be same type of queue as the source..")
    dlq = fifo_queue(sqs, "dlq.fifo")
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    src = fifo_queue(sqs, "src.fifo", RedrivePolicy=(
        '{"deadLetterTargetArn":"%s","maxReceiveCount":"1"}' % dlq_arn))
    sqs.send_message(QueueUrl=src, MessageBody="poison", MessageGroupId="g",
                     MessageDeduplicationId="p")
    assert bodies(receive(sqs, src, visibility=1)) == ["poison"]
    time.sleep(1.3)
    assert receive(sqs, src) == []
    got = receive(sqs, dlq)
    assert bodies(got) == ["poison"]
    assert got[0]["Attributes"]["MessageGroupId"] == "g"


def test_messages_order_and_dedup_survive_kill(make_broker):
    broker = make_broker(sqs=True).start()
    sqs = client(broker)
    url = fifo_queue(sqs)
    sent = []
    for i in range(5):
        for group in ("a", "b"):
            body = "%s%d" % (group, i)
            sent.append(sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId=group,
                                         MessageDeduplicationId=body))
    in_flight = receive(sqs, url, max=2)
    assert bodies(in_flight) == ["a0", "a1"]
    last_sequence = int(sent[-1]["SequenceNumber"])
    broker.kill()
    broker.start(same_ports=True)
    sqs = client(broker)
    url = sqs.get_queue_url(QueueName="orders.fifo")["QueueUrl"]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attrs["FifoQueue"] == "true"
    # Sends accepted before the kill are still deduplicated, with their ids.
    dup = sqs.send_message(QueueUrl=url, MessageBody="b4", MessageGroupId="b",
                           MessageDeduplicationId="b4")
    assert dup["MessageId"] == sent[-1]["MessageId"]
    assert dup["SequenceNumber"] == sent[-1]["SequenceNumber"]
    new = sqs.send_message(QueueUrl=url, MessageBody="b5", MessageGroupId="b",
                           MessageDeduplicationId="b5")
    assert int(new["SequenceNumber"]) > last_sequence
    seen = {"a": [], "b": []}
    for _ in range(20):
        got = receive(sqs, url, max=3)
        for m in got:
            seen[m["Attributes"]["MessageGroupId"]].append(m["Body"])
        delete(sqs, url, got)
        if len(seen["a"]) + len(seen["b"]) == 11:
            break
    assert seen["a"] == ["a%d" % i for i in range(5)]
    assert seen["b"] == ["b%d" % i for i in range(6)]


def test_a_deleted_messages_dedup_id_is_remembered_across_kill(make_broker):
    """AWS remembers a deduplication id for five minutes whatever happened to its message: a
    send repeated after the message was received and deleted, and the broker killed and
    restarted, is accepted with the original's MessageId and delivers nothing."""
    broker = make_broker(sqs=True).start()
    sqs = client(broker)
    url = fifo_queue(sqs)
    first = sqs.send_message(QueueUrl=url, MessageBody="pay-42", MessageGroupId="g",
                             MessageDeduplicationId="payment-42")
    got = receive(sqs, url)
    assert bodies(got) == ["pay-42"]
    delete(sqs, url, got)
    # Content-based deduplication: the id is the body's SHA-256.
    by_content = fifo_queue(sqs, "content.fifo", ContentBasedDeduplication="true")
    once = sqs.send_message(QueueUrl=by_content, MessageBody="hello", MessageGroupId="g")
    delete(sqs, by_content, receive(sqs, by_content))
    broker.kill()
    broker.start(same_ports=True)
    sqs = client(broker)
    again = sqs.send_message(QueueUrl=url, MessageBody="pay-42", MessageGroupId="g",
                             MessageDeduplicationId="payment-42")
    assert again["MessageId"] == first["MessageId"]
    assert again["SequenceNumber"] == first["SequenceNumber"]
    twice = sqs.send_message(QueueUrl=by_content, MessageBody="hello", MessageGroupId="g")
    assert twice["MessageId"] == once["MessageId"]
    assert receive(sqs, url, wait=1) == []
    assert receive(sqs, by_content, wait=1) == []
    # Another id is a new message.
    other = sqs.send_message(QueueUrl=url, MessageBody="pay-43", MessageGroupId="g",
                             MessageDeduplicationId="payment-43")
    assert other["MessageId"] != first["MessageId"]
    assert bodies(receive(sqs, url)) == ["pay-43"]
