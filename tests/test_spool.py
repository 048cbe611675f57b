"""A database outage loses nothing: a verified webhook is spooled to disk, acknowledged, and
replayed through the same route once the database is back.

The outage is real: `down_app` is the same app (same settings, same SPOOL_DIR) on a database
that cannot be reached: PostgreSQL on a closed port, or SQLite in a directory that does not exist.
"""
import logging
import os
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.core import db
from bot import create_app
from bot.core.db import dispose as dispose_db
from bot.core.models import Message
from bot.web.spool import replay
from delivery.channels.twilio import EMPTY_TWIML
from delivery.channels.graph import fake as meta_fake
from delivery.channels.twilio import fake as fake
from delivery.channels.graph.fake import (
    messenger_envelope,
    messenger_event,
    whatsapp_contact,
    whatsapp_envelope,
    whatsapp_message,
)
from tests.channel_drivers import deliver_to, wait_until_handled
from tests.channel_drivers import post_signed as post_meta
from tests.twilio_drivers import CITIZEN, STATUS, configure, post_signed, sent_to

CLOSED_PORT = "postgresql://postgres@127.0.0.1:1/test"
WA_ID = "6281234567891"
PSID = "24023456789012399"


@pytest.fixture
def providers(app, tmp_path):
    """The app pointed at the session's fake Twilio and Graph APIs (the worker knows both), with a
    spool of this test's own."""
    twilio, meta = fake.shared_server(), meta_fake.shared_server()
    twilio.reset()
    meta.reset()
    twilio.state["url"] = twilio.url
    configure(app, twilio.state)
    app.config.update(meta.env(), SPOOL_DIR=str(tmp_path / "spool"))
    yield twilio.state
    twilio.reset()
    meta.reset()


@pytest.fixture
def down_app(app, providers, tmp_path):
    """The same app while its database cannot be reached."""
    unreachable = CLOSED_PORT if app.extensions["db_engine"].dialect.name == "postgresql" \
        else f"sqlite:///{tmp_path / 'no-such-dir' / 'sapa.db'}"
    settings = {key: value for key, value in app.config.items() if key != "OFFICE"}
    down = create_app({**settings, "DATABASE_URL": unreachable})
    yield down
    dispose_db(down)


def spooled(app, sub: str = "") -> list[str]:
    """The files waiting in the spool (or in one of its subfolders)."""
    directory = Path(app.config["SPOOL_DIR"]) / sub
    return sorted(os.listdir(directory)) if directory.exists() else []


def waiting(app) -> list[str]:
    """The spooled requests still waiting to be replayed."""
    return [name for name in spooled(app) if name.endswith(".json")]


def inbound(app, channel: str) -> list[Message]:
    """A channel's stored inbound messages, oldest first."""
    with app.app_context(), db.new_session() as s:
        return s.execute(select(Message).where(Message.channel == channel, Message.direction == "in")
                         .order_by(Message.id)).scalars().all()


def twilio_message(text: str = "halo", number: str = CITIZEN) -> dict:
    """A Twilio WhatsApp message webhook form."""
    return fake.inbound_params(number, text, account_sid=fake.DEFAULT_SID)


