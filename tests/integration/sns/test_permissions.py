"""Per-vhost permissions on SNS: the access key id is the PolyMQ user, its grant in the SQS/SNS
vhost ('/') is set through the management API. Topics are exchanges and subscriptions bindings,
so each action needs what RabbitMQ's model gives the AMQP equivalent (docs/compatibility.md,
"Permissions"): configure to create, change and delete a topic, write to publish, read on the
topic and write on the queue to subscribe a queue. A refusal is AWS's AuthorizationError
(403)."""

import pytest
from botocore.exceptions import ClientError

from conftest import ACCOUNT, REGION, client, queue_arn
from management_api import Api

NOTHING = {"configure": "", "write": "", "read": ""}


@pytest.fixture
def broker(make_broker):
    return make_broker(sqs=True, management=True).start()


@pytest.fixture
def api(broker):
    return Api(broker)


@pytest.fixture
def guest(broker):
    """guest's (sns, sqs) clients."""
    return client(broker, "sns"), client(broker, "sqs")


@pytest.fixture
def bob(broker, api):
    """A boto3 SNS client of the user bob (password 'pw'), who has no grant yet."""
    assert api.put("/users/bob", {"password": "pw", "tags": ""}).status_code == 201
    return client(broker, "sns", key="bob", secret="pw")


def grant(api, **patterns):
    assert api.put("/permissions/%2F/bob", dict(NOTHING, **patterns)).status_code in (201, 204)


def denied(fn, **kw):
    """Runs fn(**kw), which must be refused; returns AWS's error message."""
    with pytest.raises(ClientError) as e:
        fn(**kw)
    assert e.value.response["Error"]["Code"] == "AuthorizationError"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    return e.value.response["Error"]["Message"]


def topic_arn(name):
    return "arn:aws:sns:%s:%s:%s" % (REGION, ACCOUNT, name)


def text(action, resource):
    return ("User: arn:aws:iam::%s:user/bob is not authorized to perform: SNS:%s on resource: %s"
            % (ACCOUNT, action, resource))


def count(sqs, url):
    return int(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
        "ApproximateNumberOfMessages"])["Attributes"]["ApproximateNumberOfMessages"])


def test_a_user_without_a_grant_is_refused_everything(api, guest, bob):
    sns, sqs = guest
    t = sns.create_topic(Name="t")["TopicArn"]
    sqs.create_queue(QueueName="q")
    sub = sns.subscribe(TopicArn=t, Protocol="sqs", Endpoint=queue_arn("q"))["SubscriptionArn"]
    everything = "arn:aws:sns:%s:%s:*" % (REGION, ACCOUNT)
    assert denied(bob.list_topics) == text("ListTopics", everything)
    assert denied(bob.create_topic, Name="mine") == text("CreateTopic", everything)
    assert denied(bob.publish, TopicArn=t, Message="m") == text("Publish", everything)
    denied(bob.get_topic_attributes, TopicArn=t)
    denied(bob.delete_topic, TopicArn=t)
    denied(bob.subscribe, TopicArn=t, Protocol="sqs", Endpoint=queue_arn("q"))
    denied(bob.unsubscribe, SubscriptionArn=sub)
    denied(bob.list_subscriptions)
    denied(bob.list_tags_for_resource, ResourceArn=t)
    assert [x["TopicArn"] for x in sns.list_topics()["Topics"]] == [t]
    assert len(sns.list_subscriptions()["Subscriptions"]) == 1

    grant(api, configure=".*", write=".*", read=".*")
    assert [x["TopicArn"] for x in bob.list_topics()["Topics"]] == [t]
    assert api.delete("/permissions/%2F/bob").status_code == 204
    denied(bob.list_topics)


def test_a_grant_with_empty_patterns_opens_the_vhost_only(api, guest, bob):
    sns, sqs = guest
    t = sns.create_topic(Name="t", Tags=[{"Key": "k", "Value": "v"}])["TopicArn"]
    sqs.create_queue(QueueName="q")
    sub = sns.subscribe(TopicArn=t, Protocol="sqs", Endpoint=queue_arn("q"))["SubscriptionArn"]
    grant(api)
    assert [x["TopicArn"] for x in bob.list_topics()["Topics"]] == [t]
    assert bob.get_topic_attributes(TopicArn=t)["Attributes"]["TopicArn"] == t
    assert bob.list_tags_for_resource(ResourceArn=t)["Tags"] == [{"Key": "k", "Value": "v"}]
    assert [s["SubscriptionArn"] for s in bob.list_subscriptions()["Subscriptions"]] == [sub]
    assert [s["SubscriptionArn"]
            for s in bob.list_subscriptions_by_topic(TopicArn=t)["Subscriptions"]] == [sub]
    assert bob.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]["Endpoint"] == (
        queue_arn("q"))
    assert denied(bob.publish, TopicArn=t, Message="m") == text("Publish", t)
    # Checked before the lookup, as in RabbitMQ.
    assert denied(bob.delete_topic, TopicArn=topic_arn("none")) == (
        text("DeleteTopic", topic_arn("none")))


