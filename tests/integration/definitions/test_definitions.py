"""Durable definitions across restarts, as RabbitMQ 3.x: durable exchanges, durable queues
(neither exclusive nor auto-delete), bindings between durable things, vhosts and users survive
SIGTERM and SIGKILL; everything else is gone. Checked with passive declares and by publishing
through the restored bindings."""

import json

import pika
import pytest

SURVIVING_EXCHANGES = ["d.direct", "d.alt", "d.internal", "d.autodelete"]
SURVIVING_QUEUES = ["d.q", "d.alt.q", "d.internal.q"]
GONE_EXCHANGES = ["t.direct"]
GONE_QUEUES = ["t.q", "ad.q", "e.q"]


def declare_everything(ch):
    """Declares one of each kind of definition; returns the server-named durable queue."""
    ch.exchange_declare("d.direct", "direct", durable=True,
                        arguments={"alternate-exchange": "d.alt"})
    ch.exchange_declare("d.alt", "fanout", durable=True)
    ch.exchange_declare("d.internal", "fanout", durable=True, internal=True)
    ch.exchange_declare("d.autodelete", "topic", durable=True, auto_delete=True)
    ch.exchange_declare("t.direct", "direct", durable=False)
    ch.queue_declare("d.q", durable=True, arguments={"x-max-length": 100})
    ch.queue_declare("d.alt.q", durable=True)
    ch.queue_declare("d.internal.q", durable=True)
    named = ch.queue_declare("", durable=True).method.queue
    ch.queue_declare("t.q", durable=False)
    ch.queue_declare("ad.q", durable=True, auto_delete=True)
    ch.queue_declare("e.q", durable=True, exclusive=True)
    ch.queue_bind("d.q", "d.direct", "k")
    ch.queue_bind("d.alt.q", "d.alt")
    ch.exchange_bind("d.internal", "d.direct", "to-internal")  # destination, source
    ch.queue_bind("d.internal.q", "d.internal")
    ch.queue_bind("d.q", "d.autodelete", "a.#")
    ch.queue_bind("d.q", "amq.topic", "orders.#")
    ch.queue_bind(named, "amq.fanout")
    # Not durable: one end is transient or exclusive.
    ch.queue_bind("t.q", "d.direct", "to-transient")
    ch.queue_bind("e.q", "d.direct", "to-exclusive")
    ch.queue_bind("d.q", "t.direct", "from-transient")
    return named


def exists(conn, kind, name):
    ch = conn.channel()
    try:
        if kind == "exchange":
            ch.exchange_declare(name, passive=True)
        else:
            ch.queue_declare(name, passive=True)
    except pika.exceptions.ChannelClosedByBroker as err:
        assert err.reply_code == 404, err
        return False
    ch.close()
    return True


def routes_to(conn, exchange, key, queues):
    """Publishes one message; returns which of `queues` received it."""
    ch = conn.channel()
    ch.confirm_delivery()
    try:
        ch.basic_publish(exchange, key, b"probe", mandatory=True)
    except pika.exceptions.UnroutableError:
        pass
    reached = []
    for q in queues:
        method, _, body = ch.basic_get(q, auto_ack=True)
        if method is not None:
            assert body == b"probe"
            reached.append(q)
    ch.close()
    return reached


def check_restored(broker, named):
    conn = broker.connect()
    for x in SURVIVING_EXCHANGES:
        assert exists(conn, "exchange", x), x
    for q in SURVIVING_QUEUES + [named]:
        assert exists(conn, "queue", q), q
    for x in GONE_EXCHANGES:
        assert not exists(conn, "exchange", x), x
    for q in GONE_QUEUES:
        assert not exists(conn, "queue", q), q

    queues = SURVIVING_QUEUES + [named]
    ch = conn.channel()
    for q in queues:
        ch.queue_purge(q)
    ch.close()
    assert routes_to(conn, "d.direct", "k", queues) == ["d.q"]
    assert routes_to(conn, "d.direct", "to-internal", queues) == ["d.internal.q"]
    assert routes_to(conn, "d.autodelete", "a.b", queues) == ["d.q"]
    assert routes_to(conn, "amq.topic", "orders.new", queues) == ["d.q"]
    assert routes_to(conn, "amq.fanout", "", queues) == [named]
    # The alternate exchange survived; the bindings to transient and exclusive queues did not.
    assert routes_to(conn, "d.direct", "nothing", queues) == ["d.alt.q"]
    assert routes_to(conn, "d.direct", "to-transient", queues) == ["d.alt.q"]
    assert routes_to(conn, "d.direct", "to-exclusive", queues) == ["d.alt.q"]

    # Flags and arguments came back: equivalent redeclares pass, inequivalent ones fail.
    ch = conn.channel()
    ch.queue_declare("d.q", durable=True, arguments={"x-max-length": 100})
    ch.exchange_declare("d.autodelete", "topic", durable=True, auto_delete=True)
    ch.exchange_declare("d.internal", "fanout", durable=True, internal=True)
    with pytest.raises(pika.exceptions.ChannelClosedByBroker) as err:
        ch.queue_declare("d.q", durable=True, arguments={"x-max-length": 5})
    assert err.value.reply_code == 406
    ch = conn.channel()
    with pytest.raises(pika.exceptions.ChannelClosedByBroker) as err:
        ch.basic_publish("d.internal", "", b"x")
        ch.queue_declare("d.q", passive=True)
    assert err.value.reply_code == 403
    conn.close()


