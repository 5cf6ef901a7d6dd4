"""Per-vhost permissions on SQS: the access key id is the PolyMQ user, its grant in the SQS vhost
('/') is set through the management API, and each action needs the permission RabbitMQ's model
gives it (docs/compatibility.md, "Permissions"): configure to create, change and delete a
queue, write to send, read to receive, settle and purge. A refusal is AWS's AccessDenied (403)
in both wire protocols."""

import json

import pytest
from botocore.exceptions import ClientError

from conftest import client, endpoint
from management_api import Api
from sqs_json import call

NOTHING = {"configure": "", "write": "", "read": ""}


@pytest.fixture
def broker(make_broker):
    return make_broker(sqs=True, management=True).start()


@pytest.fixture
def api(broker):
    return Api(broker)


@pytest.fixture
def guest(broker):
    return client(broker)


@pytest.fixture
def bob(broker, api):
    """A boto3 SQS client of the user bob (password 'pw'), who has no grant yet."""
    assert api.put("/users/bob", {"password": "pw", "tags": ""}).status_code == 201
    return client(broker, key="bob", secret="pw")


def grant(api, **patterns):
    body = dict(NOTHING, **patterns)
    assert api.put("/permissions/%2F/bob", body).status_code in (201, 204)


def denied(fn, **kw):
    """Runs fn(**kw), which must be refused; returns AWS's error message."""
    with pytest.raises(ClientError) as e:
        fn(**kw)
    assert e.value.response["Error"]["Code"] == "AccessDenied"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    return e.value.response["Error"]["Message"]


def url_of(broker, name):
    return "%s/000000000000/%s" % (endpoint(broker), name)


def arn_of(name):
    return "arn:aws:sqs:us-east-1:000000000000:" + name


def test_a_user_without_a_grant_is_refused_everything(broker, api, guest, bob):
    q = guest.create_queue(QueueName="q")["QueueUrl"]
    guest.send_message(QueueUrl=q, MessageBody="m")
    vhost_text = "Access to the resource %s/ is denied." % endpoint(broker)
    assert denied(bob.list_queues) == vhost_text
    assert denied(bob.get_queue_url, QueueName="q") == vhost_text
    assert denied(bob.get_queue_attributes, QueueUrl=q, AttributeNames=["All"]) == vhost_text
    assert denied(bob.create_queue, QueueName="mine") == vhost_text
    assert denied(bob.send_message, QueueUrl=q, MessageBody="x") == vhost_text
    assert denied(bob.receive_message, QueueUrl=q) == vhost_text
    assert denied(bob.purge_queue, QueueUrl=q) == vhost_text
    assert denied(bob.delete_queue, QueueUrl=q) == vhost_text
    assert denied(bob.list_queue_tags, QueueUrl=q) == vhost_text
    # Nothing was done.
    assert guest.get_queue_attributes(QueueUrl=q, AttributeNames=["ApproximateNumberOfMessages"])[
        "Attributes"]["ApproximateNumberOfMessages"] == "1"
    assert "mine" not in str(guest.list_queues())

    # AWS JSON 1.0: AccessDenied in x-amzn-query-error, as AWS answers.
    status, headers, body = call(endpoint(broker), "ListQueues", {}, key="bob", secret="pw")
    assert status == 403
    assert headers["x-amzn-query-error"] == "AccessDenied;Sender"
    assert body["__type"] == "com.amazon.coral.service#AccessDeniedException"
    assert body["message"] == vhost_text

    # A grant takes effect at the next request, and so does its removal.
    grant(api, configure=".*", write=".*", read=".*")
    assert bob.list_queues()["QueueUrls"] == [q]
    assert api.delete("/permissions/%2F/bob").status_code == 204
    denied(bob.list_queues)


def test_a_grant_with_empty_patterns_opens_the_vhost_only(broker, api, guest, bob):
    q = guest.create_queue(QueueName="q", tags={"team": "a"})["QueueUrl"]
    grant(api)
    # The actions that need only the vhost.
    assert bob.list_queues()["QueueUrls"] == [q]
    assert bob.get_queue_url(QueueName="q")["QueueUrl"] == q
    assert bob.get_queue_attributes(QueueUrl=q, AttributeNames=["QueueArn"])["Attributes"] == {
        "QueueArn": arn_of("q")}
    assert bob.list_queue_tags(QueueUrl=q)["Tags"] == {"team": "a"}
    assert bob.list_dead_letter_source_queues(QueueUrl=q).get("queueUrls", []) == []
    # The rest name the queue in AWS's text.
    text = "Access to the resource %s is denied." % q
    assert denied(bob.send_message, QueueUrl=q, MessageBody="x") == text
    assert denied(bob.create_queue, QueueName="q") == text
    # A refusal comes before the lookup, as in RabbitMQ.
    assert denied(bob.delete_queue, QueueUrl=url_of(broker, "nothing")) == (
        "Access to the resource %s is denied." % url_of(broker, "nothing"))


