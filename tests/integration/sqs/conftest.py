"""Fixtures of the SQS suite. Every test starts its own broker (POLYMQ_BIN names the binary;
CTest passes the build's) on 127.0.0.1 with the SQS listener on a free port, over a fresh data
directory under the test's tmp_path, and every broker is killed at teardown whatever happened
(make_broker from tests/integration/common/polymq_process.py). Clients: python3-boto3 and
Debian's awscli, both speaking the query protocol; JSON 1.0 requests are signed with botocore
(sqs_json.py)."""

import os
import sys

import boto3
import botocore.config
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))

from polymq_process import make_broker_fixture  # noqa: E402

# make_broker(*args, env=None, wrapper=(), name="broker", kafka=False, sqs=False) -> not started.
make_broker = make_broker_fixture()

REGION = "us-east-1"


def endpoint(broker):
    return "http://127.0.0.1:%d" % broker.sqs_port


def client(broker, key="guest", secret="guest", **config):
    return boto3.client(
        "sqs", endpoint_url=endpoint(broker), region_name=REGION, aws_access_key_id=key,
        aws_secret_access_key=secret,
        config=botocore.config.Config(retries={"max_attempts": 1}, **config))


@pytest.fixture
def sqs_broker(make_broker):
    """A started broker with its SQS listener; .sqs_port is where clients connect."""
    return make_broker(sqs=True).start()


@pytest.fixture
def sqs(sqs_broker):
    """A boto3 SQS client of guest/guest against sqs_broker."""
    return client(sqs_broker)