def test_definitions_survive_sigterm(broker):
    broker.start()
    conn = broker.connect()
    named = declare_everything(conn.channel())
    # The connection owning the exclusive queue is still open at shutdown.
    assert broker.stop(15) == 0, broker.log
    assert "PolyMQ stopped" in broker.log

    broker.start()
    check_restored(broker, named)
    # A second restart changes nothing.
    assert broker.stop(15) == 0
    broker.start()
    check_restored(broker, named)
    assert broker.stop(15) == 0


def test_definitions_survive_sigkill_right_after_declare_ok(broker):
    broker.start()
    conn = broker.connect()
    named = declare_everything(conn.channel())
    # Every declare-ok was sent after its definition was on disk.
    broker.stop(9)
    broker.start()
    check_restored(broker, named)

    # Deletions are as durable: delete, kill, and they stay deleted.
    conn = broker.connect()
    ch = conn.channel()
    ch.queue_unbind("d.q", "amq.topic", "orders.#")
    ch.exchange_unbind("d.internal", "d.direct", "to-internal")
    ch.queue_delete("d.alt.q")
    ch.exchange_delete("d.autodelete")
    broker.stop(9)
    broker.start()
    conn = broker.connect()
    assert not exists(conn, "queue", "d.alt.q")
    assert not exists(conn, "exchange", "d.autodelete")
    queues = ["d.q", "d.internal.q", named]
    assert routes_to(conn, "amq.topic", "orders.new", queues) == []
    assert routes_to(conn, "d.direct", "to-internal", queues) == []
    assert routes_to(conn, "d.direct", "k", queues) == ["d.q"]
    conn.close()
    assert broker.stop(15) == 0


def test_concurrent_durable_declares_survive_sigkill_and_leave_no_files_per_queue(broker):
    """Four connections declare and bind durable queues at the same time (their changes share
    syncs); SIGKILL right after the last reply; every queue and binding is back, replayed from
    the change log, and the empty queues created no message files."""
    import threading

    broker.start()
    errors = []

    def client(n):
        try:
            conn = broker.connect()
            ch = conn.channel()
            for i in range(50):
                name = "c%d.q%d" % (n, i)
                ch.queue_declare(name, durable=True)
                ch.queue_bind(name, "amq.direct", name)
            conn.close()
        except Exception as err:  # reported below, in the test's thread
            errors.append(err)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    changes = [p.name for p in broker.data_dir.iterdir()
               if p.name.startswith("definitions.changes.")]
    assert changes, list(broker.data_dir.iterdir())
    broker.stop(9)
    broker.start()
    assert "skipped" not in broker.log
    conn = broker.connect()
    for n in range(4):
        for i in (0, 49):
            name = "c%d.q%d" % (n, i)
            assert exists(conn, "queue", name), name
            assert routes_to(conn, "amq.direct", name, [name]) == [name]
    # The probes are transient messages: no durable queue has stored anything, so none has
    # files; the first persistent message creates its queue's store.
    durable_stores = broker.data_dir / "queues" / "durable"
    assert list(durable_stores.iterdir()) == []
    ch = conn.channel()
    ch.confirm_delivery()
    ch.basic_publish("amq.direct", "c0.q0", b"kept", pika.BasicProperties(delivery_mode=2))
    assert len(list(durable_stores.iterdir())) == 1
    conn.close()
    assert broker.stop(15) == 0


def test_auto_deleted_durable_exchange_stays_deleted(broker):
    broker.start()
    conn = broker.connect()
    ch = conn.channel()
    ch.exchange_declare("ad.x", "fanout", durable=True, auto_delete=True)
    ch.queue_declare("ad.target", durable=True)
    ch.queue_bind("ad.target", "ad.x")
    ch.queue_unbind("ad.target", "ad.x")  # last binding gone: the exchange auto-deletes
    broker.stop(9)
    broker.start()
    conn = broker.connect()
    assert not exists(conn, "exchange", "ad.x")
    assert exists(conn, "queue", "ad.target")
    conn.close()
    assert broker.stop(15) == 0


