"""RQ's own cost per job: the Redis round trips, commands and CPU of the web's enqueue
(`delivery.jobs.RQExecutor`) and of `bot.worker.AppWorker` running a job that does nothing.

    REDIS_URL=redis://127.0.0.1:6379/13 .venv/bin/python bench/rq_overhead.py [--jobs 500] [--repeat 3] [--trace]

- Round trips and commands are counted in this process, on redis-py's connections, main thread
  only (the server's INFO commandstats would count every other client of the server too).
- CPU is time.process_time(). The worker's figures per job are a burst of N jobs less an empty
  burst (the worker's start and stop), over N. Logging is set up as in production, to /dev/null.
- The job is `run_job("os.getpid")` in a bare Flask app: what is left is RQ's and ours around it.
- The queue is the bench's own (rq-overhead-<random>); its keys are deleted afterwards.
"""
import argparse
import logging
import os
import statistics
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import flask  # noqa: E402
from redis import Redis  # noqa: E402
from redis.connection import AbstractConnection  # noqa: E402
from rq import Worker  # noqa: E402


WORKER_KEYS: list[str] = []  # the bench's workers' records, deleted at the end


class Tally:
    """Round trips and commands sent by the main thread while counting."""

    def __init__(self):
        self.on = False
        self.trips = 0
        self.names: Counter = Counter()
        self.trace: list[str] | None = None

    def install(self) -> None:
        """Wrap redis-py's sending methods (this bench's process only)."""
        tally, main = self, threading.main_thread()
        send_packed, send_one, pack_many = (AbstractConnection.send_packed_command, AbstractConnection.send_command,
                                            AbstractConnection.pack_commands)

        def counting(names):
            if tally.on and threading.current_thread() is main:
                tally.names.update(names)
                if tally.trace is not None:
                    tally.trace.append(" ".join(names))

        def send_packed_command(conn, command, check_health=True):
            if tally.on and threading.current_thread() is main:
                tally.trips += 1
            return send_packed(conn, command, check_health)

        def send_command(conn, *args, **kwargs):
            counting([str(args[0]).upper()])
            return send_one(conn, *args, **kwargs)

        def pack_commands(conn, commands):
            counting([str(c[0]).upper() for c in commands])
            return pack_many(conn, commands)

        AbstractConnection.send_packed_command = send_packed_command
        AbstractConnection.send_command = send_command
        AbstractConnection.pack_commands = pack_commands

    def start(self, trace: bool = False) -> None:
        """Count from now (and keep each round trip's commands, with `trace`)."""
        self.trips, self.names, self.trace, self.on = 0, Counter(), [] if trace else None, True

    def stop(self) -> tuple[int, int]:
        """Stop counting; (round trips, commands)."""
        self.on = False
        return self.trips, sum(self.names.values())


def bare_worker_class():
    """AppWorker around a bare Flask app, with RQ's own maintenance only (ours needs the database)."""
    import bot.worker
    from rq import SimpleWorker

    bot.worker.create_app = lambda: flask.Flask("rq-overhead")
    bot.worker.understand.warm = lambda: None

    class BenchWorker(bot.worker.AppWorker):
        """AppWorker without our sweep, reminders and retention."""

        def run_maintenance_tasks(self):
            """RQ's own maintenance."""
            SimpleWorker.run_maintenance_tasks(self)

    return BenchWorker


def production_logs() -> None:
    """Logging as in production, written to /dev/null: `rq worker` gives RQ's logger a handler
    (INFO), then create_app's basicConfig gives the root logger one."""
    sink = open(os.devnull, "w")  # noqa: SIM115 (open for the process's life)
    handler = logging.StreamHandler(sink)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
    logging.getLogger("rq.worker").addHandler(handler)
    logging.getLogger("rq.worker").setLevel(logging.INFO)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sink)


