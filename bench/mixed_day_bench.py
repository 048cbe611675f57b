"""Benchmark a mixed day: citizens filing, asking and checking while officers work the inbox, at once.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test REDIS_URL=redis://127.0.0.1:6379/14 \
        .venv/bin/python bench/mixed_day_bench.py [--citizens 30] [--officers 4] [--seconds 30] [--repeat 3]

The production setup of bench/dialogue_bench.py (its own PostgreSQL schema and RQ queue, both
dropped afterwards; gunicorn gthread and `rq worker --with-scheduler --worker-class
bot.worker.AppWorker` as the Procfile starts them; the simulator on, the per-address limits off),
and on it, at the same time:

- `--citizens` simulator citizens, each a thread on its own HTTP connection, going from one errand
  to the next with no pause: a whole birth request (the tests' walk, four photos, ticket and
  receipt), a whole death report (tests/death_drivers.py, three photos), a KTP-el print visit booked
  (tests/booking_drivers.py), a status check of one of their earlier tickets ("status"), or a
  question the FAQ answers (weights in ERRANDS).
- `--officers` officers, each signed in over HTTP with a password and a TOTP code (created with
  `flask officer create` and `flask officer totp`), in turn reviewing a filed request (the queue,
  the review page, assign, approve, issue with the document generated: the worker's job builds and
  signs the PDF and delivers it to the citizen's chat) and answering a citizen (a search by
  ticket, the transcript, take over, reply, hand back), with `--officer-pause` between clicks.

Per counted window (`--repeat` windows of `--seconds` after a ramp that is not counted): turns/s
and p50/p95/p99 per errand, officer actions/s and p50/p95/p99 per action, documents delivered/s
and issue → delivered, CPU used per kind of process (from /proc), PostgreSQL connections of the
app (pg_stat_activity by application_name; the peak), the database's growth per filed request
(pg_total_relation_size over the schema's tables) and the files' growth, Redis memory, and the
load average. After the windows: the peak RSS per kind of process.

The last line is the lower median window by turns/s:
`mixed turns/s=T p50_ms=A p99_ms=B officer_actions/s=O officer_p99_ms=C deliveries/s=D requests/s=R`.
Everything (the citizens and officers too) shares the machine's CPUs with PostgreSQL and Redis.
"""
import argparse
import logging
import os
import queue
import random
import re
import statistics
import sys
import threading
import time
import uuid
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from dialogue_bench import (  # noqa: E402
    BENCH_DATA_KEY, WAIT_SECONDS, Citizen, Late, _rss_mb, forget_keys, jobs_done, private_run,
    production_env, start_workers, stop, walk,
)
from webhook_bench import children, drop, production_web, start_gunicorn  # noqa: E402

TICKET = re.compile(r"\b[A-Z]{2,5}-[0-9]{4,}(?:-[0-9]+)*\b")
OFFICER_PASSWORD = "hari-campuran-bench-2026"
# What citizens do, and how often (of errands, not of messages: a request is 10 to 45 messages).
ERRANDS = {"birth": 3, "death": 2, "booking": 2, "status": 2, "faq": 2}
FAQ = ["jam buka kantor kapan?", "bayar brp bikin akte lahir?", "syarat bikin kia apa aja?",
       "berapa lama akta kelahiran jadi?", "kantor disdukcapil dimana?"]
REPLIES = ["Baik Bapak/Ibu, permohonan sedang kami periksa.", "Terima kasih, dokumen sudah kami terima."]
POLL_SECONDS = 5.0        # an open inbox page polls the badge and the list this often
APP_NAME = "sapa-mixed"   # application_name of the web's and workers' connections (pg_stat_activity)


# ---- citizens ----------------------------------------------------------------------------------------------
class Stopped(Exception):
    """The run is over: the citizen stops mid-errand."""


class Tagged:
    """A citizen's turn log: each turn lands in the shared list with its errand."""

    def __init__(self, sink: list, errand: str):
        self.sink, self.errand = sink, errand

    def append(self, turn: tuple) -> None:
        self.sink.append((self.errand, *turn))


class Resident(Citizen):
    """A simulator citizen over HTTP that can also be asked where its conversation stands (the
    death and booking drivers ask), read from the database as the tests read it."""

    def __init__(self, client, user: str, turns: list, errand: str, app, stopped: threading.Event | None = None):
        super().__init__(client, user, Tagged(turns, errand))
        self.app, self.stopped = app, stopped

    def where(self) -> dict:
        """Where this citizen's conversation stands (tests.conftest.conversation)."""
        from tests.conftest import conversation

        return conversation(self.app, "simulator", self.user)

    def _post(self, kind: str, **kwargs) -> list[dict]:
        if self.stopped is not None and self.stopped.is_set():
            raise Stopped
        return super()._post(kind, **kwargs)


