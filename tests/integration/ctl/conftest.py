"""Fixtures of the polymqctl suite. Every test starts its own broker (POLYMQ_BIN names the
binary; CTest passes the build's) on 127.0.0.1 with the management listener on a free port,
over a fresh data directory under the test's tmp_path, killed at teardown whatever happened
(make_broker from tests/integration/common/polymq_process.py). polymqctl is POLYMQCTL_BIN, else
the one beside POLYMQ_BIN in the build tree (src/server/polymq -> src/ctl/polymqctl), else
polymqctl on PATH. Effects are checked with python3-requests and python3-pika."""

import os
import shutil
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))

from management_api import Api  # noqa: E402
from polymq_process import make_broker_fixture  # noqa: E402

make_broker = make_broker_fixture()


def polymqctl_binary():
    if os.environ.get("POLYMQCTL_BIN"):
        return os.environ["POLYMQCTL_BIN"]
    server = os.environ.get("POLYMQ_BIN")
    if server and os.path.dirname(server):
        for beside in (os.path.join(os.path.dirname(server), "..", "ctl", "polymqctl"),
                       os.path.join(os.path.dirname(server), "polymqctl")):
            if os.path.exists(beside):
                return os.path.normpath(beside)
    return shutil.which("polymqctl") or "polymqctl"


@pytest.fixture
def broker(make_broker):
    return make_broker(management=True).start()


@pytest.fixture
def api(broker):
    return Api(broker)


class Ctl:
    """Runs polymqctl against a broker's management port (or `port`), without its environment's
    POLYMQ_CTL_* unless given in `env`."""

    def __init__(self, port):
        self.port = port
        self.binary = polymqctl_binary()

    def __call__(self, *args, port=None, env=None, input=None, connection=True):
        environment = {k: v for k, v in os.environ.items() if not k.startswith("POLYMQ_CTL_")}
        environment.update(env or {})
        cmd = [self.binary]
        if connection:
            cmd += ["--port", str(port or self.port)]
        cmd += list(args)
        return subprocess.run(cmd, capture_output=True, text=True, timeout=60, input=input,
                              env=environment)

    def ok(self, *args, **kw):
        p = self(*args, **kw)
        assert p.returncode == 0, "polymqctl %s failed (%d):\n%s%s" % (
            " ".join(args), p.returncode, p.stdout, p.stderr)
        assert "Sanitizer" not in p.stderr and "runtime error" not in p.stderr, p.stderr
        return p


@pytest.fixture
def ctl(broker):
    return Ctl(broker.management_port)
