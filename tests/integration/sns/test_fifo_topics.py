"""FIFO topics: a name ending in .fifo and FifoTopic=true, publishes that carry a
MessageGroupId (and a MessageDeduplicationId unless ContentBasedDeduplication), subscribed only
by FIFO SQS queues, which receive each group in publish order with the group and deduplication
ids; a publish repeating a deduplication id within 5 minutes is accepted and not fanned out."""

import json

import botocore.exceptions
import pytest

from conftest import client, queue_arn


def error_of(excinfo):
    e = excinfo.value.response
    return e["Error"]["Code"], e["ResponseMetadata"]["HTTPStatusCode"], e["Error"]["Message"]


def fifo_queue(sqs, name, **attributes):
    attributes["FifoQueue"] = "true"
    return sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]


def drain(sqs, url, expected, attempts=10):
    """Everything in a FIFO queue, receiving and deleting (a group's next message is handed
    out only once the one before is deleted)."""
    got = []
    for _ in range(attempts):
        r = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                AttributeNames=["All"], MessageAttributeNames=["All"])
        for m in r.get("Messages", []):
            got.append(m)
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        if len(got) >= expected:
            break
    return got


def test_create_validates_name_and_fifo_attribute(sns):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sns.create_topic(Name="orders.fifo")
    assert error_of(e) == ("InvalidParameter", 400, "Invalid parameter: Topic Name")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sns.create_topic(Name="orders.fifo", Attributes={"FifoTopic": "false"})
    assert error_of(e) == ("InvalidParameter", 400, "Invalid parameter: Topic Name")
    for name in ("orders", "bad name!.fifo", ".fifo"):
        with pytest.raises(botocore.exceptions.ClientError) as e:
            sns.create_topic(Name=name, Attributes={"FifoTopic": "true"})
        code, status, message = error_of(e)
        assert (code, status) == ("InvalidParameter", 400), name
        assert message.startswith("Fifo Topic names must end with .fifo"), message
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sns.create_topic(Name="plain", Attributes={"ContentBasedDeduplication": "true"})
    assert error_of(e)[:2] == ("InvalidParameter", 400)
    assert sns.list_topics()["Topics"] == []

    arn = sns.create_topic(Name="orders.fifo", Attributes={"FifoTopic": "true"})["TopicArn"]
    assert arn.endswith(":orders.fifo")
    # Idempotent, with the same attributes or none.
    assert sns.create_topic(Name="orders.fifo", Attributes={"FifoTopic": "true"})["TopicArn"] == arn
    a = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert a["FifoTopic"] == "true"
    assert a["ContentBasedDeduplication"] == "false"
    # The type is fixed; content-based deduplication may change on a FIFO topic only.
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sns.set_topic_attributes(TopicArn=arn, AttributeName="FifoTopic", AttributeValue="false")
    assert error_of(e)[:2] == ("InvalidParameter", 400)
    sns.set_topic_attributes(TopicArn=arn, AttributeName="ContentBasedDeduplication",
                             AttributeValue="true")
    a = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert a["ContentBasedDeduplication"] == "true"
    standard = sns.create_topic(Name="plain")["TopicArn"]
    assert "FifoTopic" not in sns.get_topic_attributes(TopicArn=standard)["Attributes"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sns.set_topic_attributes(TopicArn=standard, AttributeName="ContentBasedDeduplication",
                                 AttributeValue="true")
    assert error_of(e)[:2] == ("InvalidParameter", 400)


def test_subscriptions_must_match_the_topic_type(sns, sqs):
    fifo = sns.create_topic(Name="t.fifo", Attributes={"FifoTopic": "true"})["TopicArn"]
    standard = sns.create_topic(Name="t")["TopicArn"]
    fifo_queue(sqs, "q.fifo")
    sqs.create_queue(QueueName="q")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sns.subscribe(TopicArn=standard, Protocol="sqs", Endpoint=queue_arn("q.fifo"))
    assert error_of(e) == ("InvalidParameter", 400,
                           "Invalid parameter: Invalid parameter: Endpoint Reason: FIFO SQS "
                           "Queues can not be subscribed to standard SNS topics")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sns.subscribe(TopicArn=fifo, Protocol="sqs", Endpoint=queue_arn("q"))
    assert error_of(e) == ("InvalidParameter", 400,
                           "Invalid parameter: Invalid parameter: Endpoint Reason: Please use "
                           "FIFO SQS queue")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sns.subscribe(TopicArn=fifo, Protocol="http", Endpoint="http://127.0.0.1:9/x")
    assert error_of(e)[:2] == ("InvalidParameter", 400)
    assert sns.list_subscriptions()["Subscriptions"] == []
    sns.subscribe(TopicArn=fifo, Protocol="sqs", Endpoint=queue_arn("q.fifo"))
    sns.subscribe(TopicArn=standard, Protocol="sqs", Endpoint=queue_arn("q"))
    assert len(sns.list_subscriptions()["Subscriptions"]) == 2


def test_publish_requires_the_fifo_parameters(sns):
    fifo = sns.create_topic(Name="p.fifo", Attributes={"FifoTopic": "true"})["TopicArn"]
    standard = sns.create_topic(Name="p")["TopicArn"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sns.publish(TopicArn=fifo, Message="x", MessageDeduplicationId="d")
    assert error_of(e) == ("InvalidParameter", 400, "Invalid parameter: The MessageGroupId "
                           "parameter is required for FIFO topics")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sns.publish(TopicArn=fifo, Message="x", MessageGroupId="g")
    assert error_of(e) == ("InvalidParameter", 400, "Invalid parameter: The topic should either "
                           "have ContentBasedDeduplication enabled or MessageDeduplicationId "
                           "provided explicitly")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sns.publish(TopicArn=fifo, Message="x", MessageGroupId="g g\n", MessageDeduplicationId="d")
    assert error_of(e)[:2] == ("InvalidParameter", 400)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sns.publish(TopicArn=standard, Message="x", MessageDeduplicationId="d")
    assert error_of(e) == ("InvalidParameter", 400, "Invalid parameter: MessageDeduplicationId "
                           "Reason: The request includes MessageDeduplicationId parameter that "
                           "is not valid for this topic type")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sns.publish_batch(TopicArn=fifo, PublishBatchRequestEntries=[
            {"Id": "a", "Message": "x", "MessageGroupId": "g", "MessageDeduplicationId": "1"},
            {"Id": "b", "Message": "y", "MessageDeduplicationId": "2"}])
    assert error_of(e) == ("InvalidParameter", 400, "Invalid parameter: The MessageGroupId "
                           "parameter is required for FIFO topics")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sns.publish_batch(TopicArn=fifo, PublishBatchRequestEntries=[
            {"Id": "a", "Message": "x", "MessageGroupId": "g"}])
    assert error_of(e)[:2] == ("InvalidParameter", 400)
    # A standard topic takes a MessageGroupId (AWS forwards it to standard queues) and answers
    # no SequenceNumber.
    r = sns.publish(TopicArn=standard, Message="x", MessageGroupId="g")
    assert "SequenceNumber" not in r


def test_groups_keep_their_order_in_every_fifo_queue(sns, sqs):
    topic = sns.create_topic(Name="orders.fifo", Attributes={"FifoTopic": "true"})["TopicArn"]
    raw_url = fifo_queue(sqs, "raw.fifo")
    env_url = fifo_queue(sqs, "env.fifo")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn("raw.fifo"),
                  Attributes={"RawMessageDelivery": "true"})
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn("env.fifo"))

    sent = {"a": [], "b": [], "c": []}
    sequence = []
    n = 0
    for i in range(6):
        for group in ("a", "b", "c"):
            body = "%s-%d" % (group, i)
            r = sns.publish(TopicArn=topic, Message=body, MessageGroupId=group,
                            MessageDeduplicationId="d%d" % n)
            n += 1
            sent[group].append(body)
            sequence.append(int(r["SequenceNumber"]))
    # And a batch, whose entries keep their order too.
    entries = [{"Id": "e%d" % i, "Message": "a-batch-%d" % i, "MessageGroupId": "a",
                "MessageDeduplicationId": "batch-%d" % i} for i in range(4)]
    r = sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=entries)
    assert r["Failed"] == []
    assert [s["Id"] for s in r["Successful"]] == ["e0", "e1", "e2", "e3"]
    sequence += [int(s["SequenceNumber"]) for s in r["Successful"]]
    sent["a"] += ["a-batch-%d" % i for i in range(4)]
    assert sequence == sorted(sequence) and len(set(sequence)) == len(sequence)

    total = sum(len(v) for v in sent.values())
    for url, raw in ((raw_url, True), (env_url, False)):
        got = drain(sqs, url, total)
        assert len(got) == total
        by_group = {"a": [], "b": [], "c": []}
        for m in got:
            body = m["Body"] if raw else json.loads(m["Body"])["Message"]
            group = m["Attributes"]["MessageGroupId"]
            assert body.startswith(group + "-")
            assert m["Attributes"]["MessageDeduplicationId"]
            by_group[group].append(body)
        assert by_group == sent
        if not raw:
            envelope = json.loads(got[0]["Body"])
            assert envelope["TopicArn"] == topic
            assert envelope["SequenceNumber"].isdigit()


