"""What a client sets on a topic or a subscription after creating it (SetTopicAttributes,
TagResource, UntagResource, SetSubscriptionAttributes) is answered once it is on disk: it
survives a clean restart and a kill -9 right after the answer, as what CreateTopic and
Subscribe were given does."""

import json

import pytest

from conftest import client, queue_arn

POLICY = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Sid": "all", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "SNS:Publish",
    "Resource": "*"}]})
DELIVERY = json.dumps({"http": {"defaultHealthyRetryPolicy": {
    "minDelayTarget": 5, "maxDelayTarget": 10, "numRetries": 7}}})


def restart(broker, how):
    if how == "kill":
        broker.kill()
    else:
        broker.stop()
    broker.start(same_ports=True)
    return client(broker, "sns"), client(broker, "sqs")


@pytest.mark.parametrize("how", ["stop", "kill"])
def test_topic_attributes_and_tags_survive_restart(sns_broker, how):
    sns = client(sns_broker, "sns")
    topic = sns.create_topic(Name="settings", Attributes={"DisplayName": "first"},
                             Tags=[{"Key": "gone", "Value": "soon"},
                                   {"Key": "kept", "Value": "1"}])["TopicArn"]
    sns.set_topic_attributes(TopicArn=topic, AttributeName="DisplayName",
                             AttributeValue="second")
    sns.set_topic_attributes(TopicArn=topic, AttributeName="Policy", AttributeValue=POLICY)
    sns.set_topic_attributes(TopicArn=topic, AttributeName="DeliveryPolicy",
                             AttributeValue=DELIVERY)
    sns.set_topic_attributes(TopicArn=topic, AttributeName="KmsMasterKeyId",
                             AttributeValue="alias/aws/sns")
    sns.set_topic_attributes(TopicArn=topic, AttributeName="KmsMasterKeyId",
                             AttributeValue="alias/other")
    sns.set_topic_attributes(TopicArn=topic, AttributeName="TracingConfig",
                             AttributeValue="Active")
    # An empty value removes the attribute; the removal must be durable too.
    sns.set_topic_attributes(TopicArn=topic, AttributeName="TracingConfig", AttributeValue="")
    sns.tag_resource(ResourceArn=topic, Tags=[{"Key": "team", "Value": "blue"},
                                              {"Key": "kept", "Value": "2"}])
    sns.untag_resource(ResourceArn=topic, TagKeys=["gone"])

    sns, _ = restart(sns_broker, how)

    a = sns.get_topic_attributes(TopicArn=topic)["Attributes"]
    assert a["DisplayName"] == "second"
    assert json.loads(a["Policy"]) == json.loads(POLICY)
    assert json.loads(a["DeliveryPolicy"]) == json.loads(DELIVERY)
    assert a["KmsMasterKeyId"] == "alias/other"
    assert "TracingConfig" not in a
    tags = sns.list_tags_for_resource(ResourceArn=topic)["Tags"]
    assert sorted((t["Key"], t["Value"]) for t in tags) == [("kept", "2"), ("team", "blue")]

    # Changes after the restart are kept over the restored ones, through a second restart.
    sns.set_topic_attributes(TopicArn=topic, AttributeName="DisplayName", AttributeValue="third")
    sns.untag_resource(ResourceArn=topic, TagKeys=["team"])
    sns, _ = restart(sns_broker, how)
    assert sns.get_topic_attributes(TopicArn=topic)["Attributes"]["DisplayName"] == "third"
    assert sns.list_tags_for_resource(ResourceArn=topic)["Tags"] == [
        {"Key": "kept", "Value": "2"}]
    # Deleted is deleted: a topic of the same name starts without them.
    sns.delete_topic(TopicArn=topic)
    sns, _ = restart(sns_broker, how)
    topic = sns.create_topic(Name="settings")["TopicArn"]
    assert sns.get_topic_attributes(TopicArn=topic)["Attributes"]["DisplayName"] == ""
    assert sns.list_tags_for_resource(ResourceArn=topic)["Tags"] == []


@pytest.mark.parametrize("how", ["stop", "kill"])
def test_subscription_attributes_survive_restart(sns_broker, how):
    sns, sqs = client(sns_broker, "sns"), client(sns_broker, "sqs")
    topic = sns.create_topic(Name="subs")["TopicArn"]
    url = sqs.create_queue(QueueName="q")["QueueUrl"]
    sub = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn("q"))["SubscriptionArn"]
    sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="RawMessageDelivery",
                                    AttributeValue="true")
    sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="FilterPolicyScope",
                                    AttributeValue="MessageBody")
    sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="FilterPolicy",
                                    AttributeValue=json.dumps({"kind": ["keep"]}))

    sns, sqs = restart(sns_broker, how)

    a = sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]
    assert a["RawMessageDelivery"] == "true"
    assert a["FilterPolicyScope"] == "MessageBody"
    assert json.loads(a["FilterPolicy"]) == {"kind": ["keep"]}
    assert len(sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]) == 1
    # And they act: the body filter lets one through, raw.
    for kind in ("drop", "keep"):
        sns.publish(TopicArn=topic, Message=json.dumps({"kind": kind}))
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)["Messages"]
    assert [json.loads(m["Body"]) for m in got] == [{"kind": "keep"}]
