"""Debian's awscli (aws sqs ...) against the SQS listener."""

import json
import os
import shutil
import subprocess

import pytest

from conftest import endpoint

AWS = "/usr/bin/aws" if os.path.exists("/usr/bin/aws") else shutil.which("aws")


def aws(broker, *args, secret="guest", check=True):
    env = dict(os.environ, AWS_ACCESS_KEY_ID="guest", AWS_SECRET_ACCESS_KEY=secret,
               AWS_DEFAULT_REGION="us-east-1", AWS_CONFIG_FILE="/dev/null",
               AWS_SHARED_CREDENTIALS_FILE="/dev/null", AWS_PAGER="")
    p = subprocess.run([AWS, "--endpoint-url", endpoint(broker), "--output", "json", "sqs"]
                       + list(args), env=env, capture_output=True, text=True, timeout=60)
    if check:
        assert p.returncode == 0, p.stderr
    return p


@pytest.mark.skipif(AWS is None, reason="awscli is not installed")
def test_cli_create_send_receive_delete(sqs_broker):
    url = json.loads(aws(sqs_broker, "create-queue", "--queue-name", "cli").stdout)["QueueUrl"]
    assert url.endswith("/000000000000/cli")
    assert url in json.loads(aws(sqs_broker, "list-queues").stdout)["QueueUrls"]
    aws(sqs_broker, "send-message", "--queue-url", url, "--message-body", "from the cli",
        "--message-attributes", '{"k":{"DataType":"String","StringValue":"v"}}')
    got = json.loads(aws(sqs_broker, "receive-message", "--queue-url", url,
                         "--message-attribute-names", "All").stdout)
    [m] = got["Messages"]
    assert m["Body"] == "from the cli"
    assert m["MessageAttributes"]["k"]["StringValue"] == "v"
    aws(sqs_broker, "delete-message", "--queue-url", url, "--receipt-handle", m["ReceiptHandle"])
    aws(sqs_broker, "delete-queue", "--queue-url", url)
    p = aws(sqs_broker, "get-queue-url", "--queue-name", "cli", check=False)
    assert p.returncode != 0
    assert "NonExistentQueue" in p.stderr or "QueueDoesNotExist" in p.stderr


@pytest.mark.skipif(AWS is None, reason="awscli is not installed")
def test_cli_wrong_secret(sqs_broker):
    p = aws(sqs_broker, "list-queues", secret="wrong", check=False)
    assert p.returncode != 0
    assert "SignatureDoesNotMatch" in p.stderr