def one_round(url: str, queue_name: str, jobs: int, tally: Tally, worker_class) -> dict:
    """Enqueue `jobs` jobs the web's way, then run them in one burst worker; the figures per job."""
    from delivery.jobs import RQExecutor

    executor = RQExecutor(url, queue_name)
    server_before = executor.redis.info("stats")["total_commands_processed"]
    tally.start()
    cpu = time.process_time()
    for _ in range(jobs):
        executor.enqueue("os.getpid")
    enqueue_cpu = time.process_time() - cpu
    enqueue_trips, enqueue_cmds = tally.stop()

    def burst(redis):
        worker = worker_class([queue_name], connection=redis)
        WORKER_KEYS.append(worker.key)
        tally.start()
        cpu = time.process_time()
        worker.work(burst=True, logging_level="INFO")
        return time.process_time() - cpu, *tally.stop(), worker

    redis = Redis.from_url(url)
    full = burst(redis)
    empty = burst(redis)
    ran = Worker.find_by_key(full[3].key, connection=redis).successful_job_count  # its record lives 60 s more
    # The server's own count, as a check on ours: it includes every other client's commands.
    server = executor.redis.info("stats")["total_commands_processed"] - server_before - 1
    left = executor.queue.count + executor.queue.failed_job_registry.count
    return {"enqueue_trips": enqueue_trips / jobs, "enqueue_cmds": enqueue_cmds / jobs,
            "enqueue_ms": enqueue_cpu * 1000 / jobs,
            "job_trips": (full[1] - empty[1]) / jobs, "job_cmds": (full[2] - empty[2]) / jobs,
            "job_ms": (full[0] - empty[0]) * 1000 / jobs, "left": left, "ran": ran,
            "sent": enqueue_cmds + full[2] + empty[2], "server": server}


def trace_one(url: str, queue_name: str, tally: Tally, worker_class) -> None:
    """Print the commands of one enqueue and of one job, round trip by round trip."""
    from delivery.jobs import RQExecutor

    executor = RQExecutor(url, queue_name)
    executor.redis.ping()
    tally.start(trace=True)
    executor.enqueue("os.getpid")
    tally.stop()
    print("enqueue:", *tally.trace, sep="\n  ")
    redis = Redis.from_url(url)
    worker = worker_class([queue_name], connection=redis)
    WORKER_KEYS.append(worker.key)
    tally.start(trace=True)
    worker.work(burst=True, logging_level="INFO")
    tally.stop()
    print("burst of one job (start and stop included):", *tally.trace, sep="\n  ")


def forget(url: str, queue_name: str) -> None:
    """Delete the bench queue's keys, its jobs' and its workers'."""
    redis = Redis.from_url(url)
    job_ids = set()
    for key in (f"rq:finished:{queue_name}", f"rq:failed:{queue_name}", f"rq:wip:{queue_name}"):
        job_ids.update(j.decode() for j in redis.zrange(key, 0, -1))
    job_ids.update(j.decode() for j in redis.lrange(f"rq:queue:{queue_name}", 0, -1))
    keys = [key for key in redis.scan_iter("rq:*", count=1000)
            if queue_name in key.decode() or job_ids & set(key.decode().split(":"))] + WORKER_KEYS
    redis.srem("rq:queues", f"rq:queue:{queue_name}")
    if keys:
        redis.delete(*keys)


def main() -> None:
    """Run the rounds and print their figures, then the medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--trace", action="store_true", help="print one enqueue's and one job's commands")
    args = parser.parse_args()
    url = os.environ.get("REDIS_URL")
    if not url:
        sys.exit("REDIS_URL is required (e.g. redis://127.0.0.1:6379/13)")
    production_logs()
    tally, worker_class = Tally(), bare_worker_class()
    tally.install()
    queue_name = f"rq-overhead-{uuid.uuid4().hex[:8]}"
    try:
        if args.trace:
            trace_one(url, queue_name, tally, worker_class)
            return
        rounds = []
        for k in range(args.repeat):
            rounds.append(one_round(url, queue_name, args.jobs, tally, worker_class))
            r = rounds[-1]
            print(f"round {k + 1}: enqueue {r['enqueue_trips']:.2f} round trips, {r['enqueue_cmds']:.2f} commands, "
                  f"{r['enqueue_ms']:.3f} ms CPU; job {r['job_trips']:.2f} round trips, {r['job_cmds']:.2f} commands, "
                  f"{r['job_ms']:.3f} ms CPU; jobs run {r['ran']}, left queued or failed {r['left']}; "
                  f"commands sent by the bench {r['sent']}, processed by the server (all clients) {r['server']}")
        med = {key: statistics.median(r[key] for r in rounds) for key in rounds[0] if key.startswith(("enq", "job"))}
        print(f"rq_overhead jobs={args.jobs} repeat={args.repeat} enqueue_trips={med['enqueue_trips']:.2f} "
              f"enqueue_cmds={med['enqueue_cmds']:.2f} enqueue_cpu_ms={med['enqueue_ms']:.3f} "
              f"job_trips={med['job_trips']:.2f} job_cmds={med['job_cmds']:.2f} job_cpu_ms={med['job_ms']:.3f}")
    finally:
        forget(url, queue_name)


if __name__ == "__main__":
    main()
