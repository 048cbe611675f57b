"""Fixtures: the app on SQLite (inline jobs) and on PostgreSQL + Redis (a real RQ worker).

The channel and browser fixtures live in tests/plugins/ and reach every test through
`pytest_plugins` below: a test names a fixture as an argument and never imports it. Helpers a
test calls (drivers, signers, readers) are imported from tests/channel_drivers.py,
tests/twilio_drivers.py, tests/inbox_drivers.py or this file; no test module imports another.
"""
import os
import shutil
import subprocess
import sys
import threading
import time
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from bot import create_app
from bot.core.db import dispose as dispose_db
from bot.core.db import make_engine
from bot.core.migrate import upgrade
from delivery.channels.graph import fake as meta_fake
from delivery.channels.twilio import fake as twilio_fake

# Declared here, in the conftest of the `testpaths` directory (pytest refuses pytest_plugins in
# a conftest it finds later, during collection).
pytest_plugins = [
    "tests.plugins.meta_channels",
    "tests.plugins.twilio_channel",
    "tests.plugins.queues",
    "tests.plugins.browser",
    "tests.plugins.smtp",
]

IN_CI = os.environ.get("CI") == "true"
ROOT = Path(__file__).resolve().parent.parent
# A DATABASE_URL in the environment makes every app (and the RQ workers the tests start, which
# inherit this environment) a production configuration, which needs DATA_KEY; one fixed test key
# lets them all read what the others encrypted.
TEST_DATA_KEY = "dGVzdC1kYXRhLWtleS1ub3QtZm9yLXByb2R1Y3Rpb24="  # 32 bytes, base64


def require(available: bool, what: str) -> None:
    """Skip a test whose service is absent, except under CI=true where absence is a failure."""
    if not available:
        if IN_CI:
            pytest.fail(f"{what} is required when CI=true")
        pytest.skip(f"{what} is not available")


def _pg_url() -> str | None:
    """The PostgreSQL URL from the environment, if it points at PostgreSQL."""
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql")) else None


if os.environ.get("DATABASE_URL"):
    os.environ.setdefault("DATA_KEY", TEST_DATA_KEY)


# ---- SQLite -------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A migrated SQLite file, copied for each test (migrating once keeps the suite fast)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


def _sqlite_app(tmp_path: Path, template: Path, **extra):
    """A fresh app on its own copy of the migrated SQLite database."""
    shutil.copy(template, tmp_path / "sapa.db")
    return create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'sapa.db'}", "REDIS_URL": None,
                       "STORAGE_DIR": str(tmp_path / "files"), "SPOOL_DIR": str(tmp_path / "spool"), "MAIL_DIR": str(tmp_path / "mail"),
                       "SECRET_KEY": "test-secret", "SIMULATOR": True, "PUBLIC_BASE_URL": "http://testserver",
                       "RATE_LIMITS": False,  # tests chat at machine speed; tests/test_limits.py turns them on
                       "CLOCK_FILE": str(tmp_path / "clock"),  # the dialogue's time (`office_clock`)
                       **extra})


# ---- PostgreSQL + Redis + worker --------------------------------------------------------------
def _wait_first_sweep(redis_url: str, queue: str, worker: subprocess.Popen, log: Path) -> None:
    """Wait until the worker has swept once. On a new queue its first sweep takes every message
    still waiting as lost (delivery/recovery.py) and queues it on this worker; a test with workers
    of its own (another queue, other fake providers) must not have its messages taken that way."""
    from redis import Redis

    with Redis.from_url(redis_url) as redis:
        deadline = time.monotonic() + 60
        while not redis.exists(f"sapa:jobs-alive:{queue}"):
            if worker.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the test worker did not start:\n" + log.read_text()[-3000:])
            time.sleep(0.1)


