"""Fixtures for the Twilio WhatsApp channel: a fresh fake Twilio API per test and the SQLite app
talking to it. The citizen driver `TwilioChat` and the helpers are in tests/twilio_drivers.py.

The fake (delivery/channels/twilio/fake.py) runs inside pytest-httpserver, so every provider call
in these tests is real HTTP to 127.0.0.1 and nothing reaches the network.
"""
import re

import pytest

from delivery.channels.twilio import fake
from tests.twilio_drivers import configure


@pytest.fixture
def fake_twilio(httpserver):
    """A fresh fake Twilio API served by pytest-httpserver; its state dict, with "url" added."""
    state = fake.new_state()
    httpserver.expect_request(re.compile(".*")).respond_with_handler(fake.wsgi_handler(fake.create_app(state)))
    state["url"] = httpserver.url_for("/").rstrip("/")
    return state


@pytest.fixture
def twilio_app(sqlite_app, fake_twilio):
    """The SQLite app (inline jobs) talking to the fake Twilio API."""
    configure(sqlite_app, fake_twilio)
    return sqlite_app