def test_vhosts_and_users_survive_and_config_applies_over_them(broker, tmp_path):
    config = tmp_path / "polymq.toml"
    config.write_text('vhosts = ["/", "orders"]\n'
                      '[[users]]\nname = "app"\npassword = "one"\n')
    broker.start(config=config)
    conn = broker.connect("app", "one", vhost="orders")
    conn.channel().queue_declare("orders.q", durable=True)
    conn.close()
    assert broker.stop(15) == 0

    # Without a config file the stored user and vhost stay; the default guest is not added
    # when users are stored (RabbitMQ creates it only on first boot).
    broker.config = None
    broker.start()
    conn = broker.connect("app", "one", vhost="orders")
    assert exists(conn, "queue", "orders.q")
    conn.close()
    with pytest.raises(pika.exceptions.ProbableAuthenticationError):
        broker.connect("guest", "guest")
    assert broker.stop(15) == 0

    # A password set explicitly in the config file replaces the stored one.
    config.write_text('[[users]]\nname = "app"\npassword = "two"\n')
    broker.start(config=config)
    broker.connect("app", "two", vhost="orders").close()
    with pytest.raises(pika.exceptions.ProbableAuthenticationError):
        broker.connect("app", "one", vhost="orders")
    assert broker.stop(15) == 0

    stored = json.loads((broker.data_dir / "definitions.json").read_text())
    assert [u["name"] for u in stored["users"]] == ["app"]
    assert stored["users"][0]["hashing_algorithm"] == "rabbit_password_hashing_sha256"
    assert sorted(v["name"] for v in stored["vhosts"]) == ["/", "orders"]
    assert [q["name"] for q in stored["queues"]] == ["orders.q"]


def test_default_guest_keeps_a_stored_password(broker):
    broker.data_dir.mkdir(parents=True)
    # A RabbitMQ export: guest with password "stored-pw", a queue, an exchange, a binding.
    (broker.data_dir / "definitions.json").write_text(json.dumps({
        "rabbit_version": "3.8.9",
        "users": [
            {"name": "guest", "password_hash": "Eze+7+9Nh9rS3HB9SBdCTlr7n/fRg3xeUv1EsTFspukVnL4Y",
             "hashing_algorithm": "rabbit_password_hashing_sha256", "tags": "administrator"}],
        "vhosts": [{"name": "/"}],
        "permissions": [{"user": "guest", "vhost": "/", "configure": ".*", "write": ".*",
                         "read": ".*"}],
        "policies": [], "parameters": [],
        "queues": [{"name": "imported", "vhost": "/", "durable": True, "auto_delete": False,
                    "arguments": {}}],
        "exchanges": [{"name": "imported.x", "vhost": "/", "type": "topic", "durable": True,
                       "auto_delete": False, "internal": False, "arguments": {}}],
        "bindings": [{"source": "imported.x", "vhost": "/", "destination": "imported",
                      "destination_type": "queue", "routing_key": "#", "arguments": {}}],
    }))
    broker.start()
    # The built-in default guest/guest does not override the stored guest.
    with pytest.raises(pika.exceptions.ProbableAuthenticationError):
        broker.connect("guest", "guest")
    conn = broker.connect("guest", "stored-pw")
    assert routes_to(conn, "imported.x", "any.key", ["imported"]) == ["imported"]
    conn.close()
    assert broker.stop(15) == 0


def test_malformed_definitions_refuse_to_start(broker):
    broker.data_dir.mkdir(parents=True)
    path = broker.data_dir / "definitions.json"
    for contents, why in [
            ('{"queues": [{"name": "q", "vhost": "/"', "not valid JSON"),
            ('{"queues": [{"name": "q", "vhost": "nowhere"}]}', "no vhost 'nowhere'"),
            ('{"vhosts": [{"name": "/"}], "bindings": [{"source": "amq.direct", "vhost": "/",'
             ' "destination": "missing", "destination_type": "queue", "routing_key": "k"}]}',
             "no queue 'missing'"),
            ("", "is empty")]:
        path.write_text(contents)
        assert broker.start(expect_exit=True) == 1, broker.log
        assert "definitions.json" in broker.log and why in broker.log, broker.log
        assert "refusing to start" in broker.log, broker.log
        # The file is left as it was for the operator to fix.
        assert path.read_text() == contents