@pytest.fixture(scope="session")
def pg_stack(tmp_path_factory):
    """A migrated PostgreSQL schema of this run's own and a running `rq worker` on its own queue."""
    base, redis_url = _pg_url(), os.environ.get("REDIS_URL")
    require(bool(base) and bool(redis_url), "PostgreSQL (DATABASE_URL) and Redis (REDIS_URL)")
    # A schema and a queue per test run, so two runs on one machine never touch each other's data.
    schema, queue = f"test_{os.getpid()}", f"sapa-test-{os.getpid()}"
    admin = make_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    url = base + ("&" if "?" in base else "?") + f"options=-csearch_path%3D{schema}"
    engine = make_engine(url)
    upgrade(engine)
    instance = tmp_path_factory.mktemp("pg-instance")
    # A real SMTP server for the worker's email (one per run: the worker's settings are fixed).
    from tests.plugins.smtp import SmtpReceiver  # a plugin module: imported once pytest has it
    smtp = SmtpReceiver(tmp_path_factory.mktemp("pg-smtp"))
    env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": redis_url, "INSTANCE_PATH": str(instance),
           "SMTP_URL": smtp.url,
           "RQ_QUEUE": queue, "SECRET_KEY": "test-secret", "SIMULATOR": "1",
           "PUBLIC_BASE_URL": "http://testserver",
           "CLOCK_FILE": str(instance / "clock"),  # the dialogue's time, as the test sets it (`office_clock`)
           "RATE_LIMITS": "0",  # as the apps': tests chat at machine speed (a flood is told by the job)
           **meta_fake.shared_server().env(),  # the worker sends WhatsApp/Messenger replies to the fake Graph API
           **twilio_fake.shared_server().env()}  # ... and Twilio replies and media downloads to the fake Twilio API
    log = open(instance / "worker.log", "w")
    worker = subprocess.Popen([str(Path(sys.executable).parent / "rq"), "worker", "--with-scheduler",
                               "--worker-class", "bot.worker.AppWorker", "--url", redis_url, queue],
                              cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    _wait_first_sweep(redis_url, queue, worker, instance / "worker.log")
    yield {"url": url, "redis_url": redis_url, "instance": instance, "engine": engine, "worker": worker,
           "queue": queue, "env": env, "smtp": smtp}
    smtp.stop()
    worker.terminate()
    try:
        worker.wait(timeout=10)
    except subprocess.TimeoutExpired:
        worker.kill()
    log.close()
    engine.dispose()
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    admin.dispose()


def _truncate(engine) -> None:
    """Empty every table between tests (TRUNCATE fires no row triggers on the audit log).

    The worker may still be finishing the previous test's job; PostgreSQL can then pick the
    TRUNCATE as a deadlock victim, so it is tried again. It waits for locks a second at most: it
    may hold `messages` while waiting for the job's lock on its contact, while the job waits for
    `messages` on a connection of its own (its attempt count, autocommitted): a circle PostgreSQL
    cannot see, so the TRUNCATE steps back and lets the job finish."""
    for attempt in range(30):
        try:
            with engine.begin() as conn:
                conn.execute(text("SET LOCAL lock_timeout = '1s'"))
                tables = conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                                           "AND tablename <> 'alembic_version'")).scalars().all()
                conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
            return
        except OperationalError as err:
            if not ("deadlock" in str(err) or "lock timeout" in str(err)) or attempt == 29:
                raise
            time.sleep(0.2)


# ---- the app fixture both ways ------------------------------------------------------------------
def _pg_app(stack: dict, **extra):
    """A fresh app on the emptied PostgreSQL schema, queueing jobs for the test worker (`extra`:
    settings over the usual ones; REDIS_URL None runs the jobs in this process instead)."""
    _truncate(stack["engine"])
    stack["smtp"].messages.clear()
    (stack["instance"] / "clock").unlink(missing_ok=True)  # the real time unless the test sets one
    # The worker's instance folder, so both sign with (and check against) one certificate.
    previous = os.environ.get("INSTANCE_PATH")
    os.environ["INSTANCE_PATH"] = str(stack["instance"])
    try:
        return _create_pg_app(stack, **extra)
    finally:
        if previous is None:
            os.environ.pop("INSTANCE_PATH", None)
        else:
            os.environ["INSTANCE_PATH"] = previous