def test_a_repeated_deduplication_id_is_accepted_and_not_fanned_out(sns, sqs):
    topic = sns.create_topic(Name="d.fifo", Attributes={"FifoTopic": "true"})["TopicArn"]
    url1 = fifo_queue(sqs, "one.fifo")
    url2 = fifo_queue(sqs, "two.fifo")
    for name in ("one.fifo", "two.fifo"):
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn(name),
                      Attributes={"RawMessageDelivery": "true"})
    first = sns.publish(TopicArn=topic, Message="first", MessageGroupId="g",
                        MessageDeduplicationId="same")
    again = sns.publish(TopicArn=topic, Message="again", MessageGroupId="g",
                        MessageDeduplicationId="same")
    # The duplicate is answered as the original was.
    assert again["MessageId"] == first["MessageId"]
    assert again["SequenceNumber"] == first["SequenceNumber"]
    r = sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=[
        {"Id": "x", "Message": "third", "MessageGroupId": "g", "MessageDeduplicationId": "same"},
        {"Id": "y", "Message": "fourth", "MessageGroupId": "h",
         "MessageDeduplicationId": "other"}])
    assert [s["MessageId"] for s in r["Successful"]][0] == first["MessageId"]
    for url in (url1, url2):
        got = drain(sqs, url, 2)
        assert sorted(m["Body"] for m in got) == ["first", "fourth"]
        dedup = {m["Body"]: m["Attributes"]["MessageDeduplicationId"] for m in got}
        assert dedup == {"first": "same", "fourth": "other"}

    # Content-based: the SHA-256 of the body is the id.
    cbd = sns.create_topic(Name="c.fifo", Attributes={
        "FifoTopic": "true", "ContentBasedDeduplication": "true"})["TopicArn"]
    url3 = fifo_queue(sqs, "three.fifo")
    sns.subscribe(TopicArn=cbd, Protocol="sqs", Endpoint=queue_arn("three.fifo"),
                  Attributes={"RawMessageDelivery": "true"})
    a = sns.publish(TopicArn=cbd, Message="same body", MessageGroupId="g")
    b = sns.publish(TopicArn=cbd, Message="same body", MessageGroupId="g")
    c = sns.publish(TopicArn=cbd, Message="other body", MessageGroupId="g")
    assert a["MessageId"] == b["MessageId"] != c["MessageId"]
    assert [m["Body"] for m in drain(sqs, url3, 2)] == ["same body", "other body"]


