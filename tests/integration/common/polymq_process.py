"""A private PolyMQ process for the Python integration suites (durability, flow_control,
policies) and tests/durability/crash_soak.py.

* ``Broker``: one PolyMQ process on 127.0.0.1 (a free port for every start) over one data
  directory that outlives restarts; stop with SIGTERM (must exit 0) or SIGKILL, start again,
  read its VmRSS, check its log for sanitizer reports.
* ``make_broker_fixture``: a pytest ``make_broker`` fixture that makes Brokers under the
  test's tmp_path and kills them and checks their logs at teardown.

POLYMQ_BIN names the binary (default: ``polymq`` on PATH). Only the standard library and
python3-pika (Debian's 1.2) are used; pytest only by ``make_broker_fixture``.
"""

import os
import re
import signal
import socket
import subprocess
import time

import pika

SANITIZER_REPORT = re.compile(r"ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:")


def free_port():
    return free_ports(1)[0]


def free_ports(n):
    """`n` distinct ports that were free on 127.0.0.1 a moment ago. Held open together while
    they are chosen: ports asked for one after another may repeat once the first is closed."""
    sockets = [socket.socket() for _ in range(n)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def port_accepts(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        return True
    except OSError:
        return False


def params(port, **kw):
    kw.setdefault("connection_attempts", 1)
    kw.setdefault("socket_timeout", 10)
    kw.setdefault("stack_timeout", 30)
    kw.setdefault("blocked_connection_timeout", 60)
    return pika.ConnectionParameters("127.0.0.1", port, **kw)


def broker_binary():
    return os.environ.get("POLYMQ_BIN", "polymq")


def read_status(pid):
    """VmRSS, VmHWM, RssAnon, RssFile of a process, in KiB (from /proc/<pid>/status)."""
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile", "RssShmem"):
                out[key] = int(value.split()[0])
    return out


class BrokerStartError(RuntimeError):
    pass


class Broker:
    """A PolyMQ process over ``data_dir``; ``start()`` may be called again after a stop."""

    def __init__(self, workdir, args=(), env=None, binary=None, wrapper=(), name="broker",
                 kafka=False, sqs=False, management=False):
        self.workdir = str(workdir)
        self.data_dir = os.path.join(self.workdir, "data")
        self.args = list(args)
        self.env = dict(os.environ)
        # Brokers run side by side (suites, other builds): none takes Kafka's default port
        # 9092. With kafka=True each start listens for Kafka on a free port (kafka_port).
        self.env["POLYMQ_KAFKA_PORT"] = "0"
        # Likewise SQS's 9324: with sqs=True each start listens for SQS on a free port (sqs_port).
        self.env["POLYMQ_SQS_PORT"] = "0"
        # And the management API's 15672: with management=True each start serves it on a free
        # port (management_port).
        self.env["POLYMQ_MANAGEMENT_PORT"] = "0"
        self.env.update(env or {})
        self.kafka = kafka
        self.kafka_port = None
        self.sqs = sqs
        self.sqs_port = None
        self.management = management
        self.management_port = None
        self.binary = binary or broker_binary()
        self.wrapper = list(wrapper)   # e.g. ["strace", "-f", ...,  "--"]
        self.name = name
        self.proc = None
        self.port = None
        self.starts = 0
        self.logs = []                 # one log file per start
        self.start_seconds = None      # spawn -> port accepts, of the last start

    # -- life cycle ---------------------------------------------------------------------

    def spawn(self, same_ports=False):
        """Starts the process without waiting for the port. `same_ports`: listen where the
        last start did, so connected clients find the restarted broker where they left it."""
        assert self.proc is None or self.proc.poll() is not None, "broker already running"
        if not (same_ports and self.port is not None):
            ports = iter(free_ports(4))
            self.port = next(ports)
            self.kafka_port = next(ports) if self.kafka else None
            self.sqs_port = next(ports) if self.sqs else None
            self.management_port = next(ports) if self.management else None
        self.starts += 1
        log_path = os.path.join(self.workdir, "%s-%d.log" % (self.name, self.starts))
        self.logs.append(log_path)
        cmd = self.wrapper + [self.binary, "--bind", "127.0.0.1", "--amqp-port", str(self.port),
                              "--data-dir", self.data_dir] + self.args
        if self.kafka:
            cmd += ["--kafka-port", str(self.kafka_port)]
        if self.sqs:
            cmd += ["--sqs-port", str(self.sqs_port)]
        if self.management:
            cmd += ["--management-port", str(self.management_port)]
        with open(log_path, "wb") as log:
            self._t_spawn = time.monotonic()
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                                         env=self.env, start_new_session=True)
        return self.proc

    def wait_ready(self, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BrokerStartError("broker exited with %s before listening:\n%s"
                                       % (self.proc.returncode, self.log_tail()))
            if (port_accepts(self.port) and (not self.kafka or port_accepts(self.kafka_port))
                    and (not self.sqs or port_accepts(self.sqs_port))
                    and (not self.management or port_accepts(self.management_port))):
                self.start_seconds = time.monotonic() - self._t_spawn
                return self
            time.sleep(0.02)
        raise BrokerStartError("broker did not listen on %d within %d s:\n%s"
                               % (self.port, timeout, self.log_tail()))

    def start(self, timeout=60, same_ports=False):
        self.spawn(same_ports)
        return self.wait_ready(timeout)

    @property
    def pid(self):
        """The broker's pid (the traced child when a wrapper such as strace runs it)."""
        if not self.wrapper:
            return self.proc.pid
        children = []
        for task in os.listdir("/proc/%d/task" % self.proc.pid):
            with open("/proc/%d/task/%s/children" % (self.proc.pid, task)) as f:
                children += [int(c) for c in f.read().split()]
        assert len(children) == 1, "expected one child of %s, found %r" % (self.wrapper[0],
                                                                           children)
        return children[0]

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout=60):
        """SIGTERM; waits; returns the exit status. Fails the caller (AssertionError) when
        the broker had already died, does not exit in time, or exits non-zero."""
        assert self.running(), "broker had died:\n" + self.log_tail()
        os.kill(self.pid, signal.SIGTERM)
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError("broker did not exit within %d s of SIGTERM:\n%s"
                                 % (timeout, self.log_tail()))
        assert code == 0, "broker exited with %s after SIGTERM:\n%s" % (code, self.log_tail())
        self.check_log()
        return code

    def kill(self):
        """SIGKILL (the broker and, when wrapped, the wrapper) and reap."""
        if self.running():
            try:
                os.kill(self.pid, signal.SIGKILL)
            except (OSError, AssertionError):
                pass
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.check_log()

    def cleanup(self):
        """For fixtures: make sure nothing is left running, whatever happened."""
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except OSError:
                pass
            self.proc.wait()

    # -- inspection ---------------------------------------------------------------------

    def rss(self):
        return read_status(self.pid)

    def log_text(self, index=-1):
        with open(self.logs[index], "rb") as f:
            return f.read().decode(errors="replace")

    def log_tail(self, lines=40):
        if not self.logs:
            return ""
        return "\n".join(self.log_text().splitlines()[-lines:])

    def check_log(self):
        for path in self.logs:
            with open(path, "rb") as f:
                text = f.read().decode(errors="replace")
            m = SANITIZER_REPORT.search(text)
            assert m is None, "sanitizer report in %s:\n%s" % (path, text[m.start():][:4000])

    def connect(self, **kw):
        return pika.BlockingConnection(params(self.port, **kw))


def make_broker_fixture(start=False):
    """Returns a pytest fixture for a conftest.py (``make_broker = make_broker_fixture()``):
    ``make_broker(*args, env=None, wrapper=(), name="broker", kafka=False, sqs=False,
    management=False)`` makes a Broker with these
    extra arguments over a new work directory under tmp_path, started already when
    ``start`` is true. At teardown every broker is killed, whatever happened, and a
    sanitizer report in any broker's log fails the test, even after SIGKILL."""
    import pytest

    @pytest.fixture
    def make_broker(tmp_path):
        made = []

        def make(*args, env=None, wrapper=(), name="broker", kafka=False, sqs=False,
                 management=False):
            workdir = tmp_path / ("%s%d" % (name, len(made)))
            workdir.mkdir()
            broker = Broker(workdir, args=args, env=env, wrapper=wrapper, name=name, kafka=kafka,
                            sqs=sqs, management=management)
            made.append(broker)
            return broker.start() if start else broker

        yield make
        for broker in made:
            broker.cleanup()
        for broker in made:
            broker.check_log()

    return make_broker
