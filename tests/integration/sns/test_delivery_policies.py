"""DeliveryPolicy and RedrivePolicy of http subscriptions: the local endpoint (the Receiver of
test_http_subscriptions.py) refuses POSTs with 500 a number of times; the policy's retries and
delays are applied, and a message still refused when they are exhausted goes to the
subscription's dead-letter queue. Timings are asserted as loose lower bounds only."""

import json
import time

import botocore.exceptions
import pytest

from conftest import client, queue_arn
from test_http_subscriptions import receiver, subscribe_and_confirm  # noqa: F401

FAST = {"healthyRetryPolicy": {"minDelayTarget": 1, "maxDelayTarget": 1, "numRetries": 2}}


def receive_one(sqs, url, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=2,
                                  MessageAttributeNames=["All"]).get("Messages", [])
        if got:
            return got[0]
    raise AssertionError("nothing reached %s" % url)


def notification_tries(receiver):
    return [t for t in receiver.tries
            if t[1].get("x-amz-sns-message-type") == "Notification"]


def test_dead_letter_after_retries_exhausted(sns_broker, receiver):
    sns, sqs = client(sns_broker, "sns"), client(sns_broker, "sqs")
    dlq = sqs.create_queue(QueueName="hooks-dlq")["QueueUrl"]
    topic = sns.create_topic(Name="dlq-topic")["TopicArn"]
    arn = subscribe_and_confirm(
        sns, topic, receiver, DeliveryPolicy=json.dumps(FAST),
        RedrivePolicy=json.dumps({"deadLetterTargetArn": queue_arn("hooks-dlq")}))
    a = sns.get_subscription_attributes(SubscriptionArn=arn)["Attributes"]
    assert json.loads(a["RedrivePolicy"]) == {"deadLetterTargetArn": queue_arn("hooks-dlq")}
    assert json.loads(a["DeliveryPolicy"]) == FAST

    receiver.statuses = [500] * 10
    sns.publish(TopicArn=topic, Message="undeliverable", Subject="s")
    m = receive_one(sqs, dlq)
    envelope = json.loads(m["Body"])
    assert envelope["Type"] == "Notification" and envelope["Message"] == "undeliverable"
    assert envelope["TopicArn"] == topic and envelope["Subject"] == "s"
    assert arn in envelope["UnsubscribeURL"]
    tries = notification_tries(receiver)
    assert [status for _, _, status in tries] == [500, 500, 500]
    # 1 s between the tries (the policy's delays), no retry after the last one.
    assert tries[1][0] - tries[0][0] >= 0.9 and tries[2][0] - tries[1][0] >= 0.9
    receiver.nothing_within(2)
    assert len(notification_tries(receiver)) == 3
    sqs.delete_message(QueueUrl=dlq, ReceiptHandle=m["ReceiptHandle"])
    assert sqs.receive_message(QueueUrl=dlq, WaitTimeSeconds=1).get("Messages", []) == []


def test_raw_dead_letter_keeps_body_and_attributes(sns_broker, receiver):
    sns, sqs = client(sns_broker, "sns"), client(sns_broker, "sqs")
    dlq = sqs.create_queue(QueueName="raw-dlq")["QueueUrl"]
    topic = sns.create_topic(Name="raw-dlq-topic")["TopicArn"]
    subscribe_and_confirm(sns, topic, receiver, RawMessageDelivery="true",
                          DeliveryPolicy=json.dumps(FAST),
                          RedrivePolicy=json.dumps({"deadLetterTargetArn": queue_arn("raw-dlq")}))
    receiver.statuses = [500] * 10
    sns.publish(TopicArn=topic, Message="raw body",
                MessageAttributes={"color": {"DataType": "String", "StringValue": "red"}})
    m = receive_one(sqs, dlq)
    assert m["Body"] == "raw body"
    assert m["MessageAttributes"]["color"] == {"DataType": "String", "StringValue": "red"}