def _receipt_ticket(chat) -> str:
    if not any(r.get("document") for r in chat.replies):
        raise Late(f"submit answered without the receipt: {chat.text[:200]}")
    return TICKET.search(chat.text).group(0)


def file_birth(chat) -> str:
    """A whole birth request (the tests' walk, four photos); its ticket."""
    walk(chat)
    return _receipt_ticket(chat)


def file_death(chat) -> str:
    """A whole death report (tests/death_drivers.py, three photos); its ticket."""
    from tests.conftest import png_bytes
    from tests.death_drivers import walk_to_summary

    walk_to_summary(chat, png_bytes())
    chat.press("submit")
    return _receipt_ticket(chat)


def book_visit(chat) -> str:
    """A KTP-el print visit booked at Sangatta (tests/booking_drivers.py), with a NIK of its own; the code.

    The tests' driver takes the first day and slot offered. Here many citizens book at once, so
    that slot may fill between the offer and *Kirim*: the bot says so and offers the others, and
    the citizen picks again among them, as a person would (at most three times; at random, so
    that the citizens who lost the same slot do not all race for the next one)."""
    from tests.booking_drivers import CODE, book_print_visit, nik_born

    born = date(1960, 1, 1) + timedelta(days=random.randrange(40 * 365))
    try:
        return book_print_visit(chat, "Budi Santoso", nik_born(born, woman=random.random() < 0.5))
    except (AssertionError, AttributeError):  # no confirmation, or a confirmation without a code
        for _ in range(3):
            if chat.where()["mode"] == "collect" and chat.buttons:
                chat.press(random.choice(chat.buttons))
            if chat.where()["mode"] == "confirm":
                chat.press("submit")
            found = CODE.search(chat.text or "")
            if found:
                return found.group(1)
        raise Late(f"booking not confirmed: {(chat.text or '')[:200]}")


def check_status(chat, ticket: str) -> None:
    """An earlier applicant asks where their request stands; the answer names its ticket."""
    chat.say("status")
    if ticket not in chat.text:
        raise Late(f"status without {ticket}: {chat.text[:200]}")


def ask_faq(chat, question: str) -> None:
    """A question the FAQ answers."""
    chat.say(question)
    if not chat.text.strip():
        raise Late(f"no answer to {question!r}")


class Ledger:
    """The citizens who filed a request and are not chatting now: one may come back for its status
    (only the thread whose cookie holds it: the simulator's rule), or an officer may answer it."""

    KEEP = 15   # the newest users a thread still checks on (the simulator's cookie holds 20)

    def __init__(self):
        self.lock = threading.Lock()
        self.idle: dict[str, tuple[str, int | None]] = {}   # user -> (ticket, the thread that may chat as it)
        self.mine: dict[int, list[str]] = {}

    def add(self, user: str, ticket: str, owner: int | None) -> None:
        with self.lock:
            self.idle[user] = (ticket, owner)
            if owner is None:
                return
            own = self.mine.setdefault(owner, [])
            own.append(user)
            if len(own) > self.KEEP:  # past the cookie's window: officers only
                old = own.pop(0)
                if old in self.idle:
                    self.idle[old] = (self.idle[old][0], None)

    def borrow(self, owner: int | None = None) -> tuple[str, str, int | None] | None:
        """An idle citizen (of `owner`, or any for an officer), taken until `give_back`."""
        with self.lock:
            found = [u for u, (_t, o) in self.idle.items() if owner is None or o == owner]
            if not found:
                return None
            user = random.choice(found)
            ticket, own = self.idle.pop(user)
            return user, ticket, own

    def give_back(self, user: str, ticket: str, owner: int | None) -> None:
        with self.lock:
            if owner is not None and user not in self.mine.get(owner, []):
                owner = None
            self.idle[user] = (ticket, owner)


