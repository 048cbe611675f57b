"""Benchmark the Twilio webhook: signed messages acknowledged per second, and their latency.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test REDIS_URL=redis://127.0.0.1:6379/15 \
        .venv/bin/python bench/webhook_bench.py [--seconds 10] [--workers N --threads N] [--rate 1000]

It starts gunicorn serving the real app on PostgreSQL + Redis (in a schema and an RQ queue of
its own, dropped afterwards; no worker runs, so the messages queue up as they would while the
workers are busy), and a pure-Python asyncio HTTP/1.1 load generator with keep-alive sends
pre-signed Twilio webhooks with unique MessageSids:

1. closed loop, `--connections` at once, for `--seconds`: the most the server acknowledges;
2. open loop at `--rate` messages/s for `--seconds`: latency at that load, measured from when
   each request was due (so a stalled server is not hidden: no coordinated omission).

Then the same against a bare Flask route on the same gunicorn settings, as the ceiling.
SQLite with inline jobs is not measured: there the webhook runs the whole dialogue itself.
The load generator shares the machine's CPUs with the server; the figures say so.
"""
import argparse
import asyncio
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PUBLIC = "https://bench.sapa.invalid"
TOKEN = "bench-auth-token"
SID = "AC" + "b" * 32
# The app refuses a production configuration without DATA_KEY; this one only encrypts bench rows.
BENCH_DATA_KEY = "YmVuY2gtZGF0YS1rZXktbm90LWZvci1wcm9kdWN0aW8="  # 32 bytes, base64


# ---- the servers ------------------------------------------------------------------------------------------
def bare_app():
    """The ceiling: a Flask app whose webhook route does nothing but answer empty TwiML."""
    from flask import Flask, Response

    app = Flask("bare")

    @app.post("/webhooks/twilio")
    def webhook():
        """Answer at once."""
        return Response(b'<?xml version="1.0" encoding="UTF-8"?><Response/>', mimetype="text/xml")

    return app


def production_web() -> tuple[int, int]:
    """gunicorn's processes and threads per process as the `web` process runs them (gunicorn.conf.py):
    the benches' defaults, so that what they measure is what is deployed."""
    import runpy

    found = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    return found["workers"], found["threads"]


def start_gunicorn(target: str, env: dict, args, log: Path) -> tuple[subprocess.Popen, str]:
    """Start gunicorn on a free loopback port; returns the process and its base URL."""
    cmd = [str(Path(sys.executable).parent / "gunicorn"), "--bind", "127.0.0.1:0",
           "--workers", str(args.workers), "--worker-class", args.worker_class, "--threads", str(args.threads),
           "--keep-alive", "30", "--backlog", "2048", "--log-level", "info",
           "--pythonpath", str(ROOT / "bench"), target]
    with open(log, "w") as out:  # the child keeps its own copy of the descriptor
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = re.search(r"Listening at: (http://127\.0\.0\.1:\d+)", log.read_text())
        if found:
            url = found.group(1)
            _wait_ready(url, proc)
            return proc, url
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    stop(proc)  # never leave a half-started server behind
    raise SystemExit(f"gunicorn did not start:\n{log.read_text()[-3000:]}")


def _wait_ready(url: str, proc: subprocess.Popen) -> None:
    """Wait until every worker is up (a first request answered, then a little more)."""
    import httpx

    for _ in range(300):
        try:
            httpx.post(url + "/webhooks/twilio", timeout=2)
            time.sleep(1.0)  # gthread workers boot one after another
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    stop(proc)
    raise SystemExit("server never answered")


def children(pid: int) -> list[int]:
    """A process's child processes (gunicorn's workers, an RQ worker's work horse)."""
    try:
        found = []
        for task in Path(f"/proc/{pid}/task").iterdir():
            found += [int(c) for c in (task / "children").read_text().split()]
        return found
    except OSError:
        return []


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a process so far, its reaped children's included."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def gunicorn_cpu(proc: subprocess.Popen) -> float:
    """CPU seconds gunicorn's master and workers have used so far."""
    return sum(cpu_seconds(p) for p in [proc.pid, *children(proc.pid)])


def postgres_cpu() -> float:
    """CPU seconds this machine's PostgreSQL processes have used so far (the server is local)."""
    used = 0.0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().startswith("postgres"):
                    used += cpu_seconds(int(entry.name))
            except OSError:
                continue  # it ended meanwhile
    return used


def stop(proc: subprocess.Popen) -> None:
    """Stop gunicorn gracefully."""
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()


