"""Queue actions through boto3 (the query protocol): CreateQueue (idempotence, attributes),
GetQueueUrl, ListQueues, GetQueueAttributes, PurgeQueue, DeleteQueue, and their errors."""

import pytest
from botocore.exceptions import ClientError


def error_code(excinfo):
    return excinfo.value.response["Error"]["Code"]


def test_create_list_get_url_delete(sqs, sqs_broker):
    url = sqs.create_queue(QueueName="orders")["QueueUrl"]
    assert url == "http://127.0.0.1:%d/000000000000/orders" % sqs_broker.sqs_port
    sqs.create_queue(QueueName="orders-eu")
    sqs.create_queue(QueueName="billing")
    assert sqs.get_queue_url(QueueName="orders")["QueueUrl"] == url
    assert sorted(sqs.list_queues()["QueueUrls"]) == sorted(
        [url, url + "-eu", url.replace("orders", "billing")])
    assert sorted(sqs.list_queues(QueueNamePrefix="orders")["QueueUrls"]) == [url, url + "-eu"]
    assert "QueueUrls" not in sqs.list_queues(QueueNamePrefix="nothing")
    sqs.delete_queue(QueueUrl=url)
    with pytest.raises(ClientError) as e:
        sqs.get_queue_url(QueueName="orders")
    assert error_code(e) == "AWS.SimpleQueueService.NonExistentQueue"


def test_create_is_idempotent_with_the_same_attributes(sqs):
    url = sqs.create_queue(QueueName="q", Attributes={"VisibilityTimeout": "5"})["QueueUrl"]
    assert sqs.create_queue(QueueName="q", Attributes={"VisibilityTimeout": "5"})["QueueUrl"] == url
    assert sqs.create_queue(QueueName="q")["QueueUrl"] == url
    with pytest.raises(sqs.exceptions.QueueNameExists) as e:
        sqs.create_queue(QueueName="q", Attributes={"VisibilityTimeout": "6"})
    assert error_code(e) == "QueueAlreadyExists"


def test_queue_attributes(sqs):
    url = sqs.create_queue(QueueName="attrs", Attributes={
        "VisibilityTimeout": "7", "MessageRetentionPeriod": "600",
        "ReceiveMessageWaitTimeSeconds": "2", "MaximumMessageSize": "2048"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="one")
    sqs.send_message(QueueUrl=url, MessageBody="two")
    sqs.receive_message(QueueUrl=url)
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attrs["QueueArn"] == "arn:aws:sqs:us-east-1:000000000000:attrs"
    assert attrs["VisibilityTimeout"] == "7"
    assert attrs["MessageRetentionPeriod"] == "600"
    assert attrs["ReceiveMessageWaitTimeSeconds"] == "2"
    assert attrs["MaximumMessageSize"] == "2048"
    assert attrs["DelaySeconds"] == "0"
    assert attrs["ApproximateNumberOfMessages"] == "1"
    assert attrs["ApproximateNumberOfMessagesNotVisible"] == "1"
    only = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout"])
    assert only["Attributes"] == {"VisibilityTimeout": "7"}
    with pytest.raises(ClientError) as e:
        sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Colour"])
    assert error_code(e) == "InvalidAttributeName"
    sqs.purge_queue(QueueUrl=url)
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
    assert attrs["Attributes"]["ApproximateNumberOfMessages"] == "0"


def test_bad_names_and_attributes(sqs):
    with pytest.raises(ClientError) as e:
        sqs.create_queue(QueueName="bad name")
    assert error_code(e) == "InvalidParameterValue"
    with pytest.raises(ClientError) as e:
        sqs.create_queue(QueueName="x" * 81)
    assert error_code(e) == "InvalidParameterValue"
    # A .fifo name without FifoQueue=true is not a standard queue's name (test_fifo.py).
    with pytest.raises(ClientError) as e:
        sqs.create_queue(QueueName="jobs.fifo")
    assert error_code(e) == "InvalidParameterValue"
    with pytest.raises(ClientError) as e:
        sqs.create_queue(QueueName="q", Attributes={"VisibilityTimeout": "43201"})
    assert error_code(e) == "InvalidParameterValue"
    with pytest.raises(ClientError) as e:
        sqs.create_queue(QueueName="q", Attributes={"Colour": "red"})
    assert error_code(e) == "InvalidAttributeName"


def test_unknown_queue(sqs, sqs_broker):
    url = "http://127.0.0.1:%d/000000000000/missing" % sqs_broker.sqs_port
    for call in (lambda: sqs.send_message(QueueUrl=url, MessageBody="x"),
                 lambda: sqs.receive_message(QueueUrl=url),
                 lambda: sqs.delete_queue(QueueUrl=url),
                 lambda: sqs.get_queue_attributes(QueueUrl=url)):
        with pytest.raises(sqs.exceptions.QueueDoesNotExist) as e:
            call()
        assert error_code(e) == "AWS.SimpleQueueService.NonExistentQueue"
        assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_queues_survive_a_restart(sqs_broker):
    from conftest import client
    sqs = client(sqs_broker)
    url = sqs.create_queue(QueueName="kept", Attributes={"VisibilityTimeout": "9"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="durable")
    sqs_broker.kill()
    sqs_broker.start(same_ports=True)
    sqs = client(sqs_broker)
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout"])
    assert attrs["Attributes"]["VisibilityTimeout"] == "9"
    got = sqs.receive_message(QueueUrl=url)["Messages"]
    assert [m["Body"] for m in got] == ["durable"]


def test_list_queues_pages(sqs):
    names = ["page-%02d" % i for i in range(7)]
    for name in names:
        sqs.create_queue(QueueName=name)
    sqs.create_queue(QueueName="other")
    seen = []
    token = None
    pages = 0
    while True:
        kwargs = {"QueueNamePrefix": "page-", "MaxResults": 3}
        if token:
            kwargs["NextToken"] = token
        out = sqs.list_queues(**kwargs)
        pages += 1
        seen += [u.rsplit("/", 1)[1] for u in out["QueueUrls"]]
        token = out.get("NextToken")
        if not token:
            break
    assert (seen, pages) == (names, 3)
    # Without MaxResults there is no NextToken; with a bad one, AWS's error.
    assert "NextToken" not in sqs.list_queues()
    for bad in ({"MaxResults": 0}, {"MaxResults": 1001}, {"NextToken": "%%%"}):
        with pytest.raises(ClientError) as e:
            sqs.list_queues(**bad)
        assert error_code(e) == "InvalidParameterValue", bad