class Crowd:
    """`citizens` threads, each running errands back to back (ERRANDS) until `stop()`."""

    def __init__(self, url: str, app, citizens: int, ramp: float, ledger: Ledger, filed: queue.Queue):
        self.url, self.app, self.ledger, self.to_review = url, app, ledger, filed
        self.turns: list = []     # (errand, kind, seconds, ended at)
        self.done: list = []      # (errand, ended at)
        self.errors: list = []    # (when, errand, what)
        self.stopped = threading.Event()
        self.threads = [threading.Thread(target=self._citizen, args=(i, ramp * i / max(1, citizens)), daemon=True)
                        for i in range(citizens)]
        for t in self.threads:
            t.start()

    def _citizen(self, i: int, delay: float) -> None:
        import httpx

        if self.stopped.wait(delay):
            return
        names, weights = list(ERRANDS), list(ERRANDS.values())
        n = 0
        with httpx.Client(base_url=self.url, timeout=WAIT_SECONDS + 30) as client:
            while not self.stopped.is_set():
                n += 1
                errand = random.choices(names, weights)[0]
                borrowed = self.ledger.borrow(owner=i) if errand == "status" else None
                if errand == "status" and borrowed is None:
                    errand = "faq"
                user = borrowed[0] if borrowed else f"m{i}-{n}-{uuid.uuid4().hex[:6]}"
                chat = Resident(client, user, self.turns, errand, self.app, self.stopped)
                try:
                    if errand in ("birth", "death"):
                        ticket = (file_birth if errand == "birth" else file_death)(chat)
                        self.ledger.add(user, ticket, i)
                        self.to_review.put(ticket)
                    elif errand == "booking":
                        book_visit(chat)
                    elif errand == "status":
                        check_status(chat, borrowed[1])
                    else:
                        ask_faq(chat, random.choice(FAQ))
                    self.done.append((errand, time.perf_counter()))
                except Stopped:
                    return
                except Exception as err:  # noqa: BLE001 - counted and shown, the citizen goes on
                    self.errors.append((time.perf_counter(), errand, f"{type(err).__name__}: {err}"[:300]))
                finally:
                    if borrowed:
                        self.ledger.give_back(*borrowed)

    def stop(self) -> None:
        self.stopped.set()
        for t in self.threads:
            t.join()


# ---- officers ------------------------------------------------------------------------------------------------
def csrf(html: str) -> str:
    """The CSRF token of a page's first form."""
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def create_officer(app, username: str) -> str:
    """A verifier made with the app's own commands (`flask officer create`, `flask officer totp`);
    the TOTP secret their authenticator app would hold."""
    runner = app.test_cli_runner()
    made = runner.invoke(args=["officer", "create", username, "--role", "verifier", "--name",
                               f"Petugas {username}", "--password", OFFICER_PASSWORD])
    if made.exit_code:
        raise RuntimeError(made.output)
    uri = runner.invoke(args=["officer", "totp", username]).output.strip()
    return parse_qs(urlsplit(uri).query)["secret"][0]


class Busy(Exception):
    """429 at sign-in: the inbox takes one sign-in at a time per address (an office behind one NAT
    address signs in one officer after the other); the officer tries again shortly."""