# ---- the requests ---------------------------------------------------------------------------------------
def signed_requests(count: int, host: str, citizens: int = 5000) -> list[bytes]:
    """`count` raw HTTP/1.1 requests: distinct citizens and MessageSids, signed like Twilio signs."""
    from twilio.request_validator import RequestValidator

    from delivery.channels.twilio.fake import inbound_params

    validator = RequestValidator(TOKEN)
    out = []
    for i in range(count):
        params = inbound_params(f"+62813{i % citizens:07d}", f"halo, saya mau tanya {i}", account_sid=SID,
                                message_sid="SM" + uuid.uuid4().hex)
        body = urlencode(params).encode()
        signature = validator.compute_signature(PUBLIC + "/webhooks/twilio", params)
        out.append(b"POST /webhooks/twilio HTTP/1.1\r\nHost: " + host.encode() +
                   b"\r\nContent-Type: application/x-www-form-urlencoded\r\nX-Twilio-Signature: " +
                   signature.encode() + b"\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
    return out


HEAD_END = b"\r\n\r\n"
CONTENT_LENGTH = re.compile(rb"(?i)\r\ncontent-length:\s*(\d+)")
CONNECTION_CLOSE = re.compile(rb"(?i)\r\nconnection:\s*close")


class _Responses(asyncio.Protocol):
    """Reads HTTP/1.1 responses off one connection and hands each to the request waiting for it.

    A protocol rather than asyncio streams: the generator shares the CPUs with the server it
    measures, and streams cost it several times more per request."""

    def __init__(self):
        """Not connected yet."""
        self.transport, self.buffer, self.waiter = None, b"", None

    def connection_made(self, transport):
        """Keep the transport for writing."""
        self.transport = transport

    def data_received(self, data: bytes):
        """Complete the waiting request once its whole response is in."""
        self.buffer += data
        end = self.buffer.find(HEAD_END)
        if end < 0 or self.waiter is None:
            return
        head = self.buffer[:end]
        length = CONTENT_LENGTH.search(head)
        total = end + 4 + (int(length.group(1)) if length else 0)
        if len(self.buffer) < total:
            return
        self.buffer = self.buffer[total:]
        waiter, self.waiter = self.waiter, None
        waiter.set_result((int(head[9:12]), CONNECTION_CLOSE.search(head) is not None))

    def connection_lost(self, exc):
        """Fail the waiting request, if any."""
        self.transport = None
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(ConnectionResetError("server closed the connection"))


class Connection:
    """One keep-alive HTTP/1.1 connection that sends a request and reads one response."""

    def __init__(self, host: str, port: int):
        """Not connected yet: the first request connects."""
        self.host, self.port = host, port
        self.protocol: _Responses | None = None

    async def roundtrip(self, raw: bytes) -> int:
        """Send one request; returns the response status (reconnecting if the server closed)."""
        if self.protocol is None or self.protocol.transport is None:
            loop = asyncio.get_running_loop()
            _, self.protocol = await loop.create_connection(_Responses, self.host, self.port)
        protocol = self.protocol
        protocol.waiter = asyncio.get_running_loop().create_future()
        protocol.transport.write(raw)
        status, close = await protocol.waiter
        if close:
            self.close()
        return status

    def close(self) -> None:
        """Drop the connection (a new one is opened on the next request)."""
        if self.protocol is not None and self.protocol.transport is not None:
            self.protocol.transport.close()
        self.protocol = None


async def closed_loop(url: str, requests: list[bytes], seconds: float, connections: int) -> dict:
    """`connections` clients sending back to back for `seconds`."""
    host, port = url.removeprefix("http://").split(":")
    pool = iter(requests)
    latencies, errors = [], 0
    deadline = time.perf_counter() + seconds

    async def client():
        """One client's loop."""
        nonlocal errors
        conn = Connection(host, int(port))
        try:
            while time.perf_counter() < deadline:
                raw = next(pool, None)
                if raw is None:
                    return
                started = time.perf_counter()
                try:
                    status = await conn.roundtrip(raw)
                except (OSError, asyncio.IncompleteReadError):
                    errors += 1
                    conn.close()
                    continue
                if status == 200:
                    latencies.append(time.perf_counter() - started)
                else:
                    errors += 1
        finally:
            conn.close()

    began = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(connections)))
    return _summary(latencies, errors, time.perf_counter() - began)


async def open_loop(url: str, requests: list[bytes], seconds: float, rate: float, max_connections: int = 512) -> dict:
    """Requests due at a fixed rate; each latency counts from when the request was due."""
    host, port = url.removeprefix("http://").split(":")
    idle: list[Connection] = []
    opened = 0
    latencies, errors, dropped, tasks = [], 0, 0, []

    async def one(raw: bytes, due: float):
        """Send one request on an idle (or new) connection."""
        nonlocal errors, dropped, opened
        conn = idle.pop() if idle else None
        if conn is None:
            if opened >= max_connections:
                dropped += 1  # the server is this far behind: the generator stops opening connections
                return
            opened += 1
            conn = Connection(host, int(port))
        try:
            status = await conn.roundtrip(raw)
        except (OSError, asyncio.IncompleteReadError):
            errors += 1
            conn.close()
            return
        (latencies.append(time.perf_counter() - due) if status == 200 else None)
        if status != 200:
            errors += 1
        idle.append(conn)

    began = time.perf_counter()
    total = min(len(requests), int(rate * seconds))
    for k in range(total):
        due = began + k / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(requests[k], due)))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - began
    for conn in idle:
        conn.close()
    return _summary(latencies, errors, elapsed) | {"connections": opened, "not_sent": dropped}