def test_configure_only(broker, api, guest, bob):
    grant(api, configure=".*")
    q = bob.create_queue(QueueName="c", Attributes={"VisibilityTimeout": "5"})["QueueUrl"]
    # CreateQueue of an existing queue is a declare too.
    assert bob.create_queue(QueueName="c", Attributes={"VisibilityTimeout": "5"})["QueueUrl"] == q
    bob.set_queue_attributes(QueueUrl=q, Attributes={"DelaySeconds": "1"})
    bob.tag_queue(QueueUrl=q, Tags={"k": "v"})
    bob.untag_queue(QueueUrl=q, TagKeys=["k"])
    guest.send_message(QueueUrl=q, MessageBody="m", DelaySeconds=0)
    handle = guest.receive_message(QueueUrl=q, VisibilityTimeout=30)["Messages"][0][
        "ReceiptHandle"]

    denied(bob.send_message, QueueUrl=q, MessageBody="x")
    denied(bob.send_message_batch, QueueUrl=q, Entries=[{"Id": "1", "MessageBody": "x"}])
    denied(bob.receive_message, QueueUrl=q)
    denied(bob.delete_message, QueueUrl=q, ReceiptHandle=handle)
    denied(bob.delete_message_batch, QueueUrl=q, Entries=[{"Id": "1", "ReceiptHandle": handle}])
    denied(bob.change_message_visibility, QueueUrl=q, ReceiptHandle=handle, VisibilityTimeout=0)
    denied(bob.change_message_visibility_batch, QueueUrl=q,
           Entries=[{"Id": "1", "ReceiptHandle": handle, "VisibilityTimeout": 0}])
    denied(bob.purge_queue, QueueUrl=q)

    bob.delete_queue(QueueUrl=q)
    assert guest.list_queues().get("QueueUrls", []) == []


def test_write_only(broker, api, guest, bob):
    q = guest.create_queue(QueueName="w")["QueueUrl"]
    grant(api, write=".*")
    bob.send_message(QueueUrl=q, MessageBody="one")
    result = bob.send_message_batch(QueueUrl=q, Entries=[{"Id": "1", "MessageBody": "two"}])
    assert len(result["Successful"]) == 1
    bodies = sorted(m["Body"] for m in guest.receive_message(
        QueueUrl=q, MaxNumberOfMessages=10, WaitTimeSeconds=1)["Messages"])
    assert bodies == ["one", "two"]

    denied(bob.create_queue, QueueName="w2")
    denied(bob.set_queue_attributes, QueueUrl=q, Attributes={"DelaySeconds": "1"})
    denied(bob.tag_queue, QueueUrl=q, Tags={"k": "v"})
    denied(bob.untag_queue, QueueUrl=q, TagKeys=["k"])
    denied(bob.receive_message, QueueUrl=q)
    denied(bob.purge_queue, QueueUrl=q)
    denied(bob.delete_queue, QueueUrl=q)


def test_read_only(broker, api, guest, bob):
    q = guest.create_queue(QueueName="r")["QueueUrl"]
    for body in ("a", "b", "c", "d"):
        guest.send_message(QueueUrl=q, MessageBody=body)
    grant(api, read=".*")
    messages = bob.receive_message(QueueUrl=q, MaxNumberOfMessages=4, WaitTimeSeconds=1,
                                   VisibilityTimeout=30)["Messages"]
    while len(messages) < 4:
        messages += bob.receive_message(QueueUrl=q, MaxNumberOfMessages=4, WaitTimeSeconds=1,
                                        VisibilityTimeout=30)["Messages"]
    h = [m["ReceiptHandle"] for m in messages]
    bob.delete_message(QueueUrl=q, ReceiptHandle=h[0])
    assert bob.delete_message_batch(QueueUrl=q, Entries=[{"Id": "1", "ReceiptHandle": h[1]}])[
        "Successful"] == [{"Id": "1"}]
    bob.change_message_visibility(QueueUrl=q, ReceiptHandle=h[2], VisibilityTimeout=40)
    assert bob.change_message_visibility_batch(QueueUrl=q, Entries=[
        {"Id": "1", "ReceiptHandle": h[3], "VisibilityTimeout": 40}])["Successful"] == [
        {"Id": "1"}]
    bob.purge_queue(QueueUrl=q)

    denied(bob.send_message, QueueUrl=q, MessageBody="x")
    denied(bob.send_message_batch, QueueUrl=q, Entries=[{"Id": "1", "MessageBody": "x"}])
    denied(bob.create_queue, QueueName="r2")
    denied(bob.set_queue_attributes, QueueUrl=q, Attributes={"DelaySeconds": "1"})
    denied(bob.delete_queue, QueueUrl=q)


