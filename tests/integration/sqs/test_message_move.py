"""The dead-letter redrive: StartMessageMoveTask, ListMessageMoveTasks and
CancelMessageMoveTask through boto3 (the query protocol; Debian's botocore is given the three
operations, move_task_model.py) and AWS JSON 1.0. Messages reach the dead-letter queue the real
way (maxReceiveCount receives and visibility timeouts), then move back to where they came from
or to a named queue, at a rate when one is asked, and a kill -9 midway loses none."""

import json
import time

import pytest
from botocore.exceptions import ClientError

from conftest import client, endpoint
from move_task_model import move_task_client
from sqs_json import call


def error_code(excinfo):
    return excinfo.value.response["Error"]["Code"]


def arn(sqs, url):
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]


def count(sqs, url, name="ApproximateNumberOfMessages"):
    return int(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[name])["Attributes"][name])


def wait_for(predicate, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("timed out")


@pytest.fixture
def sqs(sqs_broker, tmp_path):
    return move_task_client(endpoint(sqs_broker), tmp_path / "botocore-data")


def source_with_dlq(sqs, name="src", dlq_name="dlq"):
    dlq = sqs.create_queue(QueueName=dlq_name)["QueueUrl"]
    src = sqs.create_queue(QueueName=name, Attributes={"RedrivePolicy": json.dumps(
        {"deadLetterTargetArn": arn(sqs, dlq), "maxReceiveCount": 1})})["QueueUrl"]
    return src, dlq


def dead_letter(sqs, src, dlq, bodies):
    """Sends `bodies` to `src`, receives each once with a 1 s visibility timeout and waits
    until the core has moved them to `dlq`. Returns {body: MessageId}."""
    ids = {}
    for body in bodies:
        ids[body] = sqs.send_message(QueueUrl=src, MessageBody=body,
                                     MessageAttributes={"origin": {
                                         "DataType": "String", "StringValue": body}})["MessageId"]
    received = 0
    while received < len(bodies):
        received += len(sqs.receive_message(QueueUrl=src, MaxNumberOfMessages=10,
                                            VisibilityTimeout=1).get("Messages", []))
    before = count(sqs, dlq)
    wait_for(lambda: count(sqs, dlq) == before + len(bodies))
    return ids


def drain(sqs, url):
    """Every message of `url`, received and deleted: [(body, MessageId, attributes)]."""
    out = []
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=30,
                                  MessageAttributeNames=["All"]).get("Messages", [])
        if not got:
            return out
        for m in got:
            out.append((m["Body"], m["MessageId"], m.get("MessageAttributes", {})))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])


def latest(sqs, source_arn):
    return sqs.list_message_move_tasks(SourceArn=source_arn).get("Results", [])[0]


def finished(sqs, source_arn):
    task = latest(sqs, source_arn)
    return task if task["Status"] != "RUNNING" else None


def test_redrive_back_to_the_source_queue(sqs):
    src, dlq = source_with_dlq(sqs)
    other, _ = source_with_dlq(sqs, name="other-src", dlq_name="dlq")
    ids = dead_letter(sqs, src, dlq, ["a", "b", "c"])
    ids.update(dead_letter(sqs, other, dlq, ["x"]))
    dlq_arn = arn(sqs, dlq)

    handle = sqs.start_message_move_task(SourceArn=dlq_arn)["TaskHandle"]
    assert handle
    task = wait_for(lambda: finished(sqs, dlq_arn))
    assert task["Status"] == "COMPLETED"
    assert task["ApproximateNumberOfMessagesMoved"] == 4
    assert task["ApproximateNumberOfMessagesToMove"] == 4
    assert task["SourceArn"] == dlq_arn
    # No destination was given, no rate; a finished task has no handle.
    for absent in ("DestinationArn", "MaxNumberOfMessagesPerSecond", "TaskHandle",
                   "FailureReason"):
        assert absent not in task
    assert abs(task["StartedTimestamp"] - time.time() * 1000) < 60_000

    # Each message is back in the queue it died in, with its id, body and attributes.
    back = drain(sqs, src)
    assert sorted((b, i) for b, i, _ in back) == sorted((b, ids[b]) for b in "abc")
    assert all(attrs["origin"]["StringValue"] == b for b, _, attrs in back)
    assert [(b, i) for b, i, _ in drain(sqs, other)] == [("x", ids["x"])]
    assert count(sqs, dlq) == 0 and count(sqs, dlq, "ApproximateNumberOfMessagesNotVisible") == 0


