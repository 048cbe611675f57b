"""NIK and KK numbers at rest: encrypted in every table (and the spool), found by a keyed hash,
shown in full only on the officer's review page and in the officer API, masked everywhere else;
DATA_KEY rotation; a production configuration without a usable key refuses to start."""
import io
import logging
import re
import stat
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select, text

from bot import create_app
from bot.core import crypto, db
from bot.core.db import dispose as dispose_db
from bot.core.models import Request
from tests.conftest import (
    FATHER_NIK,
    KK_NUMBER,
    MOTHER_NIK,
    Chat,
    answer_until_summary,
    png_bytes,
)
from tests.inbox_drivers import add_officer, sign_in

NUMBERS = (FATHER_NIK, MOTHER_NIK, KK_NUMBER)
TICKET = re.compile(r"[A-Z]{2,5}-[0-9]{4,}")
KEY_A, KEY_B = crypto.new_key(), crypto.new_key()


def file_request(client, user: str = "citizen-1") -> tuple[Chat, str]:
    """A complete birth request through the simulator chat (both parents' NIKs and the KK typed)."""
    chat = Chat(client, user)
    answer_until_summary(chat, png_bytes())
    replies = chat.press("submit")
    return chat, TICKET.search(replies[0]["text"]).group(0)


def api_headers(app, username: str = "verif") -> dict:
    """An officer's bearer token for /api/v1."""
    runner = app.test_cli_runner()
    made = runner.invoke(args=["officer", "create", username, "--role", "verifier", "--password", "rahasia-sekali-1"])
    assert made.exit_code == 0, made.output
    token = runner.invoke(args=["officer", "token", username])
    return {"Authorization": f"Bearer {token.output.strip()}"}


def stored_bytes(app) -> bytes:
    """Everything the database holds, as bytes: the SQLite file itself (and its WAL), or every
    PostgreSQL table dumped as text."""
    engine = app.extensions["db_engine"]
    if engine.dialect.name == "sqlite":
        path = Path(engine.url.database)
        return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())
    with engine.connect() as conn:
        tables = conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")).scalars()
        return "\n".join(row for table in list(tables)
                         for row in conn.execute(text(f'SELECT t::text FROM "{table}" t')).scalars()).encode()


def contains_a_number(blob: bytes) -> list[str]:
    """Which of the test's NIK/KK numbers appear in plain text."""
    return [n for n in NUMBERS if n.encode() in blob]


# ---- at rest --------------------------------------------------------------------------------------------------
def test_after_a_birth_request_no_nik_or_kk_is_stored_or_logged_in_plain_text(app, client, caplog):
    caplog.set_level(logging.DEBUG)
    chat = Chat(client, "citizen-1")
    answer_until_summary(chat, png_bytes())
    # Mid-way too: the draft's answers and what the citizen typed.
    assert contains_a_number(stored_bytes(app)) == []
    chat.press("submit")
    stored = stored_bytes(app)
    assert b"Budi Santoso" in stored  # the check sees the data: names are stored as they are
    assert contains_a_number(stored) == []
    assert contains_a_number(caplog.text.encode()) == []
    if app.config.get("REDIS_URL"):  # the RQ worker's log, on PostgreSQL (beside its files)
        assert contains_a_number((Path(app.config["STORAGE_DIR"]).parent / "worker.log").read_bytes()) == []
    if app.extensions["db_engine"].dialect.name == "sqlite":
        dispose_db(app)  # the WAL is checkpointed into the file: still nothing
        assert contains_a_number(stored_bytes(app)) == []


def test_the_stored_values_are_still_read_back_whole_by_the_app(app, client):
    _, ticket = file_request(client)
    with app.app_context(), db.new_session() as s:
        req = s.execute(select(Request).where(Request.ticket == ticket)).scalar_one()
        assert req.applicant_nik == FATHER_NIK and req.answers["ibu_nik"] == MOTHER_NIK
        assert req.answers["no_kk"] == KK_NUMBER
        assert s.execute(select(Request.ticket).where(Request.applicant_nik_hash.in_(crypto.lookups(FATHER_NIK)))
                         ).scalars().all() == [ticket]


