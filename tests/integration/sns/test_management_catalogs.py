"""SQS queues, SNS topics and their subscriptions in the management API, where RabbitMQ has no
equivalent: /api/polymq/sqs/queues, /api/polymq/sns/topics and /api/polymq/sns/subscriptions,
made and changed with python3-boto3 and read with python3-requests."""

import json
import os
import sys

import pytest

from conftest import ACCOUNT, client, queue_arn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))

from management_api import Api  # noqa: E402


@pytest.fixture
def broker(make_broker):
    return make_broker(sqs=True, management=True).start()


def get_json(api, path, status=200):
    r = api.get(path)
    assert r.status_code == status, (path, r.status_code, r.text)
    return r.json()


def test_queues_topics_and_subscriptions_are_listed(broker):
    sqs = client(broker, "sqs")
    sns = client(broker, "sns")
    api = Api(broker)
    dlq = sqs.create_queue(QueueName="orders-dlq")["QueueUrl"]
    orders = sqs.create_queue(QueueName="orders", Attributes={
        "VisibilityTimeout": "45",
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": queue_arn("orders-dlq"),
                                     "maxReceiveCount": "3"})}, tags={"team": "billing"})["QueueUrl"]
    sqs.create_queue(QueueName="jobs.fifo", Attributes={"FifoQueue": "true"})
    for i in range(3):
        sqs.send_message(QueueUrl=orders, MessageBody="m%d" % i)
    received = sqs.receive_message(QueueUrl=orders, MaxNumberOfMessages=1)["Messages"]
    assert len(received) == 1

    queue = get_json(api, "/polymq/sqs/queues/%2F/orders")
    assert queue["url_path"] == "/%s/orders" % ACCOUNT
    assert queue["fifo"] is False
    assert queue["attributes"]["ApproximateNumberOfMessages"] == "2"
    assert queue["attributes"]["ApproximateNumberOfMessagesNotVisible"] == "1"
    assert queue["attributes"]["VisibilityTimeout"] == "45"
    assert queue["dead_letter_queue"] == "orders-dlq"
    assert queue["tags"] == {"team": "billing"}
    # The attributes are GetQueueAttributes' own, less the ARN (its region is per request).
    aws = sqs.get_queue_attributes(QueueUrl=orders, AttributeNames=["All"])["Attributes"]
    del aws["QueueArn"]
    assert queue["attributes"] == aws
    queues = get_json(api, "/polymq/sqs/queues?sort=name")
    assert [(q["name"], q["fifo"]) for q in queues] == [
        ("jobs.fifo", True), ("orders", False), ("orders-dlq", False)]
    assert dlq.endswith("/orders-dlq")

    topic_arn = sns.create_topic(Name="events", Attributes={"DisplayName": "Events"})["TopicArn"]
    sub_arn = sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn("orders"),
                            Attributes={"RawMessageDelivery": "true",
                                        "FilterPolicy": json.dumps({"kind": ["order"]})},
                            ReturnSubscriptionArn=True)["SubscriptionArn"]
    topic = get_json(api, "/polymq/sns/topics/%2F/events")
    assert topic["fifo"] is False
    assert topic["attributes"]["DisplayName"] == "Events"
    assert topic["subscriptions_confirmed"] == 1
    assert topic["subscriptions_pending"] == 0
    subs = get_json(api, "/polymq/sns/subscriptions/%2F")
    assert len(subs) == 1
    sub = subs[0]
    assert sub_arn.endswith(":" + sub["name"])
    assert (sub["topic"], sub["protocol"], sub["endpoint"]) == ("events", "sqs", "orders")
    assert sub["raw_message_delivery"] is True
    assert json.loads(sub["filter_policy"]) == {"kind": ["order"]}

    catalogs = [c["name"] for c in get_json(api, "/polymq")]
    assert catalogs == ["sns/subscriptions", "sns/topics", "sqs/queues"]  # Kafka is off here

    # Deleted through SQS and SNS, gone from the API.
    sns.unsubscribe(SubscriptionArn=sub_arn)
    sqs.delete_queue(QueueUrl=orders)
    get_json(api, "/polymq/sqs/queues/%2F/orders", status=404)
    assert get_json(api, "/polymq/sns/subscriptions") == []
