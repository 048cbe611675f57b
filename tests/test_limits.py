"""Limits: a flooding sender is stored and answered calmly in one go; forged traffic and the
simulator are refused past their limits; loop-guard stops are not delivery failures; the
simulator's waits for a worker never tie up the web server."""
import threading
import time

import pytest
from sqlalchemy import select

from bot.core import db
from bot.core.models import Message, Outbox
from delivery.channels.graph import fake
from flows.definition import texts
from tests.channel_drivers import post_signed, wait_until_handled
from tests.conftest import _pg_app, _sqlite_app, require
from tests.inbox_drivers import add_officer, sign_in

WA_ID = "6281255550001"
# Windows far longer than a test, so counting never straddles two of them.
HOUR = 3600


def limited(app, **limits):
    """Turn the counting limits on for this app (tests/conftest.py turns them off), with `limits`."""
    app.config["RATE_LIMITS"] = True
    app.config["LIMITS"] = limits
    return app


@pytest.fixture(autouse=True)
def own_sender():
    """A citizen number of this test's own: on Redis, counters outlive a test."""
    global WA_ID
    WA_ID = f"62812{time.time_ns() % 10**8:08d}"


def wa_text(text: str, n: int) -> tuple[dict, str]:
    """A WhatsApp Cloud body with one text from this test's citizen, and its wamid."""
    wamid = f"wamid.FLOOD{time.time_ns()}{n}"
    message = fake.whatsapp_message(WA_ID, "text", {"body": text}, wamid=wamid)
    return fake.whatsapp_envelope([message], [fake.whatsapp_contact(WA_ID, "Budi")]), wamid


def all_handled(app, timeout: float = 60.0) -> None:
    """Wait until no inbound message waits and no reply is pending (jobs in a worker on PostgreSQL)."""
    deadline = time.monotonic() + timeout
    while True:
        with app.app_context(), db.new_session() as s:
            waiting = s.execute(select(Message.id).where(Message.direction == "in", Message.status == "received")).first()
            pending = s.execute(select(Outbox.id).where(Outbox.status == "pending")).first()
        if waiting is None and pending is None:
            return
        assert time.monotonic() < deadline, "the flood was not handled in time"
        time.sleep(0.1)


# ---- a flooding sender on a webhook ---------------------------------------------------------------
@pytest.fixture(params=["sqlite", "postgres"])
def flood_app(request, tmp_path, sqlite_template, fake_meta):
    """The app pointed at the fake Graph API, running its conversation jobs in this process: the
    job tells a flood from the stored rows, with the sender limit of its own app's settings (the
    test worker's has the limits off)."""
    if request.param == "sqlite":
        application = _sqlite_app(tmp_path, sqlite_template)
    else:
        application = _pg_app(request.getfixturevalue("pg_stack"), REDIS_URL=None)
    application.config.update(fake_meta.env())
    yield application
    db.dispose(application)


def test_a_flood_is_stored_whole_and_answered_with_one_calm_notice_not_a_reply_each(flood_app):
    limited(flood_app, webhook_sender=(5, HOUR))
    client = flood_app.test_client()
    ids = []
    for n in range(49):
        body, wamid = wa_text("halo", n)
        response = post_signed(client, "whatsapp", body)
        assert response.status_code == 200  # a provider is never refused: it would only retry
        ids.append(wamid)
    body, last = wa_text("berapa biaya akta kelahiran?", 49)
    assert post_signed(client, "whatsapp", body).status_code == 200
    wait_until_handled(flood_app, "whatsapp", last, timeout=60)
    all_handled(flood_app)
    with flood_app.app_context(), db.new_session() as s:
        inbound = s.execute(select(Message).where(Message.direction == "in")).scalars().all()
        rows = s.execute(select(Outbox).order_by(Outbox.id)).scalars().all()
        last_id = s.execute(select(Message.id).where(Message.provider_id == last)).scalar_one()
    assert len(inbound) == 50 and {m.status for m in inbound} == {"processed"}  # nothing lost
    said = [r.payload.get("text") for r in rows]
    assert said.count(texts()["flood_notice"]) == 1
    assert {r.status for r in rows} == {"sent"}  # the loop guard never had to stop anything
    assert len(rows) <= 12, said  # the first few answered as usual, then the notice, then no repeats
    assert any(r.in_reply_to == last_id for r in rows)  # the different question in the flood is answered


