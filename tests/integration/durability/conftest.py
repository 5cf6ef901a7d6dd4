"""Fixtures of the durability suite. Every test starts its own brokers (POLYMQ_BIN names the
binary; CTest passes the build's) on 127.0.0.1, each on a free port over a fresh data
directory under the test's tmp_path, and every broker is killed at teardown whatever
happened."""

import pytest

from durability_helpers import Broker


@pytest.fixture
def make_broker(tmp_path):
    made = []

    def make(*args, env=None, wrapper=(), name="broker"):
        workdir = tmp_path / ("%s%d" % (name, len(made)))
        workdir.mkdir()
        broker = Broker(workdir, args=args, env=env, wrapper=wrapper, name=name)
        made.append(broker)
        return broker

    yield make
    for broker in made:
        broker.cleanup()
    # A sanitizer report in any broker's log fails the test, even after SIGKILL.
    for broker in made:
        broker.check_log()