def test_redrive_to_a_named_queue_at_a_rate(sqs):
    src, dlq = source_with_dlq(sqs)
    dest = sqs.create_queue(QueueName="dest")["QueueUrl"]
    bodies = ["m%d" % i for i in range(10)]
    dead_letter(sqs, src, dlq, bodies)
    dlq_arn, dest_arn = arn(sqs, dlq), arn(sqs, dest)

    started = time.monotonic()
    sqs.start_message_move_task(SourceArn=dlq_arn, DestinationArn=dest_arn,
                                MaxNumberOfMessagesPerSecond=5)
    task = wait_for(lambda: finished(sqs, dlq_arn))
    elapsed = time.monotonic() - started
    # 10 messages at 5 a second cannot all have moved in less than 1.5 s.
    assert elapsed >= 1.5, elapsed
    assert task["Status"] == "COMPLETED"
    assert task["DestinationArn"] == dest_arn
    assert task["MaxNumberOfMessagesPerSecond"] == 5
    assert task["ApproximateNumberOfMessagesMoved"] == 10
    assert sorted(b for b, _, _ in drain(sqs, dest)) == sorted(bodies)
    assert count(sqs, src) == 0 and count(sqs, dlq) == 0


def test_cancel_and_one_active_task_per_source(sqs):
    src, dlq = source_with_dlq(sqs)
    dest = sqs.create_queue(QueueName="dest")["QueueUrl"]
    bodies = ["m%d" % i for i in range(10)]
    dead_letter(sqs, src, dlq, bodies)
    dlq_arn, dest_arn = arn(sqs, dlq), arn(sqs, dest)

    handle = sqs.start_message_move_task(SourceArn=dlq_arn, DestinationArn=dest_arn,
                                         MaxNumberOfMessagesPerSecond=1)["TaskHandle"]
    running = latest(sqs, dlq_arn)
    assert running["Status"] == "RUNNING" and running["TaskHandle"] == handle
    assert running["ApproximateNumberOfMessagesToMove"] == 10
    with pytest.raises(ClientError) as e:
        sqs.start_message_move_task(SourceArn=dlq_arn)
    assert error_code(e) == "InvalidParameterValue"
    assert "already a task running" in e.value.response["Error"]["Message"]

    time.sleep(1.2)
    moved = sqs.cancel_message_move_task(TaskHandle=handle)["ApproximateNumberOfMessagesMoved"]
    assert 1 <= moved < 10
    task = wait_for(lambda: finished(sqs, dlq_arn))
    assert task["Status"] == "CANCELLED"
    assert task["ApproximateNumberOfMessagesMoved"] == moved
    time.sleep(1.2)  # nothing moves after the cancel
    assert count(sqs, dest) == moved and count(sqs, dlq) == 10 - moved
    # A cancelled task cannot be cancelled again; a new one may start, and the list is newest
    # first.
    with pytest.raises(ClientError) as e:
        sqs.cancel_message_move_task(TaskHandle=handle)
    assert error_code(e) == "InvalidParameterValue"
    sqs.start_message_move_task(SourceArn=dlq_arn, DestinationArn=dest_arn)
    wait_for(lambda: finished(sqs, dlq_arn))
    both = sqs.list_message_move_tasks(SourceArn=dlq_arn, MaxResults=10)["Results"]
    assert [t["Status"] for t in both] == ["COMPLETED", "CANCELLED"]
    assert both[0]["ApproximateNumberOfMessagesMoved"] == 10 - moved
    assert sorted(b for b, _, _ in drain(sqs, dest)) == sorted(bodies)


