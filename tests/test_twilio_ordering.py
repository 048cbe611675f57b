"""Ordering under concurrency: two web processes, two workers, 20 citizens writing at once.

Each citizen's replies must leave in the order of that citizen's messages, each exactly once,
whichever web process took a message and whichever worker ran its job (issue 3 "Done when").
Needs PostgreSQL and Redis (skipped without them locally; a failure under CI=true).
"""
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select


from bot.core.db import make_engine
from bot.core.models import Contact, Message
from delivery.channels.twilio import fake as fake
from flows.definition import texts
from tests.conftest import ROOT, _truncate

pytestmark = pytest.mark.postgres

PUBLIC = "https://sapa.example.id"   # both web processes sit behind one public name, as behind a balancer
CONTACTS, MESSAGES = 20, 10
DEADLINE = 100                        # seconds for the whole test, start-up included
BIN = Path(sys.executable).parent
TICKET = re.compile(r"AKL-\d{4}")


def number(contact: int) -> str:
    """The WhatsApp number of test citizen `contact`."""
    return f"+628120000{contact:04d}"


def start(args: list[str], env: dict, log: Path) -> subprocess.Popen:
    """Start a child process with its output in a log file."""
    with open(log, "w") as out:
        return subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


def gunicorn_url(log: Path, until: float) -> str:
    """The address gunicorn says it listens on (it bound port 0, so no port race)."""
    while time.monotonic() < until:
        found = re.search(r"Listening at: (http://127\.0\.0\.1:\d+)", log.read_text())
        if found:
            return found.group(1)
        time.sleep(0.1)
    raise AssertionError(f"gunicorn did not start:\n{log.read_text()[-2000:]}")


def wait_healthy(url: str, until: float) -> None:
    """Wait until the app answers /healthz."""
    while time.monotonic() < until:
        try:
            if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{url} never became healthy")


def converse(contact: int, urls: list[str], token: str, errors: list, barrier: threading.Barrier) -> None:
    """One citizen's ten messages, two at a time over parallel connections to both web servers.

    Twilio may deliver a quick burst over parallel connections, so the two messages of a pair
    race each other: whichever is stored first is "first", and their jobs run at the same time
    on the two workers, which is exactly what the per-contact lock has to serialise.
    """
    def post(http: httpx.Client, i: int) -> None:
        """Deliver message i of this citizen."""
        params = fake.inbound_params(number(contact), f"status AKL-{contact:02d}{i:02d}")
        headers = fake.signed_webhook(PUBLIC + "/webhooks/twilio", params, token)
        response = http.post(urls[i % 2] + "/webhooks/twilio", data=params, headers=headers)
        if response.status_code != 200:
            errors.append((contact, i, response.status_code))

    barrier.wait()
    with httpx.Client(timeout=15) as first, httpx.Client(timeout=15) as second:
        for i in range(1, MESSAGES + 1, 2):
            other = threading.Thread(target=post, args=(second, i + 1))
            other.start()
            post(first, i)
            other.join()


def test_each_citizens_replies_leave_in_order_exactly_once(pg_stack, tmp_path):
    until = time.monotonic() + DEADLINE
    _truncate(pg_stack["engine"])
    provider = fake.serve()
    queue = f"{pg_stack['queue']}-ordering"  # our own queue: the session worker never sees these jobs
    env = {**pg_stack["env"], **provider.env(), "RQ_QUEUE": queue, "PUBLIC_BASE_URL": PUBLIC, "SIMULATOR": "0",
           "INSTANCE_PATH": str(tmp_path)}
    logs = {name: tmp_path / f"{name}.log" for name in ("web1", "web2", "worker1", "worker2")}
    procs = []
    try:
        for name in ("web1", "web2"):
            procs.append(start([str(BIN / "gunicorn"), "--workers", "1", "--bind", "127.0.0.1:0",
                                "--graceful-timeout", "5", "bot:create_app()"], env, logs[name]))
        for name in ("worker1", "worker2"):
            procs.append(start([str(BIN / "rq"), "worker", "--with-scheduler", "--worker-class",
                                "bot.worker.AppWorker", "--url", pg_stack["redis_url"], queue], env, logs[name]))
        urls = [gunicorn_url(logs["web1"], until), gunicorn_url(logs["web2"], until)]
        for url in urls:
            wait_healthy(url, until)

        errors: list = []
        barrier = threading.Barrier(CONTACTS)
        threads = [threading.Thread(target=converse, args=(c, urls, provider.state["auth_token"], errors, barrier))
                   for c in range(1, CONTACTS + 1)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=max(1.0, until - time.monotonic()))
        assert errors == []

        total = CONTACTS * MESSAGES
        answers = lambda: [m for m in list(provider.state["messages"]) if m["Body"] != texts()["flood_notice"]]
        while len(answers()) < total and time.monotonic() < until:
            time.sleep(0.2)
        time.sleep(1.0)  # anything sent twice would arrive now
        # Ten messages in a few seconds is a flood by the office's limits: each citizen also gets
        # the one calm notice (bot/core/ratelimit.py), which is not an answer to count here.
        notice = texts()["flood_notice"]
        everything = list(provider.state["messages"])
        sent = [m for m in everything if m["Body"] != notice]
        engine = make_engine(pg_stack["url"])
        try:
            with engine.connect() as conn:
                rows = conn.execute(select(Contact.external_id, Message.direction, Message.status, Message.text)
                                    .join(Contact, Contact.id == Message.contact_id)
                                    .where(Message.channel == "twilio").order_by(Message.id)).all()
        finally:
            engine.dispose()
        inbound = [r for r in rows if r.direction == "in"]
        assert len(inbound) == total and {r.status for r in inbound} == {"processed"}
        assert sum(r.direction == "out" and r.text != notice for r in rows) == total
        assert len(sent) == total, _tails(logs)
        assert len({m["sid"] for m in sent}) == total
        for c in range(1, CONTACTS + 1):
            # The order the messages were stored in (a pair races), and every one of them once.
            stored = [TICKET.search(r.text).group(0) for r in inbound if r.external_id == number(c)]
            assert sorted(stored) == [f"AKL-{c:02d}{i:02d}" for i in range(1, MESSAGES + 1)]
            replies = [TICKET.search(m["Body"]).group(0) for m in sent if m["To"] == f"whatsapp:{number(c)}"]
            assert replies == stored
            assert sum(m["Body"] == notice and m["To"] == f"whatsapp:{number(c)}" for m in everything) <= 1
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        provider.stop()
        from redis import Redis
        with Redis.from_url(pg_stack["redis_url"]) as redis:
            redis.delete(f"rq:queue:{queue}")


def _tails(logs: dict) -> str:
    """The last lines of each child's log, for a failure message."""
    return "\n".join(f"--- {name}\n{path.read_text()[-1500:]}" for name, path in logs.items())
