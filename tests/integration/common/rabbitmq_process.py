"""A throw-away RabbitMQ node (Debian's rabbitmq-server) with its management plugin, for the
suites and benchmarks that compare PolyMQ's answers or speed with RabbitMQ's.

* ``RabbitNode``: one node listening on 127.0.0.1 only, AMQP and management on free ports,
  with its own temporary directory (mnesia, logs, config, Erlang cookie) and its own epmd on a
  free port, so that it neither meets nor leaves behind anything of another node on the
  machine. Run as the ``rabbitmq`` user when we are root (as Debian's service runs it).
  ``stop()`` kills the node and its epmd (no orderly stop: nothing of it is kept) and removes
  the directory.
* ``make_rabbitmq_fixture``: a pytest fixture (module-scoped by default) that yields a started
  node, skips when rabbitmq-server is not installed, and stops the node at teardown.

The node has the attributes the PolyMQ helpers have (``port``, ``management_port``,
``connect()``), so management_api.Api and pika work on either broker. Only the standard
library and python3-pika are used; pytest only by ``make_rabbitmq_fixture``.
"""

import base64
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

import pika

from polymq_process import free_port, params, port_accepts

RABBITMQ_SERVER = "/usr/lib/rabbitmq/bin/rabbitmq-server"
EPMD = shutil.which("epmd") or "/usr/bin/epmd"
RABBITMQ_USER = "rabbitmq"


def installed():
    """Whether Debian's rabbitmq-server (and its management plugin) is on this machine."""
    if not (os.path.exists(RABBITMQ_SERVER) and os.path.exists(EPMD)):
        return False
    try:
        pwd.getpwnam(RABBITMQ_USER)
    except KeyError:
        return os.geteuid() != 0   # as root we need the user; otherwise we run as ourselves
    return True


def version():
    p = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "rabbitmq-server"],
                       capture_output=True, text=True)
    return p.stdout.strip() if p.returncode == 0 else "unknown"


class RabbitStartError(RuntimeError):
    pass


