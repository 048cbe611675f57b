"""Benchmark whole dialogues: simulator citizens filing birth requests on the production setup.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test REDIS_URL=redis://127.0.0.1:6379/14 \
        .venv/bin/python bench/dialogue_bench.py [--citizens 50] [--seconds 20] [--repeat 3] [--rate 150]

It migrates a schema of its own on PostgreSQL and uses an RQ queue of its own (both dropped
afterwards), starts gunicorn serving the app (`--workers 2`, gthread) and two
`rq worker --with-scheduler --worker-class bot.worker.AppWorker` as the Procfile does, and lets
`--citizens` simulated citizens each walk the whole birth request of the tests (tests/conftest.py:
text, buttons, four photos, the submit that answers with the ticket and the receipt PDF) through
the simulator API. Each turn is timed from the POST to the answer carrying its replies (the
simulator API waits for the worker's replies), so a latency is message to reply, the queue and
the workers included.

Two kinds of passes, as the webhook bench has (throughput closed-loop, latency at a rate offered):
- back to back: each citizen sends its next message the moment the reply is in (no time to type).
  This is the capacity (turns/s); its latencies only restate it (Little's law: 50 citizens at
  150 turns/s wait 50/150 s = 333 ms on average, whatever the system does).
- paced (`--rate`, turns/s offered by the whole crowd, 150 by default: the issue's peak): each
  citizen takes a turn every citizens/rate seconds at most, as people read and type between two
  replies; a reply later than that is answered at once. This is the latency at that load.
Each kind starts with a ramp (not counted), so that the citizens are at different points of the
walk; then `--repeat` windows of `--seconds` each are counted.

The app is the production one with two changes: the simulator is on (SIMULATOR=1), and the
per-address limits are off, since every citizen comes from 127.0.0.1 (`bench_app`).

In the same run, the ceiling: the same walk in this one process with inline jobs on the same
database (no queue, no HTTP socket, no wait), for `--seconds`.

The last line reads `dialogue turns/s=T p50_ms=A p99_ms=B ceiling_turns/s=C`: T from the back-to-
back passes (the median), A and B from the paced passes (the pass of the median p99; from the
back-to-back passes with `--rate 0`). The citizens share the machine's CPUs with the server, the
workers, PostgreSQL and Redis.
"""
import argparse
import logging
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from tests.conftest import ReadsReplies  # noqa: E402  (the tests' chat drivers read replies the same way)
from webhook_bench import children, cpu_seconds, drop, prepare_database, production_web, start_gunicorn  # noqa: E402

BENCH_DATA_KEY = "YmVuY2gtZGF0YS1rZXktbm90LWZvci1wcm9kdWN0biE="  # 32 bytes, base64; this run's data only


# How long the simulator API waits for a turn's replies: far longer than any turn should take, so a
# slow turn is measured as slow rather than cut off (the API's own default is 10 s).
WAIT_SECONDS = 120


def bench_app():
    """The production app with the per-address limits off (every simulated citizen is 127.0.0.1)
    and a long wait for the worker's replies."""
    from bot import create_app

    return create_app({"RATE_LIMITS": False, "LIMITS": {"simulator_waits": (100_000, 0)},
                       "SIMULATOR_WAIT_SECONDS": WAIT_SECONDS})