def test_a_calm_citizen_is_never_treated_as_a_flood(flood_app):
    limited(flood_app, webhook_sender=(5, HOUR))
    client = flood_app.test_client()
    for n, text in enumerate(["halo", "saya mau tanya", "berapa biaya akta kelahiran?"]):
        body, wamid = wa_text(text, n)
        assert post_signed(client, "whatsapp", body).status_code == 200
        wait_until_handled(flood_app, "whatsapp", wamid)
    with flood_app.app_context():
        said = [r.payload.get("text") for r in db.session().execute(select(Outbox)).scalars()]
    assert texts()["flood_notice"] not in said and len(said) >= 3


def test_many_messages_spread_wider_than_the_window_are_not_a_flood(flood_app):
    # The limit counts the messages within its window before each one, from the stored rows.
    limited(flood_app, webhook_sender=(2, 1))
    client = flood_app.test_client()
    for n, text in enumerate(["halo", "saya mau tanya", "syarat akta kelahiran", "berapa biaya akta kelahiran?"]):
        body, wamid = wa_text(text, n)
        assert post_signed(client, "whatsapp", body).status_code == 200
        wait_until_handled(flood_app, "whatsapp", wamid)
        time.sleep(0.6)  # two messages back is always more than the window's second ago
    with flood_app.app_context():
        said = [r.payload.get("text") for r in db.session().execute(select(Outbox)).scalars()]
    assert texts()["flood_notice"] not in said and len(said) >= 4


# ---- forged traffic from one address -------------------------------------------------------------
def test_forged_webhooks_from_one_address_get_429_while_signed_ones_still_go_through(meta_app):
    limited(meta_app, webhook_forged_address=(3, HOUR))
    attacker, provider = meta_app.test_client(), meta_app.test_client()
    attacker.environ_base["REMOTE_ADDR"], provider.environ_base["REMOTE_ADDR"] = "203.0.113.66", "198.51.100.7"
    body, _ = wa_text("halo", 0)
    codes = [post_signed(attacker, "whatsapp", body, secret="not-the-secret").status_code for _ in range(5)]
    assert codes == [403, 403, 403, 429, 429]
    body, wamid = wa_text("halo", 1)
    assert post_signed(provider, "whatsapp", body).status_code == 200
    wait_until_handled(meta_app, "whatsapp", wamid)


def test_a_spoofed_sender_cannot_get_a_citizen_flagged_as_a_flood(flood_app):
    # Only signed requests count against a sender: forged ones are refused before they are read.
    limited(flood_app, webhook_sender=(2, HOUR), webhook_forged_address=(100, HOUR))
    client = flood_app.test_client()
    for n in range(5):
        body, _ = wa_text("halo", n)
        assert post_signed(client, "whatsapp", body, secret="wrong").status_code == 403
    body, wamid = wa_text("halo", 9)
    assert post_signed(client, "whatsapp", body).status_code == 200
    wait_until_handled(flood_app, "whatsapp", wamid)
    with flood_app.app_context():
        said = [r.payload.get("text") for r in db.session().execute(select(Outbox)).scalars()]
    assert said and texts()["flood_notice"] not in said


# ---- the simulator API ----------------------------------------------------------------------------
def test_the_simulator_refuses_a_flooding_address_with_429_in_indonesian(app):
    limited(app, simulator_address=(4, HOUR))
    flooder = app.test_client()
    flooder.environ_base["REMOTE_ADDR"] = "203.0.113.5"
    codes = [flooder.post("/try/api/messages", json={"user": f"u{n}", "text": "halo"}).status_code for n in range(5)]
    assert codes == [200, 200, 200, 200, 429]
    refused = flooder.post("/try/api/messages", json={"user": "u9", "text": "halo"})
    assert refused.get_json()["error"] == texts()["simulator"]["too_many"] and refused.headers["Retry-After"]
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "198.51.100.8"
    assert other.post("/try/api/messages", json={"user": "v1", "text": "halo"}).status_code == 200


