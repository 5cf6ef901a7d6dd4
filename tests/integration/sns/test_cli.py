"""Debian's awscli (aws sns ..., aws sqs ...) against the one SQS/SNS endpoint."""

import json
import os
import shutil
import subprocess

import pytest

from conftest import endpoint, queue_arn

AWS = "/usr/bin/aws" if os.path.exists("/usr/bin/aws") else shutil.which("aws")


def aws(broker, service, *args, check=True):
    env = dict(os.environ, AWS_ACCESS_KEY_ID="guest", AWS_SECRET_ACCESS_KEY="guest",
               AWS_DEFAULT_REGION="us-east-1", AWS_CONFIG_FILE="/dev/null",
               AWS_SHARED_CREDENTIALS_FILE="/dev/null", AWS_PAGER="")
    p = subprocess.run([AWS, "--endpoint-url", endpoint(broker), "--output", "json", service]
                       + list(args), env=env, capture_output=True, text=True, timeout=60)
    if check:
        assert p.returncode == 0, p.stderr
    return json.loads(p.stdout) if check and p.stdout.strip() else p


@pytest.mark.skipif(AWS is None, reason="awscli is not installed")
def test_cli_topic_subscribe_publish(sns_broker):
    topic = aws(sns_broker, "sns", "create-topic", "--name", "cli")["TopicArn"]
    url = aws(sns_broker, "sqs", "create-queue", "--queue-name", "inbox")["QueueUrl"]
    sub = aws(sns_broker, "sns", "subscribe", "--topic-arn", topic, "--protocol", "sqs",
              "--notification-endpoint", queue_arn("inbox"))["SubscriptionArn"]
    assert sub.startswith(topic + ":")
    assert topic in [t["TopicArn"] for t in aws(sns_broker, "sns", "list-topics")["Topics"]]
    msg_id = aws(sns_broker, "sns", "publish", "--topic-arn", topic, "--message", "from the cli",
                 "--subject", "cli")["MessageId"]
    got = aws(sns_broker, "sqs", "receive-message", "--queue-url", url, "--wait-time-seconds", "1")
    envelope = json.loads(got["Messages"][0]["Body"])
    assert envelope["Message"] == "from the cli"
    assert envelope["MessageId"] == msg_id
    assert envelope["Subject"] == "cli"
    aws(sns_broker, "sns", "unsubscribe", "--subscription-arn", sub)
    aws(sns_broker, "sns", "delete-topic", "--topic-arn", topic)
    p = aws(sns_broker, "sns", "get-topic-attributes", "--topic-arn", topic, check=False)
    assert p.returncode != 0 and "NotFound" in p.stderr
