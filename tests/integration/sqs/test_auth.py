"""SigV4 on every request: the access key id is a PolyMQ user, the secret its password."""

import pytest
from botocore.exceptions import ClientError

from conftest import client


def error_code(excinfo):
    return excinfo.value.response["Error"]["Code"]


def test_wrong_secret_is_signature_does_not_match(sqs_broker):
    with pytest.raises(ClientError) as e:
        client(sqs_broker, secret="wrong").list_queues()
    assert error_code(e) == "SignatureDoesNotMatch"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_unknown_key_is_invalid_client_token_id(sqs_broker):
    with pytest.raises(ClientError) as e:
        client(sqs_broker, key="nobody", secret="x").list_queues()
    assert error_code(e) == "InvalidClientTokenId"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_unsigned_request_is_refused(sqs_broker):
    import urllib.error
    import urllib.request
    url = "http://127.0.0.1:%d/?Action=ListQueues" % sqs_broker.sqs_port
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(url, timeout=10)
    assert e.value.code == 403
    assert b"<Code>MissingAuthenticationToken</Code>" in e.value.read()


def test_configured_user(make_broker, tmp_path):
    config = tmp_path / "polymq.toml"
    config.write_text('[[users]]\nname = "app"\npassword = "s3cret"\n')
    broker = make_broker("--config", str(config), sqs=True).start()
    assert client(broker, key="app", secret="s3cret").list_queues()["ResponseMetadata"][
        "HTTPStatusCode"] == 200
    with pytest.raises(ClientError) as e:
        client(broker, key="app", secret="guest").list_queues()
    assert error_code(e) == "SignatureDoesNotMatch"