def test_errors(sqs):
    src, dlq = source_with_dlq(sqs)
    plain = sqs.create_queue(QueueName="plain")["QueueUrl"]
    dlq_arn, src_arn = arn(sqs, dlq), arn(sqs, src)
    missing_arn = dlq_arn.rsplit(":", 1)[0] + ":missing"

    with pytest.raises(ClientError) as e:  # not anybody's dead-letter queue
        sqs.start_message_move_task(SourceArn=arn(sqs, plain))
    assert error_code(e) == "InvalidParameterValue"
    assert e.value.response["Error"]["Message"] == \
        "Source queue must be configured as a Dead Letter Queue."
    with pytest.raises(sqs.exceptions.ResourceNotFoundException) as e:
        sqs.start_message_move_task(SourceArn=missing_arn)
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    with pytest.raises(sqs.exceptions.ResourceNotFoundException):
        sqs.start_message_move_task(SourceArn=dlq_arn, DestinationArn=missing_arn)
    for rate in (0, 501):
        with pytest.raises(ClientError) as e:
            sqs.start_message_move_task(SourceArn=dlq_arn, MaxNumberOfMessagesPerSecond=rate)
        assert error_code(e) == "InvalidParameterValue"
    with pytest.raises(ClientError) as e:
        sqs.start_message_move_task(SourceArn=dlq_arn, DestinationArn=dlq_arn)
    assert error_code(e) == "InvalidParameterValue"
    # Nothing was started by the refused requests.
    assert sqs.list_message_move_tasks(SourceArn=dlq_arn).get("Results", []) == []

    for size in (0, 11):
        with pytest.raises(ClientError) as e:
            sqs.list_message_move_tasks(SourceArn=dlq_arn, MaxResults=size)
        assert error_code(e) == "InvalidParameterValue"
    with pytest.raises(sqs.exceptions.ResourceNotFoundException):
        sqs.list_message_move_tasks(SourceArn=missing_arn)

    # An unknown task of a real queue, a handle naming a missing queue, and no handle at all.
    import base64

    def handle(task_id, source):
        return base64.b64encode(json.dumps({"taskId": task_id, "sourceArn": source}).encode()
                                ).decode()

    with pytest.raises(sqs.exceptions.ResourceNotFoundException) as e:
        sqs.cancel_message_move_task(TaskHandle=handle("nope", dlq_arn))
    assert e.value.response["Error"]["Message"] == "Task does not exist."
    with pytest.raises(sqs.exceptions.ResourceNotFoundException):
        sqs.cancel_message_move_task(TaskHandle=handle("nope", missing_arn))
    with pytest.raises(ClientError) as e:
        sqs.cancel_message_move_task(TaskHandle="garbage")
    assert error_code(e) == "InvalidParameterValue"
    # A completed task's handle names a task that can no longer be cancelled.
    done = sqs.start_message_move_task(SourceArn=dlq_arn)["TaskHandle"]
    wait_for(lambda: finished(sqs, dlq_arn))
    with pytest.raises(ClientError) as e:
        sqs.cancel_message_move_task(TaskHandle=done)
    assert error_code(e) == "InvalidParameterValue"
    assert src_arn  # the source queue itself is no dead-letter queue either
    with pytest.raises(ClientError) as e:
        sqs.start_message_move_task(SourceArn=src_arn)
    assert error_code(e) == "InvalidParameterValue"