def measured(server: subprocess.Popen, load) -> dict:
    """Run a pass (`load`, a coroutine), and add the CPU per acknowledged request (ms) of the
    server, of PostgreSQL and of the load generator: on a machine whose speed varies, it moves far
    less than the throughput does, and the three share the same 2 CPUs."""
    before = gunicorn_cpu(server), postgres_cpu(), time.process_time()
    result = asyncio.run(load)
    after = gunicorn_cpu(server), postgres_cpu(), time.process_time()
    per = [(a - b) / max(1, result["ok"]) * 1000 for a, b in zip(after, before)]
    return result | {"cpu_ms": per[0], "pg_cpu_ms": per[1], "generator_cpu_ms": per[2]}


def _summary(latencies: list[float], errors: int, elapsed: float) -> dict:
    """Throughput and latency percentiles (ms)."""
    if not latencies:
        return {"ok": 0, "per_second": 0.0, "errors": errors, "p50": None, "p95": None, "p99": None}
    q = statistics.quantiles(latencies, n=100, method="inclusive")
    return {"ok": len(latencies), "per_second": len(latencies) / elapsed, "errors": errors,
            "p50": q[49] * 1000, "p95": q[94] * 1000, "p99": q[98] * 1000, "max": max(latencies) * 1000}


def _line(name: str, r: dict) -> str:
    """One printed result line."""
    if not r["ok"]:
        return f"{name:<34} nothing acknowledged, errors={r['errors']}"
    line = (f"{name:<34} {r['per_second']:8.0f} msg/s   p50 {r['p50']:6.1f} ms   p95 {r['p95']:6.1f} ms   "
            f"p99 {r['p99']:6.1f} ms   max {r['max']:7.1f} ms   errors {r['errors']}")
    if r.get("cpu_ms") is not None:
        line += (f"   CPU ms/msg: gunicorn {r['cpu_ms']:.2f}, PostgreSQL {r['pg_cpu_ms']:.2f}, "
                 f"generator {r['generator_cpu_ms']:.2f}")
    return line + (f"   not sent {r['not_sent']} (512 connections busy)" if r.get("not_sent") else "")


# ---- the database and queue of the run ---------------------------------------------------------------------
def prepare_database(base: str) -> tuple[str, str]:
    """A schema of this run's own, migrated; returns (its URL, its name)."""
    from sqlalchemy import text

    from bot.core.db import make_engine
    from bot.core.migrate import upgrade

    schema = f"bench_{os.getpid()}"
    admin = make_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    admin.dispose()
    url = base + ("&" if "?" in base else "?") + f"options=-csearch_path%3D{schema}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url, schema


