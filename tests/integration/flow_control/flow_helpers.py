"""Helpers for the flow-control suite: a private PolyMQ process (the pattern of
tests/integration/durability/durability_helpers.py) and pika connections that record the
connection.blocked / connection.unblocked notifications they receive.

Only the standard library and python3-pika (Debian's 1.2) are used."""

import os
import re
import signal
import socket
import subprocess
import threading
import time

import pika

SANITIZER_REPORT = re.compile(r"ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
    return pika.ConnectionParameters("127.0.0.1", port, **kw)


class Broker:
    """One PolyMQ process on 127.0.0.1 over a fresh data directory under ``workdir``."""

    def __init__(self, workdir, args=()):
        self.workdir = str(workdir)
        self.data_dir = os.path.join(self.workdir, "data")
        self.log_path = os.path.join(self.workdir, "broker.log")
        self.binary = os.environ.get("POLYMQ_BIN", "polymq")
        self.port = free_port()
        cmd = [self.binary, "--bind", "127.0.0.1", "--amqp-port", str(self.port),
               "--data-dir", self.data_dir] + list(args)
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        deadline = time.monotonic() + 60
        while not port_accepts(self.port):
            if self.proc.poll() is not None:
                raise RuntimeError("broker exited with %s before listening:\n%s"
                                   % (self.proc.returncode, self.log_text()))
            if time.monotonic() > deadline:
                raise RuntimeError("broker did not listen:\n" + self.log_text())
            time.sleep(0.02)

    def connect(self, **kw):
        return pika.BlockingConnection(params(self.port, **kw))

    def log_text(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def stop(self, timeout=30):
        """SIGTERM; the broker must exit 0 (open connections, blocked ones included, are
        closed with 320 CONNECTION_FORCED)."""
        os.kill(self.proc.pid, signal.SIGTERM)
        code = self.proc.wait(timeout)
        assert code == 0, "broker exited with %s:\n%s" % (code, self.log_text()[-4000:])

    def cleanup(self):
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except OSError:
                pass
            self.proc.wait()

    def check_log(self):
        text = self.log_text()
        m = SANITIZER_REPORT.search(text)
        assert m is None, "sanitizer report in %s:\n%s" % (self.log_path, text[m.start():][:4000])


class Notifications:
    """Records connection.blocked / unblocked received by one BlockingConnection (pika
    dispatches them while the connection processes I/O)."""

    def __init__(self, conn):
        self.blocked = []          # reasons, in order
        self.unblocked = 0
        self.is_blocked = False
        self.blocked_event = threading.Event()
        self.unblocked_event = threading.Event()
        conn.add_on_connection_blocked_callback(self._on_blocked)
        conn.add_on_connection_unblocked_callback(self._on_unblocked)

    def _on_blocked(self, _conn, frame):
        self.blocked.append(frame.method.reason)
        self.is_blocked = True
        self.blocked_event.set()

    def _on_unblocked(self, _conn, _frame):
        self.unblocked += 1
        self.is_blocked = False
        self.unblocked_event.set()


def queue_count(conn, queue):
    ch = conn.channel()
    try:
        return ch.queue_declare(queue, passive=True).method.message_count
    finally:
        ch.close()


def wait_until(predicate, timeout, step=0.02, conn=None):
    """Polls ``predicate`` until true or ``timeout`` seconds; keeps ``conn`` serviced."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        if conn is not None:
            conn.process_data_events(step)
        else:
            time.sleep(step)
    return predicate()