# ---- a citizen ----------------------------------------------------------------------------------------------
class PlainClient:
    """The little of an HTTP client a citizen needs (keep-alive, the simulator's cookie, JSON and one
    file), on http.client: the load generator shares the server's CPUs, and httpx cost it about three
    times the CPU per request, taken from the server being measured."""

    class Response:
        """A status, a body, and the body as JSON."""

        def __init__(self, status: int, body: bytes):
            self.status_code, self.content = status, body

        @property
        def text(self) -> str:
            return self.content.decode("utf-8", "replace")

        def json(self):
            import json
            return json.loads(self.content)

    def __init__(self, base_url: str, timeout: float):
        from http.client import HTTPConnection
        from urllib.parse import urlsplit

        parts = urlsplit(base_url)
        self.connection = HTTPConnection(parts.hostname, parts.port, timeout=timeout)
        self.cookies: dict[str, str] = {}

    def post(self, path: str, json=None, data=None, files=None) -> "PlainClient.Response":
        """POST JSON, or a form with one file (multipart)."""
        import json as jsonlib

        if files is not None:
            boundary = uuid.uuid4().hex
            parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
                     for k, v in (data or {}).items()]
            for field, (name, content, content_type) in files.items():
                parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{name}"\r\n'
                             f"Content-Type: {content_type}\r\n\r\n".encode() + content + b"\r\n")
            body = b"".join(parts) + f"--{boundary}--\r\n".encode()
            headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        else:
            body, headers = jsonlib.dumps(json).encode(), {"Content-Type": "application/json"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        self.connection.request("POST", path, body=body, headers=headers)
        response = self.connection.getresponse()
        content = response.read()
        for header in response.headers.get_all("Set-Cookie") or ():
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return self.Response(response.status, content)

    def close(self) -> None:
        self.connection.close()


class Late(Exception):
    """A turn answered without its replies (the simulator gave up waiting for the worker)."""


class Citizen(ReadsReplies):
    """A simulator citizen over HTTP with the tests' chat interface (say, press, send_file, replies)."""

    def __init__(self, client, user: str, turns: list):
        self.client, self.user, self.turns = client, user, turns
        self.replies: list[dict] = []

    def _post(self, kind: str, **kwargs) -> list[dict]:
        started = time.perf_counter()
        response = self.client.post("/try/api/messages", **kwargs)
        elapsed = time.perf_counter() - started
        body = response.json() if response.status_code == 200 else {}
        if response.status_code != 200 or body.get("pending") or not body.get("replies"):
            raise Late(f"{kind}: {response.status_code} {response.text[:200]}")
        self.turns.append((kind, elapsed, time.perf_counter()))
        self.replies = body["replies"]
        return self.replies

    def say(self, text: str) -> list[dict]:
        """Type a message."""
        return self._post("text", json={"user": self.user, "text": text})

    def press(self, button: str) -> list[dict]:
        """Press a button by id."""
        return self._post("button", json={"user": self.user, "button": button})

    def send_file(self, data: bytes, name: str, content_type: str = "application/octet-stream") -> list[dict]:
        """Upload a photo."""
        return self._post("photo", data={"user": self.user}, files={"file": (name, data, content_type)})


def walk(chat) -> None:
    """One whole birth request, the tests' own (tests/conftest.py), up to the ticket and receipt."""
    from tests.conftest import answer_until_summary, png_bytes

    answer_until_summary(chat, png_bytes())
    replies = chat.press("submit")
    if not any(r.get("document") for r in replies):
        raise Late(f"submit answered without the receipt: {replies}")


class Crowd:
    """`citizens` threads, each filing birth requests one after another (a new citizen id for each)
    from its start until `stop()`; they start spread over `ramp` seconds, so that by the first counted
    window they are at different points of the walk, as a real crowd is.

    With `rate` (turns/s offered by the whole crowd), each citizen takes its turns at most every
    citizens/rate seconds, as a person reads and types between two replies; a reply later than that
    is answered at once (a person never writes before the reply), so past its capacity the system
    sets the pace, as with no rate at all (back to back)."""

    def __init__(self, url: str, citizens: int, ramp: float, rate: float = 0.0):
        self.url, self.ramp = url, ramp
        self.interval = citizens / rate if rate else 0.0
        self.turns: list = []     # (kind, seconds, ended at)
        self.filed: list = []     # when a request got its ticket and receipt
        self.errors: list = []    # (when, what)
        self.stopped = threading.Event()
        self.threads = [threading.Thread(target=self._citizen, args=(i, ramp * i / citizens), daemon=True)
                        for i in range(citizens)]
        for t in self.threads:
            t.start()

    class Stopped(Exception):
        """The run is over: the citizen stops mid-request."""

    def _citizen(self, i: int, delay: float) -> None:
        if self.stopped.wait(delay):
            return
        n = 0
        client = PlainClient(self.url, timeout=WAIT_SECONDS + 30)
        due = [time.perf_counter()]  # when this citizen takes its next turn (paced: see the class)
        try:
            while not self.stopped.is_set():
                n += 1
                chat = Citizen(client, f"b{i}-{n}-{uuid.uuid4().hex[:6]}", self.turns)
                post = chat._post

                def guarded(kind, _post=post, **kwargs):
                    if self.interval:
                        wait = due[0] - time.perf_counter()
                        if wait > 0 and self.stopped.wait(wait):
                            raise self.Stopped
                        due[0] = max(due[0], time.perf_counter() - self.interval) + self.interval
                    if self.stopped.is_set():
                        raise self.Stopped
                    return _post(kind, **kwargs)
                chat._post = guarded
                try:
                    walk(chat)
                    self.filed.append(time.perf_counter())
                except self.Stopped:
                    return
                except Exception as err:  # noqa: BLE001 - counted and shown, the citizen goes on
                    self.errors.append((time.perf_counter(), f"{type(err).__name__}: {err}"[:300]))
        finally:
            client.close()

    def window(self, began: float, ended: float) -> dict:
        """The figures of the turns that ended between `began` and `ended`."""
        return _summary([t for t in self.turns if began <= t[2] < ended],
                        [e for at, e in self.errors if began <= at < ended],
                        sum(1 for at in self.filed if began <= at < ended), ended - began)

    def stop(self) -> None:
        """Stop every citizen after its current turn."""
        self.stopped.set()
        for t in self.threads:
            t.join()


def _summary(turns: list, errors: list, requests: int, elapsed: float) -> dict:
    """Turns per second and the latency percentiles (ms), overall and per kind of turn."""
    out = {"turns": len(turns), "per_second": len(turns) / elapsed if elapsed else 0.0, "errors": errors,
           "requests": requests, "elapsed": elapsed}
    latencies = [t[1] for t in turns]
    if len(latencies) >= 2:
        q = statistics.quantiles(latencies, n=100, method="inclusive")
        out.update(p50=q[49] * 1000, p95=q[94] * 1000, p99=q[98] * 1000, max=max(latencies) * 1000)
    else:
        out.update(p50=None, p95=None, p99=None, max=None)
    out["kinds"] = {}
    for kind in ("text", "button", "photo"):
        these = sorted(t[1] for t in turns if t[0] == kind)
        if these:
            out["kinds"][kind] = (len(these), statistics.median(these) * 1000)
    return out


# ---- the ceiling: the same walk in one process ---------------------------------------------------------------
def ceiling_pass(db_url: str, seconds: float, instance: str) -> dict:
    """The same walk in this process: inline jobs on the same database, the Flask test client."""
    from bot import create_app
    from bot.core.db import dispose

    app = create_app({"DATABASE_URL": db_url, "REDIS_URL": None, "RATE_LIMITS": False, "SIMULATOR": True,
                      "SECRET_KEY": "bench", "DATA_KEY": BENCH_DATA_KEY,
                      "STORAGE_DIR": str(Path(instance) / "files")})
    logging.getLogger().setLevel(logging.WARNING)  # create_app logs at INFO: the PDF fonts' subsetting

    class Local(Citizen):
        """The citizen on the test client (no socket)."""

        def _post(self, kind, **kwargs):
            if "files" in kwargs:
                import io
                name, data, content_type = kwargs.pop("files")["file"]
                kwargs = {"data": {**kwargs["data"], "file": (io.BytesIO(data), name, content_type)},
                          "content_type": "multipart/form-data"}
            started = time.perf_counter()
            response = self.client.post("/try/api/messages", **kwargs)
            elapsed = time.perf_counter() - started
            body = response.get_json() or {}
            if response.status_code != 200 or not body.get("replies"):
                raise Late(f"{kind}: {response.status_code} {response.get_data(as_text=True)[:200]}")
            self.turns.append((kind, elapsed, time.perf_counter()))
            self.replies = body["replies"]
            return self.replies

    turns: list = []
    errors: list = []
    requests = 0
    client = app.test_client()
    began, cpu = time.perf_counter(), time.process_time()
    n = 0
    while time.perf_counter() - began < seconds:
        n += 1
        try:
            walk(Local(client, f"ceiling-{n}-{uuid.uuid4().hex[:6]}", turns))
            requests += 1
        except Exception as err:  # noqa: BLE001
            errors.append(f"{type(err).__name__}: {err}"[:300])
    result = _summary(turns, errors, requests, time.perf_counter() - began)
    result["cpu_ms"] = {"this process": (time.process_time() - cpu) * 1000 / max(len(turns), 1)}
    dispose(app)
    return result


# ---- the processes ---------------------------------------------------------------------------------------------
def private_run(name: str) -> tuple | None:
    """DATABASE_URL and REDIS_URL, with a schema (migrated), a queue and a folder of this run's own:
    (base url, redis url, schema's url, schema, queue, folder); None, said why, without both."""
    base, redis_url = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", "")
    if not base.startswith("postgres") or not redis_url:
        print(f"{name}_bench needs PostgreSQL and Redis: set DATABASE_URL=postgresql://… and REDIS_URL=redis://…",
              file=sys.stderr)
        return None
    url, schema = prepare_database(base)
    return base, redis_url, url, schema, f"sapa-{name}-{os.getpid()}", tempfile.mkdtemp(prefix=f"sapa-{name}-")


def production_env(db_url: str, redis_url: str, queue: str, instance: str) -> dict:
    """The environment of the processes a bench starts: its own schema, queue and files, the simulator on."""
    return {**os.environ, "DATABASE_URL": db_url, "REDIS_URL": redis_url, "RQ_QUEUE": queue, "SIMULATOR": "1",
            "SECRET_KEY": "bench", "DATA_KEY": BENCH_DATA_KEY, "INSTANCE_PATH": instance,
            "PUBLIC_BASE_URL": "http://bench.sapa.invalid"}


def start_workers(env: dict, queue: str, count: int, logs: Path) -> list[subprocess.Popen]:
    """`count` workers as the Procfile starts them, on this run's queue; waits until they listen."""
    from redis import Redis
    from rq import Worker

    rq = str(Path(sys.executable).parent / "rq")
    procs = []
    for k in range(count):
        with open(logs / f"worker-{k}.log", "w") as out:
            procs.append(subprocess.Popen([rq, "worker", "--with-scheduler", "--worker-class", "bot.worker.AppWorker",
                                           "--url", env["REDIS_URL"], queue], cwd=ROOT, env=env, stdout=out,
                                          stderr=subprocess.STDOUT))
    with Redis.from_url(env["REDIS_URL"]) as redis:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if sum(1 for w in Worker.all(connection=redis) if queue in w.queue_names()) >= count:
                return procs
            if any(p.poll() is not None for p in procs):
                break
            time.sleep(0.2)
    for p in procs:
        stop(p)
    raise SystemExit("the workers did not start:\n" + "\n".join((logs / f"worker-{k}.log").read_text()[-2000:]
                                                                for k in range(count)))


def stop(proc: subprocess.Popen) -> None:
    """Stop a process gracefully (SIGTERM, a warm shutdown for rq), then for good."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def jobs_done(redis_url: str, queue: str) -> int:
    """Jobs the run's workers finished so far (RQ's own counters)."""
    from redis import Redis
    from rq import Worker

    with Redis.from_url(redis_url) as redis:
        return sum(w.successful_job_count + w.failed_job_count for w in Worker.all(connection=redis)
                   if queue in w.queue_names())


def forget_keys(redis_url: str, queue: str) -> None:
    """Delete the run's other Redis keys (RQ's registries, the sweep's and retention's marks)."""
    from redis import Redis

    with Redis.from_url(redis_url) as redis:
        for key in redis.scan_iter(f"*{queue}*", count=1000):
            redis.delete(key)


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class MemoryWatch:
    """Samples the RSS of gunicorn's processes and the workers (and their work horses) twice a second."""

    def __init__(self, web: subprocess.Popen, workers: list[subprocess.Popen]):
        self.web, self.workers = web, workers
        self.peak: dict[str, float] = {}
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _sample(self) -> None:
        seen = {"gunicorn master": [_rss_mb(self.web.pid)],
                "gunicorn worker": [_rss_mb(c) for c in children(self.web.pid)],
                "rq worker": [_rss_mb(w.pid) for w in self.workers],
                "rq worker child": [_rss_mb(c) for w in self.workers for c in children(w.pid)]}
        for role, values in seen.items():
            values = [v for v in values if v]
            if values:
                self.peak[role] = max(self.peak.get(role, 0.0), max(values))

    def _run(self) -> None:
        while not self.stopped.wait(0.5):
            self._sample()

    def close(self) -> dict[str, float]:
        """Stop sampling; the peak RSS (MB) of one process of each role."""
        self._sample()
        self.stopped.set()
        self.thread.join()
        return self.peak