def test_patterns_select_the_queues(broker, api, guest, bob):
    guest.create_queue(QueueName="other")
    grant(api, configure="^bob-", write="^bob-", read="^bob-")
    mine = bob.create_queue(QueueName="bob-q")["QueueUrl"]
    bob.send_message(QueueUrl=mine, MessageBody="m")
    assert bob.receive_message(QueueUrl=mine, WaitTimeSeconds=1)["Messages"][0]["Body"] == "m"
    other = url_of(broker, "other")
    assert denied(bob.send_message, QueueUrl=other, MessageBody="x") == (
        "Access to the resource %s is denied." % other)
    denied(bob.receive_message, QueueUrl=other)
    denied(bob.create_queue, QueueName="mine")
    # ListQueues shows what is in the vhost, not only what the user may use.
    assert sorted(bob.list_queues()["QueueUrls"]) == sorted([mine, other])


def test_a_redrive_policy_needs_write_on_the_dead_letter_queue(broker, api, guest, bob):
    guest.create_queue(QueueName="dlq")
    grant(api, configure="^bob-", write="^bob-", read="^bob-")
    policy = json.dumps({"deadLetterTargetArn": arn_of("dlq"), "maxReceiveCount": 1})
    assert denied(bob.create_queue, QueueName="bob-src", Attributes={"RedrivePolicy": policy}) == (
        "Access to the resource %s is denied." % url_of(broker, "dlq"))
    src = bob.create_queue(QueueName="bob-src")["QueueUrl"]
    denied(bob.set_queue_attributes, QueueUrl=src, Attributes={"RedrivePolicy": policy})
    # Its own dead-letter queue is fine.
    bob.create_queue(QueueName="bob-dlq")
    own = json.dumps({"deadLetterTargetArn": arn_of("bob-dlq"), "maxReceiveCount": 1})
    bob.set_queue_attributes(QueueUrl=src, Attributes={"RedrivePolicy": own})
    assert json.loads(bob.get_queue_attributes(QueueUrl=src, AttributeNames=["RedrivePolicy"])[
        "Attributes"]["RedrivePolicy"])["deadLetterTargetArn"] == arn_of("bob-dlq")
    # With write on the guest's queue too, the guest's queue may be the target.
    grant(api, configure="^bob-", write="^(bob-|dlq$)", read="^bob-")
    bob.set_queue_attributes(QueueUrl=src, Attributes={"RedrivePolicy": policy})


def test_message_move_tasks_need_read_on_the_source_and_write_on_the_destination(
        broker, api, guest, bob):
    # guest's src -> dlq, and a queue bob may write to.
    guest.create_queue(QueueName="dlq")
    guest.create_queue(QueueName="src", Attributes={"RedrivePolicy": json.dumps(
        {"deadLetterTargetArn": arn_of("dlq"), "maxReceiveCount": 1})})
    guest.create_queue(QueueName="bob-out")
    grant(api, configure="^bob-", write="^bob-", read="^bob-")
    ep = endpoint(broker)

    def start(**params):
        return call(ep, "StartMessageMoveTask", params, key="bob", secret="pw")

    status, headers, body = start(SourceArn=arn_of("dlq"), DestinationArn=arn_of("bob-out"))
    assert (status, headers["x-amzn-query-error"]) == (403, "AccessDenied;Sender")
    assert body["message"] == "Access to the resource %s/000000000000/dlq is denied." % ep
    # Read on the source, but no write on the destination (nor, without one, on src).
    grant(api, configure="^bob-", write="^bob-", read="^(bob-|dlq$)")
    status, _, body = start(SourceArn=arn_of("dlq"), DestinationArn=arn_of("other"))
    assert status == 403 and "/000000000000/other " in body["message"]
    status, _, body = start(SourceArn=arn_of("dlq"))
    assert status == 403 and "/000000000000/src " in body["message"]
    status, _, body = start(SourceArn=arn_of("dlq"), DestinationArn=arn_of("bob-out"))
    assert status == 200, body
    handle = body["TaskHandle"]
    # Listing needs the vhost only; cancelling, read on the source.
    status, _, body = call(ep, "ListMessageMoveTasks", {"SourceArn": arn_of("dlq")}, key="bob",
                           secret="pw")
    assert status == 200 and len(body["Results"]) == 1
    grant(api, configure="^bob-", write="^bob-", read="^bob-")
    status, _, body = call(ep, "CancelMessageMoveTask", {"TaskHandle": handle}, key="bob",
                           secret="pw")
    assert (status, body["__type"]) == (403, "com.amazon.coral.service#AccessDeniedException")


def test_guest_is_unaffected(broker, guest):
    q = guest.create_queue(QueueName="g", tags={"a": "b"})["QueueUrl"]
    guest.send_message(QueueUrl=q, MessageBody="m")
    m = guest.receive_message(QueueUrl=q, WaitTimeSeconds=1)["Messages"][0]
    guest.delete_message(QueueUrl=q, ReceiptHandle=m["ReceiptHandle"])
    guest.purge_queue(QueueUrl=q)
    guest.delete_queue(QueueUrl=q)