def test_delivered_when_retries_suffice(sns_broker, receiver):
    sns, sqs = client(sns_broker, "sns"), client(sns_broker, "sqs")
    dlq = sqs.create_queue(QueueName="unused-dlq")["QueueUrl"]
    topic = sns.create_topic(Name="enough")["TopicArn"]
    policy = {"healthyRetryPolicy": {"minDelayTarget": 1, "maxDelayTarget": 2, "numRetries": 5,
                                     "backoffFunction": "exponential"}}
    subscribe_and_confirm(sns, topic, receiver, DeliveryPolicy=json.dumps(policy),
                          RedrivePolicy=json.dumps({"deadLetterTargetArn": queue_arn("unused-dlq")}))
    receiver.statuses = [500, 500, 503]
    sns.publish(TopicArn=topic, Message="eventually")
    assert json.loads(receiver.next(timeout=20)[1])["Message"] == "eventually"
    assert [s for _, _, s in notification_tries(receiver)] == [500, 500, 503, 200]
    assert sqs.receive_message(QueueUrl=dlq, WaitTimeSeconds=1).get("Messages", []) == []


def test_missing_dead_letter_queue_drops(sns_broker, receiver):
    sns = client(sns_broker, "sns")
    topic = sns.create_topic(Name="no-dlq")["TopicArn"]
    subscribe_and_confirm(sns, topic, receiver, DeliveryPolicy=json.dumps(FAST),
                          RedrivePolicy=json.dumps({"deadLetterTargetArn": queue_arn("absent")}))
    receiver.statuses = [500] * 3
    sns.publish(TopicArn=topic, Message="lost")
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and len(notification_tries(receiver)) < 3:
        time.sleep(0.2)
    # Given up after its 3 tries: not tried again.
    receiver.nothing_within(3)
    assert [s for _, _, s in notification_tries(receiver)] == [500, 500, 500]
    # The broker goes on delivering.
    sns.publish(TopicArn=topic, Message="after")
    assert json.loads(receiver.next(timeout=10)[1])["Message"] == "after"


def test_header_content_type(sns_broker, receiver):
    sns = client(sns_broker, "sns")
    topic = sns.create_topic(Name="typed")["TopicArn"]
    arn = subscribe_and_confirm(sns, topic, receiver, DeliveryPolicy=json.dumps(
        {"requestPolicy": {"headerContentType": "application/json"}}))
    sns.publish(TopicArn=topic, Message="typed")
    headers, _ = receiver.next()
    assert headers["Content-Type"] == "application/json"
    sns.set_subscription_attributes(SubscriptionArn=arn, AttributeName="DeliveryPolicy",
                                    AttributeValue="")
    sns.publish(TopicArn=topic, Message="plain")
    headers, _ = receiver.next()
    assert headers["Content-Type"] == "text/plain; charset=UTF-8"


def test_topic_policy_is_the_default_and_can_forbid_overrides(sns_broker, receiver):
    sns, sqs = client(sns_broker, "sns"), client(sns_broker, "sqs")
    dlq = sqs.create_queue(QueueName="topic-dlq")["QueueUrl"]
    topic = sns.create_topic(Name="topic-policy", Attributes={"DeliveryPolicy": json.dumps(
        {"http": {"defaultHealthyRetryPolicy": {"minDelayTarget": 1, "maxDelayTarget": 1,
                                                "numRetries": 1},
                  "defaultRequestPolicy": {"headerContentType": "application/xml"}}})})["TopicArn"]
    arn = subscribe_and_confirm(
        sns, topic, receiver,
        RedrivePolicy=json.dumps({"deadLetterTargetArn": queue_arn("topic-dlq")}))
    receiver.statuses = [500] * 10
    sns.publish(TopicArn=topic, Message="one retry")
    assert json.loads(receive_one(sqs, dlq)["Body"])["Message"] == "one retry"
    tries = notification_tries(receiver)
    assert len(tries) == 2 and tries[0][1]["Content-Type"] == "application/xml"

    # The subscription's own retry policy overrides the topic's ...
    sns.set_subscription_attributes(SubscriptionArn=arn, AttributeName="DeliveryPolicy",
                                    AttributeValue=json.dumps(FAST))
    receiver.tries.clear()
    receiver.statuses = [500] * 10
    sns.publish(TopicArn=topic, Message="two retries")
    assert json.loads(receive_one(sqs, dlq)["Body"])["Message"] == "two retries"
    assert len(notification_tries(receiver)) == 3

    # ... unless the topic disables subscription overrides.
    sns.set_topic_attributes(TopicArn=topic, AttributeName="DeliveryPolicy", AttributeValue=(
        json.dumps({"http": {"defaultHealthyRetryPolicy": {
            "minDelayTarget": 1, "maxDelayTarget": 1, "numRetries": 0},
            "disableSubscriptionOverrides": True}})))
    receiver.tries.clear()
    receiver.statuses = [500] * 10
    sns.publish(TopicArn=topic, Message="no retry")
    assert json.loads(receive_one(sqs, dlq)["Body"])["Message"] == "no retry"
    assert len(notification_tries(receiver)) == 1


