"""polymqctl, the built binary, against a real broker: every command's effect checked over the
management API (requests) or AMQP (pika), its tab-separated and JSON output parsed, and its
errors: an unreachable broker, a refused user, unknown objects, bad usage."""

import json
import socket

import pika
import pytest

from conftest import Ctl
from management_api import Api
from polymq_process import free_port, params


def table(out):
    """The rows of `-q` output (no banner, no header), split on tabs."""
    return [line.split("\t") for line in out.splitlines()]


def listing(out):
    """Default output: the banner line, the header line, the rows."""
    lines = out.splitlines()
    return lines[0], lines[1].split("\t"), [line.split("\t") for line in lines[2:]]


def connect(broker, user="guest", password="guest", vhost="/"):
    return pika.BlockingConnection(params(broker.port, virtual_host=vhost,
                                          credentials=pika.PlainCredentials(user, password)))


def publish(broker, queue, count, vhost="/"):
    conn = connect(broker, vhost=vhost)
    ch = conn.channel()
    ch.confirm_delivery()
    for i in range(count):
        ch.basic_publish("", queue, b"m%d" % i)
    conn.close()


# -- status and the listings -------------------------------------------------------------

def test_status(ctl, api, broker):
    overview = api.get("/overview").json()
    p = ctl.ok("status")
    lines = p.stdout.splitlines()
    assert lines[0] == "Status of node %s ..." % overview["node"]
    fields = dict(line.split("\t", 1) for line in lines[1:])
    assert fields["node"] == overview["node"]
    assert fields["product_name"] == "PolyMQ"
    assert fields["running"] == "true"
    assert fields["queues"] == "0" and fields["messages"] == "0"
    status = json.loads(ctl.ok("--formatter", "json", "status").stdout)
    assert status["node"] == overview["node"] and status["running"] is True
    assert {(l["protocol"], l["port"]) for l in status["listeners"]} >= {
        ("amqp", broker.port), ("http", broker.management_port)}
    assert status["mem_used"] >= 0 and status["disk_free_alarm"] is False
    # Quiet: no banner line.
    assert ctl.ok("-q", "status").stdout.splitlines()[0].split("\t")[0] == "node"


def test_list_queues_default_and_selected_columns(ctl, api, broker):
    assert api.put("/queues/%2F/work", {"durable": True}).status_code == 201
    assert api.put("/queues/%2F/idle", {"durable": False}).status_code == 201
    publish(broker, "work", 3)
    banner, header, rows = listing(ctl.ok("list_queues").stdout)
    assert banner == "Listing queues for vhost / ..."
    assert header == ["name", "messages"]
    assert sorted(rows) == [["idle", "0"], ["work", "3"]]
    # The columns named, in that order; -q leaves out the banner and the header.
    conn = connect(broker)
    ch = conn.channel()
    ch.basic_consume("work", lambda *a: None, consumer_tag="c1")
    p = ctl.ok("-q", "list_queues", "name", "consumers", "durable", "messages_ready")
    assert sorted(table(p.stdout)) == [["idle", "0", "false", "0"], ["work", "1", "true", "0"]]
    conn.close()
    # --no-table-headers: the banner, no header.
    p = ctl.ok("list_queues", "--no-table-headers", "name")
    assert p.stdout.splitlines() == ["Listing queues for vhost / ...", "idle", "work"]
    # JSON: the columns as keys, the API's values and types.
    rows = json.loads(ctl.ok("--formatter", "json", "list_queues", "name", "messages",
                             "arguments").stdout)
    assert sorted(rows, key=lambda r: r["name"]) == [
        {"name": "idle", "messages": 0, "arguments": {}},
        {"name": "work", "messages": 3, "arguments": {}}]


def test_list_queues_in_a_vhost_with_a_slash(ctl, api, broker):
    assert api.put("/vhosts/team%2Fa").status_code == 201
    assert api.put("/queues/team%2Fa/jobs").status_code == 201
    assert api.put("/queues/%2F/other").status_code == 201
    p = ctl.ok("-q", "list_queues", "-p", "team/a", "name", "vhost")
    assert table(p.stdout) == [["jobs", "team/a"]]
    # -p before the command and --vhost work alike.
    assert table(ctl.ok("-q", "--vhost", "team/a", "list_queues", "name").stdout) == [["jobs"]]


def test_list_queues_bad_column_and_unknown_vhost(ctl):
    p = ctl("list_queues", "name", "colour")
    assert p.returncode == 64
    assert "colour" in p.stderr and "messages_ready" in p.stderr and "Usage:" in p.stderr
    p = ctl("list_queues", "-p", "nowhere")
    assert p.returncode == 65
    assert 'virtual host "nowhere" does not exist' in p.stderr


