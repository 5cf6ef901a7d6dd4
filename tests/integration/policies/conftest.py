"""Fixtures of the policies suite: operator policies from PolyMQ's config file.

Every test gets its own PolyMQ (POLYMQ_BIN names the binary; CTest would pass the build's) on
127.0.0.1, on a free port, over a data directory under the test's tmp_path, started with
``--config FILE`` holding the test's ``[[policies]]``; the broker is killed at teardown whatever
happened, and its log is checked for sanitizer reports.

Reference mode: with ``POLICIES_REFERENCE=rabbitmq`` the same tests run against a RabbitMQ
node instead (AMQP_HOST / AMQP_PORT, default 127.0.0.1:5692, e.g. the node of
tests/integration/pika/rabbitmq_reference.sh); the policies are set with ``rabbitmqctl
set_policy`` through the command in ``RABBITMQCTL`` (default: that script's ``ctl``) and
cleared at teardown. Tests that restart the broker or read PolyMQ's config errors are skipped
there. This is how the precedence rules the tests encode were checked against RabbitMQ 3.10.

Queue, exchange and policy names carry a per-test prefix (``env.prefix``) so that reference
runs can share a node; patterns must include it (``env.pattern(...)``).
"""

import json
import os
import shlex
import subprocess
import sys
import time
import uuid

import pika
import pika.exceptions
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "common"))

from polymq_process import Broker  # noqa: E402

REFERENCE = os.environ.get("POLICIES_REFERENCE", "") == "rabbitmq"


def toml_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return json.dumps(value)  # a JSON string is a valid TOML basic string


def policies_toml(policies):
    """The [[policies]] tables of a PolyMQ config file. Each policy: a dict with name,
    pattern, definition and optionally priority, apply-to."""
    lines = []
    for p in policies:
        lines.append("[[policies]]")
        lines.append("name = %s" % toml_value(p["name"]))
        lines.append("pattern = %s" % toml_value(p["pattern"]))
        if "priority" in p:
            lines.append("priority = %d" % p["priority"])
        if "apply-to" in p:
            lines.append("apply-to = %s" % toml_value(p["apply-to"]))
        lines.append("[policies.definition]")
        for key, value in p["definition"].items():
            lines.append("%s = %s" % (key, toml_value(value)))
        lines.append("")
    return "\n".join(lines)


class PolyMQBroker(Broker):
    """The common Broker started with ``--config FILE`` holding the test's policies;
    restart() keeps the data directory."""

    reference = False

    def __init__(self, workdir, policies):
        config = os.path.join(str(workdir), "polymq.toml")
        super().__init__(workdir, args=["--config", config])
        self.config = config
        self.write_config(policies)

    def write_config(self, policies):
        with open(self.config, "w") as f:
            f.write(policies_toml(policies))

    def start_expecting_failure(self, timeout=20):
        """Starts the broker and waits for it to exit; returns (exit status, output)."""
        self.spawn()
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            super().cleanup()
            raise AssertionError("broker kept running with this config:\n" + self.log_text())
        return code, self.log_text()

    def restart(self, policies=None):
        """Clean stop, optionally a new config, start again over the same data directory."""
        self.stop()
        if policies is not None:
            self.write_config(policies)
        return self.start()

    def connect(self):
        return super().connect(socket_timeout=5, stack_timeout=15,
                               blocked_connection_timeout=30)

    def cleanup(self, env=None):
        """Kills the broker whatever happened and checks every log for sanitizer reports."""
        super().cleanup()
        self.check_log()


