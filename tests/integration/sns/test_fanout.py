"""The seed exercise: one SNS topic fanned out to three SQS queues, one raw, one filtered by a
message attribute, one plain envelope; each gets exactly what AWS delivers."""

import base64
import json
import re

from conftest import ACCOUNT, REGION, queue_arn

ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def receive_all(sqs, url, expected, attempts=5):
    got = []
    for _ in range(attempts):
        r = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                MessageAttributeNames=["All"])
        got += r.get("Messages", [])
        if len(got) >= expected:
            break
    return got


def make_queue(sqs, name):
    return sqs.create_queue(QueueName=name)["QueueUrl"]


def test_one_topic_three_queues(sns, sqs):
    topic = sns.create_topic(Name="orders")["TopicArn"]
    assert topic == "arn:aws:sns:%s:%s:orders" % (REGION, ACCOUNT)
    raw_url, red_url, plain_url = (make_queue(sqs, n) for n in ("raw", "red", "plain"))
    raw_sub = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn("raw"),
                            Attributes={"RawMessageDelivery": "true"},
                            ReturnSubscriptionArn=True)["SubscriptionArn"]
    red_sub = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn("red"),
                            Attributes={"FilterPolicy": json.dumps({"color": ["red"]})},
                            ReturnSubscriptionArn=True)["SubscriptionArn"]
    plain_sub = sns.subscribe(TopicArn=topic, Protocol="sqs",
                              Endpoint=queue_arn("plain"))["SubscriptionArn"]
    for sub in (raw_sub, red_sub, plain_sub):
        assert sub.startswith(topic + ":")

    attrs = {"color": {"DataType": "String", "StringValue": "red"},
             "size": {"DataType": "Number", "StringValue": "3"}}
    first = sns.publish(TopicArn=topic, Message="red one", Subject="Colors",
                        MessageAttributes=attrs)["MessageId"]
    second = sns.publish(TopicArn=topic, Message="blue one", MessageAttributes={
        "color": {"DataType": "String", "StringValue": "blue"}})["MessageId"]

    # Raw: the bare body, message attributes as SQS message attributes.
    raw = sorted(receive_all(sqs, raw_url, 2), key=lambda m: m["Body"])
    assert [m["Body"] for m in raw] == ["blue one", "red one"]
    assert raw[1]["MessageAttributes"] == {
        "color": {"DataType": "String", "StringValue": "red"},
        "size": {"DataType": "Number", "StringValue": "3"}}

    # Filtered: only the red one, enveloped.
    red = receive_all(sqs, red_url, 1, attempts=2)
    assert len(red) == 1
    envelope = json.loads(red[0]["Body"])
    assert envelope["Message"] == "red one"
    assert envelope["MessageId"] == first
    assert "MessageAttributes" not in red[0]  # inside the envelope, not SQS attributes

    # Plain: both, enveloped exactly as AWS does.
    plain = receive_all(sqs, plain_url, 2)
    assert len(plain) == 2
    by_message = {json.loads(m["Body"])["Message"]: m for m in plain}
    body = by_message["red one"]["Body"]
    env = json.loads(body)
    assert list(env) == ["Type", "MessageId", "TopicArn", "Subject", "Message", "Timestamp",
                         "SignatureVersion", "Signature", "SigningCertURL", "UnsubscribeURL",
                         "MessageAttributes"]
    assert env["Type"] == "Notification"
    assert env["MessageId"] == first
    assert env["TopicArn"] == topic
    assert env["Subject"] == "Colors"
    assert ISO_MS.match(env["Timestamp"]), env["Timestamp"]
    assert env["SignatureVersion"] == "1"
    base64.b64decode(env["Signature"], validate=True)
    assert env["UnsubscribeURL"].endswith("Action=Unsubscribe&SubscriptionArn=" + plain_sub)
    assert env["MessageAttributes"] == {"color": {"Type": "String", "Value": "red"},
                                        "size": {"Type": "Number", "Value": "3"}}
    blue = json.loads(by_message["blue one"]["Body"])
    assert blue["MessageId"] == second
    assert "Subject" not in blue  # only when one was given