def test_throttle(sns_broker, receiver):
    sns = client(sns_broker, "sns")
    topic = sns.create_topic(Name="throttled")["TopicArn"]
    subscribe_and_confirm(sns, topic, receiver, DeliveryPolicy=json.dumps(
        {"throttlePolicy": {"maxReceivesPerSecond": 2}}))
    for i in range(5):
        sns.publish(TopicArn=topic, Message=str(i))
    got = sorted(json.loads(receiver.next(timeout=15)[1])["Message"] for _ in range(5))
    assert got == ["0", "1", "2", "3", "4"]
    times = [t for t, _, _ in notification_tries(receiver)]
    # 2 a second: the fifth POST at least 2 s after the first.
    assert times[-1] - times[0] >= 1.8


@pytest.mark.parametrize("how", ["stop", "kill"])
def test_policies_survive_restart(sns_broker, receiver, how):
    sns, sqs = client(sns_broker, "sns"), client(sns_broker, "sqs")
    dlq = sqs.create_queue(QueueName="durable-dlq")["QueueUrl"]
    topic = sns.create_topic(Name="durable-policies")["TopicArn"]
    arn = subscribe_and_confirm(sns, topic, receiver)
    redrive = json.dumps({"deadLetterTargetArn": queue_arn("durable-dlq")})
    sns.set_subscription_attributes(SubscriptionArn=arn, AttributeName="RedrivePolicy",
                                    AttributeValue=redrive)
    sns.set_subscription_attributes(SubscriptionArn=arn, AttributeName="DeliveryPolicy",
                                    AttributeValue=json.dumps(FAST))
    if how == "kill":
        sns_broker.kill()
    else:
        sns_broker.stop()
    sns_broker.start(same_ports=True)
    sns, sqs = client(sns_broker, "sns"), client(sns_broker, "sqs")
    a = sns.get_subscription_attributes(SubscriptionArn=arn)["Attributes"]
    assert a["RedrivePolicy"] == redrive
    assert json.loads(a["DeliveryPolicy"]) == FAST
    # And applied after the restart.
    receiver.tries.clear()
    receiver.statuses = [500] * 10
    sns.publish(TopicArn=topic, Message="after restart")
    assert json.loads(receive_one(sqs, dlq)["Body"])["Message"] == "after restart"
    assert len(notification_tries(receiver)) == 3


def error_of(call, **kwargs):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        call(**kwargs)
    assert e.value.response["Error"]["Code"] == "InvalidParameter"
    return e.value.response["Error"]["Message"]


