"""The interpreter: the intents we know, what a parse holds, and the local model that makes one."""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Protocol
from zoneinfo import ZoneInfo

from . import classifier
from .entities import extract
from .normalize import normalize, strip_greeting

# Below this the top intent is a guess: ask the person to rephrase or pick from the menu.
# On the held-out file, 0.5 keeps 93% of messages at 98.9% accuracy (docs/nlu.md).
CONFIDENCE_THRESHOLD = 0.5

INTENTS = (
    "greet", "thank", "affirm", "deny", "birth_certificate", "death_certificate",
    "divorce_certificate", "family_card", "ktp_print", "kia", "ktp_recording",
    "marriage_certificate", "check_status", "ask_requirements", "ask_hours", "ask_location",
    "ask_cost", "ask_print", "ask_duration", "ask_lost_document", "human", "complaint",
    "cancel", "menu", "out_of_scope",
)
# Intents the FAQ answers in place; a request in progress resumes afterwards.
FAQ_INTENTS = frozenset({"ask_requirements", "ask_hours", "ask_location", "ask_cost",
                         "ask_print", "ask_duration", "ask_lost_document", "out_of_scope"})
# Intents that start (or switch to) a service request; the value is config.yml's service key.
SERVICE_INTENTS = {
    "birth_certificate": "akta_kelahiran", "death_certificate": "akta_kematian",
    "divorce_certificate": "akta_perceraian", "family_card": "kartu_keluarga",
    "ktp_print": "ktp_print", "kia": "kia", "ktp_recording": "ktp_recording",
    "marriage_certificate": "marriage_certificate",
}


# Services whose document a Muslim gets from another office: marriage (KUA kecamatan) and
# divorce (Pengadilan Agama); nlu/faq.py says where, and what this office still does.
MUSLIM_ELSEWHERE = ("marriage_certificate", "akta_perceraian")


@dataclass
class Parse:
    """What one message means: the top intent, its confidence, entities and the full ranking."""
    text: str
    intent: str
    confidence: float
    entities: list[dict] = field(default_factory=list)
    ranking: list[tuple[str, float]] = field(default_factory=list)

    def to_json(self) -> dict:
        """The `python -m nlu parse` contract: text, intent, confidence, 4-key entities."""
        return {
            "text": self.text,
            "intent": self.intent,
            "confidence": round(float(self.confidence), 4),
            "entities": [{k: e[k] for k in ("entity", "value", "start", "end")}
                         for e in self.entities],
        }

    def first(self, entity: str):
        """The value of the first entity of this kind, or None."""
        return next((e["value"] for e in self.entities if e["entity"] == entity), None)


class Interpreter(Protocol):
    """Anything that turns a message into a Parse."""

    def parse(self, text: str, today: date | None = None) -> Parse:
        """Intent, confidence and entities of one message."""
        ...


# Topics that are still this office's matter: moving house changes the Kartu Keluarga (pindah
# datang / keluar in the KK flow), so "surat pindah" is not sent to another office.
OUR_TOPICS = frozenset({"pindah"})


def apply_rules(intent: str, entities: list[dict]) -> str:
    """Deterministic corrections on top of the classifier (few, each with a reason)."""
    kinds = {e["entity"] for e in entities}
    topics = {e["value"] for e in entities if e["entity"] == "topic"} - OUR_TOPICS
    # A question, request or grievance about another office's matter (paspor, SIM, BPJS, NPWP,
    # bansos, …) that names none of ours is out of scope even when it is phrased like ours
    # ("npwp hilang gmn") or like a complaint ("iuran bpjs naik terus"): it is not about us.
    if topics and "service" not in kinds and (
            intent in FAQ_INTENTS or intent in SERVICE_INTENTS or intent == "complaint"):
        return "out_of_scope"
    # A Muslim marriage is recorded by the KUA (buku nikah) and a Muslim divorce's akta cerai
    # comes from the Pengadilan Agama: "kami muslim mau nikah, akta nikah di capil bisa?" is
    # answered with where to go (nlu/faq.py), not with this office's form or a request.
    services = {e["value"] for e in entities if e["entity"] == "service"}
    religions = {e["value"] for e in entities if e["entity"] == "religion"}
    if religions == {"islam"} and len(services) == 1 and services <= set(MUSLIM_ELSEWHERE) and (
            intent in FAQ_INTENTS or SERVICE_INTENTS.get(intent) in services):
        return "out_of_scope"
    return intent


def _today(tz: str) -> date:
    """Today's date in the office's time zone (dates like "kemarin" are relative to it)."""
    return datetime.now(ZoneInfo(tz)).date()


# A request after a greeting must outrank the greeting ("assalamualaikum min, mau tanya syarat
# akta cerai"); what follows the greeting is read alone, and wins when the model is sure of it.
REQUEST_AFTER_GREETING = 0.6


class LocalInterpreter:
    """The in-process model: normaliser + TF-IDF + logistic regression, plus entity rules."""

    def __init__(self, model_path: str | Path | None = None, timezone: str = "Asia/Makassar"):
        """Remember where the model lives; it is loaded (or trained) on first use."""
        self.model_path = Path(model_path) if model_path else None
        self.timezone = timezone
        self._model: classifier.Model | None = None
        self._lock = threading.Lock()

    @property
    def model(self) -> classifier.Model:
        """The loaded model, loading or training it once per process."""
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._model = classifier.load_or_train(self.model_path)
        return self._model

    def warm(self) -> None:
        """Load (or train) the model now, e.g. at worker start, instead of on the first message."""
        _ = self.model

    def _request_after_greeting(self, text: str, ranking: list[tuple[str, float]]):
        """The ranking of what follows a leading greeting, when that is a request the model is
        sure of; else the whole message's ranking."""
        normalised = normalize(text)
        rest = strip_greeting(normalised)
        if not rest or rest == normalised:
            return ranking
        after = self.model.rank_normalised(rest)
        if after[0][0] not in ("greet", "out_of_scope") and after[0][1] >= REQUEST_AFTER_GREETING:
            return after
        return ranking

    def parse(self, text: str, today: date | None = None) -> Parse:
        """Classify one message and extract its entities."""
        text = text or ""
        entities = extract(text, today or _today(self.timezone))
        if not text.strip():
            return Parse(text, "out_of_scope", 0.0, entities, [])
        ranking = self.model.rank(text)
        if ranking[0][0] == "greet":
            ranking = self._request_after_greeting(text, ranking)
        intent, confidence = ranking[0]
        return Parse(text, apply_rules(intent, entities), confidence, entities, ranking)
