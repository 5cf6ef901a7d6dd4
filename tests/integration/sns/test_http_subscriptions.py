"""SNS http and https subscriptions: a local HTTP receiver (http.server in a thread) is
subscribed, gets the SubscriptionConfirmation, is confirmed by ConfirmSubscription or by a GET
of its SubscribeURL, and receives publishes (enveloped, raw, filtered) as POSTs, retried after
failures and delivered after a broker SIGKILL and restart."""

import http.server
import json
import queue
import ssl
import subprocess
import threading
import time
import urllib.request

import botocore.exceptions
import pika
import pytest

from conftest import client


class Receiver:
    """An HTTP(S) endpoint on 127.0.0.1 that records each POST (headers, body) and answers
    with the next status of `statuses` (200 once they are used up). `tries` lists every POST
    (time.monotonic(), headers, status), accepted or not."""

    def __init__(self, port=0, tls=None):
        self.posts = queue.Queue()
        self.statuses = []
        self.attempts = 0
        self.tries = []
        self.tls = tls
        self._start(port)

    def _start(self, port):
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver.attempts += 1
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                receiver.tries.append((time.monotonic(), dict(self.headers), status))
                if status == 200:
                    receiver.posts.put((dict(self.headers), body.decode()))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        if self.tls is not None:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(*self.tls)
            self.server.socket = ctx.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self):
        return "%s://127.0.0.1:%d/hook" % ("https" if self.tls else "http", self.port)

    def next(self, timeout=10):
        return self.posts.get(timeout=timeout)

    def nothing_within(self, seconds):
        try:
            got = self.posts.get(timeout=seconds)
        except queue.Empty:
            return True
        raise AssertionError("unexpected POST %r" % (got,))

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def restart(self):
        self._start(self.port)


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.stop()


def subscribe_and_confirm(sns, topic, receiver, **attributes):
    answer = sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=receiver.url,
                           Attributes=attributes)
    assert answer["SubscriptionArn"] == "pending confirmation"
    headers, body = receiver.next()
    confirmation = json.loads(body)
    assert confirmation["Type"] == "SubscriptionConfirmation"
    return sns.confirm_subscription(TopicArn=topic,
                                    Token=confirmation["Token"])["SubscriptionArn"]


def test_confirmation_then_notifications(sns_broker, receiver):
    sns = client(sns_broker, "sns")
    topic = sns.create_topic(Name="hooks")["TopicArn"]
    answer = sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=receiver.url)
    assert answer["SubscriptionArn"] == "pending confirmation"
    subs = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    assert [(s["SubscriptionArn"], s["Protocol"], s["Endpoint"]) for s in subs] == [
        ("PendingConfirmation", "http", receiver.url)]
    counts = sns.get_topic_attributes(TopicArn=topic)["Attributes"]
    assert (counts["SubscriptionsConfirmed"], counts["SubscriptionsPending"]) == ("0", "1")

    headers, body = receiver.next()
    c = json.loads(body)
    assert list(c) == ["Type", "MessageId", "Token", "TopicArn", "Message", "SubscribeURL",
                       "Timestamp", "SignatureVersion", "Signature", "SigningCertURL"]
    assert c["Type"] == "SubscriptionConfirmation" and c["TopicArn"] == topic
    assert headers["x-amz-sns-message-type"] == "SubscriptionConfirmation"
    assert headers["x-amz-sns-message-id"] == c["MessageId"]
    assert headers["x-amz-sns-topic-arn"] == topic
    assert headers["Content-Type"] == "text/plain; charset=UTF-8"
    assert "Token=" + c["Token"] in c["SubscribeURL"]

    # Subscribing again names the same subscription (no second confirmation); with other
    # attributes it is refused.
    again = sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=receiver.url)
    assert again["SubscriptionArn"] == "pending confirmation"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=receiver.url,
                      Attributes={"RawMessageDelivery": "true"})
    assert e.value.response["Error"]["Code"] == "InvalidParameter"

    # Nothing is delivered to a subscription pending confirmation.
    sns.publish(TopicArn=topic, Message="too early")
    receiver.nothing_within(1)

    with pytest.raises(botocore.exceptions.ClientError) as e:
        sns.confirm_subscription(TopicArn=topic, Token="not-the-token")
    assert e.value.response["Error"]["Code"] == "InvalidParameter"
    arn = sns.confirm_subscription(TopicArn=topic, Token=c["Token"])["SubscriptionArn"]
    assert arn.startswith(topic + ":")
    a = sns.get_subscription_attributes(SubscriptionArn=arn)["Attributes"]
    assert a["PendingConfirmation"] == "false" and a["Protocol"] == "http"
    assert a["Endpoint"] == receiver.url
    counts = sns.get_topic_attributes(TopicArn=topic)["Attributes"]
    assert (counts["SubscriptionsConfirmed"], counts["SubscriptionsPending"]) == ("1", "0")
    subs = sns.list_subscriptions()["Subscriptions"]
    assert [s["SubscriptionArn"] for s in subs] == [arn]

    sns.publish(TopicArn=topic, Message="hello", Subject="greeting",
                MessageAttributes={"color": {"DataType": "String", "StringValue": "red"}})
    headers, body = receiver.next()
    n = json.loads(body)
    assert n["Type"] == "Notification" and n["Message"] == "hello"
    assert n["Subject"] == "greeting" and n["TopicArn"] == topic
    assert n["MessageAttributes"] == {"color": {"Type": "String", "Value": "red"}}
    assert headers["x-amz-sns-message-type"] == "Notification"
    assert headers["x-amz-sns-subscription-arn"] == arn
    assert headers["x-amz-sns-message-id"] == n["MessageId"]
    assert arn in n["UnsubscribeURL"]