def test_validation(sns_broker, receiver):
    sns, sqs = client(sns_broker, "sns"), client(sns_broker, "sqs")
    topic = sns.create_topic(Name="checked")["TopicArn"]
    arn = subscribe_and_confirm(sns, topic, receiver)

    def set_redrive(value):
        return error_of(sns.set_subscription_attributes, SubscriptionArn=arn,
                        AttributeName="RedrivePolicy", AttributeValue=value)

    assert set_redrive("{not json").startswith(
        "Invalid parameter: RedrivePolicy: failed to parse JSON.")
    assert set_redrive(json.dumps({})) == (
        "Invalid parameter: RedrivePolicy: deadLetterTargetArn is an invalid arn")
    assert set_redrive(json.dumps({"deadLetterTargetArn": "fake-arn"})) == (
        "Invalid parameter: RedrivePolicy: deadLetterTargetArn is an invalid arn")
    assert set_redrive(json.dumps({"deadLetterTargetArn": topic})) == (
        "Invalid parameter: RedrivePolicy: deadLetterTargetArn is an invalid arn")
    assert set_redrive(json.dumps({"deadLetterTargetArn": queue_arn("q"),
                                   "maxReceiveCount": 5})) == (
        "Invalid parameter: RedrivePolicy: invalid JSON. Attribute maxReceiveCount is unknown.")
    assert error_of(sns.subscribe, TopicArn=topic, Protocol="http",
                    Endpoint=receiver.url + "/other",
                    Attributes={"RedrivePolicy": "[]"}) == (
        "Invalid parameter: Attributes Reason: RedrivePolicy: failed to parse JSON.")

    def set_delivery(policy):
        return error_of(sns.set_subscription_attributes, SubscriptionArn=arn,
                        AttributeName="DeliveryPolicy",
                        AttributeValue=policy if isinstance(policy, str) else json.dumps(policy))

    def retry(**fields):
        base = {"minDelayTarget": 1, "maxDelayTarget": 1, "numRetries": 1}
        base.update(fields)
        return {"healthyRetryPolicy": base}

    assert set_delivery("{").startswith("Invalid parameter: DeliveryPolicy: failed to parse JSON.")
    assert "numRetries" in set_delivery(retry(numRetries=101))
    assert "minDelayTarget" in set_delivery(retry(minDelayTarget=0))
    assert "maxDelayTarget" in set_delivery(retry(maxDelayTarget=3601))
    assert "less than or equal to maxDelayTarget" in set_delivery(
        retry(minDelayTarget=5, maxDelayTarget=2))
    assert "must not exceed numRetries" in set_delivery(
        retry(numRetries=3, numNoDelayRetries=2, numMinDelayRetries=1, numMaxDelayRetries=1))
    assert "3600 seconds" in set_delivery(
        retry(minDelayTarget=100, maxDelayTarget=100, numRetries=40))
    assert "backoffFunction" in set_delivery(retry(backoffFunction="cubic"))
    assert "is unknown" in set_delivery({"healthyRetryPolicy": {"retries": 1}})
    assert "maxReceivesPerSecond" in set_delivery({"throttlePolicy": {"maxReceivesPerSecond": 0}})
    assert "headerContentType" in set_delivery({"requestPolicy": {"headerContentType": "json"}})
    assert error_of(sns.set_topic_attributes, TopicArn=topic, AttributeName="DeliveryPolicy",
                    AttributeValue=json.dumps({"http": {"defaultHealthyRetryPolicy": {
                        "numRetries": 101}}})).startswith(
        "Invalid parameter: DeliveryPolicy: defaultHealthyRetryPolicy.numRetries")
    assert error_of(sns.create_topic, Name="bad-policy", Attributes={
        "DeliveryPolicy": "nope"}).startswith("Invalid parameter: Attributes Reason: DeliveryPolicy")
    # An sqs subscription takes no DeliveryPolicy; nothing was changed by the refusals.
    sqs.create_queue(QueueName="plain")
    assert "DeliveryPolicy" in error_of(sns.subscribe, TopicArn=topic, Protocol="sqs",
                                        Endpoint=queue_arn("plain"),
                                        Attributes={"DeliveryPolicy": json.dumps(FAST)})
    a = sns.get_subscription_attributes(SubscriptionArn=arn)["Attributes"]
    assert "RedrivePolicy" not in a and "DeliveryPolicy" not in a
