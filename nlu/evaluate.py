"""Evaluation on the held-out test file: per-intent precision/recall/F1, accuracy, confusions."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from . import training_data

ACCURACY_TARGET = 0.92
F1_FLOOR = 0.80


@dataclass
class Report:
    """The numbers `python -m nlu evaluate` prints."""
    accuracy: float
    macro_f1: float
    per_intent: dict[str, dict]          # intent -> precision, recall, f1, support
    confusions: list[tuple[str, str, str]]  # (expected, predicted, text)
    n: int

    def passes(self) -> bool:
        """Whether the targets hold: accuracy ≥ 0.92 and every intent's F1 ≥ 0.80."""
        return self.accuracy >= ACCURACY_TARGET and all(
            row["f1"] >= F1_FLOOR for row in self.per_intent.values())

    def format(self) -> str:
        """A plain-text table for the terminal and docs/nlu.md."""
        lines = [f"{'intent':<22}{'precision':>10}{'recall':>8}{'f1':>7}{'support':>9}"]
        for intent, row in sorted(self.per_intent.items()):
            lines.append(f"{intent:<22}{row['precision']:>10.3f}{row['recall']:>8.3f}"
                         f"{row['f1']:>7.3f}{row['support']:>9d}")
        lines.append("")
        lines.append(f"accuracy {self.accuracy:.3f} on {self.n} held-out messages; "
                     f"macro F1 {self.macro_f1:.3f}")
        lines.append(f"targets: accuracy >= {ACCURACY_TARGET}, every intent F1 >= {F1_FLOOR}: "
                     f"{'PASS' if self.passes() else 'FAIL'}")
        lines.append("")
        lines.append(f"confusions ({len(self.confusions)}): expected -> predicted: text")
        for expected, predicted, text in self.confusions:
            lines.append(f"  {expected} -> {predicted}: {text}")
        return "\n".join(lines)


def score(expected: list[str], predicted: list[str], texts: list[str]) -> Report:
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
    return Report(accuracy, macro, per, confusions, len(expected))


def evaluate(interpreter, paths: list[Path] | None = None) -> Report:
    """Run an interpreter over the held-out files and score it."""
    texts, expected = training_data.load(paths or training_data.test_files())
    predicted = [interpreter.parse(t).intent for t in texts]
    return score(expected, predicted, texts)