def test_list_exchanges(ctl, broker):
    conn = connect(broker)
    conn.channel().exchange_declare("events", "topic", durable=True)
    conn.close()
    banner, header, rows = listing(ctl.ok("list_exchanges").stdout)
    assert header == ["name", "type"]
    assert ["events", "topic"] in rows and ["amq.fanout", "fanout"] in rows
    assert ["", "direct"] in rows  # the default exchange, as rabbitmqctl lists it
    rows = json.loads(ctl.ok("--formatter", "json", "list_exchanges", "name", "durable",
                             "auto_delete").stdout)
    assert {"name": "events", "durable": True, "auto_delete": False} in rows


def test_list_bindings(ctl, broker):
    conn = connect(broker)
    ch = conn.channel()
    ch.exchange_declare("events", "topic")
    ch.queue_declare("audit")
    ch.queue_bind("audit", "events", routing_key="order.*")
    conn.close()
    banner, header, rows = listing(ctl.ok("list_bindings").stdout)
    assert header == ["source_name", "source_kind", "destination_name", "destination_kind",
                      "routing_key", "arguments"]
    assert ["events", "exchange", "audit", "queue", "order.*", "{}"] in rows
    assert ["", "exchange", "audit", "queue", "audit", "{}"] in rows  # the default binding
    rows = json.loads(ctl.ok("--formatter", "json", "list_bindings", "source_name",
                             "routing_key").stdout)
    assert {"source_name": "events", "routing_key": "order.*"} in rows


def test_list_connections(ctl, api, broker):
    conn = connect(broker)
    local_port = conn._impl._transport._sock.getsockname()[1]
    banner, header, rows = listing(ctl.ok("list_connections").stdout)
    assert header == ["user", "peer_host", "peer_port", "state"]
    assert rows == [["guest", "127.0.0.1", str(local_port), "running"]]
    rows = json.loads(ctl.ok("--formatter", "json", "list_connections", "user", "vhost",
                             "peer_port", "channels").stdout)
    assert rows == [{"user": "guest", "vhost": "/", "peer_port": local_port, "channels": 0}]
    conn.close()
    assert ctl.ok("-q", "list_connections").stdout == ""


def test_list_consumers(ctl, broker):
    conn = connect(broker)
    ch = conn.channel()
    ch.queue_declare("tasks")
    ch.basic_qos(prefetch_count=5)
    ch.basic_consume("tasks", lambda *a: None, consumer_tag="worker-1")
    banner, header, rows = listing(ctl.ok("list_consumers").stdout)
    assert banner == "Listing consumers in vhost / ..."
    assert header == ["queue_name", "channel_pid", "consumer_tag", "ack_required",
                      "prefetch_count", "active", "activity_status", "arguments"]
    assert len(rows) == 1
    row = dict(zip(header, rows[0]))
    assert (row["queue_name"], row["consumer_tag"], row["ack_required"],
            row["prefetch_count"], row["active"]) == ("tasks", "worker-1", "true", "5", "true")
    rows = json.loads(ctl.ok("--formatter", "json", "list_consumers", "queue_name",
                             "consumer_tag", "prefetch_count").stdout)
    assert rows == [{"queue_name": "tasks", "consumer_tag": "worker-1", "prefetch_count": 5}]
    conn.close()


# -- users, vhosts, permissions ------------------------------------------------------------

def test_add_user_set_permissions_and_log_in(ctl, api, broker):
    p = ctl.ok("add_user", "bob", "s3cret")
    assert p.stdout == 'Adding user "bob" ...\n'
    user = api.get("/users/bob").json()
    assert user["tags"] == []
    ctl.ok("-q", "set_permissions", "bob", "^bob-.*", ".*", ".*")
    assert api.get("/permissions/%2F/bob").json() == {
        "user": "bob", "vhost": "/", "configure": "^bob-.*", "write": ".*", "read": ".*"}
    conn = connect(broker, "bob", "s3cret")
    ch = conn.channel()
    ch.queue_declare("bob-q")
    with pytest.raises(pika.exceptions.ChannelClosedByBroker) as e:
        ch.queue_declare("alice-q")  # outside the configure pattern
    assert e.value.reply_code == 403
    conn.close()
    rows = table(ctl.ok("-q", "list_permissions").stdout)
    assert ["bob", "^bob-.*", ".*", ".*"] in rows
    # An existing user is refused, its password untouched.
    p = ctl("add_user", "bob", "other")
    assert p.returncode == 65 and 'user "bob" already exists' in p.stderr
    connect(broker, "bob", "s3cret").close()