def cpu_by_role(web: subprocess.Popen, workers: list[subprocess.Popen]) -> dict[str, float]:
    """CPU seconds used so far by the web processes and by the workers (children included). Unlike
    turns/s, CPU per turn hardly depends on what else the machine runs."""
    return {"web": sum(cpu_seconds(p) for p in [web.pid, *children(web.pid)]),
            "workers": sum(cpu_seconds(p) for w in workers for p in [w.pid, *children(w.pid)])}


def _line(name: str, r: dict) -> str:
    if not r["turns"] or r["p50"] is None:
        return f"{name:<30} no turns answered; errors {len(r['errors'])}"
    kinds = ", ".join(f"{k} {n} at {m:.0f} ms" for k, (n, m) in r["kinds"].items())
    return (f"{name:<30} {r['per_second']:7.1f} turns/s   p50 {r['p50']:6.1f} ms   p95 {r['p95']:6.1f} ms   "
            f"p99 {r['p99']:6.1f} ms   max {r['max']:7.1f} ms   {r['requests']} requests filed   "
            f"errors {len(r['errors'])}   (medians: {kinds})")


def counted_passes(crowd: Crowd, label: str, args, redis_url: str, queue: str, web, workers) -> list[dict]:
    """Let the crowd warm up (not counted), then count `--repeat` windows of `--seconds`, printing each."""
    began = time.perf_counter()
    time.sleep(crowd.ramp + 3.0)  # every citizen started, and its first turns done: not counted
    print(_line("warm-up (not counted)", crowd.window(began, time.perf_counter())), flush=True)
    passes = []
    for k in range(max(1, args.repeat)):
        jobs_before, cpu_before = jobs_done(redis_url, queue), cpu_by_role(web, workers)
        began = time.perf_counter()
        time.sleep(args.seconds)
        ended = time.perf_counter()
        result = crowd.window(began, ended)
        result["jobs_per_second"] = (jobs_done(redis_url, queue) - jobs_before) / (ended - began)
        cpu = {role: used - cpu_before[role] for role, used in cpu_by_role(web, workers).items()}
        result["cpu_ms"] = {role: used * 1000 / max(result["turns"], 1) for role, used in cpu.items()}
        passes.append(result)
        print(_line(f"{label}, pass {k + 1}", result)
              + f"   jobs/s {result['jobs_per_second']:.1f}   CPU per turn: "
              + ", ".join(f"{role} {ms:.1f} ms" for role, ms in result["cpu_ms"].items()), flush=True)
        for err in sorted(set(result["errors"]))[:3]:
            print(f"    error: {err}")
    return passes


