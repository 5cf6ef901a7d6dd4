"""Private PolyMQ brokers (127.0.0.1, a free port each start) over one data directory that
outlives them, for tests of what survives a restart. POLYMQ_BIN names the binary."""

import os
import socket
import subprocess
import time

import pika
import pytest


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def check_sanitizers(log):
    """Fails on an ASan/UBSan report (the asan preset's binary), even after SIGKILL."""
    for marker in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:"):
        assert marker not in log, log


class Broker:
    """One broker process; start() again (after stop/kill) restarts it on the same data dir."""

    def __init__(self, data_dir, config=None):
        self.data_dir = data_dir
        self.config = config
        self.binary = os.environ.get("POLYMQ_BIN", "polymq")
        self.proc = None
        self.port = None
        self.log = ""

    def start(self, config=None, expect_exit=False):
        if config is not None:
            self.config = config
        self.port = free_port()
        cmd = [self.binary, "--bind", "127.0.0.1", "--amqp-port", str(self.port),
               "--data-dir", str(self.data_dir)]
        if self.config:
            cmd += ["--config", str(self.config)]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if expect_exit:
            out, _ = self.proc.communicate(timeout=20)
            self.log = out.decode(errors="replace")
            check_sanitizers(self.log)
            return self.proc.returncode
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("broker exited early: " +
                                   self.proc.stdout.read().decode(errors="replace"))
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return 0
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("broker did not listen on %d" % self.port)

    def stop(self, sig=15, timeout=20):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise
        self.log = self.proc.stdout.read().decode(errors="replace")
        check_sanitizers(self.log)
        return self.proc.returncode

    def connect(self, user="guest", password="guest", vhost="/"):
        return pika.BlockingConnection(pika.ConnectionParameters(
            "127.0.0.1", self.port, virtual_host=vhost,
            credentials=pika.PlainCredentials(user, password)))


@pytest.fixture
def broker(tmp_path):
    b = Broker(tmp_path / "data")
    yield b
    if b.proc is not None and b.proc.poll() is None:
        b.proc.kill()
        b.proc.wait()