def test_change_password_keeps_tags(ctl, api, broker):
    ctl.ok("add_user", "carol", "old")
    ctl.ok("set_user_tags", "carol", "monitoring")
    assert Api(broker, "carol", "old").get("/overview").status_code == 200
    ctl.ok("change_password", "carol", "new")
    assert Api(broker, "carol", "old").get("/overview").status_code == 401
    assert Api(broker, "carol", "new").get("/overview").status_code == 200
    assert api.get("/users/carol").json()["tags"] == ["monitoring"]
    p = ctl("change_password", "nobody", "x")
    assert p.returncode == 65 and 'user "nobody" does not exist' in p.stderr
    assert api.get("/users/nobody").status_code == 404


def test_set_user_tags_and_list_users(ctl, api):
    ctl.ok("add_user", "dave", "pw")
    p = ctl.ok("set_user_tags", "dave", "administrator", "policymaker")
    assert p.stdout == 'Setting tags for user "dave" to [administrator, policymaker] ...\n'
    assert api.get("/users/dave").json()["tags"] == ["administrator", "policymaker"]
    users = json.loads(ctl.ok("--formatter", "json", "list_users").stdout)
    assert {"user": "dave", "tags": ["administrator", "policymaker"]} in users
    assert ["guest", '["administrator"]'] in table(ctl.ok("-q", "list_users").stdout)
    ctl.ok("set_user_tags", "dave")  # no tags: cleared
    assert api.get("/users/dave").json()["tags"] == []
    # Never creates a user.
    p = ctl("set_user_tags", "ghost", "administrator")
    assert p.returncode == 65 and 'user "ghost" does not exist' in p.stderr
    assert api.get("/users/ghost").status_code == 404


def test_delete_user(ctl, api):
    ctl.ok("add_user", "erin", "pw")
    ctl.ok("delete_user", "erin")
    assert api.get("/users/erin").status_code == 404
    p = ctl("delete_user", "erin")
    assert p.returncode == 65
    assert 'Error: user "erin" does not exist' in p.stderr


def test_add_and_delete_vhost(ctl, api, broker):
    p = ctl.ok("add_vhost", "staging/eu")
    assert p.stdout == 'Adding vhost "staging/eu" ...\n'
    assert api.get("/vhosts/staging%2Feu").status_code == 200
    assert "staging/eu" in [r[0] for r in table(ctl.ok("-q", "list_vhosts").stdout)]
    # The creator (guest) may use it, as with RabbitMQ's API.
    connect(broker, vhost="staging/eu").close()
    ctl.ok("delete_vhost", "staging/eu")
    assert api.get("/vhosts/staging%2Feu").status_code == 404
    p = ctl("delete_vhost", "staging/eu")
    assert p.returncode == 65 and 'virtual host "staging/eu" does not exist' in p.stderr


def test_set_and_clear_permissions_errors(ctl, api):
    ctl.ok("add_vhost", "v1")
    ctl.ok("add_user", "frank", "pw")
    ctl.ok("set_permissions", "-p", "v1", "frank", "", "^x$", "^y$")
    assert api.get("/permissions/v1/frank").json()["write"] == "^x$"
    p = ctl("set_permissions", "-p", "v1", "nobody", ".*", ".*", ".*")
    assert p.returncode == 65 and 'user "nobody" does not exist' in p.stderr
    p = ctl("set_permissions", "-p", "v2", "frank", ".*", ".*", ".*")
    assert p.returncode == 65 and 'virtual host "v2" does not exist' in p.stderr
    ctl.ok("clear_permissions", "-p", "v1", "frank")
    assert api.get("/permissions/v1/frank").status_code == 404
    assert ctl("clear_permissions", "-p", "v1", "frank").returncode == 65


# -- queues ---------------------------------------------------------------------------------

def test_purge_queue(ctl, api, broker):
    assert api.put("/queues/%2F/backlog", {"durable": True}).status_code == 201
    publish(broker, "backlog", 4)
    assert api.get("/queues/%2F/backlog").json()["messages"] == 4
    p = ctl.ok("purge_queue", "backlog")
    assert p.stdout == 'Purging queue "backlog" in vhost "/" ...\n'
    assert api.get("/queues/%2F/backlog").json()["messages"] == 0
    conn = connect(broker)
    assert conn.channel().basic_get("backlog", auto_ack=True) == (None, None, None)
    conn.close()
    p = ctl("purge_queue", "nope")
    assert p.returncode == 65 and 'queue "nope" does not exist in vhost "/"' in p.stderr


