"""Helpers for the flow-control suite: pika connections that record the connection.blocked /
connection.unblocked notifications they receive. The broker process and the make_broker
fixture come from tests/integration/common/polymq_process.py (conftest.py puts it on
sys.path).

Only the standard library and python3-pika (Debian's 1.2) are used."""

import threading
import time

import polymq_process


def params(port, **kw):
    """polymq_process.params without pika's blocked-connection timeout: these tests keep
    connections blocked on purpose."""
    kw.setdefault("blocked_connection_timeout", None)
    return polymq_process.params(port, **kw)


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