class Officer:
    """An officer's browser over HTTP (its session cookie), each page and form timed."""

    def __init__(self, client, username: str, secret: str, actions: list):
        self.client, self.username, self.secret, self.actions = client, username, secret, actions
        self.fingerprint = ""

    def _go(self, action: str, method: str, path: str, **kwargs):
        started = time.perf_counter()
        response = self.client.request(method, path, **kwargs)
        elapsed = time.perf_counter() - started
        if response.status_code == 429 and action == "sign-in":
            raise Busy(response.headers.get("retry-after", "1"))
        if response.status_code not in (200, 302, 303):
            raise Late(f"{action} {path}: {response.status_code} {response.text[:200]}")
        self.actions.append((action, elapsed, time.perf_counter()))
        return response

    def sign_in(self) -> None:
        """The password, then the 6-digit code of this moment."""
        import pyotp

        page = self._go("sign-in", "GET", "/inbox/login")
        sent = self._go("sign-in", "POST", "/inbox/login", data={
            "csrf_token": csrf(page.text), "username": self.username, "password": OFFICER_PASSWORD, "next": ""})
        if "/inbox/login/code" not in sent.headers.get("location", ""):
            raise Late(f"sign-in without the code step: {sent.status_code}")
        page = self._go("sign-in", "GET", "/inbox/login/code")
        done = self._go("sign-in", "POST", "/inbox/login/code",
                        data={"csrf_token": csrf(page.text), "code": pyotp.TOTP(self.secret).now()})
        if done.status_code != 302 or "/login" in done.headers.get("location", ""):
            raise Late(f"the code was refused: {done.status_code}")

    def review(self, ticket: str, number: str) -> float:
        """The requests queue, the review page, assign, approve, and issue with the document
        generated; when the issue was asked for (time.time())."""
        self._go("list requests", "GET", "/inbox/requests")
        page = self._go("open request", "GET", f"/inbox/requests/{ticket}")
        token = csrf(page.text)
        issued = 0.0
        for action, extra in (("assign", {}), ("approve", {}),
                              ("issue", {"generate": "1", "document_number": number})):
            issued = time.time()
            done = self._go(action, "POST", f"/inbox/requests/{ticket}/action",
                            data={"csrf_token": token, "action": action, **extra})
            if done.status_code != 303 or done.headers.get("location", "").split("?")[0] != f"/inbox/requests/{ticket}":
                raise Late(f"{action} {ticket}: {done.status_code}")
        return issued

    def poll(self) -> None:
        """What an open inbox page's script asks every 5 s: the badge of waiting citizens, and the
        conversation list when it changed (bot/web/static/inbox-live.js, conversations.js)."""
        self._go("poll badge", "GET", "/inbox/conversations/live.json")
        listed = self._go("poll list", "GET", "/inbox/conversations.json", params={"since": self.fingerprint})
        self.fingerprint = listed.json().get("fingerprint", "")

    def answer(self, ticket: str, text: str) -> None:
        """Find the citizen by ticket, read the transcript, take over, reply, hand back to the bot."""
        self._go("list conversations", "GET", "/inbox/conversations")
        found = self._go("search by ticket", "GET", "/inbox/conversations", params={"q": ticket})
        conv = re.search(r"/inbox/conversations/(\d+)", found.text)
        if conv is None:
            raise Late(f"no conversation found for {ticket}")
        path = f"/inbox/conversations/{conv.group(1)}"
        token = csrf(self._go("open transcript", "GET", path).text)
        self._go("take", "POST", f"{path}/take", data={"csrf_token": token})
        self._go("reply", "POST", f"{path}/reply", data={"csrf_token": token, "text": text})
        self._go("hand back", "POST", f"{path}/release", data={"csrf_token": token})


class Office:
    """`officers` signed-in officers, each in turn reviewing a filed request and answering a citizen,
    `pause` seconds between clicks, until `stop()`."""

    def __init__(self, url: str, officers: list[tuple[str, str]], ledger: Ledger, filed: queue.Queue, pause: float):
        self.url, self.ledger, self.filed, self.pause = url, ledger, filed, pause
        self.actions: list = []   # (action, seconds, ended at)
        self.issued: dict = {}    # ticket -> wall time the issue was sent
        self.errors: list = []
        self.sign_in_waits = 0    # sign-ins refused with 429 while another was being checked
        self.numbers = iter(range(1, 10**9))
        self.stopped = threading.Event()
        self.threads = [threading.Thread(target=self._officer, args=(name, secret), daemon=True)
                        for name, secret in officers]
        for t in self.threads:
            t.start()

    def _officer(self, username: str, secret: str) -> None:
        import httpx

        with httpx.Client(base_url=self.url, timeout=WAIT_SECONDS, follow_redirects=False) as client:
            officer = Officer(client, username, secret, self.actions)
            try:
                refused = sign_in_when_free(officer, self.stopped)
            except Exception as err:  # noqa: BLE001
                self.errors.append((time.perf_counter(), "sign-in", f"{type(err).__name__}: {err}"[:300]))
                return
            if refused is None:
                return
            self.sign_in_waits += refused
            turn, polled = 0, time.monotonic()
            while not self.stopped.wait(self.pause):
                turn += 1
                try:
                    if time.monotonic() - polled >= POLL_SECONDS:
                        polled = time.monotonic()
                        officer.poll()
                    if turn % 2:
                        try:
                            ticket = self.filed.get_nowait()
                        except queue.Empty:
                            continue
                        self.issued[ticket] = officer.review(ticket, f"6408-BENCH-{next(self.numbers):06d}")
                    else:
                        borrowed = self.ledger.borrow()
                        if borrowed is None:
                            continue
                        try:
                            officer.answer(borrowed[1], random.choice(REPLIES))
                        finally:
                            self.ledger.give_back(*borrowed)
                except Exception as err:  # noqa: BLE001 - counted and shown, the officer goes on
                    self.errors.append((time.perf_counter(), "officer", f"{type(err).__name__}: {err}"[:300]))

    def stop(self) -> None:
        self.stopped.set()
        for t in self.threads:
            t.join()