def test_delete_queue(ctl, api, broker):
    assert api.put("/queues/%2F/full").status_code == 201
    assert api.put("/queues/%2F/empty").status_code == 201
    publish(broker, "full", 1)
    # --if-empty refuses a queue with messages, with the API's reason.
    p = ctl("delete_queue", "--if-empty", "full")
    assert p.returncode == 65 and "not empty" in p.stderr
    assert api.get("/queues/%2F/full").status_code == 200
    ctl.ok("delete_queue", "--if-empty", "empty")
    ctl.ok("-q", "delete_queue", "full")
    assert api.get("/queues/%2F/full").status_code == 404
    assert api.get("/queues/%2F/empty").status_code == 404
    p = ctl("delete_queue", "full")
    assert p.returncode == 65 and 'queue "full" does not exist' in p.stderr


# -- definitions -----------------------------------------------------------------------------

def test_export_and_import_definitions(ctl, api, broker, make_broker, tmp_path):
    ctl.ok("add_vhost", "shop")
    ctl.ok("add_user", "gina", "pw")
    ctl.ok("set_permissions", "-p", "shop", "gina", ".*", ".*", ".*")
    assert api.put("/queues/shop/orders", {"durable": True}).status_code == 201
    path = tmp_path / "defs.json"
    p = ctl.ok("export_definitions", str(path))
    assert p.stdout == 'Exporting definitions to a file at "%s" ...\n' % path
    exported = json.loads(path.read_text())
    assert {"name": "shop"} in [{"name": v["name"]} for v in exported["vhosts"]]
    assert ("shop", "orders") in [(q["vhost"], q["name"]) for q in exported["queues"]]
    # To stdout with -: the JSON alone, even without -q.
    assert json.loads(ctl.ok("export_definitions", "-").stdout) == exported

    other = make_broker(management=True).start()
    ctl2 = Ctl(other.management_port)
    api2 = Api(other)
    assert api2.get("/queues/shop/orders").status_code == 404
    ctl2.ok("import_definitions", str(path))
    assert api2.get("/queues/shop/orders").json()["durable"] is True
    assert api2.get("/permissions/shop/gina").status_code == 200
    connect(other, "gina", "pw", vhost="shop").close()

    third = make_broker(management=True).start()
    ctl3 = Ctl(third.management_port)
    ctl3.ok("-q", "import_definitions", "-", input=path.read_text())
    assert Api(third).get("/queues/shop/orders").status_code == 200


def test_import_definitions_errors(ctl, tmp_path):
    p = ctl("import_definitions", str(tmp_path / "missing.json"))
    assert p.returncode == 66 and "could not read" in p.stderr
    p = ctl("import_definitions", "-", input="{not json")
    assert p.returncode == 65 and "not a JSON object" in p.stderr
    # The API's own refusal: a queue in a vhost the document does not declare.
    bad = json.dumps({"queues": [{"name": "q", "vhost": "missing", "durable": True,
                                  "auto_delete": False, "arguments": {}}]})
    p = ctl("import_definitions", "-", input=bad)
    assert p.returncode == 65 and p.stderr.startswith("Error:")


# -- connection, authentication, usage ---------------------------------------------------------

def test_unreachable_broker(ctl):
    port = free_port()  # nothing listens there
    p = ctl("list_queues", port=port)
    assert p.returncode == 69
    assert "connection refused" in p.stderr and "127.0.0.1:%d" % port in p.stderr
    assert p.stdout == ""


def test_unresolvable_host(ctl):
    p = ctl("--host", "no-such-host.invalid", "status")
    assert p.returncode == 69 and "unable to connect" in p.stderr


def test_timeout(ctl):
    # A listener that never answers: the --timeout deadline ends the wait.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        p = ctl("--timeout", "1", "status", port=s.getsockname()[1])
    assert p.returncode == 75 and "did not answer in time" in p.stderr


def test_refused_user(ctl, api):
    p = ctl("--password", "wrong", "list_queues")
    assert p.returncode == 77
    assert "refused user 'guest'" in p.stderr and "Login failed" in p.stderr
    ctl.ok("add_user", "app", "pw")  # no management tag
    p = ctl("--username", "app", "--password", "pw", "list_queues")
    assert p.returncode == 77 and "Not management user" in p.stderr
    # A monitoring user may list the vhosts it has a grant in, but not change them.
    ctl.ok("set_user_tags", "app", "monitoring")
    p = ctl("--username", "app", "--password", "pw", "list_queues")
    assert p.returncode == 77 and "User not authorised to access virtual host" in p.stderr
    ctl.ok("set_permissions", "-p", "/", "app", ".*", ".*", ".*")
    ctl.ok("--username", "app", "--password", "pw", "list_queues")
    p = ctl("--username", "app", "--password", "pw", "add_vhost", "x")
    assert p.returncode == 77
    assert api.get("/vhosts/x").status_code == 404


