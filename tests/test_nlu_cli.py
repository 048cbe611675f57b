"""`python -m nlu parse|train|evaluate` as a separate process, as outside checks run it."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    """An environment whose model lives in a temp dir, trained once by `python -m nlu train`."""
    model = tmp_path_factory.mktemp("cli") / "model.pkl"
    e = dict(os.environ, NLU_MODEL_PATH=str(model), NLU_BACKEND="local", PYTHONPATH=str(ROOT))
    e.pop("RASA_URL", None)
    out = subprocess.run([sys.executable, "-m", "nlu", "train", str(model)], cwd=ROOT, env=e,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert model.exists()
    return e


def test_parse_prints_one_json_object_per_line(env):
    lines = ["syarat akte kematian apa", "nik 6408.0145.0690.0001", "", "makasih kk 🙏"]
    out = subprocess.run([sys.executable, "-m", "nlu", "parse"], cwd=ROOT, env=env,
                         input="\n".join(lines) + "\n", capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    rows = [json.loads(x) for x in out.stdout.splitlines()]
    assert len(rows) == len(lines)
    for row, text in zip(rows, lines):
        assert set(row) == {"text", "intent", "confidence", "entities"}
        assert row["text"] == text
        assert isinstance(row["intent"], str) and isinstance(row["confidence"], float)
        for ent in row["entities"]:
            assert set(ent) == {"entity", "value", "start", "end"}
            assert text[ent["start"]:ent["end"]]
    assert rows[0]["intent"] == "ask_requirements"
    assert rows[0]["entities"] == [{"entity": "service", "value": "akta_kematian", "start": 7,
                                    "end": 20}]
    assert rows[1]["entities"] == [{"entity": "nik", "value": "6408014506900001", "start": 4,
                                    "end": 23}]
    assert rows[3]["intent"] == "thank"


def test_evaluate_prints_the_report(env):
    out = subprocess.run([sys.executable, "-m", "nlu", "evaluate", "--strict"], cwd=ROOT,
                         env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "precision" in out.stdout and "accuracy" in out.stdout and "PASS" in out.stdout
    assert "confusions" in out.stdout
