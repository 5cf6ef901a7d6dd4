"""Fixtures of the SNS suite. Every test starts its own broker (POLYMQ_BIN names the binary;
CTest passes the build's) on 127.0.0.1 with the SQS/SNS listener on a free port, over a fresh
data directory, killed at teardown (make_broker from tests/integration/common/polymq_process.py).
Clients: python3-boto3's sns and sqs clients on the one endpoint, and Debian's awscli."""

import os
import sys

import boto3
import botocore.config
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))

from polymq_process import make_broker_fixture  # noqa: E402

make_broker = make_broker_fixture()

REGION = "us-east-1"
ACCOUNT = "000000000000"


def endpoint(broker):
    return "http://127.0.0.1:%d" % broker.sqs_port


def client(broker, service, key="guest", secret="guest"):
    return boto3.client(
        service, endpoint_url=endpoint(broker), region_name=REGION, aws_access_key_id=key,
        aws_secret_access_key=secret,
        config=botocore.config.Config(retries={"max_attempts": 1}))


def queue_arn(name):
    return "arn:aws:sqs:%s:%s:%s" % (REGION, ACCOUNT, name)


@pytest.fixture
def sns_broker(make_broker):
    """A started broker with its SQS/SNS listener (.sqs_port)."""
    return make_broker(sqs=True).start()


@pytest.fixture
def sns(sns_broker):
    return client(sns_broker, "sns")


@pytest.fixture
def sqs(sns_broker):
    return client(sns_broker, "sqs")
