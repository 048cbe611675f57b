"""Evaluation on the held-out test files: per-intent precision/recall/F1, accuracy, a confusion
table, how confidence relates to being right, and the misread messages."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from . import training_data

ACCURACY_TARGET = 0.95
F1_FLOOR = 0.85
_BINS = (0.0, 0.3, 0.5, 0.7, 0.9, 1.0001)


@dataclass
class Report:
    """The numbers `python -m nlu evaluate` prints."""
    accuracy: float
    macro_f1: float
    per_intent: dict[str, dict]          # intent -> precision, recall, f1, support
    confusions: list[tuple[str, str, str]]  # (expected, predicted, text)
    n: int
    name: str = "held-out"
    pairs: Counter = field(default_factory=Counter)        # (expected, predicted) -> count
    confidences: list[tuple[float, bool]] = field(default_factory=list)  # (confidence, right)

    def passes(self) -> bool:
        """Whether the targets hold: accuracy ≥ 0.95 and every intent's F1 ≥ 0.85."""
        return self.accuracy >= ACCURACY_TARGET and all(
            row["f1"] >= F1_FLOOR for row in self.per_intent.values())

    def format(self) -> str:
        """A plain-text report for the terminal and docs/nlu.md."""
        lines = [f"== {self.name}", f"{'intent':<22}{'precision':>10}{'recall':>8}{'f1':>7}{'support':>9}"]
        for intent, row in sorted(self.per_intent.items()):
            lines.append(f"{intent:<22}{row['precision']:>10.3f}{row['recall']:>8.3f}"
                         f"{row['f1']:>7.3f}{row['support']:>9d}")
        lines.append("")
        lines.append(f"accuracy {self.accuracy:.3f} on {self.n} held-out messages; "
                     f"macro F1 {self.macro_f1:.3f}")
        lines.append(f"targets: accuracy >= {ACCURACY_TARGET}, every intent F1 >= {F1_FLOOR}: "
                     f"{'PASS' if self.passes() else 'FAIL'}")
        lines += ["", *self.confusion_table(), "", *self.calibration_table(), ""]
        lines.append(f"confusions ({len(self.confusions)}): expected -> predicted: text")
        for expected, predicted, text in self.confusions:
            lines.append(f"  {expected} -> {predicted}: {text}")
        return "\n".join(lines)

    def confusion_table(self) -> list[str]:
        """Rows: the intent expected; columns: the intent predicted, numbered as the rows; only
        the intents some message was confused with or for. "." is none."""
        involved = sorted({e for e, p in self.pairs if e != p} | {p for e, p in self.pairs if e != p})
        if not involved:
            return ["confusion table: no message misread"]
        head = "confusion table (rows expected, columns predicted)"
        lines = [head, " " * 26 + "".join(f"{i + 1:>4}" for i in range(len(involved)))]
        for i, expected in enumerate(involved):
            cells = "".join(f"{self.pairs.get((expected, p), 0) or '.':>4}" for p in involved)
            lines.append(f"{i + 1:>3} {expected:<22}{cells}")
        return lines

    def calibration_table(self) -> list[str]:
        """How often the top intent is right at each level of confidence."""
        lines = ["confidence  messages  right"]
        for low, high in zip(_BINS, _BINS[1:]):
            inside = [right for conf, right in self.confidences if low <= conf < high]
            share = f"{sum(inside) / len(inside):.3f}" if inside else "-"
            lines.append(f"{low:.1f}–{min(high, 1.0):.1f}{len(inside):>12}{share:>7}")
        return lines


def score(expected: list[str], predicted: list[str], texts: list[str],
          confidences: list[float] | None = None, name: str = "held-out") -> Report:
    """Precision, recall and F1 per intent from two label lists."""
    labels = sorted(set(expected) | set(predicted))
    tp = Counter(e for e, p in zip(expected, predicted) if e == p)
    pred_n = Counter(predicted)
    gold_n = Counter(expected)
    per = {}
    for label in labels:
        if gold_n[label] == 0:
            continue  # predicted but never expected: counted in the others' precision
        p = tp[label] / pred_n[label] if pred_n[label] else 0.0
        r = tp[label] / gold_n[label]
        f = 2 * p * r / (p + r) if p + r else 0.0
        per[label] = {"precision": p, "recall": r, "f1": f, "support": gold_n[label]}
    accuracy = sum(tp.values()) / len(expected) if expected else 0.0
    macro = sum(row["f1"] for row in per.values()) / len(per) if per else 0.0
    confusions = sorted((e, p, t) for e, p, t in zip(expected, predicted, texts) if e != p)
    right = [e == p for e, p in zip(expected, predicted)]
    return Report(accuracy, macro, per, confusions, len(expected), name,
                  Counter(zip(expected, predicted)), list(zip(confidences or [], right)))


def evaluate(interpreter, paths: list[Path] | None = None, name: str = "held-out") -> Report:
    """Run an interpreter over held-out files (all of them by default) and score it."""
    texts, expected = training_data.load(paths or training_data.test_files())
    parses = [interpreter.parse(t) for t in texts]
    return score(expected, [p.intent for p in parses], texts,
                 [p.confidence for p in parses], name)


def evaluate_each(interpreter) -> list[Report]:
    """One report per held-out file, then one for them all together."""
    files = training_data.test_files()
    reports = [evaluate(interpreter, [path], path.name) for path in files]
    if len(files) > 1:
        reports.append(evaluate(interpreter, files, "all held-out files"))
    return reports