def test_a_citizen_is_found_by_nik_for_export(sqlite_app, tmp_path):
    client = sqlite_app.test_client()
    file_request(client)
    exported = sqlite_app.test_cli_runner().invoke(args=["citizen", "export", FATHER_NIK])
    assert exported.exit_code == 0, exported.output
    assert Path(exported.output.strip()).exists()
    missing = sqlite_app.test_cli_runner().invoke(args=["citizen", "export", MOTHER_NIK])  # not an applicant
    assert missing.exit_code != 0


def test_a_nik_seen_before_is_known_to_the_officer_flags(app, client):
    _, first = file_request(client, "citizen-1")
    _, second = file_request(client, "citizen-2")
    headers = api_headers(app)
    flags = {t: client.get(f"/api/v1/requests/{t}", headers=headers).get_json()["flags"] for t in (first, second)}
    assert any(f.startswith("NIK belum dikenal sistem: NIK ayah") for f in flags[first])
    # The father filed the first one (the applicant's NIK is on record); the mother's is not.
    assert not any(f.startswith("NIK belum dikenal sistem: NIK ayah") for f in flags[second])
    assert any(f.startswith("NIK belum dikenal sistem: NIK ibu") for f in flags[second])
    assert not any(n in " ".join(flags[first]) for n in NUMBERS)  # masked there too


# ---- who sees what ------------------------------------------------------------------------------------------
def test_the_officer_review_page_and_the_api_show_the_full_numbers(app, client):
    _, ticket = file_request(client)
    headers = api_headers(app)
    answers = client.get(f"/api/v1/requests/{ticket}", headers=headers).get_json()["answers"]
    assert (answers["ayah_nik"], answers["ibu_nik"], answers["no_kk"]) == (FATHER_NIK, MOTHER_NIK, KK_NUMBER)
    add_officer(app, "siti", role="verifier")
    officer = app.test_client()
    sign_in(officer, "siti")
    page = officer.get(f"/inbox/requests/{ticket}").get_data(as_text=True)
    assert all(n in page for n in NUMBERS)
    queue = officer.get("/inbox/requests").get_data(as_text=True)
    assert contains_a_number(queue.encode()) == []


def test_the_citizen_sees_masks_in_the_summary_the_receipt_the_status_and_the_transcript(app, client):
    chat = Chat(client, "citizen-1")
    answer_until_summary(chat, png_bytes())
    assert "6408********0001" in chat.text and contains_a_number(chat.text.encode()) == []
    replies = chat.press("submit")
    ticket = TICKET.search(replies[0]["text"]).group(0)
    receipt = client.get(next(r["document"]["url"] for r in replies if r.get("document")))
    pdf_text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(receipt.data)).pages)
    assert "6408********0001" in pdf_text and contains_a_number(pdf_text.encode()) == []
    chat.say(f"status {ticket}")
    assert ticket in chat.text and contains_a_number(chat.text.encode()) == []
    transcript = client.get("/try/api/messages?user=citizen-1").get_json()["messages"]
    typed = [m["text"] for m in transcript if m["direction"] == "in" and m.get("text")]
    assert "6408********0001" in typed  # what the citizen typed, masked
    assert contains_a_number(str(transcript).encode()) == []


def test_a_nik_typed_with_spaces_is_masked_too(sqlite_app):
    client = sqlite_app.test_client()
    chat = Chat(client, "citizen-1")
    chat.say(f"NIK saya {FATHER_NIK[:4]} {FATHER_NIK[4:8]} {FATHER_NIK[8:12]} {FATHER_NIK[12:]}")
    transcript = client.get("/try/api/messages?user=citizen-1").get_json()["messages"]
    assert transcript[0]["text"] == "NIK saya 6408********0001"


# ---- the spool -------------------------------------------------------------------------------------------------
def test_a_spooled_webhook_body_is_encrypted_on_disk(sqlite_app):
    from bot.web import spool

    with sqlite_app.test_request_context("/webhooks/twilio", method="POST", data={"Body": f"NIK {FATHER_NIK}"}):
        from flask import request
        path = spool.save(request)
    assert FATHER_NIK.encode() not in path.read_bytes()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


