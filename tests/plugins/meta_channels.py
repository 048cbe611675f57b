"""Fixtures for the Meta channels (WhatsApp Cloud API and Messenger): the fake Graph API and the
apps pointed at it. The citizen driver `MetaChat` and the helpers are in tests/channel_drivers.py."""
import pytest

from delivery.channels.graph import fake


@pytest.fixture
def fake_meta():
    """The session's fake Graph API (the worker knows its URL), emptied for each test."""
    server = fake.shared_server()
    server.reset()
    yield server
    server.reset()


@pytest.fixture
def meta_app(app, fake_meta):
    """The parametrised app (SQLite inline, PostgreSQL + worker) pointed at the fake."""
    app.config.update(fake_meta.env())
    return app


@pytest.fixture
def meta_sqlite_app(sqlite_app, fake_meta):
    """The SQLite app pointed at the fake, for tests that call jobs directly or tune timeouts."""
    sqlite_app.config.update(fake_meta.env())
    return sqlite_app


@pytest.fixture
def held_jobs(monkeypatch):
    """Queue nothing: inbound rows stay exactly as the webhook stored them (any channel)."""
    queued = []
    monkeypatch.setattr("delivery.ingest.jobs.enqueue", lambda *args, **kw: queued.append(args))
    return queued