def _create_pg_app(stack: dict, **extra):
    """The PostgreSQL app itself (its settings beside the worker's)."""
    return create_app({"DATABASE_URL": stack["url"], "REDIS_URL": stack["redis_url"], "RQ_QUEUE": stack["queue"],
                       "SMTP_URL": stack["smtp"].url,
                       "STORAGE_DIR": str(stack["instance"] / "files"), "SPOOL_DIR": str(stack["instance"] / "spool"), "MAIL_DIR": str(stack["instance"] / "mail"),
                       "SECRET_KEY": "test-secret",
                       "SIMULATOR": True, "PUBLIC_BASE_URL": "http://testserver",
                       "CLOCK_FILE": str(stack["instance"] / "clock"),  # the worker's too
                       "RATE_LIMITS": False,  # as _sqlite_app
                       **extra})


@pytest.fixture(params=["sqlite", "postgres"])
def app(request, tmp_path, sqlite_template):
    """The app on SQLite with inline jobs, and again on PostgreSQL with an RQ worker."""
    if request.param == "sqlite":
        application = _sqlite_app(tmp_path, sqlite_template)
    else:
        application = _pg_app(request.getfixturevalue("pg_stack"))
    yield application
    dispose_db(application)


@pytest.fixture
def pg_app(pg_stack):
    """The app on PostgreSQL only, for what only PostgreSQL does (row locks)."""
    application = _pg_app(pg_stack)
    yield application
    dispose_db(application)


@pytest.fixture
def sqlite_app(tmp_path, sqlite_template):
    """The app on SQLite only, for tests about the embedded default itself."""
    application = _sqlite_app(tmp_path, sqlite_template)
    yield application
    dispose_db(application)


class OfficeClock:
    """The time the dialogue reads (bot/core/clock.py), fixed for a test: every message is answered
    as of `set`'s office time, in this process and in the RQ worker, until the test ends."""

    ZONE = "+08:00"  # WITA, the office's

    def __init__(self, path: str):
        self.path = Path(path)

    def set(self, when: str) -> None:
        """Answer from now on as of `when`, office time: "2026-11-04 09:00"."""
        at = datetime.fromisoformat(when.replace(" ", "T") + self.ZONE)
        self.path.write_text(at.isoformat(), encoding="utf-8")

    @property
    def now(self) -> datetime:
        """The office time messages are answered as."""
        return datetime.fromisoformat(self.path.read_text(encoding="utf-8"))

    @property
    def today(self) -> date:
        """The office's date messages are answered as."""
        return self.now.date()

    def clear(self) -> None:
        """Back to the real time."""
        self.path.unlink(missing_ok=True)


# A Wednesday with two weeks of open days ahead and no holiday among them: Thursday 5 November
# is the first day that can be booked.
CLOCK_DAY = "2026-11-04 09:00"


@pytest.fixture
def office_clock(request):
    """The dialogue's clock of the test's app (`app`, or `sqlite_app` where the test runs on that
    only), set to CLOCK_DAY; `set` moves it."""
    name = "app" if "app" in request.fixturenames else "sqlite_app"
    clock = OfficeClock(request.getfixturevalue(name).config["CLOCK_FILE"])
    clock.set(CLOCK_DAY)
    yield clock
    clock.clear()


@pytest.fixture
def client(app):
    """A test client of the parametrised app."""
    return app.test_client()


class ReadsReplies:
    """What every chat driver reads back: `replies` of the last message, as texts and button ids."""

    replies: list[dict]

    @property
    def text(self) -> str:
        """All reply texts of the last message, joined."""
        return "\n".join(r.get("text", "") for r in self.replies)

    @property
    def buttons(self) -> list[str]:
        """The button ids offered by the last message's replies."""
        return [b["id"] for r in self.replies for b in r.get("buttons", [])]


def conversation(app, channel: str, external_id: str) -> dict:
    """Where a contact's conversation stands: flow, mode, step, the answers so far and the paused
    requests. Assert on this rather than on a question's wording, which the office edits in
    flows/*.yml."""
    from sqlalchemy import select

    from bot.core import db
    from bot.core.models import Contact, Conversation

    with app.app_context(), db.new_session() as s:
        found = s.execute(select(Conversation).join(Contact, Contact.id == Conversation.contact_id)
                          .where(Contact.channel == channel, Contact.external_id == external_id)).scalar_one()
        return {"flow": found.flow, "mode": found.mode, "step": found.step, "answers": dict(found.answers or {}),
                "paused": list(found.paused or [])}


