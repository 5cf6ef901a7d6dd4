import pytest

import badinput_client as amqp


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "slow: needs more than a few seconds (still part of the default run)")


@pytest.fixture(autouse=True)
def broker_stays_alive():
    """Every test starts and ends with a broker that serves a normal client."""
    assert amqp.broker_alive(), (
        "broker at %s:%d does not serve a normal connection before the test"
        % (amqp.HOST, amqp.PORT))
    yield
    assert amqp.broker_alive(), (
        "broker at %s:%d stopped serving normal connections after the test"
        % (amqp.HOST, amqp.PORT))


@pytest.fixture
def conn():
    """A fully opened connection (server's channel_max/frame_max, no heartbeat)."""
    c = amqp.connect()
    yield c
    c.close()
