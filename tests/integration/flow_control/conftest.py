"""Fixtures of the flow-control suite. Every test starts its own brokers (POLYMQ_BIN names
the binary; CTest passes the build's) on 127.0.0.1, each on a free port over a fresh data
directory under the test's tmp_path; every broker is killed at teardown whatever happened,
and a sanitizer report in any broker's log fails the test."""

import pytest

from flow_helpers import Broker


@pytest.fixture
def make_broker(tmp_path):
    made = []

    def make(*args):
        workdir = tmp_path / ("broker%d" % len(made))
        workdir.mkdir()
        broker = Broker(workdir, args=args)
        made.append(broker)
        return broker

    yield make
    for broker in made:
        broker.cleanup()
    for broker in made:
        broker.check_log()