# ---- keys -------------------------------------------------------------------------------------------------------
@pytest.fixture
def prod_env(monkeypatch, tmp_path, sqlite_template):
    """A production-like environment on a SQLite file of its own (DATABASE_URL set)."""
    import shutil

    shutil.copy(sqlite_template, tmp_path / "prod.db")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'prod.db'}")
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("SECRET_KEY", "a-production-secret")
    monkeypatch.setenv("SIMULATOR", "1")
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setenv("DATA_KEY", KEY_A)
    apps = []

    def start(data_key: str | None):
        if data_key is None:
            monkeypatch.delenv("DATA_KEY", raising=False)
        else:
            monkeypatch.setenv("DATA_KEY", data_key)
        app = create_app({"STORAGE_DIR": str(tmp_path / "files"), "SPOOL_DIR": str(tmp_path / "spool"),
                          "MAIL_DIR": str(tmp_path / "mail"), "PUBLIC_BASE_URL": "http://testserver",
                          "RATE_LIMITS": False})
        apps.append(app)
        return app

    yield start
    for app in apps:
        dispose_db(app)


def test_production_without_data_key_refuses_to_start_and_says_why(prod_env):
    with pytest.raises(RuntimeError, match="DATA_KEY is not set.*DATABASE_URL is set"):
        prod_env(None)


@pytest.mark.parametrize("bad", ["not base64 at all!", "c2hvcnQ=", f"{KEY_A},nonsense"])
def test_a_malformed_data_key_refuses_to_start_and_says_why(prod_env, bad):
    with pytest.raises(RuntimeError, match=r"DATA_KEY key [12] (is not base64|is \d+ bytes)"):
        prod_env(bad)


def test_values_written_with_an_old_key_are_read_after_a_new_key_and_rotated_by_the_command(prod_env):
    old = prod_env(KEY_A)
    _, ticket = file_request(old.test_client())
    # The wrong key alone cannot read them: refused at start, not a broken page later.
    with pytest.raises(RuntimeError, match="DATA_KEY cannot decrypt"):
        prod_env(KEY_B)

    both = prod_env(f"{KEY_B},{KEY_A}")  # the new key first, the old one kept for reading
    headers = api_headers(both)
    assert both.test_client().get(f"/api/v1/requests/{ticket}", headers=headers).get_json()["answers"]["ayah_nik"] \
        == FATHER_NIK
    # Found by its hash under the old key until the rotation: the second request knows the NIK.
    _, second = file_request(both.test_client(), "citizen-2")
    flags = both.test_client().get(f"/api/v1/requests/{second}", headers=headers).get_json()["flags"]
    assert not any(f.startswith("NIK belum dikenal sistem: NIK ayah") for f in flags)

    Chat(both.test_client(), "citizen-3").say("halo")  # a conversation, too
    rotated = both.test_cli_runner().invoke(args=["data", "rotate-key"])
    assert rotated.exit_code == 0, rotated.output
    assert "2 permohonan" in rotated.output

    new = prod_env(KEY_B)  # the old key removed
    client = new.test_client()
    for t in (ticket, second):
        answers = client.get(f"/api/v1/requests/{t}", headers=headers).get_json()["answers"]
        assert (answers["ayah_nik"], answers["no_kk"]) == (FATHER_NIK, KK_NUMBER)
    _, third = file_request(client, "citizen-4")
    flags = client.get(f"/api/v1/requests/{third}", headers=headers).get_json()["flags"]
    assert not any(f.startswith("NIK belum dikenal sistem: NIK ayah") for f in flags)
    with pytest.raises(RuntimeError, match="DATA_KEY cannot decrypt"):
        prod_env(KEY_A)  # and the old key alone no longer reads them
    assert contains_a_number(stored_bytes(new)) == []


