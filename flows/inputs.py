"""Turning one inbound message into the answer a step asks for, or a specific re-ask reason."""
import re
from datetime import date

from rapidfuzz import fuzz, process, utils

from flows import validators as v
from flows.definition import Step, texts
from flows.placeholders import fill
from flows.validators import Invalid, Propose
from nlu.regions import read_place, written_place

SKIP_WORDS = {"lewati", "skip", "lewat", "tidak ada", "tdk ada", "ga ada", "gak ada", "nggak ada",
              "-", "tidak", "tdk", "tidak punya", "ngga ada", "enggak ada", "kosong"}
MISSING_WORDS = {"belum ada", "blm ada", "belum", "blm", "nanti", "nanti saja", "tidak ada",
                 "tdk ada", "ga ada", "gak ada", "nggak ada", "hilang", "tidak punya", "lewati",
                 "belum punya", "missing"}


# "Skip this" where the question must be answered (other skip words, "tidak ada", are answers there).
SKIP_ONLY_WORDS = {"lewati", "lewat", "skip", "lompati", "lewati saja", "skip aja", "lewatin"}
# "I don't know", for a step whose answer the law lets be unknown (unknown_ok).
UNKNOWN_WORDS = {"tidak tahu", "tdk tahu", "tidak tau", "tdk tau", "gak tahu", "gak tau", "ga tahu", "ga tau",
                 "nggak tahu", "nggak tau", "ngga tau", "enggak tahu", "gatau", "gk tau", "gk tahu", "lupa",
                 "saya lupa", "sy lupa", "tidak ingat", "tdk ingat", "tidak diketahui", "tdk diketahui",
                 "belum tahu", "blm tau", "tidak tahu pak", "tidak tahu bu", "tidak tahu persis",
                 "tidak tahu namanya", "tdk tau namanya", "gak tau namanya", "ga tau namanya", "nggak tahu namanya",
                 "tidak diketahui namanya", "belum ada", "blm ada", "belum punya", "blm punya", "belum ada nik", "tidak tahu jamnya", "tidak tahu tanggalnya", "tidak tahu nik nya",
                 "tidak tahu niknya", "gak tau niknya"}
UNKNOWN = {"unknown": True}
_MULTI_SPLIT = re.compile(r",|;|/|&|\+|\bdan\b|\bsama\b|\bserta\b")


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
    if step.options.get("unknown_ok") and clean(text) in UNKNOWN_WORDS | {"unknown:" + step.id}:
        return dict(UNKNOWN)
    if not step.optional and clean(text) in SKIP_ONLY_WORDS:
        words = texts()
        raise Invalid(words["skip_not_allowed"] + (" " + words["skip_say_unknown"] if step.options.get("unknown_ok") else ""))
    if step.kind in ("choice",):
        return match_choice(step, raw or "")
    if step.kind == "multi_choice":
        return match_choices(step, raw or "")
    if step.kind in ("yes_no", "consent"):
        return _yes_no(raw or "")
    parser = PARSERS[step.kind]
    try:
        return parser(step, text, today)
    except v.NoNumber as err:
        if step.options.get("unknown_ok") and not (err.reason == "none" and step.options.get("if_none")):
            return dict(UNKNOWN)  # "belum punya NIK" where the law lets it be unknown (a newborn)
        raise


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


def match_choices(step: Step, raw: str) -> list[str]:
    """Several options at once ("1, 3", "lahir dan pindah"), as ids in the order of the choices."""
    said = clean(raw)
    count = len(step.choices)
    pieces = [p.strip() for p in _MULTI_SPLIT.split(said) if p.strip()] if said else []
    if len(pieces) == 1 and re.fullmatch(r"[0-9 ]+", pieces[0]) and " " in pieces[0]:
        pieces = pieces[0].split()  # "1 3"
    if not pieces:
        raise Invalid(v.say("multi_reask", options=_numbered(step), count=count))
    wrong = [p for p in pieces if p.isdigit() and not 1 <= int(p) <= count]
    if wrong:
        raise Invalid(v.say("multi_out_of_range", numbers=", ".join(wrong), count=count))
    chosen = set()
    for piece in pieces:
        try:
            chosen.add(match_choice(step, piece))
        except Invalid:
            raise Invalid(v.say("multi_unknown", said=piece[:40], options=_numbered(step), count=count)) from None
    return [c["id"] for c in step.choices if c["id"] in chosen]


def _numbered(step: Step) -> str:
    """The options as '1. Title' lines."""
    return "\n".join(v.say("choice_option", number=i, title=o["title"]) for i, o in enumerate(step.choices, 1))


def _place(step: Step, text: str, today: date) -> str:
    """A city, regency or Kutai Timur kecamatan/desa, written properly; a guess is confirmed first."""
    value = _text(step, text, today)
    typed = written_place(value)
    found = read_place(value, step.options.get("scope", "any"))
    if found is not None and found.exact:
        return found.value
    words = texts()["validation"]
    if found is not None:
        raise Propose(found.value, fill(words["place_propose"], place=found.value), fallback=typed)
    raise Propose(typed, fill(words["place_unknown"], place=typed))


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
    "place": _place,
}
