"""Optional backend: a Rasa 3.6 server's `POST /model/parse`, with the local model as fallback.

Rasa runs out of process (it needs Python < 3.11; docs/design.md, library notes). Only /model/parse is used:
dialogue stays in flows/. Any error or a slow answer (default 2 s) falls back to the local model,
so the assistant keeps answering when the Rasa server is down.
"""
from __future__ import annotations

import logging
import os
from datetime import date

import httpx

from ..entities import extract
from ..interpreter import LocalInterpreter, Parse, _today

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 2.0


class RasaInterpreter:
    """Interpreter that asks a Rasa server and falls back to a local interpreter."""

    def __init__(self, url: str, fallback: LocalInterpreter | None = None,
                 timeout: float | None = None, token: str | None = None,
                 timezone: str = "Asia/Makassar"):
        """Point at a Rasa server (RASA_URL); RASA_TOKEN is sent as ?token= when set."""
        self.url = url.rstrip("/") + "/model/parse"
        self.fallback = fallback or LocalInterpreter(timezone=timezone)
        self.timeout = timeout if timeout is not None else float(
            os.environ.get("RASA_TIMEOUT", DEFAULT_TIMEOUT))
        self.token = token if token is not None else os.environ.get("RASA_TOKEN")
        self.timezone = timezone
        # One pooled client: a TLS/TCP handshake per message would eat the time budget.
        self._client = httpx.Client(timeout=self.timeout)

    def warm(self) -> None:
        """Load the fallback model now, so a Rasa outage costs no training time later."""
        self.fallback.warm()

    def parse(self, text: str, today: date | None = None) -> Parse:
        """Parse through Rasa; on any failure, through the local model."""
        today = today or _today(self.timezone)
        try:
            params = {"token": self.token} if self.token else None
            resp = self._client.post(self.url, json={"text": text}, params=params)
            resp.raise_for_status()
            return self._to_parse(text, resp.json(), today)
        except Exception as exc:
            # Never log the message itself: it may hold a NIK, a name or a phone number.
            log.warning("Rasa parse failed (%s); using the local model", type(exc).__name__)
            return self.fallback.parse(text, today)

    @staticmethod
    def _to_parse(text: str, data: dict, today: date) -> Parse:
        """Map Rasa's JSON to a Parse; our own extractors fill in entity kinds Rasa lacks."""
        intent = data.get("intent") or {}
        name = intent.get("name")
        if not name:
            raise ValueError("Rasa answer without an intent")
        entities = [
            {"entity": e["entity"], "value": e.get("value", text[e["start"]:e["end"]]),
             "start": int(e["start"]), "end": int(e["end"])}
            for e in data.get("entities") or []
            if {"entity", "start", "end"} <= e.keys()
        ]
        # Rasa's model may not know our regex/lookup entities (dates relative to today, places
        # with codes); add ours where they do not overlap what Rasa found.
        for e in extract(text, today):
            if all(e["end"] <= r["start"] or e["start"] >= r["end"] for r in entities):
                entities.append(e)
        entities.sort(key=lambda e: e["start"])
        ranking = [(r["name"], float(r.get("confidence", 0.0)))
                   for r in data.get("intent_ranking") or [] if r.get("name")]
        return Parse(text, name, float(intent.get("confidence") or 0.0), entities,
                     ranking or [(name, float(intent.get("confidence") or 0.0))])

    def close(self) -> None:
        """Release the HTTP connection pool."""
        self._client.close()
