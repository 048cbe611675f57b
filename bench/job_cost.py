"""Where a conversation job's time goes: the same turns run warm in this process, and each in a
child forked the way RQ's `Worker` forks its work horse, phase by phase.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test .venv/bin/python bench/job_cost.py \
        [--turns 40] [--profile horse|warm]

It migrates a schema of its own (dropped afterwards), builds the app as `bot.worker.AppWorker`
does, stores one citizen's birth-request messages one at a time (the tests' walk) and runs each
one's job `delivery.conversation.process_contact`, alternating: in this process (warm), or in a
forked child (a horse). For the horse it times the fork, the job, and the exit; the job's own
phases (typing, the dialogue, the sender) are timed in both. Wall and CPU time, medians.
`--profile` prints cProfile's top functions of one kind.
"""
import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from dialogue_bench import BENCH_DATA_KEY  # noqa: E402
from tests.conftest import ReadsReplies  # noqa: E402
from webhook_bench import drop, prepare_database  # noqa: E402

PHASES = ("typing", "dialogue", "send", "statements", "commits")


def _timed(phases: dict, name: str, func):
    """Wrap `func` to add its wall time (ms) to phases[name]."""
    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return func(*args, **kwargs)
        finally:
            phases[name] = phases.get(name, 0.0) + (time.perf_counter() - started) * 1000
    return wrapper


class Driver(ReadsReplies):
    """A citizen whose every message is stored, then handled by `run` (warm or in a horse)."""

    def __init__(self, app, run):
        self.app, self.run = app, run
        self.replies: list[dict] = []
        self.user = f"cost-{os.getpid()}-{time.time_ns()}"


    def _send(self, **kw):
        from sqlalchemy import select

        from bot.core import db
        from bot.core.models import Message, Outbox
        from delivery.ingest import receive

        with self.app.app_context():
            message_id = receive("simulator", self.user, **kw)
            with db.new_session() as s:
                contact_id = s.get(Message, message_id).contact_id
        self.run(contact_id)
        with self.app.app_context(), db.new_session() as s:
            rows = s.execute(select(Outbox.payload).where(Outbox.in_reply_to == message_id)
                             .order_by(Outbox.id)).scalars().all()
        self.replies = [{"text": p.get("text"), "buttons": p.get("buttons") or []} for p in rows]
        return self.replies

    def say(self, text):
        return self._send(kind="text", text=text)

    def press(self, button):
        return self._send(kind="button", button=button)

    def send_file(self, data, name, content_type="application/octet-stream"):
        return self._send(kind="file", file=(data, name, content_type))


def main() -> int:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--walks", type=int, default=2, help="whole birth requests (about 45 turns each)")
    parser.add_argument("--profile", choices=("horse", "warm"))
    args = parser.parse_args()
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres"):
        print("job_cost needs PostgreSQL: set DATABASE_URL=postgresql://…", file=sys.stderr)
        return 2
    url, schema = prepare_database(base)
    os.environ.update({"DATABASE_URL": url, "SECRET_KEY": "bench", "DATA_KEY": BENCH_DATA_KEY, "SIMULATOR": "1"})
    os.environ.pop("REDIS_URL", None)
    try:
        return measure(args)
    finally:
        drop(base, schema, os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/14"), "none")


def measure(args) -> int:
    """Run the walks, alternating warm jobs and horse jobs."""
    import logging

    import bot.worker  # noqa: F401  (what AppWorker imports before it forks)
    from bot import create_app
    from bot.core import db
    from delivery import conversation
    from flows import understand
    from tests.conftest import answer_until_summary, png_bytes

    app = create_app({"RATE_LIMITS": False})
    logging.getLogger().setLevel(logging.WARNING)
    with app.app_context():
        understand.warm()
    app.extensions["jobs"].enqueue = lambda *a, **k: None  # this script runs the jobs itself
    os.register_at_fork(after_in_child=lambda: db.dispose(app, close=False))

    phases: dict = {}
    from sqlalchemy import event

    def count(name):
        def listener(*_args, **_kw):
            phases[name] = phases.get(name, 0) + 1
        return listener
    with app.app_context():
        engines = (db.engine(), db.autocommit_engine())
    for engine in engines:
        event.listen(engine, "before_cursor_execute", count("statements"))
        event.listen(engine, "commit", count("commits"))
    # db.Direct's statements go straight to psycopg, past SQLAlchemy's events: counted here.
    direct_execute, count_direct = db.Direct._execute, count("statements")

    def counted_execute(self, conn, params):
        count_direct()
        return direct_execute(self, conn, params)
    db.Direct._execute = counted_execute
    conversation._show_typing = _timed(phases, "typing", conversation._show_typing)
    conversation._handle = _timed(phases, "dialogue", conversation._handle)
    conversation.send_pending = _timed(phases, "send", conversation.send_pending)
    samples = {"warm": [], "horse": []}
    profiler = cProfile.Profile() if args.profile else None
    turn = [0]

    def job(contact_id: int) -> dict:
        phases.clear()
        cpu, started = time.process_time(), time.perf_counter()
        if profiler:
            profiler.enable()
        with app.app_context():
            conversation.process_contact(contact_id)
        if profiler:
            profiler.disable()
        return {"job": (time.perf_counter() - started) * 1000, "cpu": (time.process_time() - cpu) * 1000, **phases}

    def run(contact_id: int) -> None:
        turn[0] += 1
        kind = "horse" if turn[0] % 2 else "warm"
        if kind == "warm":
            samples["warm"].append(job(contact_id))
            return
        read, write = os.pipe()
        started = time.perf_counter()
        pid = os.fork()
        if pid == 0:  # the horse: as RQ's does, run the job and leave without cleanup
            os.close(read)
            forked = (time.perf_counter() - started) * 1000
            global_profile = args.profile == "horse"
            nonlocal profiler
            profiler = cProfile.Profile() if global_profile else None
            result = job(contact_id) | {"fork": forked}
            if profiler:
                out = io.StringIO()
                pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(25)
                result["profile"] = out.getvalue()
            os.write(write, repr(result).encode())
            os._exit(0)
        os.close(write)
        data = b""
        while chunk := os.read(read, 65536):
            data += chunk
        os.close(read)
        os.waitpid(pid, 0)
        result = eval(data.decode())  # noqa: S307 - our own child's repr of floats
        result["total"] = (time.perf_counter() - started) * 1000
        samples["horse"].append(result)

    for _ in range(args.walks):
        chat = Driver(app, run)
        answer_until_summary(chat, png_bytes())
        chat.press("submit")

    if args.profile == "warm" and profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    if args.profile == "horse":
        print(samples["horse"][len(samples["horse"]) // 2].get("profile", ""))

    def median(kind, key):
        values = [s.get(key, 0.0) for s in samples[kind]]
        return statistics.median(values) if values else 0.0

    print(f"{len(samples['warm'])} warm jobs, {len(samples['horse'])} horse jobs (medians, ms)")
    print(f"{'':<8}{'fork':>8}{'job':>8}{'cpu':>8}" + "".join(f"{p:>11}" for p in PHASES) + f"{'total':>8}")
    for kind in ("warm", "horse"):
        print(f"{kind:<8}{median(kind, 'fork'):8.1f}{median(kind, 'job'):8.1f}{median(kind, 'cpu'):8.1f}"
              + "".join(f"{median(kind, p):11.1f}" for p in PHASES)
              + f"{median(kind, 'total') or median(kind, 'job'):8.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
