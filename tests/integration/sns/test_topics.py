"""Topics and subscriptions: create (idempotent), list with NextToken, attributes, tags,
delete; and AWS's errors for what is wrong."""

import json

import botocore.exceptions
import pytest

from conftest import ACCOUNT, REGION, client, queue_arn


def error_of(excinfo):
    e = excinfo.value.response
    return e["Error"]["Code"], e["ResponseMetadata"]["HTTPStatusCode"]


def test_create_is_idempotent_and_listed(sns):
    arn = sns.create_topic(Name="t1", Attributes={"DisplayName": "One"})["TopicArn"]
    assert sns.create_topic(Name="t1", Attributes={"DisplayName": "One"})["TopicArn"] == arn
    assert sns.create_topic(Name="t1")["TopicArn"] == arn
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sns.create_topic(Name="t1", Attributes={"DisplayName": "Other"})
    assert error_of(e) == ("InvalidParameter", 400)
    assert [t["TopicArn"] for t in sns.list_topics()["Topics"]] == [arn]


def test_list_topics_pages(sns):
    names = ["topic-%03d" % i for i in range(105)]
    for n in names:
        sns.create_topic(Name=n)
    first = sns.list_topics()
    assert len(first["Topics"]) == 100 and "NextToken" in first
    second = sns.list_topics(NextToken=first["NextToken"])
    assert "NextToken" not in second
    listed = [t["TopicArn"].rsplit(":", 1)[1] for t in first["Topics"] + second["Topics"]]
    assert listed == names
    paginated = [t for page in sns.get_paginator("list_topics").paginate() for t in page["Topics"]]
    assert len(paginated) == 105


def test_topic_attributes_and_tags(sns):
    arn = sns.create_topic(Name="attrs", Tags=[{"Key": "team", "Value": "a"}])["TopicArn"]
    a = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert a["TopicArn"] == arn and a["Owner"] == ACCOUNT
    assert a["SubscriptionsConfirmed"] == "0"
    json.loads(a["Policy"])
    sns.set_topic_attributes(TopicArn=arn, AttributeName="DisplayName", AttributeValue="Shown")
    assert sns.get_topic_attributes(TopicArn=arn)["Attributes"]["DisplayName"] == "Shown"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sns.set_topic_attributes(TopicArn=arn, AttributeName="Bogus", AttributeValue="x")
    assert error_of(e) == ("InvalidParameter", 400)

    assert sns.list_tags_for_resource(ResourceArn=arn)["Tags"] == [{"Key": "team", "Value": "a"}]
    sns.tag_resource(ResourceArn=arn, Tags=[{"Key": "env", "Value": "dev"}])
    sns.untag_resource(ResourceArn=arn, TagKeys=["team"])
    assert sns.list_tags_for_resource(ResourceArn=arn)["Tags"] == [{"Key": "env", "Value": "dev"}]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sns.list_tags_for_resource(ResourceArn=arn + "-missing")
    assert error_of(e) == ("ResourceNotFound", 404)


def test_subscriptions_listed_and_deleted_with_topic(sns, sqs):
    arn = sns.create_topic(Name="subs")["TopicArn"]
    for q in ("a", "b"):
        sqs.create_queue(QueueName=q)
    sub_a = sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue_arn("a"))["SubscriptionArn"]
    # Subscribing again with the same attributes names the same subscription.
    assert sns.subscribe(TopicArn=arn, Protocol="sqs",
                         Endpoint=queue_arn("a"))["SubscriptionArn"] == sub_a
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue_arn("a"),
                      Attributes={"RawMessageDelivery": "true"})
    assert error_of(e) == ("InvalidParameter", 400)
    sub_b = sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue_arn("b"))["SubscriptionArn"]
    by_topic = sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]
    assert sorted(s["SubscriptionArn"] for s in by_topic) == sorted([sub_a, sub_b])
    assert {s["Endpoint"] for s in by_topic} == {queue_arn("a"), queue_arn("b")}
    assert all(s["Protocol"] == "sqs" and s["TopicArn"] == arn and s["Owner"] == ACCOUNT
               for s in by_topic)
    assert len(sns.list_subscriptions()["Subscriptions"]) == 2
    assert sns.get_topic_attributes(TopicArn=arn)["Attributes"]["SubscriptionsConfirmed"] == "2"
    sns.delete_topic(TopicArn=arn)
    assert sns.list_topics()["Topics"] == []
    assert sns.list_subscriptions()["Subscriptions"] == []
    sns.delete_topic(TopicArn=arn)  # deleting a missing topic succeeds, as in AWS


def test_errors(sns, sqs):
    missing = "arn:aws:sns:%s:%s:missing" % (REGION, ACCOUNT)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sns.publish(TopicArn=missing, Message="x")
    assert error_of(e) == ("NotFound", 404)
    assert "Topic does not exist" in e.value.response["Error"]["Message"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sns.get_topic_attributes(TopicArn=missing)
    assert error_of(e) == ("NotFound", 404)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sns.publish(TopicArn="not-an-arn", Message="x")
    assert error_of(e) == ("InvalidParameter", 400)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sns.create_topic(Name="bad name!")
    assert error_of(e) == ("InvalidParameter", 400)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sns.create_topic(Name="ordered.fifo")
    assert error_of(e) == ("InvalidParameter", 400)

    arn = sns.create_topic(Name="t")["TopicArn"]
    sqs.create_queue(QueueName="q")
    for policy in ("not json", json.dumps({"a": "no-array"}), json.dumps({"a": [{"bogus": 1}]}),
                   json.dumps({"a": {"nested": ["x"]}})):
        with pytest.raises(botocore.exceptions.ClientError) as e:
            sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue_arn("q"),
                          Attributes={"FilterPolicy": policy})
        assert error_of(e) == ("InvalidParameter", 400), policy
        assert e.value.response["Error"]["Message"].startswith("Invalid parameter: FilterPolicy")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sns.subscribe(TopicArn=arn, Protocol="email", Endpoint="someone@example.com")
    assert error_of(e) == ("InvalidParameter", 400)
    for endpoint in ("not a url", "https://example.com/", "ftp://example.com/"):
        with pytest.raises(botocore.exceptions.ClientError) as e:
            sns.subscribe(TopicArn=arn, Protocol="http", Endpoint=endpoint)
        assert error_of(e) == ("InvalidParameter", 400), endpoint
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue_arn("no-such-queue"))
    assert error_of(e) == ("InvalidParameter", 400)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sns.publish(TopicArn=arn, Message="")
    assert error_of(e) == ("InvalidParameter", 400)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sns.publish(TopicArn=arn, MessageStructure="json", Message=json.dumps({"sqs": "x"}))
    assert error_of(e) == ("InvalidParameter", 400)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sns.get_subscription_attributes(SubscriptionArn=arn + ":0000")
    assert error_of(e) == ("NotFound", 404)


def test_wrong_secret_and_unknown_user(sns_broker):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        client(sns_broker, "sns", secret="wrong").list_topics()
    assert error_of(e) == ("SignatureDoesNotMatch", 403)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        client(sns_broker, "sns", key="nobody").list_topics()
    assert error_of(e)[0] == "InvalidClientTokenId"


def test_sqs_still_served_on_the_shared_endpoint(sqs):
    url = sqs.create_queue(QueueName="plain")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="hello")
    assert sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"] == "hello"
