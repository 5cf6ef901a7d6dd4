"""Fixtures of the flow-control suite. Every test starts its own brokers (POLYMQ_BIN names
the binary; CTest passes the build's) on 127.0.0.1, each on a free port over a fresh data
directory under the test's tmp_path; every broker is killed at teardown whatever happened,
and a sanitizer report in any broker's log fails the test (make_broker from
tests/integration/common/polymq_process.py)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))

from polymq_process import make_broker_fixture  # noqa: E402

# make_broker(*args) -> a started Broker.
make_broker = make_broker_fixture(start=True)