def wait_for(condition, timeout: float = 30.0) -> None:
    """Poll until `condition()` holds, failing after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


# ---- Twilio -----------------------------------------------------------------------------------------
def test_a_twilio_message_sent_during_an_outage_is_answered_once_the_database_is_back(
        app, down_app, providers, caplog):
    params = twilio_message("halo, mau urus akta")
    with caplog.at_level(logging.INFO):
        response = post_signed(down_app.test_client(), params, providers["auth_token"])
    assert response.status_code == 200 and response.mimetype == "text/xml" and response.data == EMPTY_TWIML
    assert len(waiting(app)) == 1
    assert "spooled" in caplog.text
    assert "mau urus akta" not in caplog.text and "81234567890" not in caplog.text  # no body, no number

    assert replay(app) == (1, 0, 0)
    [row] = inbound(app, "twilio")
    assert (row.provider_id, row.text) == (params["MessageSid"], "halo, mau urus akta")
    wait_until_handled(app, "twilio", params["MessageSid"])
    assert sent_to(providers), "the citizen got no reply"
    assert spooled(app) == []
    assert "mau urus akta" not in caplog.text and "81234567890" not in caplog.text


def test_a_twilio_status_callback_spooled_during_an_outage_is_applied_on_replay(app, down_app, providers):
    deliver_to(app, "twilio", CITIZEN, [{"text": "Permohonan Anda sudah kami terima."}])
    [sent] = sent_to(providers)
    params = {"MessageSid": sent["sid"], "MessageStatus": "delivered", "AccountSid": fake.DEFAULT_SID,
              "ApiVersion": "2010-04-01", "ChannelPrefix": "whatsapp"}
    response = post_signed(down_app.test_client(), params, providers["auth_token"], url=STATUS,
                           path="/webhooks/twilio/status")
    assert response.status_code == 200 and response.data == EMPTY_TWIML
    assert len(waiting(app)) == 1

    assert replay(app) == (1, 0, 0)
    with app.app_context(), db.new_session() as s:
        message = s.execute(select(Message).where(Message.provider_id == sent["sid"])).scalar_one()
    assert message.status == "delivered"


def test_the_same_webhook_delivered_twice_during_an_outage_is_stored_once(app, down_app, providers):
    params = twilio_message("halo")
    client = down_app.test_client()
    for _ in range(2):  # the provider's redelivery
        assert post_signed(client, params, providers["auth_token"]).status_code == 200
    assert len(waiting(app)) == 2

    assert replay(app) == (2, 0, 0)
    assert [row.provider_id for row in inbound(app, "twilio")] == [params["MessageSid"]]
    assert spooled(app) == []


# ---- WhatsApp Cloud and Messenger ----------------------------------------------------------------------
def test_a_whatsapp_batch_is_spooled_and_replayed_without_doubling_what_was_stored_before(
        app, down_app, providers):
    first = whatsapp_message(WA_ID, "text", {"body": "halo"})
    second = whatsapp_message(WA_ID, "text", {"body": "mau urus KK"})
    contact = [whatsapp_contact(WA_ID)]
    # The first message was stored before the database went away mid-batch.
    assert post_meta(app.test_client(), "whatsapp", whatsapp_envelope([first], contact)).status_code == 200
    wait_until_handled(app, "whatsapp", first["id"])

    response = post_meta(down_app.test_client(), "whatsapp", whatsapp_envelope([first, second], contact))
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}
    assert len(waiting(app)) == 1

    assert replay(app) == (1, 0, 0)
    assert [row.provider_id for row in inbound(app, "whatsapp")] == [first["id"], second["id"]]
    assert spooled(app) == []


def test_a_messenger_event_spooled_during_an_outage_is_replayed_and_answered(app, down_app, providers):
    event = messenger_event(PSID, message={"mid": "m_spooled_1", "text": "halo"})
    response = post_meta(down_app.test_client(), "messenger", messenger_envelope([event]))
    assert response.status_code == 200 and response.get_data(as_text=True) == "EVENT_RECEIVED"
    assert len(waiting(app)) == 1

    assert replay(app) == (1, 0, 0)
    assert [row.text for row in inbound(app, "messenger")] == ["halo"]
    wait_until_handled(app, "messenger", "m_spooled_1")
    replies = [c for c in meta_fake.shared_server().state["calls"]
               if c["channel"] == "messenger" and c["kind"] == "message"]
    assert replies, "the citizen got no reply"


# ---- what is never spooled, and what a replay keeps ------------------------------------------------
@pytest.mark.parametrize("channel", ["twilio", "whatsapp"])
def test_a_forged_webhook_during_an_outage_is_refused_and_not_spooled(app, down_app, providers, channel):
    client = down_app.test_client()
    if channel == "twilio":
        response = post_signed(client, twilio_message(), "not-the-auth-token")
    else:
        body = whatsapp_envelope([whatsapp_message(WA_ID, "text", {"body": "halo"})], [whatsapp_contact(WA_ID)])
        response = post_meta(client, "whatsapp", body, secret="another-app-secret")
    assert response.status_code == 403
    assert spooled(app) == []


def test_a_replay_while_the_database_is_still_down_keeps_the_file(app, down_app, providers):
    params = twilio_message("halo")
    assert post_signed(down_app.test_client(), params, providers["auth_token"]).status_code == 200
    before = waiting(app)

    assert replay(down_app) == (0, 0, 1)
    assert spooled(app) == before  # the same file, unclaimed, nothing moved to failed/

    assert replay(app) == (1, 0, 0)
    assert [row.provider_id for row in inbound(app, "twilio")] == [params["MessageSid"]]


def test_a_replay_the_app_refuses_is_moved_to_failed(app, down_app, providers, caplog):
    assert post_signed(down_app.test_client(), twilio_message(), providers["auth_token"]).status_code == 200
    [name] = waiting(app)
    app.config["TWILIO_AUTH_TOKEN"] = "rotated-since"  # the signature no longer checks out

    with caplog.at_level(logging.WARNING):
        assert replay(app) == (0, 1, 0)
    assert spooled(app, "failed") == [name] and waiting(app) == []
    assert "failed/" in caplog.text
    assert inbound(app, "twilio") == []


def test_a_server_error_other_than_the_database_holds_back_neither_the_file_nor_those_behind_it(
        app, down_app, providers):
    client = down_app.test_client()
    assert post_signed(client, twilio_message("satu"), providers["auth_token"]).status_code == 200
    # A status for a message we have no record of: replaying it queues a later look, on Redis.
    unknown = {"MessageSid": "SM" + "e" * 32, "MessageStatus": "delivered", "AccountSid": fake.DEFAULT_SID}
    assert post_signed(client, unknown, providers["auth_token"], url=STATUS,
                       path="/webhooks/twilio/status").status_code == 200
    # The database is back, Redis is not: the message is stored and its job owed until Redis
    # answers; the status's replay ends in a server error, which does not stop the pass.
    settings = {key: value for key, value in app.config.items() if key != "OFFICE"}
    no_redis = create_app({**settings, "REDIS_URL": "redis://127.0.0.1:1/0"})
    try:
        assert replay(no_redis) == (1, 0, 1)
        assert len(inbound(app, "twilio")) == 1
        for _ in range(8):
            assert replay(no_redis) == (0, 0, 1)
        assert replay(no_redis) == (0, 1, 0)  # the tenth server error: moved aside for a person
    finally:
        dispose_db(no_redis)
    assert len(spooled(app, "failed")) == 1 and waiting(app) == []


def test_a_file_claimed_by_a_replayer_that_crashed_is_replayed(app, down_app, providers):
    params = twilio_message("halo")
    assert post_signed(down_app.test_client(), params, providers["auth_token"]).status_code == 200
    [name] = waiting(app)
    directory = Path(app.config["SPOOL_DIR"])
    ten_minutes_ago = time.time_ns() - 600 * 10**9
    os.rename(directory / name, directory / f"{name.removesuffix('.json')}.{ten_minutes_ago}.replaying")

    assert replay(app) == (1, 0, 0)
    assert [row.provider_id for row in inbound(app, "twilio")] == [params["MessageSid"]]
    assert spooled(app) == []


def test_a_spool_that_cannot_be_written_answers_503(app, down_app, providers, tmp_path, caplog):
    (tmp_path / "a-file").write_text("")
    down_app.config["SPOOL_DIR"] = str(tmp_path / "a-file" / "spool")  # a full or broken disk
    with caplog.at_level(logging.ERROR):
        response = post_signed(down_app.test_client(), twilio_message("halo"), providers["auth_token"])
    assert response.status_code == 503
    assert "could not be spooled" in caplog.text and "81234567890" not in caplog.text


# ---- replaying by itself, and by hand ------------------------------------------------------------------
def test_the_next_webhook_after_the_outage_replays_the_spool(app, down_app, providers):
    spooled_params = twilio_message("halo dari tadi")
    assert post_signed(down_app.test_client(), spooled_params, providers["auth_token"]).status_code == 200
    app.config["SPOOL_CHECK_SECONDS"] = 0

    live = twilio_message("halo", number="+6281234567892")
    assert post_signed(app.test_client(), live, providers["auth_token"]).status_code == 200

    def replayed() -> bool:
        """The spool is empty, the spooled message stored, and the replay thread done."""
        done = not any(t.name == "spool-replay" for t in threading.enumerate())
        return done and waiting(app) == [] and spooled_params["MessageSid"] in {
            row.provider_id for row in inbound(app, "twilio")}

    wait_for(replayed)
    wait_until_handled(app, "twilio", spooled_params["MessageSid"])
    assert sent_to(providers, CITIZEN), "the citizen got no reply"


def test_flask_replay_spool_prints_the_counts(app, down_app, providers):
    assert post_signed(down_app.test_client(), twilio_message(), providers["auth_token"]).status_code == 200
    event = messenger_event(PSID, message={"mid": "m_spooled_2", "text": "halo"})
    assert post_meta(down_app.test_client(), "messenger", messenger_envelope([event])).status_code == 200

    still_down = down_app.test_cli_runner().invoke(args=["replay-spool"])
    assert still_down.exit_code == 0
    assert "Diproses ulang: 0." in still_down.output and "Masih menunggu: 2." in still_down.output

    back = app.test_cli_runner().invoke(args=["replay-spool"])
    assert back.exit_code == 0, back.output
    assert "Diproses ulang: 2." in back.output and "Gagal" in back.output and "Masih menunggu: 0." in back.output
    assert len(inbound(app, "twilio")) == 1 and len(inbound(app, "messenger")) == 1