def sign_in_when_free(officer: Officer, stopped: threading.Event | None = None) -> int | None:
    """Sign in, trying again while another sign-in from this address is being checked (429); how
    many times it was refused, or None when the run stopped first."""
    refused = 0
    while True:
        try:
            officer.sign_in()
            return refused
        except Busy:
            refused += 1
            pause = random.uniform(0.5, 2.0)
            if stopped is not None and stopped.wait(pause):
                return None
            if stopped is None:
                time.sleep(pause)


def probe_polls(url: str, username: str, secret: str, count: int, watch) -> dict:
    """After the day: one officer's page polls `count` times back to back on the quiet setup; the
    time of each and the CPU the web, PostgreSQL and Redis spent per request."""
    import httpx

    actions: list = []
    with httpx.Client(base_url=url, timeout=WAIT_SECONDS) as client:
        officer = Officer(client, username, secret, actions)
        sign_in_when_free(officer)
        actions.clear()
        before, began = watch.cpu_now(), time.perf_counter()
        for _ in range(count):
            officer.poll()
        elapsed = time.perf_counter() - began
        time.sleep(1.0)  # the sampler's next round
        after = watch.cpu_now()
    used = sum(after.get(k, 0.0) - before.get(k, 0.0) for k in ("gunicorn", "postgres (app)", "redis-server"))
    return {"requests": len(actions), "per_second": len(actions) / elapsed,
            **percentiles([a[1] for a in actions]), "cpu_ms": used / max(1, len(actions)) * 1000}


