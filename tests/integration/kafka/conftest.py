"""Fixtures of the Kafka suite. Every test starts its own broker (POLYMQ_BIN names the
binary; CTest passes the build's) on 127.0.0.1 with the Kafka listener on a free port, over a
fresh data directory under the test's tmp_path, and every broker is killed at teardown
whatever happened (make_broker from tests/integration/common/polymq_process.py)."""

import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))

from polymq_process import make_broker_fixture  # noqa: E402

# make_broker(*args, env=None, wrapper=(), name="broker", kafka=False) -> a Broker not started.
make_broker = make_broker_fixture()


@pytest.fixture
def kafka_broker(make_broker):
    """A started broker with its Kafka listener; .kafka_port is where clients connect."""
    return make_broker(kafka=True).start()
