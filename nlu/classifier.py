"""The intent classifier: char_wb 2–5 + word 1–2 TF-IDF, multinomial LogisticRegression.

Training takes about a second. The model file starts with one JSON line (format, scikit-learn
version, data+code fingerprint) so a stale model is detected without unpickling it; the pickle
follows. Only load model files this project wrote: pickle runs code when loaded.
"""
from __future__ import annotations

import json
import logging
import os
import pickle
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import sklearn
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from . import training_data
from .normalize import NORMALIZER_VERSION, normalize

log = logging.getLogger(__name__)

FORMAT = 1
ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MODEL_PATH = ROOT / "instance" / "nlu-model.pkl"
# Source files whose change makes a saved model stale (features or normalisation changed).
_CODE_FILES = ("normalize.py", "classifier.py")
_lock = threading.Lock()


def build_pipeline(c: float = 20.0) -> Pipeline:
    """An untrained pipeline: TF-IDF feature union and a calibrated linear model."""
    features = FeatureUnion([
        # Character n-grams inside word boundaries: robust to typos and missing spaces.
        ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True,
                                  lowercase=False, dtype=np.float64)),
        # Words and word pairs: "akta cerai" vs "kk cerai" is a word-order matter.
        ("words", TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True,
                                  lowercase=False, token_pattern=r"(?u)\b\w+\b",
                                  dtype=np.float64)),
    ])
    # Multinomial logistic regression gives probabilities directly (softmax), which is what a
    # confidence threshold needs; C is high because the examples are short and few.
    # tol 1e-3: the same held-out accuracy as 1e-4 in under half the training time.
    model = LogisticRegression(C=c, max_iter=3000, tol=1e-3, class_weight="balanced")
    return Pipeline([("features", features), ("model", model)])


def code_fingerprint() -> str:
    """A short hash of the code that shapes features, so changing it retrains the model."""
    import hashlib
    h = hashlib.sha256(f"{FORMAT}:{NORMALIZER_VERSION}".encode())
    here = Path(__file__).resolve().parent
    for name in _CODE_FILES:
        h.update((here / name).read_bytes())
    return h.hexdigest()[:16]