def test_a_destination_deleted_midway_fails_the_task(sqs):
    src, dlq = source_with_dlq(sqs)
    dest = sqs.create_queue(QueueName="dest")["QueueUrl"]
    dead_letter(sqs, src, dlq, ["m%d" % i for i in range(5)])
    dlq_arn = arn(sqs, dlq)
    sqs.start_message_move_task(SourceArn=dlq_arn, DestinationArn=arn(sqs, dest),
                                MaxNumberOfMessagesPerSecond=2)
    wait_for(lambda: latest(sqs, dlq_arn)["ApproximateNumberOfMessagesMoved"] >= 1)
    sqs.delete_queue(QueueUrl=dest)
    task = wait_for(lambda: finished(sqs, dlq_arn))
    assert task["Status"] == "FAILED"
    assert task["FailureReason"] == "AWS.SimpleQueueService.NonExistentQueue"
    # What did not move is still in the dead-letter queue, visible.
    assert count(sqs, dlq) == 5 - task["ApproximateNumberOfMessagesMoved"]
    assert count(sqs, dlq, "ApproximateNumberOfMessagesNotVisible") == 0


def test_kill_midway_loses_nothing(sqs_broker, tmp_path):
    sqs = move_task_client(endpoint(sqs_broker), tmp_path / "botocore-data")
    src, dlq = source_with_dlq(sqs)
    bodies = ["m%d" % i for i in range(20)]
    dead_letter(sqs, src, dlq, bodies)
    dlq_arn = arn(sqs, dlq)
    sqs.start_message_move_task(SourceArn=dlq_arn, MaxNumberOfMessagesPerSecond=10)
    wait_for(lambda: latest(sqs, dlq_arn)["ApproximateNumberOfMessagesMoved"] >= 5)
    sqs_broker.kill()
    sqs_broker.start(same_ports=True)
    sqs = client(sqs_broker)
    # Every message is in the source or still in the dead-letter queue (at least once), and the
    # task history went with the process.
    found = [b for b, _, _ in drain(sqs, src)] + [b for b, _, _ in drain(sqs, dlq)]
    assert sorted(set(found)) == sorted(bodies)
    sqs = move_task_client(endpoint(sqs_broker), tmp_path / "botocore-data-2")
    assert sqs.list_message_move_tasks(SourceArn=dlq_arn).get("Results", []) == []


def test_json_protocol(sqs_broker, sqs):
    src, dlq = source_with_dlq(sqs)
    dest = sqs.create_queue(QueueName="dest")["QueueUrl"]
    dead_letter(sqs, src, dlq, ["j1", "j2"])
    ep = endpoint(sqs_broker)
    dlq_arn, dest_arn = arn(sqs, dlq), arn(sqs, dest)
    status, _, out = call(ep, "StartMessageMoveTask", {
        "SourceArn": dlq_arn, "DestinationArn": dest_arn, "MaxNumberOfMessagesPerSecond": 100})
    assert status == 200, out
    handle = out["TaskHandle"]
    wait_for(lambda: finished(sqs, dlq_arn))
    status, _, out = call(ep, "ListMessageMoveTasks", {"SourceArn": dlq_arn, "MaxResults": 10})
    assert status == 200, out
    [task] = out["Results"]
    assert task["Status"] == "COMPLETED"
    assert (task["ApproximateNumberOfMessagesMoved"], task["ApproximateNumberOfMessagesToMove"]) \
        == (2, 2)
    assert task["MaxNumberOfMessagesPerSecond"] == 100 and task["DestinationArn"] == dest_arn
    assert isinstance(task["StartedTimestamp"], int)
    status, headers, out = call(ep, "CancelMessageMoveTask", {"TaskHandle": handle})
    assert status == 400 and out["__type"] == "com.amazonaws.sqs#InvalidParameterValue"
    status, headers, out = call(ep, "ListMessageMoveTasks", {"SourceArn": dlq_arn[:-1] + "x"})
    assert status == 404 and out["__type"] == "com.amazonaws.sqs#ResourceNotFoundException"
    assert headers["x-amzn-query-error"] == "ResourceNotFoundException;Sender"
    assert sorted(b for b, _, _ in drain(sqs, dest)) == ["j1", "j2"]