def test_without_data_key_a_development_key_is_made_once_readable_only_by_its_owner(tmp_path, sqlite_template,
                                                                                     monkeypatch):
    import shutil

    monkeypatch.delenv("DATA_KEY", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    shutil.copy(sqlite_template, tmp_path / "sapa.db")
    settings = {"DATABASE_URL": f"sqlite:///{tmp_path / 'sapa.db'}", "SECRET_KEY": "x", "SIMULATOR": True,
                "REDIS_URL": None, "RATE_LIMITS": False,
                "STORAGE_DIR": str(tmp_path / "files"), "PUBLIC_BASE_URL": "http://testserver"}
    first = create_app(settings)
    key_file = tmp_path / "data.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    _, ticket = file_request(first.test_client())
    dispose_db(first)
    again = create_app(settings)  # a restart reads what the first wrote
    assert key_file.read_text() and api_headers(again)
    with again.app_context(), db.new_session() as s:
        assert s.execute(select(Request).where(Request.ticket == ticket)).scalar_one().applicant_nik == FATHER_NIK
    dispose_db(again)


# ---- the migration ------------------------------------------------------------------------------------------
def test_the_migration_encrypts_what_an_existing_database_holds(tmp_path, monkeypatch):
    import json

    from alembic import command

    from bot.core.db import make_engine
    from bot.core.migrate import alembic_config, upgrade

    monkeypatch.setenv("DATA_KEY", KEY_A)
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    cfg = alembic_config(str(engine.url))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0007")
    answers = {"ayah_nik": FATHER_NIK, "no_kk": KK_NUMBER, "alamat": "Jl. Mawar 1", "foto_kk": {"upload_id": 1}}
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO contacts (id, channel, external_id, created_at) "
                          "VALUES (1, 'simulator', 'old', CURRENT_TIMESTAMP)"))
        conn.execute(text("INSERT INTO requests (ticket, service, status, contact_id, applicant_nik, answers, flags, "
                          "missing_documents, fix_items, created_at, updated_at) VALUES ('AKL-0001', 'akta_kelahiran', "
                          "'submitted', 1, :nik, :answers, '[]', '[]', '[]', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"),
                     {"nik": FATHER_NIK, "answers": json.dumps(answers)})
        conn.execute(text("INSERT INTO conversations (contact_id, mode, answers, history, paused, owner, needs_human, "
                          "updated_at) VALUES (1, 'collect', :a, '[]', :p, 'bot', 0, CURRENT_TIMESTAMP)"),
                     {"a": json.dumps({"ibu_nik": MOTHER_NIK}), "p": json.dumps([{"answers": {"ayah_nik": FATHER_NIK}}])})
        for status, provider in (("processed", "m1"), ("received", "m2")):
            conn.execute(text("INSERT INTO messages (contact_id, channel, direction, provider_id, kind, text, payload, "
                              "status, created_at, attempts) VALUES (1, 'simulator', 'in', :p, 'text', :t, '{}', :s, "
                              "CURRENT_TIMESTAMP, 0)"), {"p": provider, "t": f"nik {MOTHER_NIK}", "s": status})
    upgrade(engine)
    with engine.connect() as conn:
        dumped = "\n".join(str(row) for table in ("requests", "conversations", "messages")
                           for row in conn.execute(text(f"SELECT * FROM {table}")))
    engine.dispose()
    assert contains_a_number(dumped.encode()) == [] and "Jl. Mawar 1" in dumped

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'old.db'}")
    monkeypatch.setenv("SECRET_KEY", "a-production-secret")
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    app = create_app({"STORAGE_DIR": str(tmp_path / "files"), "REDIS_URL": None})
    with app.app_context(), db.new_session() as s:
        from bot.core.models import Conversation, Message

        req = s.execute(select(Request)).scalar_one()
        assert req.applicant_nik == FATHER_NIK and req.answers == answers
        assert req.applicant_nik_hash in crypto.lookups(FATHER_NIK)
        conv = s.execute(select(Conversation)).scalar_one()
        assert conv.answers == {"ibu_nik": MOTHER_NIK} and conv.paused == [{"answers": {"ayah_nik": FATHER_NIK}}]
        texts = {m.status: (m.text, crypto.typed_text(m.text, m.payload)) for m in s.execute(select(Message)).scalars()}
        assert texts["processed"] == ("nik 6408********0002", "nik 6408********0002")
        assert texts["received"] == ("nik 6408********0002", f"nik {MOTHER_NIK}")  # its job still reads it
    dispose_db(app)