def test_fifo_topic_and_its_deduplication_survive_restart(sns_broker):
    sns, sqs = client(sns_broker, "sns"), client(sns_broker, "sqs")
    topic = sns.create_topic(Name="r.fifo", Attributes={
        "FifoTopic": "true", "ContentBasedDeduplication": "true"})["TopicArn"]
    url = fifo_queue(sqs, "r.fifo")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn("r.fifo"),
                  Attributes={"RawMessageDelivery": "true"})
    sns.publish(TopicArn=topic, Message="once", MessageGroupId="g")
    sns_broker.kill()
    sns_broker.start(same_ports=True)
    sns, sqs = client(sns_broker, "sns"), client(sns_broker, "sqs")
    a = sns.get_topic_attributes(TopicArn=topic)["Attributes"]
    assert (a["FifoTopic"], a["ContentBasedDeduplication"]) == ("true", "true")
    with pytest.raises(botocore.exceptions.ClientError):
        sns.publish(TopicArn=topic, Message="x")
    # The queue still holds the first publish, so it still drops its repeat.
    sns.publish(TopicArn=topic, Message="once", MessageGroupId="g")
    sns.publish(TopicArn=topic, Message="twice", MessageGroupId="g")
    assert [m["Body"] for m in drain(sqs, url, 2)] == ["once", "twice"]