def test_subscribe_url_and_unsubscribe_url(sns_broker, receiver):
    sns = client(sns_broker, "sns")
    topic = sns.create_topic(Name="urls")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=receiver.url)
    c = json.loads(receiver.next()[1])
    # The SubscribeURL is a plain GET, as an endpoint would follow it.
    with urllib.request.urlopen(c["SubscribeURL"], timeout=10) as r:
        assert r.status == 200
        assert b"<SubscriptionArn>" + topic.encode() in r.read()
    arn = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"][0]["SubscriptionArn"]
    assert arn.startswith(topic + ":")

    sns.publish(TopicArn=topic, Message="one")
    n = json.loads(receiver.next()[1])
    assert n["Message"] == "one"
    with urllib.request.urlopen(n["UnsubscribeURL"], timeout=10) as r:
        assert r.status == 200
    assert sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"] == []
    sns.publish(TopicArn=topic, Message="two")
    receiver.nothing_within(1.5)


def test_raw_and_filtered(sns_broker, receiver):
    sns = client(sns_broker, "sns")
    topic = sns.create_topic(Name="raw")["TopicArn"]
    subscribe_and_confirm(sns, topic, receiver, RawMessageDelivery="true",
                          FilterPolicy=json.dumps({"k": ["keep"]}))
    for v in ("drop", "keep"):
        sns.publish(TopicArn=topic, Message="body-" + v,
                    MessageAttributes={"k": {"DataType": "String", "StringValue": v}})
    headers, body = receiver.next()
    assert body == "body-keep"
    assert headers["x-amz-sns-rawdelivery"] == "true"
    receiver.nothing_within(1)


def test_retried_after_failures(sns_broker, receiver):
    sns = client(sns_broker, "sns")
    topic = sns.create_topic(Name="flaky")["TopicArn"]
    subscribe_and_confirm(sns, topic, receiver)
    receiver.attempts = 0
    receiver.statuses = [500, 500, 503, 500, 500]  # 4 quick tries, then a 1 s backoff
    started = time.monotonic()
    sns.publish(TopicArn=topic, Message="eventually")
    n = json.loads(receiver.next(timeout=15)[1])
    assert n["Message"] == "eventually"
    assert receiver.attempts == 6
    assert time.monotonic() - started >= 0.9  # the sixth try came after the backoff


