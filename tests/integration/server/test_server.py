"""The polymq binary: flags, environment, config file, data directory, shutdown."""

import os
import subprocess

import pika
import pytest

from conftest import free_port


def params(port, **kw):
    return pika.ConnectionParameters("127.0.0.1", port, **kw)


def test_help_lists_the_options():
    out = subprocess.run([os.environ.get("POLYMQ_BIN", "polymq"), "--help"],
                         capture_output=True, text=True, timeout=10)
    assert out.returncode == 0
    for flag in ("--data-dir", "--amqp-port", "--bind", "--config", "--log-level",
                 "POLYMQ_AMQP_PORT"):
        assert flag in out.stdout, flag


def test_unknown_flag_is_an_error():
    out = subprocess.run([os.environ.get("POLYMQ_BIN", "polymq"), "--no-such-flag"],
                         capture_output=True, text=True, timeout=10)
    assert out.returncode != 0


def test_sigterm_closes_connections_with_320(start_broker):
    broker = start_broker()
    conn = pika.BlockingConnection(params(broker.port))
    ch = conn.channel()
    ch.queue_declare("shutdown-q")
    broker.proc.send_signal(15)
    with pytest.raises(pika.exceptions.ConnectionClosedByBroker) as err:
        conn.process_data_events(time_limit=5)
        conn.process_data_events(time_limit=5)
    assert err.value.reply_code == 320
    assert err.value.reply_text.startswith("CONNECTION_FORCED")
    code, log = broker.stop()
    assert code == 0, log
    assert "PolyMQ stopped" in log


def test_sigint_stops_cleanly(start_broker):
    broker = start_broker()
    code, log = broker.stop(sig=2)
    assert code == 0, log


def test_environment_sets_the_port(start_broker):
    port = free_port()
    broker = start_broker(env={"POLYMQ_AMQP_PORT": str(port)}, port=port)
    pika.BlockingConnection(params(port)).close()
    assert broker.stop()[0] == 0


def test_flag_overrides_environment(start_broker):
    port = free_port()
    broker = start_broker("--amqp-port", str(port), env={"POLYMQ_AMQP_PORT": "1"}, port=port)
    pika.BlockingConnection(params(port)).close()
    assert broker.stop()[0] == 0


def test_config_file_users_vhosts_and_limits(start_broker, tmp_path):
    port = free_port()
    config = tmp_path / "polymq.toml"
    config.write_text(f"""
log_level = "debug"
max_message_size = 1024
vhosts = ["/", "orders"]
[amqp]
port = {port}
[[users]]
name = "app"
password = "s3cret"
""")
    broker = start_broker("--config", str(config), port=port)
    creds = pika.PlainCredentials("app", "s3cret")
    conn = pika.BlockingConnection(params(port, virtual_host="orders", credentials=creds))
    ch = conn.channel()
    ch.queue_declare("cfg-q")
    ch.basic_publish("", "cfg-q", b"x" * 1024)
    ch.basic_publish("", "cfg-q", b"x" * 1025)   # over max_message_size
    with pytest.raises(pika.exceptions.ChannelClosedByBroker) as err:
        ch.queue_declare("cfg-q", passive=True)
    assert err.value.reply_code == 406
    conn.close()
    # The config replaced the default users: guest is gone.
    with pytest.raises(pika.exceptions.ProbableAuthenticationError):
        pika.BlockingConnection(params(port))
    assert broker.stop()[0] == 0


def test_announced_product_is_configurable(start_broker, tmp_path):
    # PolyMQ by default; [amqp] product announces another name for clients and test suites
    # that look for "RabbitMQ".
    broker = start_broker()
    conn = pika.BlockingConnection(params(broker.port))
    assert conn._impl.server_properties["product"] == "PolyMQ"
    conn.close()
    assert broker.stop()[0] == 0
    port = free_port()
    config = tmp_path / "product.toml"
    config.write_text(f"""
[amqp]
port = {port}
product = "RabbitMQ"
""")
    broker = start_broker("--config", str(config), port=port)
    conn = pika.BlockingConnection(params(port))
    assert conn._impl.server_properties["product"] == "RabbitMQ"
    conn.close()
    assert broker.stop()[0] == 0