def checkpoints(base: str) -> int:
    """PostgreSQL's checkpoint count so far: a pass during which it grows paid for one (its
    writes and the full-page images in the WAL after it) in its tail latency."""
    import psycopg

    with psycopg.connect(base.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        return conn.execute("SELECT checkpoints_timed + checkpoints_req FROM pg_stat_bgwriter").fetchone()[0]


def count_messages(url: str) -> int:
    """How many inbound messages the run stored."""
    from sqlalchemy import text

    from bot.core.db import make_engine

    engine = make_engine(url)
    with engine.connect() as conn:
        found = conn.execute(text("SELECT count(*) FROM messages WHERE direction = 'in'")).scalar_one()
    engine.dispose()
    return found


def drop(base: str, schema: str, redis_url: str, queue: str) -> None:
    """Drop the run's schema and queue."""
    from redis import Redis
    from rq import Queue
    from sqlalchemy import text

    from bot.core.db import make_engine

    admin = make_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    admin.dispose()
    with Redis.from_url(redis_url) as redis:
        Queue(queue, connection=redis).delete(delete_jobs=True)


# ---- main ---------------------------------------------------------------------------------------------------
def main() -> int:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=32, help="closed-loop clients")
    parser.add_argument("--rate", type=float, default=1000.0, help="open-loop messages per second")
    web_workers, web_threads = production_web()
    parser.add_argument("--workers", type=int, default=web_workers, help="gunicorn processes (gunicorn.conf.py's)")
    parser.add_argument("--threads", type=int, default=web_threads, help="threads per process (gunicorn.conf.py's)")
    parser.add_argument("--worker-class", default="gthread", help="gunicorn worker class (gthread, sync)")
    parser.add_argument("--skip-bare", action="store_true", help="do not measure the bare Flask ceiling")
    parser.add_argument("--citizens", type=int, default=5000,
                        help="distinct senders; with no worker running, a citizen's later messages find "
                             "their job still waiting and skip the enqueue, so a number above the message "
                             "count makes every message enqueue a job")
    parser.add_argument("--repeat", type=int, default=1,
                        help="open-loop passes on the webhook (the machine's speed varies: report the spread)")
    parser.add_argument("--keep", action="store_true", help="keep the schema and queue for inspection")
    args = parser.parse_args()
    base, redis_url = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", "")
    if not base.startswith("postgres") or not redis_url:
        print("webhook_bench needs PostgreSQL and Redis: set DATABASE_URL=postgresql://… and REDIS_URL=redis://…\n"
              "(SQLite with inline jobs runs the whole dialogue inside the webhook and says nothing about it.)",
              file=sys.stderr)
        return 2

    url, schema = prepare_database(base)
    queue = f"sapa-bench-{os.getpid()}"
    env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": redis_url, "RQ_QUEUE": queue, "SIMULATOR": "0",
           "PUBLIC_BASE_URL": PUBLIC, "TWILIO_AUTH_TOKEN": TOKEN, "TWILIO_ACCOUNT_SID": SID,
           "SECRET_KEY": "bench", "DATA_KEY": os.environ.get("DATA_KEY") or BENCH_DATA_KEY,
           "INSTANCE_PATH": tempfile.mkdtemp(prefix="sapa-bench-")}
    logs = Path(env["INSTANCE_PATH"])
    print(f"gunicorn {args.worker_class} --workers {args.workers} --threads {args.threads} on {os.cpu_count()} CPUs "
          f"(the load generator, PostgreSQL and Redis share them); {args.seconds:.0f} s per pass; "
          f"load average before: {os.getloadavg()[0]:.2f}")
    per_pass = int(args.rate * args.seconds)
    needed = per_pass * max(1, args.repeat) + 60000
    print(f"signing {needed} webhooks …", flush=True)
    results = {}
    try:
        requests = signed_requests(needed, "127.0.0.1", args.citizens)
        proc, app_url = start_gunicorn("bot:create_app()", env, args, logs / "app.log")
        try:
            results["app max"] = measured(proc, closed_loop(app_url, requests[:60000], args.seconds, args.connections))
            print(_line(f"webhook, {args.connections} connections", results["app max"]), flush=True)
            passes = []
            for k in range(max(1, args.repeat)):
                batch = requests[60000 + k * per_pass:60000 + (k + 1) * per_pass]
                before = checkpoints(base)
                passes.append(measured(proc, open_loop(app_url, batch, args.seconds, args.rate)))
                during = "   (a checkpoint ran)" if checkpoints(base) != before else ""
                print(_line(f"webhook, {args.rate:.0f}/s offered", passes[-1]) + during, flush=True)
            results["app rate"] = passes[0]
            if len(passes) > 1:
                p99s = sorted(r["p99"] if r["p99"] is not None else float("inf") for r in passes)  # ms
                print(f"p99 over {len(passes)} passes at {args.rate:.0f}/s: median {statistics.median(p99s):.1f} ms, "
                      f"best {p99s[0]:.1f} ms, worst {p99s[-1]:.1f} ms; under 50 ms in "
                      f"{sum(p < 50 for p in p99s)} of {len(p99s)}")
        finally:
            stop(proc)
        stored = count_messages(url)
        acked = results["app max"]["ok"] + sum(r["ok"] for r in passes)
        print(f"stored {stored} inbound rows for {acked} acknowledged webhooks")
        if not args.skip_bare:
            proc, bare_url = start_gunicorn("webhook_bench:bare_app()", env, args, logs / "bare.log")
            try:
                results["bare max"] = measured(proc, closed_loop(bare_url, requests[:60000], args.seconds,
                                                                 args.connections))
                print(_line(f"bare Flask, {args.connections} connections", results["bare max"]), flush=True)
                results["bare rate"] = asyncio.run(open_loop(bare_url, requests[60000:], args.seconds, args.rate))
                print(_line(f"bare Flask, {args.rate:.0f}/s offered", results["bare rate"]), flush=True)
            finally:
                stop(proc)
            if results["bare max"]["per_second"]:
                print(f"webhook / bare ceiling: {results['app max']['per_second'] / results['bare max']['per_second']:.0%}")
    finally:
        if not args.keep:
            drop(base, schema, redis_url, queue)
    return 0


if __name__ == "__main__":
    sys.exit(main())