class Chat(ReadsReplies):
    """A citizen on the simulator API: say, press, send files, and read the replies."""

    def __init__(self, client, user: str):
        self.client, self.user = client, user
        self.replies: list[dict] = []

    def where(self) -> dict:
        """Where this citizen's conversation stands (see `conversation`)."""
        return conversation(self.client.application, "simulator", self.user)

    def _post(self, **kwargs) -> list[dict]:
        """Send one message and keep its replies."""
        response = self.client.post("/try/api/messages", **kwargs)
        assert response.status_code == 200, response.get_data(as_text=True)
        self.replies = response.get_json()["replies"]
        return self.replies

    def say(self, text: str) -> list[dict]:
        """Type a message."""
        return self._post(json={"user": self.user, "text": text})

    def press(self, button: str) -> list[dict]:
        """Press a button by id."""
        return self._post(json={"user": self.user, "button": button})

    def send_file(self, data: bytes, name: str, content_type: str = "application/octet-stream") -> list[dict]:
        """Upload a file (photo or document)."""
        import io
        return self._post(data={"user": self.user, "file": (io.BytesIO(data), name, content_type)},
                          content_type="multipart/form-data")


@pytest.fixture
def chat(client):
    """A citizen chatting through the simulator API."""
    return Chat(client, "citizen-1")


@pytest.fixture
def inline_chat(sqlite_app):
    """A citizen on the SQLite app, whose jobs run in this process: for tests that change what
    this process reads (an edited copy of the texts), which a separate RQ worker would not see."""
    return Chat(sqlite_app.test_client(), "citizen-1")


# ---- a live server for the browser test -------------------------------------------------------
def whole_files(app):
    """The app with the files it sends (static files, uploads) read whole before the response.

    werkzeug's development server leaves a file open when the browser drops the connection
    halfway (Chromium cancels a stylesheet when the page moves on): the file's ResourceWarning
    then fails whichever test is running. gunicorn, in production, closes it."""
    def read_whole(file, buffer_size=8192):
        try:
            return [file.read()]
        finally:
            file.close()

    def wsgi(environ, start_response):
        environ["wsgi.file_wrapper"] = read_whole
        return app(environ, start_response)
    return wsgi


@pytest.fixture
def live_server_url(sqlite_app):
    """The SQLite app served on a free local port in a thread."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, whole_files(sqlite_app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


# ---- test data ------------------------------------------------------------------------------------
FATHER_NIK = "6408011708900001"   # Kutai Timur, 17-08-1990, man
MOTHER_NIK = "6408014302930002"   # day 43 = 3rd + 40: 03-02-1993, woman
KK_NUMBER = "6408011501200003"    # registered 15-01-2020


def png_bytes(width: int = 4, height: int = 4) -> bytes:
    """A small but real PNG image."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + b"\xff\x80\x00" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


@pytest.fixture
def png() -> bytes:
    """A small real PNG photo."""
    return png_bytes()


WITNESS_1 = ("Ahmad Yani", "6408011005000007", "6408012003180004")   # name, NIK, KK
WITNESS_2 = ("Rina Wati", "6408015508920008", "6408010705190005")


def say_place(chat, place: str) -> None:
    """Answer a `place` step, confirming the name the assistant proposes when it asks."""
    chat.say(place)
    if "propose_yes" in chat.buttons:
        chat.press("propose_yes")


def start_as_father(chat) -> None:
    """Open the birth-certificate flow as the father and accept the privacy notice."""
    chat.say("halo")
    chat.press("svc:akta_kelahiran")
    chat.press("ayah")
    chat.press("agree")


