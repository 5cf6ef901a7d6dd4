"""Fixtures of the management API suite. Every test starts its own broker (POLYMQ_BIN names
the binary; CTest passes the build's) on 127.0.0.1 with the management listener on a free port,
over a fresh data directory under the test's tmp_path, killed at teardown whatever happened
(make_broker from tests/integration/common/polymq_process.py). Clients: python3-requests,
Debian's rabbitmqadmin (rabbitmq-server package) and python3-pika for AMQP."""

import os
import shutil
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))

from management_api import Api  # noqa: E402,F401 (the suites import it from here)
from polymq_process import make_broker_fixture  # noqa: E402

make_broker = make_broker_fixture()


@pytest.fixture
def broker(make_broker):
    """A started broker with its management listener; .management_port is where it listens."""
    return make_broker(management=True).start()


@pytest.fixture
def api(broker):
    return Api(broker)


RABBITMQADMIN = shutil.which("rabbitmqadmin") or "/usr/bin/rabbitmqadmin"


@pytest.fixture
def admin(broker):
    """Runs Debian's rabbitmqadmin against the broker (or another one's `port`); returns the
    completed process, and fails the test on an error unless check=False."""
    if not os.path.exists(RABBITMQADMIN):
        pytest.skip("rabbitmqadmin is not installed (Debian's rabbitmq-server package)")

    def run(*args, check=True, port=None):
        cmd = ["/usr/bin/python3", RABBITMQADMIN, "-H", "127.0.0.1", "-P",
               str(port or broker.management_port), "-u", "guest", "-p", "guest"] + list(args)
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        if check:
            assert p.returncode == 0, "rabbitmqadmin %s failed (%d):\n%s%s" % (
                " ".join(args), p.returncode, p.stdout, p.stderr)
        return p

    return run