# ---- what the machine does meanwhile ----------------------------------------------------------------------------
def _cpu_seconds(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def _redis_pids() -> list[int]:
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if (proc / "comm").read_text().strip() == "redis-server":
                    found.append(int(proc.name))
            except OSError:
                pass
    return found


def _storage_bytes(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) if folder.exists() else 0


class Watch:
    """Twice a second: CPU used per kind of process (summed deltas of /proc/<pid>/stat), the peak
    RSS of one process of each kind, the app's PostgreSQL connections, documents delivered."""

    def __init__(self, admin_url: str, schema: str, web, workers, redis_url: str):
        import psycopg
        from redis import Redis

        self.db = psycopg.connect(admin_url, autocommit=True)
        self.redis = Redis.from_url(redis_url)
        self.schema, self.web, self.workers = schema, web, workers
        self.redis_pids = _redis_pids()
        self.cpu: dict[str, float] = {}           # kind -> CPU seconds so far
        self.last: dict[int, float] = {}
        self.rss: dict[str, float] = {}
        self.connections: list = []               # (at, total, active)
        self.delivered: list = []                 # (ticket, wall time delivered)
        self.seen_delivered: set = set()
        self.since = datetime(2000, 1, 1, tzinfo=timezone.utc)
        self.lock = threading.Lock()
        self.stopped = threading.Event()
        self._sample(first=True)
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _pids(self) -> dict[str, list[int]]:
        backends = [r[0] for r in self.db.execute(
            "SELECT pid FROM pg_stat_activity WHERE application_name = %s", (APP_NAME,)).fetchall()]
        web = [self.web.pid] + children(self.web.pid)
        rq = [w.pid for w in self.workers] + [c for w in self.workers for c in children(w.pid)]
        return {"gunicorn": web, "rq worker": rq, "postgres (app)": backends, "redis-server": self.redis_pids,
                "bench clients": [os.getpid()]}

    def _sample(self, first: bool = False) -> None:
        now = time.perf_counter()
        pids = self._pids()
        with self.lock:
            for kind, these in pids.items():
                for pid in these:
                    cpu = _cpu_seconds(pid)
                    if cpu is None:
                        continue
                    # A process first seen after the start (a new PostgreSQL backend) counts from zero.
                    before = self.last.get(pid, cpu if first else 0.0)
                    self.cpu[kind] = self.cpu.get(kind, 0.0) + max(0.0, cpu - before)
                    self.last[pid] = cpu
            for kind, these in (("gunicorn master", [self.web.pid]), ("gunicorn worker", children(self.web.pid)),
                                ("rq worker", [w.pid for w in self.workers]),
                                ("rq scheduler child", [c for w in self.workers for c in children(w.pid)])):
                values = [v for v in (_rss_mb(p) for p in these) if v]
                if values:
                    self.rss[kind] = max(self.rss.get(kind, 0.0), max(values))
            total, active = self.db.execute(
                "SELECT count(*), count(*) FILTER (WHERE state <> 'idle') FROM pg_stat_activity "
                "WHERE application_name = %s", (APP_NAME,)).fetchone()
            self.connections.append((now, total, active))
            rows = self.db.execute(f"SELECT ticket, closed_at FROM {self.schema}.requests "  # noqa: S608 - our schema
                                   "WHERE status = 'delivered' AND closed_at >= %s", (self.since,)).fetchall()
            for ticket, closed in rows:
                if ticket not in self.seen_delivered:
                    self.seen_delivered.add(ticket)
                    self.delivered.append((ticket, closed.timestamp()))
                    self.since = max(self.since, closed - timedelta(seconds=5))  # late commits still seen

    def _run(self) -> None:
        while not self.stopped.wait(0.5):
            try:
                self._sample()
            except Exception:  # noqa: BLE001 - a missed sample, the next one counts
                pass

    def cpu_now(self) -> dict[str, float]:
        with self.lock:
            return dict(self.cpu)

    def database_bytes(self) -> int:
        """Every table of the schema with its indexes and TOAST."""
        return int(self.db.execute(
            "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relkind IN ('r', 'm')",
            (self.schema,)).fetchone()[0])

    def redis_bytes(self) -> int:
        return int(self.redis.info("memory")["used_memory"])

    def close(self) -> dict[str, float]:
        self.stopped.set()
        self.thread.join()
        self.db.close()
        self.redis.close()
        return self.rss


# ---- figures -------------------------------------------------------------------------------------------------------
def percentiles(values: list[float]) -> dict:
    """p50/p95/p99 (ms) of seconds; None each with fewer than two."""
    if len(values) < 2:
        return {"p50": None, "p95": None, "p99": None}
    q = statistics.quantiles(values, n=100, method="inclusive")
    return {"p50": q[49] * 1000, "p95": q[94] * 1000, "p99": q[98] * 1000}


def window(crowd: Crowd, office: Office, delivered: list, began: float, ended: float, offset: float) -> dict:
    """The figures of what ended between `began` and `ended` (perf_counter; `offset` = wall - perf)."""
    elapsed = ended - began
    turns = [t for t in crowd.turns if began <= t[3] < ended]
    actions = [a for a in office.actions if began <= a[2] < ended and a[0] != "sign-in"]
    done = [d for d in crowd.done if began <= d[1] < ended]
    out = {"elapsed": elapsed, "turns": len(turns), "turns_per_second": len(turns) / elapsed,
           **percentiles([t[2] for t in turns]),
           "errands": {}, "actions": {}, "officer_actions": len(actions),
           "officer_per_second": len(actions) / elapsed,
           "officer": percentiles([a[1] for a in actions]),
           "errors": [f"{kind}: {e}" for at, kind, e in crowd.errors if began <= at < ended]
           + [e for at, _k, e in office.errors if began <= at < ended]}
    for errand in ERRANDS:
        these = [t[2] for t in turns if t[0] == errand]
        finished = sum(1 for d in done if d[0] == errand)
        if these or finished:
            out["errands"][errand] = {"turns": len(these), "done": finished, **percentiles(these)}
    for action in dict.fromkeys(a[0] for a in actions):
        out["actions"][action] = {"count": sum(1 for a in actions if a[0] == action),
                                  **percentiles([a[1] for a in actions if a[0] == action])}
    out["requests"] = sum(1 for d in done if d[0] in ("birth", "death"))
    out["bookings"] = sum(1 for d in done if d[0] == "booking")
    these = [(t, at) for t, at in delivered if began + offset <= at < ended + offset]
    out["deliveries"] = len(these)
    out["delivery"] = percentiles([at - office.issued[t] for t, at in these if t in office.issued])
    return out


def _ms(value) -> str:
    return "   -  " if value is None else f"{value:6.0f}"


def report(name: str, r: dict) -> str:
    """A window's figures as lines."""
    lines = [f"{name}: citizens {r['turns_per_second']:.1f} turns/s (p50 {_ms(r['p50'])} p95 {_ms(r['p95'])} "
             f"p99 {_ms(r['p99'])} ms), {r['requests']} requests filed ({r['requests'] / r['elapsed']:.2f}/s), "
             f"{r['bookings']} visits booked; officers {r['officer_per_second']:.1f} actions/s "
             f"(p50 {_ms(r['officer']['p50'])} p99 {_ms(r['officer']['p99'])} ms); "
             f"{r['deliveries']} documents delivered ({r['deliveries'] / r['elapsed']:.2f}/s, issue → delivered "
             f"p50 {_ms(r['delivery']['p50'])} p95 {_ms(r['delivery']['p95'])} ms); errors {len(r['errors'])}"]
    for errand, e in r["errands"].items():
        lines.append(f"    {errand:<8} {e['done']:4d} done  {e['turns']:5d} turns  p50 {_ms(e['p50'])}  "
                     f"p95 {_ms(e['p95'])}  p99 {_ms(e['p99'])} ms")
    for action, a in r["actions"].items():
        lines.append(f"    officer {action:<18} {a['count']:4d}  p50 {_ms(a['p50'])}  p95 {_ms(a['p95'])}  "
                     f"p99 {_ms(a['p99'])} ms")
    if "cpu" in r:
        lines.append("    CPU (cores): " + ", ".join(f"{k} {v:.2f}" for k, v in r["cpu"].items())
                     + f"; all {sum(r['cpu'].values()):.2f} of {os.cpu_count()}")
        lines.append(f"    PostgreSQL connections of the app: peak {r['connections_peak']} "
                     f"({r['connections_active_peak']} not idle at most); database +{r['db_growth'] / 1024:.0f} KiB "
                     f"({r['db_per_request'] / 1024:.1f} KiB per filed request or booking, "
                     f"{r['db_growth'] / max(1, r['turns']) / 1024:.2f} KiB per message), files "
                     f"+{r['files_growth'] / 1024:.0f} KiB ({r['files_per_request'] / 1024:.1f} KiB per request); "
                     f"Redis used_memory {r['redis_mb']:.1f} MB; load average {r['load']}")
    return "\n".join(lines)


def summary_line(passes: list[dict]) -> str:
    """The last line: the lower median window by turns/s."""
    middle = sorted(passes, key=lambda p: p["turns_per_second"])[(len(passes) - 1) // 2]
    return (f"mixed turns/s={middle['turns_per_second']:.1f} p50_ms={middle['p50'] or 0:.1f} "
            f"p99_ms={middle['p99'] or 0:.1f} officer_actions/s={middle['officer_per_second']:.1f} "
            f"officer_p99_ms={middle['officer']['p99'] or 0:.1f} "
            f"deliveries/s={middle['deliveries'] / middle['elapsed']:.2f} "
            f"requests/s={middle['requests'] / middle['elapsed']:.2f}")


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--citizens", type=int, default=30)
    parser.add_argument("--officers", type=int, default=4)
    parser.add_argument("--officer-pause", type=float, default=1.0, help="seconds between an officer's clicks")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--repeat", type=int, default=3, help="counted windows (the machine's speed varies)")
    parser.add_argument("--workers", type=int, default=2, help="rq workers (the Procfile's two)")
    web_workers, web_threads = production_web()
    parser.add_argument("--web-workers", type=int, default=web_workers, help="gunicorn processes (gunicorn.conf.py's)")
    parser.add_argument("--threads", type=int, default=web_threads, help="gunicorn threads per web worker")
    parser.add_argument("--probe-polls", type=int, default=100, help="inbox polls timed on the quiet setup at the end")
    parser.add_argument("--keep", action="store_true", help="keep the schema and queue for inspection")
    return parser.parse_args(argv)


def bench_side_app(url: str, instance: str):
    """The app in the bench's own process: the officers' commands, and where a conversation stands."""
    from bot import create_app

    app = create_app({"DATABASE_URL": url, "REDIS_URL": None, "SIMULATOR": True, "SECRET_KEY": "bench",
                      "DATA_KEY": BENCH_DATA_KEY, "STORAGE_DIR": str(Path(instance) / "files")})
    logging.getLogger().setLevel(logging.WARNING)  # create_app logs at INFO; httpx would log every request
    return app


def main(argv=None) -> int:
    """Run the benchmark and print the figures."""
    args = parse_args(argv)
    run = private_run("mixed_day")
    if run is None:
        return 2
    base, redis_url, url, schema, queue_name, instance = run
    env = production_env(f"{url}&application_name={APP_NAME}", redis_url, queue_name, instance)
    os.environ["INSTANCE_PATH"] = instance
    logs, files = Path(instance), Path(instance) / "files"
    print(f"{args.citizens} citizens and {args.officers} officers (a click every {args.officer_pause:g} s); "
          f"gunicorn gthread {args.web_workers}x{args.threads} and {args.workers} rq workers on {os.cpu_count()} CPUs "
          f"(the citizens, officers, PostgreSQL and Redis share them); {args.seconds:.0f} s per window; "
          f"load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())}", flush=True)
    passes, rss = [], {}
    app = bench_side_app(f"{url}&application_name=sapa-mixed-bench", instance)
    try:
        officers = [(f"petugas{k}", create_officer(app, f"petugas{k}")) for k in range(args.officers)]
        prober = ("petugas-probe", create_officer(app, "petugas-probe"))
        gargs = argparse.Namespace(workers=args.web_workers, threads=args.threads, worker_class="gthread")
        web, app_url = start_gunicorn("dialogue_bench:bench_app()", env, gargs, logs / "web.log")
        workers = []
        try:
            workers = start_workers(env, queue_name, args.workers, logs)
            watch = Watch(base, schema, web, workers, redis_url)
            ledger, filed = Ledger(), queue.Queue()
            ramp = max(5.0, min(args.seconds, 20.0))
            offset = time.time() - time.perf_counter()
            crowd = Crowd(app_url, app, args.citizens, ramp, ledger, filed)
            office = Office(app_url, officers, ledger, filed, args.officer_pause)
            began = time.perf_counter()
            time.sleep(ramp + 5.0)  # every citizen started and the officers signed in: not counted
            warm = window(crowd, office, watch.delivered, began, time.perf_counter(), offset)
            print(report("warm-up (not counted)", warm)
                  + f"\n    sign-ins refused (429, one at a time per address) and tried again: {office.sign_in_waits}",
                  flush=True)
            for err in sorted(set(warm["errors"]))[:4]:
                print(f"    error: {err}")
            try:
                for k in range(max(1, args.repeat)):
                    cpu, db_bytes, file_bytes = watch.cpu_now(), watch.database_bytes(), _storage_bytes(files)
                    jobs_before, conns_from, began = jobs_done(redis_url, queue_name), len(watch.connections), \
                        time.perf_counter()
                    time.sleep(args.seconds)
                    ended = time.perf_counter()
                    result = window(crowd, office, watch.delivered, began, ended, offset)
                    elapsed = ended - began
                    result["jobs_per_second"] = (jobs_done(redis_url, queue_name) - jobs_before) / elapsed
                    result["cpu"] = {kind: (used - cpu.get(kind, 0.0)) / elapsed
                                     for kind, used in watch.cpu_now().items()}
                    conns = watch.connections[conns_from:] or [(0, 0, 0)]
                    result["connections_peak"] = max(c[1] for c in conns)
                    result["connections_active_peak"] = max(c[2] for c in conns)
                    filed_here = max(1, result["requests"] + result["bookings"])
                    result["db_growth"] = watch.database_bytes() - db_bytes
                    result["db_per_request"] = result["db_growth"] / filed_here
                    result["files_growth"] = _storage_bytes(files) - file_bytes
                    result["files_per_request"] = result["files_growth"] / max(1, result["requests"])
                    result["redis_mb"] = watch.redis_bytes() / 2**20
                    result["load"] = " ".join(f"{v:.2f}" for v in os.getloadavg())
                    passes.append(result)
                    print(report(f"window {k + 1}", result) + f"\n    jobs/s {result['jobs_per_second']:.1f}",
                          flush=True)
                    for err in sorted(set(result["errors"]))[:4]:
                        print(f"    error: {err}")
            finally:
                crowd.stop()
                office.stop()
                try:
                    probe = probe_polls(app_url, *prober, args.probe_polls, watch)
                    print(f"an inbox page's polls on the quiet setup afterwards: {probe['requests']} requests, "
                          f"{probe['per_second']:.0f}/s one after the other, p50 {_ms(probe['p50'])} "
                          f"p99 {_ms(probe['p99'])} ms, CPU {probe['cpu_ms']:.1f} ms each (web, PostgreSQL, Redis)",
                          flush=True)
                finally:
                    rss = watch.close()
        finally:
            for w in workers:
                stop(w)
            stop(web)
        print("peak RSS per process: " + ", ".join(f"{kind} {mb:.0f} MB" for kind, mb in rss.items()))
    finally:
        from bot.core.db import dispose

        dispose(app)
        if not args.keep:
            drop(base, schema, redis_url, queue_name)
            forget_keys(redis_url, queue_name)
    rates = [p["turns_per_second"] for p in passes]
    print(f"over {len(passes)} windows: turns/s {min(rates):.1f}–{max(rates):.1f}; errors "
          f"{sum(len(p['errors']) for p in passes)}; load average after: "
          f"{' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print(summary_line(passes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