def test_message_structure_json_and_publish_batch(sns, sqs):
    topic = sns.create_topic(Name="structured")["TopicArn"]
    url = make_queue(sqs, "q")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn("q"),
                  Attributes={"RawMessageDelivery": "true"})
    sns.publish(TopicArn=topic, MessageStructure="json",
                Message=json.dumps({"default": "for everyone", "sqs": "for sqs"}))
    sns.publish(TopicArn=topic, MessageStructure="json",
                Message=json.dumps({"default": "only default"}))
    r = sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=[
        {"Id": "a", "Message": "batch a"},
        {"Id": "b", "Message": "batch b", "MessageAttributes": {
            "k": {"DataType": "String", "StringValue": "v"}}},
        {"Id": "c", "Message": ""},
    ])
    assert sorted(e["Id"] for e in r["Successful"]) == ["a", "b"]
    assert [(e["Id"], e["Code"], e["SenderFault"]) for e in r["Failed"]] == [
        ("c", "InvalidParameter", True)]
    bodies = sorted(m["Body"] for m in receive_all(sqs, url, 4))
    assert bodies == ["batch a", "batch b", "for sqs", "only default"]


def test_filter_policy_on_message_body(sns, sqs):
    topic = sns.create_topic(Name="bodies")["TopicArn"]
    url = make_queue(sqs, "big")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn("big"), Attributes={
        "RawMessageDelivery": "true", "FilterPolicyScope": "MessageBody",
        "FilterPolicy": json.dumps({"order": {"total": [{"numeric": [">=", 100]}]}})})
    for total in (5, 150, 100):
        sns.publish(TopicArn=topic, Message=json.dumps({"order": {"total": total}}))
    sns.publish(TopicArn=topic, Message="not json")
    got = sorted(json.loads(m["Body"])["order"]["total"] for m in receive_all(sqs, url, 2))
    assert got == [100, 150]


def test_set_subscription_attributes_changes_delivery(sns, sqs):
    topic = sns.create_topic(Name="changing")["TopicArn"]
    url = make_queue(sqs, "c")
    sub = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn("c"))["SubscriptionArn"]
    sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="RawMessageDelivery",
                                    AttributeValue="true")
    sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="FilterPolicy",
                                    AttributeValue=json.dumps({"k": [{"prefix": "ye"}]}))
    a = sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]
    assert a["RawMessageDelivery"] == "true"
    assert json.loads(a["FilterPolicy"]) == {"k": [{"prefix": "ye"}]}
    assert a["FilterPolicyScope"] == "MessageAttributes"
    assert a["Protocol"] == "sqs" and a["Endpoint"] == queue_arn("c") and a["TopicArn"] == topic
    for v in ("yes", "no"):
        sns.publish(TopicArn=topic, Message=v,
                    MessageAttributes={"k": {"DataType": "String", "StringValue": v}})
    assert [m["Body"] for m in receive_all(sqs, url, 1, attempts=2)] == ["yes"]
    sns.unsubscribe(SubscriptionArn=sub)
    sns.publish(TopicArn=topic, Message="yes")
    assert receive_all(sqs, url, 1, attempts=1) == []


def test_amqp_queue_bound_to_topic_gets_the_raw_message(sns, sns_broker):
    """A topic is an exchange of the SQS vhost: an AMQP queue bound to it receives each publish
    as it was published, message attributes as headers."""
    topic = sns.create_topic(Name="shared")["TopicArn"]
    conn = sns_broker.connect()
    try:
        ch = conn.channel()
        ch.queue_declare("amqp-side", durable=True)
        ch.queue_bind("amqp-side", "shared")
        sns.publish(TopicArn=topic, Message="to amqp",
                    MessageAttributes={"kind": {"DataType": "String", "StringValue": "order"}})
        method, props, body = ch.basic_get("amqp-side", auto_ack=True)
        assert body == b"to amqp"
        assert props.headers["kind"] in (b"order", "order")
        assert props.delivery_mode == 2
    finally:
        conn.close()
