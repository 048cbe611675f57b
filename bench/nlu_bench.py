"""NLU benchmark: training time, model load time, parse throughput and memory, in one process.

    .venv/bin/python bench/nlu_bench.py [--messages 20000]

Single-message parse (the real use: one chat message at a time, entities included) is the
headline figure; the batch figure is for comparison. Nothing is written outside a temp dir.
"""
from __future__ import annotations

import argparse
import gc
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Run in a child so the RSS delta is the model's own, not memory freed and reused.
_FRESH_LOAD = """
import sys, time
def rss():
    for line in open('/proc/self/status'):
        if line.startswith('VmRSS:'):
            return int(line.split()[1]) / 1024
from nlu import classifier
before = rss(); t = time.perf_counter()
model = classifier.load_or_train(sys.argv[1])
print(f"load_or_train (after imports) {1000 * (time.perf_counter() - t):.0f} ms, RSS +{rss() - before:.1f} MiB "
      f"(process RSS {rss():.0f} MiB)")
"""

import sklearn  # noqa: E402

from nlu import LocalInterpreter, classifier, training_data  # noqa: E402
from nlu.entities import extract  # noqa: E402
from nlu.normalize import normalize  # noqa: E402


def rss_mib() -> float:
    """Current resident set size in MiB (from /proc; peak RSS where /proc is missing)."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(fn, *args):
    """(result, seconds) of one call."""
    started = time.perf_counter()
    result = fn(*args)
    return result, time.perf_counter() - started


def traced(fn, *args):
    """(result, tracemalloc peak MiB) of one call."""
    gc.collect()
    tracemalloc.start()
    try:
        result = fn(*args)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return result, peak / 2**20


def main() -> int:
    """Run every measurement and print a small report."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=20000)
    args = parser.parse_args()

    texts, _ = training_data.load(training_data.test_files() + training_data.training_files())
    stream = (texts * (args.messages // len(texts) + 1))[: args.messages]
    today = date(2026, 3, 11)
    print(f"python {platform.python_version()}, scikit-learn {sklearn.__version__}, "
          f"{os.cpu_count()} CPU, {len(texts)} distinct messages, {len(stream)} parsed")

    rss0 = rss_mib()
    model, train_s = timed(classifier.train)
    rss_train = rss_mib()
    _, train_peak = traced(classifier.train)
    print(f"training: {train_s:.2f} s on {model.meta['examples']} examples; "
          f"RSS +{rss_train - rss0:.1f} MiB; tracemalloc peak {train_peak:.1f} MiB")

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "nlu-model.pkl"
        classifier.save(model, path)
        size_kib = path.stat().st_size / 1024
        del model
        gc.collect()
        rss1 = rss_mib()
        loaded, load_s = timed(classifier.load_or_train, path)
        rss_load = rss_mib()
        _, load_peak = traced(classifier.load, path)
        print(f"model file: {size_kib:.0f} KiB; load (header check + unpickle): "
              f"{load_s * 1000:.0f} ms; RSS +{rss_load - rss1:.1f} MiB; "
              f"tracemalloc peak {load_peak:.1f} MiB")

        fresh = subprocess.run([sys.executable, "-c", _FRESH_LOAD, str(path)], text=True,
                               capture_output=True, check=True, cwd=ROOT).stdout.strip()
        print(f"in a fresh process: {fresh}")

        interp = LocalInterpreter(path)
        interp._model = loaded
        for text in stream[:200]:  # warm caches (regex compilation, rapidfuzz tables)
            interp.parse(text, today)

        _, s = timed(lambda: [interp.parse(t, today) for t in stream])
        print(f"single-message parse (normalise + classify + entities): "
              f"{len(stream) / s:,.0f} msg/s ({s / len(stream) * 1e6:.0f} µs each)")
        _, s = timed(lambda: [loaded.rank(t) for t in stream])
        print(f"  of which classification alone: {len(stream) / s:,.0f} msg/s")
        _, s = timed(lambda: [extract(t, today) for t in stream])
        print(f"  of which entity extraction alone: {len(stream) / s:,.0f} msg/s")
        _, s = timed(lambda: [normalize(t) for t in stream])
        print(f"  of which normalisation alone: {len(stream) / s:,.0f} msg/s")
        _, s = timed(loaded.predict_many, stream)
        print(f"batch classification through sklearn (one predict call): "
              f"{len(stream) / s:,.0f} msg/s")
        sample = stream[:500]
        _, s = timed(lambda: [loaded.pipeline.predict([normalize(t)]) for t in sample])
        print(f"single-message classification through sklearn's predict (not used): "
              f"{len(sample) / s:,.0f} msg/s")
        _, parse_peak = traced(lambda: [interp.parse(t, today) for t in stream[:2000]])
        print(f"parse of 2,000 messages: tracemalloc peak {parse_peak:.2f} MiB; "
              f"process RSS now {rss_mib():.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
