"""Understanding layer: intents and entities of citizens' chat messages, and FAQ answers.

    from nlu import get_interpreter
    parse = get_interpreter(config).parse("syarat akte kematian apa")
    parse.intent, parse.confidence, parse.entities, parse.ranking

Backends: the local scikit-learn model (default) or a Rasa 3.6 server (NLU_BACKEND=rasa,
RASA_URL), which falls back to the local model on any error.
"""
from __future__ import annotations

import os
import threading

from . import classifier  # noqa: F401  (nlu.classifier, as callers import it)
from .backends.rasa_http import RasaInterpreter
from .interpreter import (  # noqa: F401  (the package's interface)
    CONFIDENCE_THRESHOLD,
    FAQ_INTENTS,
    INTENTS,
    SERVICE_INTENTS,
    Interpreter,
    LocalInterpreter,
    Parse,
    apply_rules,
)

_cache: dict[tuple, Interpreter] = {}
_cache_lock = threading.Lock()


def get_interpreter(config: dict | None = None) -> Interpreter:
    """The process-wide interpreter for NLU_BACKEND (local|rasa) and RASA_URL, cached."""
    config = config or {}
    nlu_conf = config.get("nlu", {}) or {}
    backend = (config.get("NLU_BACKEND") or os.environ.get("NLU_BACKEND")
               or nlu_conf.get("backend") or "local").lower()
    rasa_url = config.get("RASA_URL") or os.environ.get("RASA_URL") or nlu_conf.get("rasa_url")
    model_path = nlu_conf.get("model_path") or os.environ.get("NLU_MODEL_PATH")
    tz = (config.get("office", {}) or {}).get("timezone", "Asia/Makassar")
    key = (backend, rasa_url, model_path, tz)
    with _cache_lock:
        if key not in _cache:
            local = LocalInterpreter(model_path, tz)
            if backend == "rasa" and rasa_url:
                _cache[key] = RasaInterpreter(rasa_url, fallback=local, timezone=tz)
            else:
                _cache[key] = local
        return _cache[key]
