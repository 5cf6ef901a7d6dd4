"""Starts private PolyMQ brokers (on 127.0.0.1, free ports) for tests of the server itself:
command line, environment, config file, shutdown. POLYMQ_BIN names the binary."""

import os
import socket
import subprocess
import time

import pytest


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, proc, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("broker exited early: " + proc.stdout.read().decode(errors="replace"))
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("broker did not listen on %d" % port)


class Broker:
    def __init__(self, tmp_path, args=(), env=None, port=None):
        self.port = port or free_port()
        self.binary = os.environ.get("POLYMQ_BIN", "polymq")
        cmd = [self.binary, "--bind", "127.0.0.1", "--data-dir", str(tmp_path / "data")]
        if "--amqp-port" not in args and not (env and "POLYMQ_AMQP_PORT" in env):
            cmd += ["--amqp-port", str(self.port)]
        cmd += list(args)
        full_env = dict(os.environ)
        # Brokers run side by side (suites, other builds): none takes Kafka's 9092 or SQS's
        # 9324 unless the caller's environment asks for it.
        full_env.setdefault("POLYMQ_KAFKA_PORT", "0")
        full_env.setdefault("POLYMQ_SQS_PORT", "0")
        full_env.setdefault("POLYMQ_MANAGEMENT_PORT", "0")
        full_env.update(env or {})
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     env=full_env)
        wait_for_port(self.port, self.proc)

    def stop(self, sig=15, timeout=10):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise
        return self.proc.returncode, self.proc.stdout.read().decode(errors="replace")


@pytest.fixture
def start_broker(tmp_path):
    started = []

    def start(*args, env=None, port=None):
        b = Broker(tmp_path, args, env, port)
        started.append(b)
        return b

    yield start
    for b in started:
        if b.proc.poll() is None:
            b.proc.kill()
            b.proc.wait()