def test_bad_config_file_fails_to_start(tmp_path):
    config = tmp_path / "bad.toml"
    config.write_text("this is = not toml [")
    out = subprocess.run([os.environ.get("POLYMQ_BIN", "polymq"), "--config", str(config),
                          "--data-dir", str(tmp_path / "d"), "--amqp-port", "0"],
                         capture_output=True, text=True, timeout=10)
    assert out.returncode != 0
    assert "bad.toml" in out.stderr + out.stdout


def test_data_directory_is_created(start_broker, tmp_path):
    broker = start_broker()
    assert (tmp_path / "data").is_dir()
    assert broker.stop()[0] == 0


def test_port_in_use_fails_with_message(start_broker, tmp_path):
    first = start_broker()
    out = subprocess.run([os.environ.get("POLYMQ_BIN", "polymq"), "--bind", "127.0.0.1",
                          "--amqp-port", str(first.port), "--data-dir", str(tmp_path / "d2")],
                         capture_output=True, text=True, timeout=10)
    assert out.returncode != 0
    assert "cannot listen" in out.stdout + out.stderr


def test_bad_policy_in_config_stops_the_broker(tmp_path):
    config = tmp_path / "policies.toml"
    config.write_text(r"""
[[policies]]
name = "broken-pattern"
pattern = "(["
[policies.definition]
message-ttl = 5000
""")
    out = subprocess.run([os.environ.get("POLYMQ_BIN", "polymq"), "--config", str(config),
                          "--bind", "127.0.0.1", "--data-dir", str(tmp_path / "d"),
                          "--amqp-port", str(free_port())],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 1, out.stdout + out.stderr
    assert "broken-pattern" in out.stdout + out.stderr
    assert "critical" in out.stdout + out.stderr


def test_malformed_policy_entry_is_a_config_error(tmp_path):
    config = tmp_path / "policies.toml"
    config.write_text("""
[[policies]]
name = "no-definition"
pattern = "^q"
""")
    out = subprocess.run([os.environ.get("POLYMQ_BIN", "polymq"), "--config", str(config),
                          "--data-dir", str(tmp_path / "d"), "--amqp-port", "0"],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode != 0
    assert "no-definition" in out.stdout + out.stderr


def test_valid_policy_in_config_starts(start_broker, tmp_path):
    port = free_port()
    config = tmp_path / "policies.toml"
    config.write_text(rf"""
[amqp]
port = {port}
[[policies]]
name = "retry"
pattern = "^work\\."
apply-to = "queues"
priority = 1
vhost = "/"
[policies.definition]
message-ttl = 5000
dead-letter-exchange = "dlx"
max-length = 10
overflow = "reject-publish"
""")
    broker = start_broker("--config", str(config), port=port)
    conn = pika.BlockingConnection(params(port))
    ch = conn.channel()
    ch.queue_declare("work.items")
    conn.close()
    code, log = broker.stop()
    assert code == 0, log
    assert "policy 'retry'" in log


def test_flow_control_options(start_broker, tmp_path):
    port = free_port()
    config = tmp_path / "flow.toml"
    config.write_text(f"""
memory_high_watermark = "64MiB"
disk_free_limit = 1000
[amqp]
port = {port}
""")
    broker = start_broker("--config", str(config), port=port)
    code, log = broker.stop()
    assert code == 0, log
    assert "memory high watermark set to 67108864 bytes" in log
    assert "disk free limit set to 1000 bytes" in log
    # Environment over the file, flag over the environment.
    broker = start_broker("--config", str(config), "--disk-free-limit", "2kB",
                          env={"POLYMQ_MEMORY_HIGH_WATERMARK": "0.25",
                               "POLYMQ_DISK_FREE_LIMIT": "5"}, port=port)
    code, log = broker.stop()
    assert code == 0, log
    assert "(0.25 of" in log
    assert "disk free limit set to 2000 bytes" in log


def test_bad_flow_control_values_are_refused(tmp_path):
    for args in (["--memory-high-watermark", "lots"], ["--disk-free-limit", "-1"],
                 ["--memory-high-watermark", "1.5"]):
        out = subprocess.run([os.environ.get("POLYMQ_BIN", "polymq"), "--data-dir",
                              str(tmp_path / "d"), "--amqp-port", "0"] + args,
                             capture_output=True, text=True, timeout=30)
        assert out.returncode != 0, args
        assert args[0] in out.stdout + out.stderr, (args, out.stdout + out.stderr)