def answer_child(chat, name: str | None = "Putri Ayu Lestari") -> None:
    """The child's questions of the birth flow, from the name (None: already answered, start at the
    sex) to the birth length: a girl born at a puskesmas, a single birth, the second child."""
    for answer in ([name] if name is not None else []) + ["perempuan", "5 Januari 2026", "14.30"]:
        chat.say(answer)
    chat.press("puskesmas")
    chat.say("Puskesmas Sangatta Utara")
    say_place(chat, "Sangatta")
    chat.press("tunggal")
    chat.say("2")
    chat.press("islam")
    for answer in ["bidan", "3200", "49"]:
        chat.say(answer)


def answer_father(chat) -> None:
    """The father's questions (asked of the father himself: no question about his situation)."""
    chat.say("Budi Santoso")
    chat.press("WNI")
    chat.say(FATHER_NIK)
    say_place(chat, "Samarinda")
    chat.say("17/8/1990")


def answer_mother(chat) -> None:
    """The mother's questions, then the KK number and the domicile."""
    chat.say("Siti Aminah")
    chat.press("WNI")
    chat.say(MOTHER_NIK)
    say_place(chat, "Balikpapan")
    chat.say("3-2-1993")
    chat.say(KK_NUMBER)
    say_place(chat, "Swarga Bara")


def answer_until_birth_letter(chat) -> None:
    """Walk the birth-certificate flow as a father, with typed answers and buttons, up to the
    question whether there is a birth letter."""
    start_as_father(chat)
    answer_child(chat)
    answer_father(chat)
    answer_mother(chat)


def answer_witnesses(chat) -> None:
    """The two witnesses of an SPTJM: name, NIK, KK and citizenship each."""
    for name, nik, kk in (WITNESS_1, WITNESS_2):
        for answer in (name, nik, kk):
            chat.say(answer)
        chat.press("WNI")


def answer_until_summary(chat, png: bytes, *, surat_lahir: bool = True, buku_nikah: bool = True) -> None:
    """Walk the birth-certificate flow as a father with typed answers and buttons up to the summary."""
    answer_until_birth_letter(chat)
    chat.press("yes" if surat_lahir else "no")
    if surat_lahir:
        chat.send_file(png, "surat-lahir.png", "image/png")
    chat.press("yes" if buku_nikah else "no")
    if buku_nikah:
        chat.send_file(png, "buku-nikah.png", "image/png")
    if not (surat_lahir and buku_nikah):
        chat.press("agree")  # the SPTJM (F-2.03 and/or F-2.04) with two witnesses
        answer_witnesses(chat)
        for _form in ([] if surat_lahir else ["F-2.03"]) + ([] if buku_nikah else ["F-2.04"]):
            chat.say("belum ada")
    chat.send_file(png, "kk.png", "image/png")
    chat.send_file(png, "ktp-ayah.png", "image/png")
    chat.say("belum ada")
    chat.say("lewati")


@pytest.fixture
def install_adapter(monkeypatch):
    """Put a test adapter behind a channel: a known channel keeps its policies, a new name gets an
    always-open channel of its own (the errbot-style fake channel)."""
    from delivery.channels.base import Channel
    from delivery.channels.registry import CHANNELS

    def install(name: str, adapter) -> None:
        """Send `name`'s messages through `adapter` for this test."""
        if name in CHANNELS:
            monkeypatch.setattr(CHANNELS[name], "adapter", adapter)
            return
        channel = type("TestChannel", (Channel,), {"name": name, "display_name": name.title()})()
        channel.adapter = adapter
        monkeypatch.setitem(CHANNELS, name, channel)

    return install


@pytest.fixture
def edited_texts(tmp_path, monkeypatch):
    """A copy of flows/ whose texts.yml the test may edit; the app reads it from the next message on."""
    import shutil

    from flows import definition

    flows_dir = tmp_path / "flows"
    shutil.copytree(definition.FLOW_DIR, flows_dir, ignore=shutil.ignore_patterns("*.py", "__pycache__", "*.mmd"))
    monkeypatch.setattr(definition, "FLOW_DIR", flows_dir)
    definition.texts.cache_clear()
    yield flows_dir / "texts.yml"
    definition.texts.cache_clear()  # the next test reads the real file again
