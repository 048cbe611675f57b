"""The Rasa HTTP backend against a fake Rasa 3.6 server, and its fallback to the local model."""
import logging
import socket
import time
from datetime import date

import pytest
from werkzeug import Response

import nlu
from nlu import Parse
from nlu.backends.rasa_http import RasaInterpreter

TODAY = date(2026, 3, 11)
SECRET = "nik 6408014506900001 anak saya"

RASA_ANSWER = {
    "text": SECRET,
    "intent": {"name": "birth_certificate", "confidence": 0.91},
    "entities": [{"entity": "nik", "value": "6408014506900001", "start": 4, "end": 20,
                  "extractor": "RegexEntityExtractor"}],
    "intent_ranking": [{"name": "birth_certificate", "confidence": 0.91},
                       {"name": "family_card", "confidence": 0.05}],
    "response_selector": {},
}


class FakeLocal:
    """Stands in for the local model: records calls, answers 'local'."""

    def __init__(self):
        """No calls yet."""
        self.calls = 0

    def parse(self, text, today=None):
        """A recognisable fallback Parse."""
        self.calls += 1
        return Parse(text, "local", 0.5, [], [("local", 0.5)])


def test_it_maps_a_rasa_answer_to_a_parse(httpserver):
    httpserver.expect_request("/model/parse", method="POST",
                              json={"text": SECRET}).respond_with_json(RASA_ANSWER)
    local = FakeLocal()
    parse = RasaInterpreter(httpserver.url_for("/"), fallback=local).parse(SECRET, TODAY)
    assert parse.intent == "birth_certificate" and parse.confidence == 0.91
    assert parse.ranking == [("birth_certificate", 0.91), ("family_card", 0.05)]
    assert parse.entities[0] == {"entity": "nik", "value": "6408014506900001", "start": 4,
                                 "end": 20}
    assert local.calls == 0


def test_it_adds_local_entities_rasa_did_not_find(httpserver):
    answer = dict(RASA_ANSWER, text="lahir kemarin di bengalon", entities=[])
    httpserver.expect_request("/model/parse").respond_with_json(answer)
    parse = RasaInterpreter(httpserver.url_for("/"), fallback=FakeLocal()).parse(
        "lahir kemarin di bengalon", TODAY)
    assert [(e["entity"], e["value"]) for e in parse.entities] == [
        ("date", "2026-03-10"), ("kecamatan", "Bengalon")]


def test_it_sends_the_token_when_configured(httpserver):
    httpserver.expect_request("/model/parse", query_string="token=s3cret").respond_with_json(
        RASA_ANSWER)
    parse = RasaInterpreter(httpserver.url_for("/"), fallback=FakeLocal(), token="s3cret").parse(
        SECRET, TODAY)
    assert parse.intent == "birth_certificate"


def test_it_falls_back_when_rasa_is_too_slow(httpserver, caplog):
    def slow(request):
        time.sleep(0.6)
        return Response("{}", content_type="application/json")

    httpserver.expect_request("/model/parse").respond_with_handler(slow)
    local = FakeLocal()
    with caplog.at_level(logging.WARNING, logger="nlu.backends.rasa_http"):
        parse = RasaInterpreter(httpserver.url_for("/"), fallback=local, timeout=0.1).parse(
            SECRET, TODAY)
    # The local model answered because the request timed out (not because Rasa answered late).
    assert parse.intent == "local" and local.calls == 1
    assert "Timeout" in caplog.text
    assert "6408" not in caplog.text and "anak" not in caplog.text


def test_it_falls_back_when_the_server_is_down(caplog):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    local = FakeLocal()
    with caplog.at_level(logging.WARNING):
        parse = RasaInterpreter(f"http://127.0.0.1:{port}", fallback=local, timeout=0.5).parse(
            SECRET, TODAY)
    assert parse.intent == "local" and local.calls == 1
    assert SECRET not in caplog.text


@pytest.mark.parametrize("status,body", [(500, {"error": "boom"}), (200, {"text": "x"}),
                                         (200, "not json")])
def test_it_falls_back_on_errors_and_malformed_answers(httpserver, status, body):
    if isinstance(body, dict):
        httpserver.expect_request("/model/parse").respond_with_json(body, status=status)
    else:
        httpserver.expect_request("/model/parse").respond_with_data(body, status=status)
    local = FakeLocal()
    assert RasaInterpreter(httpserver.url_for("/"), fallback=local).parse("halo").intent == "local"


def test_get_interpreter_picks_the_backend_from_the_environment(monkeypatch, httpserver):
    nlu._cache.clear()
    monkeypatch.setenv("NLU_BACKEND", "rasa")
    monkeypatch.setenv("RASA_URL", httpserver.url_for("/"))
    interp = nlu.get_interpreter()
    assert isinstance(interp, RasaInterpreter)
    assert nlu.get_interpreter() is interp  # cached per process
    monkeypatch.setenv("NLU_BACKEND", "local")
    assert isinstance(nlu.get_interpreter(), nlu.LocalInterpreter)
    nlu._cache.clear()
