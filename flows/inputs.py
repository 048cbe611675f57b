"""Turning one inbound message into the answer a step asks for, or a specific re-ask reason."""
import re
from datetime import date

from rapidfuzz import fuzz, process, utils

from flows import validators as v
from flows.definition import Step, texts
from flows.validators import Invalid

SKIP_WORDS = {"lewati", "skip", "lewat", "tidak ada", "tdk ada", "ga ada", "gak ada", "nggak ada",
              "-", "tidak", "tdk", "tidak punya", "ngga ada", "enggak ada", "kosong"}
MISSING_WORDS = {"belum ada", "blm ada", "belum", "blm", "nanti", "nanti saja", "tidak ada",
                 "tdk ada", "ga ada", "gak ada", "nggak ada", "hilang", "tidak punya", "lewati",
                 "belum punya", "missing"}


def clean(text: str | None) -> str:
    """Lower-case, trimmed text with inner whitespace folded, for matching words."""
    return re.sub(r"\s+", " ", (text or "").strip().lower()).strip(" .!?")


def parse_answer(step: Step, event, today: date):
    """The value this event gives the step (JSON-safe), or raise Invalid with the reason."""
    if step.kind == "photo":
        return _photo(step, event)
    if event.kind == "file":
        raise Invalid(texts()["file_not_expected"])
    raw = event.button if event.kind == "button" else event.text
    text = (raw or "").strip()
    if step.optional and clean(text) in SKIP_WORDS | {"skip:" + step.id}:
        return None
    if step.kind in ("choice",):
        return match_choice(step, raw or "")
    if step.kind in ("yes_no", "consent"):
        return _yes_no(raw or "")
    parser = PARSERS[step.kind]
    return parser(step, text, today)


def _photo(step: Step, event):
    """A stored upload, or 'still missing' when the step allows it."""
    if event.kind == "file":
        return {"upload_id": event.upload["id"], "name": event.upload.get("name"),
                "content_type": event.upload.get("content_type")}
    said = clean(event.button if event.kind == "button" else event.text)
    if step.missing_ok and (said in MISSING_WORDS or said == "missing:" + step.id):
        return {"missing": True}
    raise Invalid(texts()["not_a_photo"])


def _yes_no(raw: str) -> bool:
    """Buttons 'yes'/'no' or a typed ya/tidak (agree/disagree for consent)."""
    said = clean(raw)
    if said in ("yes", "agree", "setuju", "saya setuju", "sy setuju"):
        return True
    if said in ("no", "disagree", "tidak setuju", "tdk setuju", "gak setuju", "ga setuju"):
        return False
    return v.parse_yes_no(said)


def match_choice(step: Step, raw: str) -> str:
    """The chosen option's id, from a button id, a number, its title or a known word."""
    said = clean(raw)
    options = step.choices
    for opt in options:
        if said == str(opt["id"]).lower() or said == clean(opt["title"]):
            return opt["id"]
    if said.isdigit() and 1 <= int(said) <= len(options):
        return options[int(said) - 1]["id"]
    words = {}
    for opt in options:
        for word in [opt["title"], *opt.get("match", [])]:
            words[clean(word)] = opt["id"]
    if said in words:
        return words[said]
    # Typos ("perempuan" as "prempuan"); a cutoff so that nonsense is re-asked, not guessed.
    found = process.extractOne(said, list(words), scorer=fuzz.WRatio, processor=utils.default_process,
                               score_cutoff=86) if said else None
    if found:
        return words[found[0]]
    numbered = ", ".join(v.say("choice_option", number=i, title=o["title"]) for i, o in enumerate(options, 1))
    raise Invalid(v.say("choice_reask", options=numbered))


def _text(step: Step, text: str, today: date) -> str:
    """Free text: something must be written, and not a novel."""
    value = re.sub(r"\s+", " ", text).strip()
    if len(value) < 2:
        raise Invalid(v.say("text_too_short"))
    if len(value) > step.options.get("max_length", 200):
        raise Invalid(v.say("text_too_long"))
    return value


def _date(step: Step, text: str, today: date) -> str:
    """A date as ISO text, within the step's bounds."""
    earliest = step.options.get("earliest")
    return v.parse_date(text, today=today, allow_future=bool(step.options.get("allow_future")),
                        earliest=date.fromisoformat(earliest) if earliest else None).isoformat()


def _number(step: Step, text: str, today: date) -> int:
    """A whole number within the step's low..high."""
    return v.parse_int(text, low=step.options.get("low", 0), high=step.options.get("high", 10**6),
                       unit=step.options.get("unit", ""))


PARSERS = {
    "text": _text,
    "name": lambda step, text, today: v.parse_name(text),
    "date": _date,
    "time": lambda step, text, today: v.parse_time(text),
    "nik": lambda step, text, today: v.parse_nik(text, today=today).nik,
    "kk": lambda step, text, today: v.parse_kk(text, today=today),
    "email": lambda step, text, today: v.parse_email(text),
    "phone": lambda step, text, today: v.parse_phone(text),
    "number": _number,
}