def test_delivery_resumes_after_kill(sns_broker, receiver):
    sns = client(sns_broker, "sns")
    topic = sns.create_topic(Name="durable-hooks")["TopicArn"]
    arn = subscribe_and_confirm(sns, topic, receiver)
    receiver.stop()  # the endpoint is down: connections are refused
    sns.publish(TopicArn=topic, Message="while down")
    time.sleep(1.5)
    sns_broker.kill()
    sns_broker.start(same_ports=True)
    receiver.restart()
    headers, body = receiver.next(timeout=20)
    assert json.loads(body)["Message"] == "while down"
    assert headers["x-amz-sns-subscription-arn"] == arn
    # The subscription is still confirmed and delivering.
    sns = client(sns_broker, "sns")
    sns.publish(TopicArn=topic, Message="after")
    assert json.loads(receiver.next()[1])["Message"] == "after"


def test_subscription_queues_go_with_unsubscribe_and_delete_topic(sns_broker, receiver):
    sns, sqs = client(sns_broker, "sns"), client(sns_broker, "sqs")

    def queue_exists(arn):
        """Whether the subscription's delivery queue exists, asked over AMQP (SQS does not
        list the broker's own amq.* queues)."""
        conn = pika.BlockingConnection(pika.ConnectionParameters(
            "127.0.0.1", sns_broker.port, credentials=pika.PlainCredentials("guest", "guest")))
        try:
            conn.channel().queue_declare("amq.sns.http." + arn.rsplit(":", 1)[1], passive=True)
            return True
        except pika.exceptions.ChannelClosedByBroker as e:
            assert e.reply_code == 404
            return False
        finally:
            if conn.is_open:
                conn.close()

    topic = sns.create_topic(Name="gone")["TopicArn"]
    arn = subscribe_and_confirm(sns, topic, receiver)
    assert queue_exists(arn)
    assert sqs.list_queues(QueueNamePrefix="amq.").get("QueueUrls", []) == []
    sns.unsubscribe(SubscriptionArn=arn)
    assert not queue_exists(arn)
    arn = subscribe_and_confirm(sns, topic, receiver)
    assert queue_exists(arn)
    sns.delete_topic(TopicArn=topic)
    assert not queue_exists(arn)


def test_https_with_configured_ca(make_broker, tmp_path):
    cert, key = str(tmp_path / "cert.pem"), str(tmp_path / "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", key, "-out", cert], check=True, capture_output=True)
    trusted = Receiver(tls=(cert, key))
    try:
        broker = make_broker("--sns-https-ca-file", cert, sqs=True).start()
        sns = client(broker, "sns")
        topic = sns.create_topic(Name="secure")["TopicArn"]
        with pytest.raises(botocore.exceptions.ClientError) as e:
            sns.subscribe(TopicArn=topic, Protocol="https", Endpoint="http://127.0.0.1:1/")
        assert e.value.response["Error"]["Code"] == "InvalidParameter"
        arn = sns.subscribe(TopicArn=topic, Protocol="https", Endpoint=trusted.url,
                            ReturnSubscriptionArn=True)["SubscriptionArn"]
        c = json.loads(trusted.next()[1])
        assert sns.confirm_subscription(TopicArn=topic, Token=c["Token"])["SubscriptionArn"] == arn
        sns.publish(TopicArn=topic, Message="over tls")
        assert json.loads(trusted.next()[1])["Message"] == "over tls"
    finally:
        trusted.stop()


def test_https_refuses_untrusted_certificate(sns_broker, tmp_path):
    cert, key = str(tmp_path / "cert.pem"), str(tmp_path / "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", key, "-out", cert], check=True, capture_output=True)
    untrusted = Receiver(tls=(cert, key))
    try:
        sns = client(sns_broker, "sns")
        topic = sns.create_topic(Name="insecure")["TopicArn"]
        sns.subscribe(TopicArn=topic, Protocol="https", Endpoint=untrusted.url)
        untrusted.nothing_within(2)
    finally:
        untrusted.stop()