class RabbitNode:
    """A RabbitMQ node with the management plugin; ``start()`` once, ``stop()`` once."""

    def __init__(self, name="rabbit", stats_interval_ms=500):
        # How often the node emits the statistics the management API reports (RabbitMQ's
        # default is 5000 ms): short by default, so that counters catch up with publishes
        # quickly in tests; benchmarks keep RabbitMQ's default.
        self.stats_interval_ms = stats_interval_ms
        self.name = "%s-%d-%s" % (name, os.getpid(), secrets.token_hex(3))
        self.node = self.name + "@localhost"
        self.dir = None
        self.port = None
        self.management_port = None
        self.dist_port = None
        self.epmd_port = None
        self.proc = None
        self.epmd = None
        self.start_seconds = None

    # -- life cycle ---------------------------------------------------------------------

    def _as_rabbitmq(self):
        """Popen keywords that run the child as the rabbitmq user when we are root."""
        if os.geteuid() != 0:
            return {}
        pw = pwd.getpwnam(RABBITMQ_USER)
        return {"user": pw.pw_uid, "group": pw.pw_gid, "extra_groups": []}

    def _write_files(self):
        # /tmp/pytest-of-root and the like are closed to other users: a directory of its own
        # under the system's temporary directory, owned by the user the node runs as.
        self.dir = tempfile.mkdtemp(prefix="polymq-rabbitmq.")
        os.makedirs(os.path.join(self.dir, "mnesia"))
        os.makedirs(os.path.join(self.dir, "log"))
        files = {
            "enabled_plugins": "[rabbitmq_management].\n",
            "rabbitmq-env.conf": "",
            "rabbitmq.conf": "\n".join([
                "listeners.tcp.1 = 127.0.0.1:%d" % self.port,
                "management.tcp.ip = 127.0.0.1",
                "management.tcp.port = %d" % self.management_port,
                "collect_statistics_interval = %d" % self.stats_interval_ms,
                # A full shared disk must not block the publishers of a test.
                "disk_free_limit.absolute = 1MB",
                "log.console = false",
                "log.file.level = info",
            ]) + "\n",
            # The node's own cookie, before the server would make one in $HOME.
            ".erlang.cookie": secrets.token_hex(10).upper(),
        }
        for name, text in files.items():
            with open(os.path.join(self.dir, name), "w") as f:
                f.write(text)
        os.chmod(os.path.join(self.dir, ".erlang.cookie"), 0o400)
        if os.geteuid() == 0:
            pw = pwd.getpwnam(RABBITMQ_USER)
            for root, dirs, names in os.walk(self.dir):
                for entry in [root] + [os.path.join(root, n) for n in dirs + names]:
                    os.chown(entry, pw.pw_uid, pw.pw_gid)

    def _env(self):
        d = self.dir
        return {
            "PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
            "HOME": d,
            "LC_ALL": "C.UTF-8",
            "LANG": "C.UTF-8",
            "RABBITMQ_NODENAME": self.node,
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_MNESIA_BASE": os.path.join(d, "mnesia"),
            "RABBITMQ_LOG_BASE": os.path.join(d, "log"),
            "RABBITMQ_PID_FILE": os.path.join(d, "rabbit.pid"),
            "RABBITMQ_CONFIG_FILE": os.path.join(d, "rabbitmq.conf"),
            "RABBITMQ_CONF_ENV_FILE": os.path.join(d, "rabbitmq-env.conf"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": os.path.join(d, "enabled_plugins"),
            "RABBITMQ_PLUGINS_EXPAND_DIR": os.path.join(d, "plugins-expand"),
            # The private epmd started below, on 127.0.0.1 only.
            "ERL_EPMD_ADDRESS": "127.0.0.1",
            "ERL_EPMD_PORT": str(self.epmd_port),
            "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": "-kernel inet_dist_use_interface {127,0,0,1}",
        }

    def start(self, timeout=60):
        """Starts epmd and the node; returns once the management API answers."""
        assert self.proc is None, "RabbitNode.start() is called once"
        self.port = free_port()
        self.management_port = free_port()
        self.dist_port = free_port()
        self.epmd_port = free_port()
        self._write_files()
        started = time.monotonic()
        env = self._env()
        with open(os.path.join(self.dir, "epmd.out"), "wb") as out:
            self.epmd = subprocess.Popen(
                [EPMD, "-port", str(self.epmd_port), "-address", "127.0.0.1"], stdout=out,
                stderr=subprocess.STDOUT, env=env, cwd=self.dir, start_new_session=True,
                **self._as_rabbitmq())
        deadline = started + timeout
        while not port_accepts(self.epmd_port):
            if self.epmd.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RabbitStartError("epmd did not listen on %d" % self.epmd_port)
            time.sleep(0.02)
        with open(os.path.join(self.dir, "server.out"), "wb") as out:
            self.proc = subprocess.Popen([RABBITMQ_SERVER], stdout=out,
                                         stderr=subprocess.STDOUT, env=env, cwd=self.dir,
                                         start_new_session=True, **self._as_rabbitmq())
        try:
            self._wait_ready(deadline)
        except BaseException:
            self.stop()
            raise
        self.start_seconds = time.monotonic() - started
        return self

    def _wait_ready(self, deadline):
        """The management listener is the last thing the boot opens; a 200 from
        /api/overview means the node and the plugin are up."""
        url = "http://127.0.0.1:%d/api/overview" % self.management_port
        auth = "Basic " + base64.b64encode(b"guest:guest").decode()
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RabbitStartError("rabbitmq-server exited with %s:\n%s"
                                       % (self.proc.returncode, self.log_tail()))
            if port_accepts(self.management_port):
                try:
                    req = urllib.request.Request(url, headers={"Authorization": auth})
                    with urllib.request.urlopen(req, timeout=5) as r:
                        if r.status == 200 and port_accepts(self.port):
                            return
                except (urllib.error.URLError, OSError):
                    pass
            time.sleep(0.1)
        raise RabbitStartError("RabbitMQ's management API did not answer on %d in time:\n%s"
                               % (self.management_port, self.log_tail()))

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        """Kills the node's process group (beam.smp and its helpers, erl_child_setup and
        inet_gethost) and its epmd, and removes its directory. No orderly stop: nothing of
        the node is kept, and RabbitMQ's takes seconds."""
        for proc in (self.proc, self.epmd):
            if proc is None:
                continue
            # The node's children (erl_child_setup, inet_gethost) share its process group.
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except OSError:
                pass
            proc.wait()
        if self.dir is not None and not os.environ.get("POLYMQ_KEEP_RABBITMQ_DIR"):
            shutil.rmtree(self.dir, ignore_errors=True)

    # -- inspection ---------------------------------------------------------------------

    def log_tail(self, lines=40):
        out = []
        for name in ("server.out", os.path.join("log", self.node + ".log")):
            path = os.path.join(self.dir or "", name)
            if os.path.exists(path):
                with open(path, "rb") as f:
                    text = f.read().decode(errors="replace")
                out.append("== %s\n%s" % (name, "\n".join(text.splitlines()[-lines:])))
        return "\n".join(out)

    def connect(self, **kw):
        return pika.BlockingConnection(params(self.port, **kw))


def make_rabbitmq_fixture(scope="module"):
    """Returns a pytest fixture (``rabbitmq = make_rabbitmq_fixture()`` in a conftest.py or a
    test module) yielding a started RabbitNode, stopped at teardown; the tests using it are
    skipped when rabbitmq-server is not installed."""
    import pytest

    @pytest.fixture(scope=scope)
    def rabbitmq():
        if not installed():
            pytest.skip("rabbitmq-server is not installed (Debian's package)")
        node = RabbitNode()
        node.start()
        try:
            yield node
        finally:
            node.stop()

    return rabbitmq
