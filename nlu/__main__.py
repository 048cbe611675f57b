"""Command line: `python -m nlu parse|train|evaluate`."""
from __future__ import annotations

import argparse
import json
import sys
import time

from . import classifier, get_interpreter
from .evaluate import evaluate_each


def cmd_parse(args) -> int:
    """One message per stdin line → one JSON object per stdout line."""
    interpreter = get_interpreter()
    # JSON lines are UTF-8 whatever the locale says (emoji and accents are passed through).
    sys.stdin.reconfigure(encoding="utf-8", errors="replace")
    sys.stdout.reconfigure(encoding="utf-8")
    for line in sys.stdin:
        text = line.rstrip("\r\n")
        print(json.dumps(interpreter.parse(text).to_json(), ensure_ascii=False), flush=True)
    return 0


def cmd_train(args) -> int:
    """Train on nlu/data/*.yml (not the test folder) and write the model file."""
    path = classifier.model_path(args.model)
    started = time.perf_counter()
    model = classifier.train()
    classifier.save(model, path)
    print(f"trained on {model.meta['examples']} examples, {len(model.labels)} intents, "
          f"in {time.perf_counter() - started:.2f} s → {path}")
    return 0


def cmd_evaluate(args) -> int:
    """Print, for each held-out file and for all of them, per-intent precision/recall/F1,
    accuracy, the confusion table, confidence against accuracy, and the misread messages."""
    reports = evaluate_each(get_interpreter())
    print("\n\n".join(report.format() for report in reports))
    return 0 if all(r.passes() for r in reports) or not args.strict else 1


def main(argv: list[str] | None = None) -> int:
    """Dispatch the sub-command."""
    parser = argparse.ArgumentParser(prog="python -m nlu", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("parse", help="stdin lines → JSON lines").set_defaults(func=cmd_parse)
    train = sub.add_parser("train", help="train and save the model")
    train.add_argument("model", nargs="?",
                       help="model path (default $NLU_MODEL_PATH or instance/nlu-model.pkl)")
    train.set_defaults(func=cmd_train)
    ev = sub.add_parser("evaluate", help="score on the held-out test files")
    ev.add_argument("--strict", action="store_true", help="exit 1 when below the targets")
    ev.set_defaults(func=cmd_evaluate)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