def test_the_simulator_limits_one_user_too(app):
    limited(app, simulator_user=(3, HOUR))
    client = app.test_client()
    codes = [client.post("/try/api/messages", json={"user": "cepat", "text": "halo"}).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert client.post("/try/api/messages", json={"user": "lambat", "text": "halo"}).status_code == 200


def test_without_the_limits_setting_the_defaults_apply(sqlite_app):
    # The suite turns the limits off; an app built without that setting counts.
    from bot.core import ratelimit

    with sqlite_app.app_context():
        sqlite_app.config.pop("RATE_LIMITS")
        assert ratelimit.enabled() and ratelimit.limits()["webhook_sender"] == ratelimit.DEFAULT_LIMITS["webhook_sender"]


# ---- the loop guard's stops on the failures page ----------------------------------------------------
def owe_rows(app, statuses: list[str], text: str) -> None:
    """Outbox rows in these statuses for one contact."""
    from bot.core.inbound_store import get_contact

    with app.app_context(), db.new_session() as s:
        contact = get_contact(s, "whatsapp", WA_ID, "Budi")
        s.flush()
        for status in statuses:
            s.add(Outbox(contact_id=contact.id, kind="reply", payload={"text": text}, status=status,
                         last_error="loop guard" if status == "suppressed" else "nomor tidak valid"))
        s.commit()


def test_loop_guard_stops_are_counted_apart_and_never_bury_a_real_failure(sqlite_app):
    owe_rows(sqlite_app, ["failed"], "Permohonan AKL-1 sudah kami terima.")
    owe_rows(sqlite_app, ["suppressed"] * 300, "Halo lagi.")
    add_officer(sqlite_app)
    client = sqlite_app.test_client()
    sign_in(client)
    html = client.get("/inbox/failures").get_data(as_text=True)
    real = html.split('data-testid="suppressed"')[0]
    assert real.count('data-testid="failure"') == 1 and "Permohonan AKL-1" in real
    assert 'data-testid="suppressed-count">300<' in html
    assert "<details" in html  # collapsed


def test_many_real_failures_are_paged_not_cut(sqlite_app):
    owe_rows(sqlite_app, ["failed"], "Yang paling lama.")
    owe_rows(sqlite_app, ["failed"] * 249, "Gagal.")
    add_officer(sqlite_app)
    client = sqlite_app.test_client()
    sign_in(client)
    first = client.get("/inbox/failures").get_data(as_text=True)
    assert "250 pesan gagal terkirim" in first and "Yang paling lama." not in first
    last = client.get("/inbox/failures?page=3").get_data(as_text=True)
    assert last.count('data-testid="failure"') == 50 and "Yang paling lama." in last


# ---- the simulator's waits --------------------------------------------------------------------------
def test_parallel_simulator_posts_beyond_the_waits_allowed_answer_at_once(pg_app, held_jobs):
    """With a worker, a post waits for its replies; an address may hold only a few such waits: the
    next answers at once (pending, with a hint), and /healthz stays responsive throughout."""
    require(bool(pg_app.config.get("REDIS_URL")), "Redis")
    from bot.core.ratelimit import DEFAULT_LIMITS

    allowed = DEFAULT_LIMITS["simulator_waits"][0]
    pg_app.config["SIMULATOR_WAIT_SECONDS"] = 6.0  # no job runs (held_jobs): each wait lasts this long
    results, started = [], []

    def post(n: int):
        client = pg_app.test_client()
        results.append(client.post("/try/api/messages", json={"user": f"par-{n}", "text": "halo"}).get_json())

    threads = [threading.Thread(target=post, args=(n,)) for n in range(allowed)]
    for t in threads:
        t.start()
    # Every waiting post has stored its message before it waits.
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        with pg_app.app_context(), db.new_session() as s:
            started = s.execute(select(Message.id).where(Message.direction == "in")).all()
        if len(started) == allowed:
            break
        time.sleep(0.05)
    assert len(started) == allowed
    time.sleep(0.5)  # let the last of them take its slot
    extra = pg_app.test_client().post("/try/api/messages", json={"user": "par-extra", "text": "halo"})
    health = pg_app.test_client().get("/healthz")
    waits_running = sum(t.is_alive() for t in threads)
    for t in threads:
        t.join(timeout=30)
    assert waits_running == allowed  # the extra post came back while all the others still waited
    assert extra.status_code == 200
    body = extra.get_json()
    assert body["replies"] == [] and body["pending"] is True and body["hint"] == texts()["simulator"]["still_working"]
    assert health.status_code == 200
    assert len(results) == allowed and all(r["pending"] for r in results)  # they waited their full time
