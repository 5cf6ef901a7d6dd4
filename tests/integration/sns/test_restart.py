"""Topics and subscriptions (with their filter policies and raw flags) are durable
definitions: they survive a broker restart, and so does a published message."""

import json

from conftest import client, queue_arn


def test_subscriptions_survive_restart(sns_broker):
    sns, sqs = client(sns_broker, "sns"), client(sns_broker, "sqs")
    topic = sns.create_topic(Name="durable")["TopicArn"]
    raw_url = sqs.create_queue(QueueName="raw")["QueueUrl"]
    env_url = sqs.create_queue(QueueName="env")["QueueUrl"]
    raw_sub = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn("raw"),
                            Attributes={"RawMessageDelivery": "true",
                                        "FilterPolicy": json.dumps({"k": ["keep"]})}
                            )["SubscriptionArn"]
    env_sub = sns.subscribe(TopicArn=topic, Protocol="sqs",
                            Endpoint=queue_arn("env"))["SubscriptionArn"]
    sns.publish(TopicArn=topic, Message="before",
                MessageAttributes={"k": {"DataType": "String", "StringValue": "keep"}})

    sns_broker.stop()
    sns_broker.start(same_ports=True)
    sns, sqs = client(sns_broker, "sns"), client(sns_broker, "sqs")

    assert [t["TopicArn"] for t in sns.list_topics()["Topics"]] == [topic]
    subs = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    assert sorted(s["SubscriptionArn"] for s in subs) == sorted([raw_sub, env_sub])
    a = sns.get_subscription_attributes(SubscriptionArn=raw_sub)["Attributes"]
    assert a["RawMessageDelivery"] == "true"
    assert json.loads(a["FilterPolicy"]) == {"k": ["keep"]}

    # The message published before the restart is still there, rendered as before.
    m = sqs.receive_message(QueueUrl=raw_url, WaitTimeSeconds=1)["Messages"][0]
    assert m["Body"] == "before"
    sqs.delete_message(QueueUrl=raw_url, ReceiptHandle=m["ReceiptHandle"])
    m = sqs.receive_message(QueueUrl=env_url, WaitTimeSeconds=1)["Messages"][0]
    assert json.loads(m["Body"])["Message"] == "before"
    sqs.delete_message(QueueUrl=env_url, ReceiptHandle=m["ReceiptHandle"])

    # The restored filter policy still filters.
    for v in ("keep", "drop"):
        sns.publish(TopicArn=topic, Message=v,
                    MessageAttributes={"k": {"DataType": "String", "StringValue": v}})
    got = sqs.receive_message(QueueUrl=raw_url, MaxNumberOfMessages=10,
                              WaitTimeSeconds=1)["Messages"]
    assert [x["Body"] for x in got] == ["keep"]
    assert len(sqs.receive_message(QueueUrl=env_url, MaxNumberOfMessages=10,
                                   WaitTimeSeconds=1)["Messages"]) >= 1