class RabbitMQReference:
    """The same interface over an already running RabbitMQ: policies via rabbitmqctl."""

    reference = True

    def __init__(self, policies):
        self.host = os.environ.get("AMQP_HOST", "127.0.0.1")
        self.port = int(os.environ.get("AMQP_PORT", "5692"))
        default_ctl = os.path.join(HERE, "..", "pika", "rabbitmq_reference.sh") + " ctl"
        self.ctl = shlex.split(os.environ.get("RABBITMQCTL", default_ctl))
        self.policy_names = []
        for p in policies:
            args = ["set_policy", p["name"], p["pattern"], json.dumps(p["definition"]),
                    "--priority", str(p.get("priority", 0)),
                    "--apply-to", p.get("apply-to", "queues")]
            self._run(args)
            self.policy_names.append(p["name"])
        time.sleep(0.2)  # policies reach existing queues asynchronously

    def _run(self, args):
        out = subprocess.run(self.ctl + args, capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, "rabbitmqctl %s failed:\n%s%s" % (args, out.stdout,
                                                                      out.stderr)

    def start(self):
        return self

    def restart(self, policies=None):
        pytest.skip("restarts are tested against PolyMQ only")

    def start_expecting_failure(self):
        pytest.skip("PolyMQ's config-file errors have no RabbitMQ equivalent")

    def connect(self):
        return pika.BlockingConnection(pika.ConnectionParameters(
            self.host, self.port, connection_attempts=1, socket_timeout=5,
            stack_timeout=15, blocked_connection_timeout=30))

    def cleanup(self, env):
        for name in self.policy_names:
            subprocess.run(self.ctl + ["clear_policy", name], capture_output=True, timeout=60)
        try:
            conn = self.connect()
        except Exception:
            return
        try:
            ch = conn.channel()
            for q in env.queues:
                try:
                    ch.queue_delete(q)
                except pika.exceptions.ChannelClosed:
                    ch = conn.channel()
            for x in env.exchanges:
                try:
                    ch.exchange_delete(x)
                except pika.exceptions.ChannelClosed:
                    ch = conn.channel()
        finally:
            conn.close()


class Env:
    """Per-test names (queues, exchanges, policies) under a unique prefix."""

    def __init__(self, test_name):
        tag = "".join(c if c.isalnum() else "-" for c in test_name)[:40]
        self.prefix = "poltest.%s.%s." % (tag, uuid.uuid4().hex[:8])
        self.queues = []
        self.exchanges = []

    def name(self, suffix):
        return self.prefix + suffix

    def pattern(self, regex_suffix, anchored=True):
        """^<escaped prefix><regex_suffix>: a policy pattern only this test's names match
        (without the ^ when not anchored)."""
        escaped = "".join("\\" + c if c in ".^$*+?()[]{}|\\" else c for c in self.prefix)
        return ("^" if anchored else "") + escaped + regex_suffix

    def policy(self, name, pattern, definition, priority=None, apply_to=None):
        p = {"name": self.prefix + name, "pattern": pattern, "definition": definition}
        if priority is not None:
            p["priority"] = priority
        if apply_to is not None:
            p["apply-to"] = apply_to
        return p

    def queue(self, ch, suffix, full_name=None, **kwargs):
        name = full_name or self.name(suffix)
        self.queues.append(name)
        ch.queue_declare(name, **kwargs)
        return name

    def exchange(self, ch, suffix, exchange_type="fanout", **kwargs):
        name = self.name(suffix)
        self.exchanges.append(name)
        ch.exchange_declare(name, exchange_type, **kwargs)
        return name


@pytest.fixture
def env(request):
    return Env(request.node.name)


@pytest.fixture
def make_broker(env, tmp_path):
    """make_broker(policies) -> a started broker (PolyMQ, or RabbitMQ in reference mode)."""
    made = []
    connections = []

    def make(policies, start=True):
        if REFERENCE:
            broker = RabbitMQReference(policies)
        else:
            workdir = tmp_path / ("broker%d" % len(made))
            workdir.mkdir()
            broker = PolyMQBroker(workdir, policies)
        made.append(broker)
        if start:
            broker.start()
        real_connect = broker.connect

        def connect():
            conn = real_connect()
            connections.append(conn)
            return conn
        broker.connect = connect
        return broker

    yield make
    for conn in connections:
        try:
            if conn.is_open:
                conn.close()
        except Exception:
            pass
    for broker in made:
        broker.cleanup(env)