def test_configure_only(api, guest, bob):
    sns, sqs = guest
    grant(api, configure=".*")
    t = bob.create_topic(Name="c")["TopicArn"]
    assert bob.create_topic(Name="c")["TopicArn"] == t
    bob.set_topic_attributes(TopicArn=t, AttributeName="DisplayName", AttributeValue="C")
    bob.tag_resource(ResourceArn=t, Tags=[{"Key": "k", "Value": "v"}])
    bob.untag_resource(ResourceArn=t, TagKeys=["k"])
    sqs.create_queue(QueueName="q")
    denied(bob.publish, TopicArn=t, Message="m")
    denied(bob.publish_batch, TopicArn=t,
           PublishBatchRequestEntries=[{"Id": "1", "Message": "m"}])
    assert denied(bob.subscribe, TopicArn=t, Protocol="sqs", Endpoint=queue_arn("q")) == (
        text("Subscribe", t))
    bob.delete_topic(TopicArn=t)
    assert sns.list_topics()["Topics"] == []


def test_write_only(api, guest, bob):
    sns, sqs = guest
    t = sns.create_topic(Name="w")["TopicArn"]
    q = sqs.create_queue(QueueName="q")["QueueUrl"]
    sns.subscribe(TopicArn=t, Protocol="sqs", Endpoint=queue_arn("q"),
                  Attributes={"RawMessageDelivery": "true"})
    grant(api, write=".*")
    bob.publish(TopicArn=t, Message="one")
    assert len(bob.publish_batch(TopicArn=t, PublishBatchRequestEntries=[
        {"Id": "1", "Message": "two"}])["Successful"]) == 1
    assert count(sqs, q) == 2

    denied(bob.create_topic, Name="w2")
    denied(bob.set_topic_attributes, TopicArn=t, AttributeName="DisplayName",
           AttributeValue="W")
    denied(bob.tag_resource, ResourceArn=t, Tags=[{"Key": "k", "Value": "v"}])
    denied(bob.delete_topic, TopicArn=t)
    # Write on the queue but not read on the topic.
    denied(bob.subscribe, TopicArn=t, Protocol="sqs", Endpoint=queue_arn("q"))


def test_subscribing_a_queue_needs_read_on_the_topic_and_write_on_the_queue(api, guest, bob):
    sns, sqs = guest
    t = sns.create_topic(Name="t")["TopicArn"]
    q = sqs.create_queue(QueueName="q")["QueueUrl"]
    sqs.create_queue(QueueName="other")
    grant(api, read="^t$", write="^q$")
    sub = bob.subscribe(TopicArn=t, Protocol="sqs", Endpoint=queue_arn("q"),
                        ReturnSubscriptionArn=True)["SubscriptionArn"]
    assert denied(bob.subscribe, TopicArn=t, Protocol="sqs", Endpoint=queue_arn("other")) == (
        text("Subscribe", queue_arn("other")))
    bob.set_subscription_attributes(SubscriptionArn=sub, AttributeName="RawMessageDelivery",
                                    AttributeValue="true")
    sns.publish(TopicArn=t, Message="hello")
    assert sqs.receive_message(QueueUrl=q, WaitTimeSeconds=1)["Messages"][0]["Body"] == "hello"
    # Read on the topic is not enough to change or remove it.
    grant(api, read="^t$")
    assert denied(bob.unsubscribe, SubscriptionArn=sub) == text("Unsubscribe", queue_arn("q"))
    denied(bob.set_subscription_attributes, SubscriptionArn=sub,
           AttributeName="RawMessageDelivery", AttributeValue="false")
    grant(api, write="^q$")
    assert denied(bob.unsubscribe, SubscriptionArn=sub) == text("Unsubscribe", t)
    grant(api, read="^t$", write="^q$")
    bob.unsubscribe(SubscriptionArn=sub)
    assert sns.list_subscriptions()["Subscriptions"] == []


def test_http_subscriptions_need_read_on_the_topic(api, guest, bob):
    sns, _ = guest
    t = sns.create_topic(Name="t")["TopicArn"]
    grant(api, write=".*")
    denied(bob.subscribe, TopicArn=t, Protocol="http", Endpoint="http://127.0.0.1:9/hook")
    grant(api, read="^t$")
    sub = bob.subscribe(TopicArn=t, Protocol="http", Endpoint="http://127.0.0.1:9/hook",
                        ReturnSubscriptionArn=True)["SubscriptionArn"]
    assert sub.startswith(t + ":")
    bob.unsubscribe(SubscriptionArn=sub)
    assert sns.list_subscriptions()["Subscriptions"] == []


def test_guest_is_unaffected(guest):
    sns, sqs = guest
    t = sns.create_topic(Name="g")["TopicArn"]
    q = sqs.create_queue(QueueName="gq")["QueueUrl"]
    sub = sns.subscribe(TopicArn=t, Protocol="sqs", Endpoint=queue_arn("gq"),
                        ReturnSubscriptionArn=True)["SubscriptionArn"]
    sns.publish(TopicArn=t, Message="m")
    assert count(sqs, q) == 1
    sns.unsubscribe(SubscriptionArn=sub)
    sns.delete_topic(TopicArn=t)