def test_environment_variables(ctl, broker):
    env = {"POLYMQ_CTL_PORT": str(broker.management_port), "POLYMQ_CTL_HOST": "127.0.0.1",
           "POLYMQ_CTL_USERNAME": "guest", "POLYMQ_CTL_PASSWORD": "guest"}
    p = ctl("-q", "list_vhosts", env=env, connection=False)
    assert p.returncode == 0 and table(p.stdout) == [["/"]]
    env["POLYMQ_CTL_PASSWORD"] = "wrong"
    assert ctl("list_vhosts", env=env, connection=False).returncode == 77
    # The defaults: 127.0.0.1:15672 (no broker of this test listens there).
    p = ctl("--port", "15672", "status", connection=False)
    assert p.returncode in (0, 69, 77)


@pytest.mark.parametrize("args", [
    [],                                          # no command
    ["frobnicate"],                              # unknown command
    ["add_user", "onlyname"],                    # too few arguments
    ["delete_user", "a", "b"],                   # too many
    ["set_permissions", "u", ".*", ".*"],        # too few
    ["list_queues", "--bogus"],                  # unknown option
    ["--formatter", "xml", "list_queues"],       # unknown formatter
    ["list_connections", "-p", "/"],             # takes no vhost
    ["set_policy", "p", ".*", "not json"],       # the definition is not JSON
    ["set_policy", "--priority", "high", "p", ".*", "{}"],
])
def test_bad_usage(ctl, api, args):
    p = ctl(*args)
    assert p.returncode == 64, (args, p.stdout, p.stderr)
    assert "Error" in p.stderr
    assert p.stdout == ""


def test_help(ctl):
    p = ctl("--help", connection=False)
    assert p.returncode == 0
    for command in ("status", "list_queues", "set_policy", "export_definitions"):
        assert command in p.stdout
    p = ctl("add_user", "--help", connection=False)
    assert p.returncode == 0 and "<username> <password>" in p.stdout


# -- policies (the /api/policies endpoints) ----------------------------------------------------

@pytest.fixture
def policies_api(api):
    if api.get("/policies").status_code == 404:
        pytest.skip("this broker's management API has no /api/policies")
    return api


def test_policies(ctl, policies_api, broker):
    api = policies_api
    p = ctl.ok("set_policy", "--priority", "5", "--apply-to", "queues", "cap", "^capped\\.",
               '{"max-length": 2}')
    assert p.stdout.startswith('Setting policy "cap" for pattern "^capped\\." to')
    policy = api.get("/policies/%2F/cap").json()
    assert (policy["vhost"], policy["name"], policy["pattern"], policy["apply-to"],
            policy["definition"], policy["priority"]) == (
        "/", "cap", "^capped\\.", "queues", {"max-length": 2}, 5)
    ctl.ok("add_vhost", "v1")
    ctl.ok("set_policy", "-p", "v1", "ttl", ".*", '{"message-ttl": 60000}')
    policy = api.get("/policies/v1/ttl").json()
    assert (policy["priority"], policy["apply-to"]) == (0, "all")

    banner, header, rows = listing(ctl.ok("list_policies").stdout)
    assert header == ["vhost", "name", "pattern", "apply-to", "definition", "priority"]
    # The table escapes a backslash as \\ (docs/polymqctl.md), so tab-separated rows stay one line.
    assert rows == [["/", "cap", "^capped\\\\.", "queues", '{"max-length":2}', "5"]]
    rows = json.loads(ctl.ok("--formatter", "json", "list_policies", "-p", "v1").stdout)
    assert rows == [{"vhost": "v1", "name": "ttl", "pattern": ".*", "apply-to": "all",
                     "definition": {"message-ttl": 60000}, "priority": 0}]

    # The policy takes effect: a matching queue keeps the newest 2 messages.
    conn = connect(broker)
    conn.channel().queue_declare("capped.q")
    conn.close()
    publish(broker, "capped.q", 5)
    assert api.get("/queues/%2F/capped.q").json()["messages"] == 2

    ctl.ok("clear_policy", "cap")
    assert api.get("/policies/%2F/cap").status_code == 404
    p = ctl("clear_policy", "cap")
    assert p.returncode == 65 and 'policy "cap" does not exist' in p.stderr
    p = ctl("set_policy", "-p", "nowhere", "x", ".*", "{}")
    assert p.returncode == 65 and 'virtual host "nowhere" does not exist' in p.stderr
    assert table(ctl.ok("-q", "list_policies").stdout) == []
