"""Reading Rasa 3.x NLU YAML (`version: "3.1"`, `nlu:` → `- intent:` / `examples: |`)."""
from __future__ import annotations

import hashlib
import re
from pathlib import Path

import yaml

DATA_DIR = Path(__file__).resolve().parent / "data"
TEST_DIR = DATA_DIR / "test"

# Rasa's inline annotations: [text](entity), [text](entity:value), [text]{"entity": "x", ...}.
# No bracket inside the text, no parenthesis inside (entity), no brace inside {...}: otherwise a
# search restarts at every "[" of "[[[[…" and rescans to the end (quadratic).
_ANNOTATION = re.compile(r"\[(?P<text>[^\[\]]+)\](?:\((?P<short>[^()]+)\)|(?P<json>\{[^{}]*\}))")


def strip_annotations(example: str) -> tuple[str, list[dict]]:
    """Plain text of an annotated example, and its entities with offsets into that text."""
    out, entities, pos = [], [], 0
    length = 0
    for m in _ANNOTATION.finditer(example):
        before = example[pos:m.start()]
        out.append(before)
        length += len(before)
        text = m.group("text")
        if m.group("short"):
            name, _, value = m.group("short").partition(":")
        else:
            spec = yaml.safe_load(m.group("json")) or {}
            name, value = spec.get("entity", ""), spec.get("value", "")
        entities.append({"entity": name, "value": value or text, "start": length,
                         "end": length + len(text)})
        out.append(text)
        length += len(text)
        pos = m.end()
    out.append(example[pos:])
    return "".join(out), entities


def read_file(path: Path) -> list[tuple[str, str]]:
    """(text, intent) pairs from one Rasa NLU YAML file."""
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    pairs = []
    for block in doc.get("nlu", []) or []:
        intent = block.get("intent")
        if not intent:
            continue  # synonyms, regexes and lookups carry no training sentences here
        for line in str(block.get("examples", "")).splitlines():
            line = line.strip()
            if not line.startswith("- "):
                continue
            text, _ = strip_annotations(line[2:].strip())
            if text:
                pairs.append((text, intent))
    return pairs


def training_files(data_dir: Path = DATA_DIR) -> list[Path]:
    """The training files: every *.yml under data_dir except the held-out test folder."""
    test_dir = (data_dir / "test").resolve()
    return sorted(p for p in data_dir.rglob("*.yml")
                  if test_dir not in p.resolve().parents)


def test_files(data_dir: Path = DATA_DIR) -> list[Path]:
    """The held-out test files (never trained on)."""
    return sorted((data_dir / "test").glob("*.yml"))


def load(paths: list[Path]) -> tuple[list[str], list[str]]:
    """Texts and intents from several files."""
    texts, intents = [], []
    for path in paths:
        for text, intent in read_file(path):
            texts.append(text)
            intents.append(intent)
    return texts, intents


def fingerprint(paths: list[Path]) -> str:
    """A hash of the files' names and contents: a model trained on other data is stale."""
    h = hashlib.sha256()
    for path in sorted(paths):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()