def _spread(passes: list[dict]) -> str:
    rates = [p["per_second"] for p in passes]
    p99s = [p["p99"] or float("inf") for p in passes]
    return (f"turns/s {min(rates):.1f}–{max(rates):.1f}, p99 {min(p99s):.0f}–{max(p99s):.0f} ms; "
            f"errors {sum(len(p['errors']) for p in passes)}")


def _median(passes: list[dict], key: str = "per_second") -> dict:
    """The pass of the median `key` (the lower median for the rate, the higher for a latency)."""
    ordered = sorted(passes, key=lambda p: p[key] if p[key] is not None else float("inf"))
    return ordered[(len(passes) - 1) // 2 if key == "per_second" else len(passes) // 2]


def main() -> int:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--citizens", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--repeat", type=int, default=3, help="passes (the machine's speed varies: the spread)")
    parser.add_argument("--rate", type=float, default=150.0,
                        help="turns/s the crowd offers in the paced passes (0: none); the issue's peak")
    parser.add_argument("--workers", type=int, default=2, help="rq workers (the Procfile's two)")
    web_workers, web_threads = production_web()
    parser.add_argument("--web-workers", type=int, default=web_workers, help="gunicorn processes (gunicorn.conf.py's)")
    parser.add_argument("--threads", type=int, default=web_threads, help="gunicorn threads per web worker")
    parser.add_argument("--keep", action="store_true", help="keep the schema and queue for inspection")
    args = parser.parse_args()
    run = private_run("dialogue")
    if run is None:
        return 2
    base, redis_url, url, schema, queue, instance = run
    env = production_env(url, redis_url, queue, instance)
    logs = Path(instance)
    print(f"{args.citizens} citizens; gunicorn gthread {args.web_workers}x{args.threads} and {args.workers} rq workers "
          f"on {os.cpu_count()} CPUs (the citizens, PostgreSQL and Redis share them); {args.seconds:.0f} s per pass; "
          f"load average before: {os.getloadavg()[0]:.2f}", flush=True)
    closed, paced, memory = [], [], {}
    try:
        gargs = argparse.Namespace(workers=args.web_workers, threads=args.threads, worker_class="gthread")
        web, app_url = start_gunicorn("dialogue_bench:bench_app()", env, gargs, logs / "web.log")
        workers = []
        try:
            workers = start_workers(env, queue, args.workers, logs)
            ramp = max(5.0, min(args.seconds, 20.0))
            watch = MemoryWatch(web, workers)
            try:
                crowd = Crowd(app_url, args.citizens, ramp)
                try:
                    closed = counted_passes(crowd, f"back to back, {args.citizens} citizens", args, redis_url, queue,
                                            web, workers)
                finally:
                    crowd.stop()
                if args.rate:
                    crowd = Crowd(app_url, args.citizens, ramp, rate=args.rate)
                    try:
                        paced = counted_passes(crowd, f"{args.rate:.0f} turns/s offered", args, redis_url, queue,
                                               web, workers)
                    finally:
                        crowd.stop()
            finally:
                memory = watch.close()
        finally:
            for w in workers:
                stop(w)
            stop(web)
        print("peak RSS per process: " + ", ".join(f"{role} {mb:.0f} MB" for role, mb in memory.items()))
        os.environ["INSTANCE_PATH"] = instance
        ceiling = ceiling_pass(url, args.seconds, instance)
        print(_line("ceiling, 1 process, inline", ceiling)
              + f"   CPU per turn {ceiling['cpu_ms']['this process']:.1f} ms", flush=True)
        for err in sorted(set(ceiling["errors"]))[:3]:
            print(f"    error: {err}")
    finally:
        if not args.keep:
            drop(base, schema, redis_url, queue)
            forget_keys(redis_url, queue)
    capacity = _median(closed)
    ratio = f"{capacity['per_second'] / ceiling['per_second']:.0%}" if ceiling["per_second"] else "no ceiling"
    print(f"back to back, over {len(closed)} windows: {_spread(closed)}; median window / ceiling: {ratio}")
    # The latency at the offered rate, where one was asked for: back to back, every citizen's reply
    # waits behind the others' (Little's law: 50 citizens at 150 turns/s wait 333 ms on average).
    latency = capacity
    if paced:
        latency = _median(paced, "p99")
        print(f"{args.rate:.0f} turns/s offered, over {len(paced)} windows: {_spread(paced)}")
    print(f"dialogue turns/s={capacity['per_second']:.1f} p50_ms={latency['p50'] or 0:.1f} "
          f"p99_ms={latency['p99'] or 0:.1f} ceiling_turns/s={ceiling['per_second']:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
