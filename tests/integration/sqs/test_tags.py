"""Queue tags: CreateQueue's tags, TagQueue, UntagQueue, ListQueueTags through boto3, AWS JSON
1.0 and awscli; AWS's limits; tags are durable with the queue."""

import json

import pytest
from botocore.exceptions import ClientError

from conftest import client, endpoint
from sqs_json import call
from test_cli import AWS, aws


def error_code(excinfo):
    return excinfo.value.response["Error"]["Code"]


def test_tag_untag_list(sqs):
    url = sqs.create_queue(QueueName="tagged", tags={"team": "blue", "env": "test"})["QueueUrl"]
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"team": "blue", "env": "test"}
    sqs.tag_queue(QueueUrl=url, Tags={"team": "red", "cost": ""})
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"team": "red", "env": "test", "cost": ""}
    sqs.untag_queue(QueueUrl=url, TagKeys=["env", "absent"])
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"team": "red", "cost": ""}
    sqs.untag_queue(QueueUrl=url, TagKeys=["team", "cost"])
    assert "Tags" not in sqs.list_queue_tags(QueueUrl=url)
    # Tags are not attributes: the queue's attributes did not change.
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attrs["VisibilityTimeout"] == "30"


def test_tag_limits(sqs):
    url = sqs.create_queue(QueueName="limits")["QueueUrl"]
    sqs.tag_queue(QueueUrl=url, Tags={"k%d" % i: "v" for i in range(50)})
    assert len(sqs.list_queue_tags(QueueUrl=url)["Tags"]) == 50
    with pytest.raises(ClientError) as e:
        sqs.tag_queue(QueueUrl=url, Tags={"one-more": "v"})
    assert error_code(e) == "InvalidParameterValue"
    sqs.tag_queue(QueueUrl=url, Tags={"k0": "replaced"})  # replacing adds none
    for tags in ({"k" * 129: "v"}, {"k": "v" * 257}):
        with pytest.raises(ClientError) as e:
            sqs.tag_queue(QueueUrl=url, Tags=tags)
        assert error_code(e) == "InvalidParameterValue"
    with pytest.raises(ClientError) as e:
        sqs.create_queue(QueueName="too-many", tags={"k%d" % i: "v" for i in range(51)})
    assert error_code(e) == "InvalidParameterValue"
    assert "too-many" not in str(sqs.list_queues().get("QueueUrls", []))
    missing = url.rsplit("/", 1)[0] + "/missing"
    with pytest.raises(sqs.exceptions.QueueDoesNotExist):
        sqs.list_queue_tags(QueueUrl=missing)
    with pytest.raises(sqs.exceptions.QueueDoesNotExist):
        sqs.tag_queue(QueueUrl=missing, Tags={"a": "b"})


def test_tags_survive_a_restart(sqs_broker):
    sqs = client(sqs_broker)
    url = sqs.create_queue(QueueName="kept", tags={"a": "1"})["QueueUrl"]
    sqs.tag_queue(QueueUrl=url, Tags={"b": "2"})
    sqs.untag_queue(QueueUrl=url, TagKeys=["a"])
    sqs_broker.kill()
    sqs_broker.start(same_ports=True)
    sqs = client(sqs_broker)
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"b": "2"}


def test_json_tags(sqs_broker):
    ep = endpoint(sqs_broker)
    status, _, out = call(ep, "CreateQueue", {"QueueName": "jt", "tags": {"x": "1"}})
    assert status == 200, out
    url = out["QueueUrl"]
    assert call(ep, "TagQueue", {"QueueUrl": url, "Tags": {"y": "2"}})[:3:2] == (200, {})
    status, _, out = call(ep, "ListQueueTags", {"QueueUrl": url})
    assert out == {"Tags": {"x": "1", "y": "2"}}
    assert call(ep, "UntagQueue", {"QueueUrl": url, "TagKeys": ["x", "y"]})[0] == 200
    assert call(ep, "ListQueueTags", {"QueueUrl": url})[2] == {}
    status, _, out = call(ep, "TagQueue", {"QueueUrl": url, "Tags": {"": "v"}})
    assert status == 400 and out["__type"] == "com.amazonaws.sqs#InvalidParameterValue"


@pytest.mark.skipif(AWS is None, reason="awscli is not installed")
def test_cli_tags(sqs_broker):
    def run(*args):
        return json.loads(aws(sqs_broker, *args).stdout or "{}")

    url = run("create-queue", "--queue-name", "cli-tags", "--tags", "team=blue")["QueueUrl"]
    run("tag-queue", "--queue-url", url, "--tags", "env=prod")
    assert run("list-queue-tags", "--queue-url", url)["Tags"] == {"team": "blue", "env": "prod"}
    run("untag-queue", "--queue-url", url, "--tag-keys", "team")
    assert run("list-queue-tags", "--queue-url", url)["Tags"] == {"env": "prod"}