@dataclass
class Model:
    """A trained pipeline plus the arrays the fast single-message path needs."""
    pipeline: Pipeline
    labels: list[str]
    meta: dict = field(default_factory=dict)

    def __post_init__(self):
        """Pull vocabularies, idf and weights out of the pipeline once."""
        blocks = []
        offset = 0
        for _, vec in self.pipeline.named_steps["features"].transformer_list:
            blocks.append((vec.build_analyzer(), vec.vocabulary_, vec.idf_, offset))
            offset += len(vec.vocabulary_)
        self._blocks = blocks
        lr = self.pipeline.named_steps["model"]
        # Row-gather of a (features × classes) C-contiguous array is the hot operation.
        self._coef_t = np.ascontiguousarray(lr.coef_.T)
        self._intercept = lr.intercept_.copy()
        self.labels = [str(x) for x in lr.classes_]

    def _features(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """Column indices and TF-IDF values of one normalised text (same maths as sklearn)."""
        idx_all, val_all = [], []
        for analyzer, vocab, idf, offset in self._blocks:
            # Count every n-gram in C (Counter), then look up only the distinct ones.
            hits = [(i, n) for gram, n in Counter(analyzer(text)).items()
                    if (i := vocab.get(gram)) is not None]
            if not hits:
                continue
            ids, counts = zip(*hits)
            idx = np.array(ids, dtype=np.intp)
            tf = np.array(counts, dtype=np.float64)
            val = (np.log(tf) + 1.0) * idf[idx]          # sublinear_tf, then idf
            val /= np.sqrt(val @ val)                    # l2 norm per vectorizer, as sklearn
            idx_all.append(idx + offset)
            val_all.append(val)
        if not idx_all:
            return np.empty(0, dtype=np.intp), np.empty(0)
        return np.concatenate(idx_all), np.concatenate(val_all)

    def predict_proba_one(self, normalised: str) -> np.ndarray:
        """Class probabilities for one normalised text, without sklearn's per-call overhead."""
        idx, val = self._features(normalised)
        scores = self._intercept + (val @ self._coef_t[idx] if len(idx) else 0.0)
        scores = scores - scores.max()
        exp = np.exp(scores)
        return exp / exp.sum()

    def rank(self, text: str) -> list[tuple[str, float]]:
        """(intent, probability) for every intent, best first, for raw text."""
        return self.rank_normalised(normalize(text))

    def rank_normalised(self, normalised: str) -> list[tuple[str, float]]:
        """(intent, probability) for every intent, best first, for already normalised text."""
        proba = self.predict_proba_one(normalised)
        order = np.argsort(-proba)
        return [(self.labels[i], float(proba[i])) for i in order]

    def predict_many(self, texts: list[str]) -> list[str]:
        """Best intent for each raw text (batch path through sklearn)."""
        return list(self.pipeline.predict([normalize(t) for t in texts]))


def train(data_paths: list[Path] | None = None, c: float = 20.0) -> Model:
    """Fit a model on the training files (never the held-out test folder)."""
    paths = data_paths or training_data.training_files()
    texts, intents = training_data.load(paths)
    started = time.perf_counter()
    pipeline = build_pipeline(c)
    pipeline.fit([normalize(t) for t in texts], intents)
    meta = {
        "format": FORMAT,
        "sklearn": sklearn.__version__,
        "fingerprint": training_data.fingerprint(paths) + ":" + code_fingerprint(),
        "examples": len(texts),
        "train_seconds": round(time.perf_counter() - started, 3),
    }
    return Model(pipeline, sorted(set(intents)), meta)


def save(model: Model, path: Path) -> None:
    """Write the model atomically: a JSON header line, then the pickle."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".nlu-model-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(json.dumps(model.meta).encode() + b"\n")
            pickle.dump({"pipeline": model.pipeline, "labels": model.labels}, fh,
                        protocol=pickle.HIGHEST_PROTOCOL)
        # Another worker may be reading the old file; os.replace swaps it in one step.
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_header(path: Path) -> dict | None:
    """The JSON header of a model file, or None when missing or unreadable."""
    try:
        with open(path, "rb") as fh:
            return json.loads(fh.readline())
    except (OSError, ValueError):
        return None


def load(path: Path) -> Model:
    """Load a model file written by save() (raises on any problem)."""
    with open(path, "rb") as fh:
        meta = json.loads(fh.readline())
        payload = pickle.load(fh)
    return Model(payload["pipeline"], payload["labels"], meta)


def is_current(meta: dict | None, data_paths: list[Path] | None = None) -> bool:
    """Whether a model with this header matches today's data, code and scikit-learn."""
    if not meta:
        return False
    paths = data_paths or training_data.training_files()
    expected = training_data.fingerprint(paths) + ":" + code_fingerprint()
    return (meta.get("format") == FORMAT and meta.get("sklearn") == sklearn.__version__
            and meta.get("fingerprint") == expected)


def model_path(path: str | Path | None = None) -> Path:
    """The model file: the path given, else $NLU_MODEL_PATH, else instance/nlu-model.pkl."""
    return Path(path or os.environ.get("NLU_MODEL_PATH") or DEFAULT_MODEL_PATH)


def load_or_train(path: Path | None = None, data_paths: list[Path] | None = None) -> Model:
    """Load the saved model, or retrain (and save) when it is absent, unreadable or stale."""
    path = model_path(path)
    with _lock:
        if is_current(read_header(path), data_paths):
            try:
                return load(path)
            except Exception as exc:  # a truncated or foreign file: rebuild it
                log.warning("NLU model at %s unreadable (%s); retraining", path, type(exc).__name__)
        else:
            log.info("NLU model at %s absent or stale; training", path)
        model = train(data_paths)
        try:
            save(model, path)
        except OSError as exc:  # a read-only disk still gets a working in-memory model
            log.warning("could not save NLU model to %s: %s", path, exc)
        return model
