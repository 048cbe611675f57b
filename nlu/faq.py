"""FAQ answers built from config.yml (office facts) and the office's texts (nlu/faq.yml).

`answer(intent, entities, config, now)` returns a short, warm Indonesian reply for the FAQ
intents and None for everything else (those belong to the dialogue). Office facts (hours,
address, durations, requirements, paper) come only from the config passed in; every sentence
the citizen reads comes from nlu/faq.yml (checked when it is loaded, see `load_texts`).
"""
from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays as calendars
import yaml

from bot.core import text_check
from bot.core.text import fill

from .interpreter import FAQ_INTENTS

TEXTS_PATH = Path(__file__).resolve().with_name("faq.yml")

# Every key nlu/faq.yml must have. A text's value is the set of {placeholders} filled there.
TEXTS: dict[str, frozenset] = {k: frozenset(v) for k, v in {
    "date": {"weekday", "day", "month", "year"},
    "bullet": {"item"},
    "hours_asked_open": {"date", "opens", "closes", "zone"},
    "hours_asked_closed": {"date"},
    "hours_asked_holiday": {"date", "holiday"},
    "hours_holiday_today": {"holiday"},
    "hours_open_now": {"closes", "zone"},
    "hours_closed_now": set(),
    "hours_closed_now_reopens": {"when", "zone"},
    "reopens_today": {"time"},
    "reopens_tomorrow": {"weekday", "time"},
    "reopens_later": {"date", "time"},
    "hours_schedule": {"schedule"},
    "schedule_days": {"first", "last"},
    "schedule_open": {"days", "opens", "closes", "zone"},
    "schedule_closed": {"days"},
    "schedule_holidays": set(),
    "holidays_soon": {"holidays"},
    "holiday_item": {"date", "name"},
    "holiday_local": set(),
    "hours_online": {"services"},
    "location_office": {"office_name"},
    "location_office_name": set(),
    "location_map": {"map_url"},
    "location_online": {"services"},
    "location_district": set(),
    "location_in_person": {"services"},
    "location_contacts": {"phone", "whatsapp", "email"},
    "contact_unset": set(),
    "cost": {"what"},
    "cost_service": {"title"},
    "cost_all": set(),
    "print_intro": set(),
    "print_qr": set(),
    "duration_list": {"services"},
    "duration_list_item": {"title", "duration"},
    "duration_list_ask": set(),
    "duration_list_unknown": set(),
    "duration_service": {"title", "duration"},
    "duration_unknown": set(),
    "duration_deadline": {"deadline"},
    "duration_deadlines": {"deadlines"},
    "requirements_choose": {"services"},
    "requirements_title": {"title"},
    "requirements_religion": {"note"},
    "requirements_online": set(),
    "requirements_office": set(),
    "requirements_booked": set(),
    "requirements_free": set(),
    "lost_any": {"ktp_print", "kartu_keluarga", "akta"},
    "damaged_any": {"ktp_print", "kartu_keluarga", "akta"},
    "greet_salam": set(),
    "out_of_scope_topic": {"office"},
    "out_of_scope": set(),
}.items()}
# Keys whose value is a mapping of these keys to texts without placeholders.
TEXT_GROUPS: dict[str, tuple[str, ...]] = {
    # What to do when a document is lost (practice in Dukcapil offices; docs/rules.md §1).
    "lost": ("ktp_print", "kartu_keluarga", "kia", "akta"),
    "damaged": ("ktp_print", "kartu_keluarga", "kia", "akta"),
    # Who records a Muslim's marriage (KUA) and divorce (Pengadilan Agama), and what this office
    # still does (UU 23/2006 Pasal 34(4) and 40; nlu.interpreter.MUSLIM_ELSEWHERE).
    "muslim": ("marriage_certificate", "akta_perceraian"),
    # Where the things this office does not do are handled, by the entity "topic"
    # (domain knowledge, not office config).
    "other_offices": ("paspor", "sim", "bpjs", "samsat", "pertanahan", "skck", "npwp",
                      "disnaker", "bansos", "pindah", "buku_nikah"),
    # How each Indonesian time zone is written after a time.
    "zone_labels": ("Asia/Makassar", "Asia/Jakarta", "Asia/Pontianak", "Asia/Jayapura"),
}
# Keys whose value is a list of this many names.
TEXT_LISTS: dict[str, int] = {"days": 7, "months": 12}


class FaqTextsError(ValueError):
    """nlu/faq.yml is unreadable or does not fit what the code reads; the message names each
    problem with the file and the key."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def check_texts(data) -> list[str]:
    """The problems of nlu/faq.yml's parsed data: unknown or missing keys, a value of the wrong
    kind, a {placeholder} that is not filled there."""
    groups = {key: dict.fromkeys(subs, frozenset()) for key, subs in TEXT_GROUPS.items()}
    return text_check.check_texts(data, TEXTS, groups, TEXT_LISTS)


def _display(path: Path) -> str:
    """The file's path relative to the project when it is inside it."""
    try:
        return str(path.resolve().relative_to(TEXTS_PATH.parent.parent))
    except ValueError:
        return str(path)


@cache
def load_texts(path: Path = TEXTS_PATH) -> dict:
    """nlu/faq.yml (or another file of the same keys), read once and checked; FaqTextsError
    names the file and each bad, unknown or missing key."""
    name = _display(Path(path))
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise FaqTextsError([f"{name}: cannot be read: {exc}"]) from exc
    problems = check_texts(data)
    if problems:
        raise FaqTextsError([f"{name}: {p}" for p in problems])
    return data


def texts() -> dict:
    """The texts in use: those of TEXTS_PATH (cached per file)."""
    return load_texts(Path(TEXTS_PATH))


# One list of day names for the whole assistant (flows import it).
HARI = list(texts()["days"])

_AKTA = {"akta_kelahiran", "akta_kematian", "akta_perceraian", "marriage_certificate"}


def _services(config: dict) -> dict:
    """The services section of config.yml."""
    return config.get("services", {}) or {}


def _office(config: dict) -> dict:
    """The office section of config.yml."""
    return config.get("office", {}) or {}


def _first(entities: list[dict], kind: str):
    """The first entity of a kind, or None."""
    return next((e for e in entities if e.get("entity") == kind), None)


def _service(entities: list[dict], config: dict) -> str | None:
    """The config key of the first service the message names (if the office offers it)."""
    e = _first(entities, "service")
    return e["value"] if e and e["value"] in _services(config) else None


def _title(config: dict, key: str) -> str:
    """A service's display title."""
    return _services(config).get(key, {}).get("title", key)


def _bullets(items) -> str:
    """A bulleted list, one item a line."""
    return "\n".join(fill(texts()["bullet"], {"item": item}) for item in items)


def _choices(config: dict) -> str:
    """A short bulleted list of the services, to ask which one is meant."""
    return _bullets(s.get("title", k) for k, s in _services(config).items())


# ---------------------------------------------------------------------------- office hours

def _hours(config: dict) -> dict[int, tuple[time, time]]:
    """Weekday → (open, close); YAML may give the weekday keys as ints or strings."""
    out = {}
    for day, span in (_office(config).get("hours") or {}).items():
        if span:
            start, end = (time.fromisoformat(str(x)) for x in span)
            out[int(day)] = (start, end)
    return out


def _local_holidays(config: dict) -> dict[date, str]:
    """The office's own closing days (config.yml office.holidays): each an ISO date, or a
    mapping {date, name}; the name is "" when none is given."""
    out = {}
    for item in _office(config).get("holidays") or []:
        if isinstance(item, dict):
            out[date.fromisoformat(str(item["date"]))] = str(item.get("name") or "")
        else:
            out[date.fromisoformat(str(item))] = ""
    return out


@cache
def _national(year: int, cuti_bersama: bool) -> dict[date, str]:
    """Indonesia's national holidays of a year (and its cuti bersama, the `government` category
    of the `holidays` library), named in Indonesian. Islamic dates the government has not fixed
    yet are the library's estimates, named "(perkiraan)"."""
    categories = ("public", "government") if cuti_bersama else ("public",)
    return dict(calendars.country_holidays("ID", years=year, categories=categories, language="id"))


def holiday_name(day: date, config: dict) -> str | None:
    """Why the office is closed on `day` although it is a working day, or None: one of the
    office's own closures (config.yml office.holidays), a national holiday, or cuti bersama
    (office.national_holidays / office.cuti_bersama turn those two off)."""
    local = _local_holidays(config)
    if day in local:
        return local[day] or texts()["holiday_local"]
    office = _office(config)
    if office.get("national_holidays", True) is False:
        return None
    return _national(day.year, office.get("cuti_bersama", True) is not False).get(day)


def _tz(config: dict) -> ZoneInfo:
    """The office's time zone (default WITA)."""
    return ZoneInfo(_office(config).get("timezone") or "Asia/Makassar")


def _zone_label(config: dict) -> str:
    """WITA / WIB / WIT for the office's time zone."""
    return texts()["zone_labels"].get(_office(config).get("timezone") or "Asia/Makassar", "")


def _hhmm(t: time) -> str:
    """08.00 (Indonesian style)."""
    return t.strftime("%H.%M")


def _tanggal(d: date) -> str:
    """Senin, 16 Maret 2026."""
    t = texts()
    return fill(t["date"], {"weekday": t["days"][d.weekday()], "day": d.day,
                            "month": t["months"][d.month - 1], "year": d.year})


def _local(now: datetime, config: dict) -> datetime:
    """`now` in the office's zone (a naive datetime is taken as office time)."""
    tz = _tz(config)
    return now.replace(tzinfo=tz) if now.tzinfo is None else now.astimezone(tz)


def open_on(day: date, config: dict) -> tuple[time, time] | None:
    """Opening hours on a date, or None when the office is closed that day."""
    if holiday_name(day, config):
        return None
    return _hours(config).get(day.weekday())


def next_opening(now: datetime, config: dict) -> datetime | None:
    """When the office next opens after `now` (None if no opening within 30 days)."""
    now = _local(now, config)
    for offset in range(31):
        day = now.date() + timedelta(days=offset)
        span = open_on(day, config)
        if span is None:
            continue
        opens = datetime.combine(day, span[0], tzinfo=now.tzinfo)
        if opens > now:
            return opens
    return None


def is_open(now: datetime, config: dict) -> bool:
    """Whether the office is open at `now`."""
    now = _local(now, config)
    span = open_on(now.date(), config)
    return bool(span and span[0] <= now.time() < span[1])


def _schedule(config: dict) -> str:
    """The weekly schedule, consecutive days with equal hours grouped ("Senin–Kamis")."""
    t = texts()
    hours = _hours(config)
    zone = _zone_label(config)
    lines, day = [], 0
    while day < 7:
        span = hours.get(day)
        end = day
        while end + 1 < 7 and hours.get(end + 1) == span:
            end += 1
        days = t["days"][day] if end == day else fill(
            t["schedule_days"], {"first": t["days"][day], "last": t["days"][end]})
        if span:
            lines.append(fill(t["schedule_open"], {"days": days, "opens": _hhmm(span[0]),
                                                   "closes": _hhmm(span[1]), "zone": zone}).rstrip())
        else:
            lines.append(fill(t["schedule_closed"], {"days": days}))
        day = end + 1
    lines.append(t["schedule_holidays"])
    return "\n".join(lines)


def _when(opens: datetime, now: datetime) -> str:
    """'hari ini pukul 08.00', 'besok (Selasa) pukul 08.00' or 'Senin, 16 Maret 2026 pukul 08.00'."""
    t = texts()
    delta = (opens.date() - now.date()).days
    clock = _hhmm(opens.time())
    if delta == 0:
        return fill(t["reopens_today"], {"time": clock})
    if delta == 1:
        return fill(t["reopens_tomorrow"], {"weekday": t["days"][opens.weekday()], "time": clock})
    return fill(t["reopens_later"], {"date": _tanggal(opens.date()), "time": clock})


def answer_hours(entities: list[dict], config: dict, now: datetime) -> str:
    """Whether the office is open now (or on the day asked about), and when it next opens."""
    t = texts()
    now = _local(now, config)
    zone = _zone_label(config)
    asked = _first(entities, "date")
    parts = []
    if asked and date.fromisoformat(asked["value"]) != now.date():
        day = date.fromisoformat(asked["value"])
        span = open_on(day, config)
        if span:
            parts.append(fill(t["hours_asked_open"], {
                "date": _tanggal(day), "opens": _hhmm(span[0]), "closes": _hhmm(span[1]),
                "zone": zone}))
        elif holiday_name(day, config) and _hours(config).get(day.weekday()):
            parts.append(fill(t["hours_asked_holiday"], {"date": _tanggal(day),
                                                         "holiday": holiday_name(day, config)}))
        else:
            parts.append(fill(t["hours_asked_closed"], {"date": _tanggal(day)}))
    today = holiday_name(now.date(), config)
    if today and _hours(config).get(now.weekday()):
        parts.append(fill(t["hours_holiday_today"], {"holiday": today}))
    if is_open(now, config):
        closes = open_on(now.date(), config)[1]
        parts.append(fill(t["hours_open_now"], {"closes": _hhmm(closes), "zone": zone}))
    else:
        opens = next_opening(now, config)
        parts.append(fill(t["hours_closed_now_reopens"], {"when": _when(opens, now), "zone": zone})
                     if opens else t["hours_closed_now"])
    parts.append(fill(t["hours_schedule"], {"schedule": _schedule(config)}))
    soon = _holidays_soon(now.date(), config)
    if soon:
        parts.append(fill(t["holidays_soon"], {"holidays": soon}))
    online = _online_titles(config)
    if online:
        parts.append(fill(t["hours_online"], {"services": online}))
    return "\n\n".join(parts)


def _holidays_soon(today: date, config: dict, days: int = 14) -> str:
    """The holidays of the next `days` days that fall on working days, one line each."""
    t = texts()
    hours = _hours(config)
    lines = []
    for offset in range(1, days + 1):
        day = today + timedelta(days=offset)
        name = holiday_name(day, config) if hours.get(day.weekday()) else None
        if name:
            lines.append(fill(t["holiday_item"], {"date": _tanggal(day), "name": name}))
    return "\n".join(lines)


def _online_titles(config: dict) -> str:
    """The titles of the services done in the chat, joined ("Akta Kelahiran, Akta Kematian")."""
    return ", ".join(s.get("title", k) for k, s in _services(config).items() if s.get("online"))


def _in_person_titles(config: dict) -> str:
    """The titles of the services done only at the office."""
    return ", ".join(s.get("title", k) for k, s in _services(config).items() if not s.get("online"))


# A contact value that is a stand-in, not the office's: "(0549) 000000", "+62 811-0000-0000",
# "08xx-xxxx", "[verify]".
_PLACEHOLDER = re.compile(r"0{6}|0000-0000|x{3}|\[verify\]|contoh|example", re.I)


def is_unset(value) -> bool:
    """Whether a contact from config.yml is missing, empty or an obvious placeholder."""
    text = str(value or "").strip()
    return not text or bool(_PLACEHOLDER.search(text))


def contact(config: dict, key: str) -> str:
    """An office contact (phone, whatsapp, email, website) from config.yml, or faq.yml
    contact_unset ("belum diatur") when the office has not set it yet (or left a placeholder)."""
    value = _office(config).get(key)
    return texts()["contact_unset"] if is_unset(value) else str(value).strip()


# ---------------------------------------------------------------------------- other answers

def answer_location(entities: list[dict], config: dict) -> str:
    """Address and map link; online services need no visit."""
    t = texts()
    office = _office(config)
    lines = [fill(t["location_office"],
                  {"office_name": office.get("name", t["location_office_name"])}),
             office.get("address", "")]
    if office.get("map_url"):
        lines.append(fill(t["location_map"], {"map_url": office["map_url"]}))
    text = "\n".join(x for x in lines if x)
    text += "\n" + fill(t["location_contacts"], {key: contact(config, key)
                                                  for key in ("phone", "whatsapp", "email")})
    online = _online_titles(config)
    if online:
        text += "\n\n" + fill(t["location_online"], {"services": online})
    in_person = _in_person_titles(config)
    if in_person:
        text += "\n\n" + fill(t["location_in_person"], {"services": in_person})
    if _first(entities, "kecamatan") or _first(entities, "desa") or _first(entities, "town"):
        text += "\n\n" + t["location_district"]
    return text


def answer_cost(entities: list[dict], config: dict) -> str:
    """Always free, and the warning against calo (UU 24/2013 Pasal 79A and 95B)."""
    t = texts()
    key = _service(entities, config)
    what = fill(t["cost_service"], {"title": _title(config, key)}) if key else t["cost_all"]
    return fill(t["cost"], {"what": what})


def answer_print(config: dict) -> str:
    """Paper, colour and legalisation facts for self-printed documents."""
    t = texts()
    p = config.get("print", {}) or {}
    lines = [t["print_intro"]]
    items = [p[key] for key in ("paper", "color", "legalisir") if p.get(key)]
    if items:
        lines.append(_bullets(items))
    lines.append(t["print_qr"])
    return "\n".join(lines)


def answer_duration(entities: list[dict], config: dict) -> str:
    """Processing time of the service named, or the services to choose from."""
    t = texts()
    key = _service(entities, config)
    if not key:
        lines = [fill(t["duration_list_item"], {
            "title": s.get("title", k), "duration": s.get("duration", t["duration_list_unknown"])})
            for k, s in _services(config).items()]
        text = fill(t["duration_list"], {"services": "\n".join(lines)})
        deadlines = [fill(t["duration_list_item"], {"title": s.get("title", k), "duration": s["deadline"]})
                     for k, s in _services(config).items() if s.get("deadline")]
        if deadlines:
            text += "\n\n" + fill(t["duration_deadlines"], {"deadlines": "\n".join(deadlines)})
        return text + "\n\n" + t["duration_list_ask"]
    s = _services(config)[key]
    text = fill(t["duration_service"], {"title": s.get("title", key),
                                        "duration": s.get("duration", t["duration_unknown"])})
    if s.get("deadline"):
        text += "\n\n" + fill(t["duration_deadline"], {"deadline": s["deadline"]})
    return text


def answer_requirements(entities: list[dict], config: dict) -> str:
    """Requirements of the service named (with the religion rule), or a list to choose from."""
    t = texts()
    key = _service(entities, config)
    if not key:
        return fill(t["requirements_choose"], {"services": _choices(config)})
    s = _services(config)[key]
    lines = [fill(t["requirements_title"], {"title": s.get("title", key)})]
    if s.get("requirements"):
        lines.append(_bullets(s["requirements"]))
    text = "\n".join(lines)
    if s.get("religion_note"):
        text += "\n\n" + fill(t["requirements_religion"], {"note": s["religion_note"]})
    if s.get("deadline"):
        text += f"\n\n{s['deadline']}"
    # Done in person, with a flow (config.yml `flow:`): the flow books the visit (flows/booking.py).
    text += "\n\n" + t["requirements_online" if s.get("online") else
                        "requirements_booked" if s.get("flow") else "requirements_office"]
    return text + "\n\n" + t["requirements_free"]


def answer_lost(entities: list[dict], config: dict) -> str:
    """What to do when a document is lost, or damaged (a `condition` of rusak: no police letter)."""
    condition = _first(entities, "condition")
    damaged = bool(condition and condition["value"] == "rusak")
    words = texts()["damaged" if damaged else "lost"]
    key = _service(entities, config)
    if key in words:
        return words[key]
    if key in _AKTA:
        text = words["akta"]
        note = _services(config).get(key, {}).get("religion_note")
        return f"{text}\n\n{note}" if note and key == "marriage_certificate" else text
    return fill(texts()["damaged_any" if damaged else "lost_any"],
                {k: words[k] for k in ("ktp_print", "kartu_keluarga", "akta")})


def _muslim_elsewhere(entities: list[dict], config: dict) -> str | None:
    """Where a Muslim's marriage or divorce is recorded, when the message names Islam and one of
    those services only (nlu.interpreter.apply_rules sends such requests here too)."""
    religions = {e["value"] for e in entities if e.get("entity") == "religion"}
    services = {e["value"] for e in entities if e.get("entity") == "service"}
    muslim = texts()["muslim"]
    if religions == {"islam"} and len(services) == 1 and next(iter(services)) in muslim:
        return muslim[next(iter(services))]
    return None


def answer_greeting(entities: list[dict]) -> str | None:
    """"Waalaikumsalam …" when the message greets with assalamualaikum (a `salam` entity), to
    be said before the welcome or the answer; None otherwise."""
    return texts()["greet_salam"] if _first(entities, "salam") else None


def answer_out_of_scope(entities: list[dict], config: dict) -> str:
    """Politely say which office handles it, or what this assistant can do."""
    t = texts()
    topic = _first(entities, "topic")
    if topic and topic["value"] in t["other_offices"]:
        return fill(t["out_of_scope_topic"], {"office": t["other_offices"][topic["value"]]})
    return t["out_of_scope"]


def answer(intent: str, entities: list[dict], config: dict, now: datetime) -> str | None:
    """The FAQ reply for an intent, or None when the intent is not a FAQ; "Waalaikumsalam"
    first when the message greets with assalamualaikum."""
    text = _answer(intent, entities, config, now)
    salam = answer_greeting(entities)
    return f"{salam}\n\n{text}" if text is not None and salam else text


def _answer(intent: str, entities: list[dict], config: dict, now: datetime) -> str | None:
    """The FAQ reply for an intent, or None when the intent is not a FAQ."""
    if intent in FAQ_INTENTS and (elsewhere := _muslim_elsewhere(entities, config)):
        return elsewhere
    if intent == "ask_hours":
        return answer_hours(entities, config, now)
    if intent == "ask_location":
        return answer_location(entities, config)
    if intent == "ask_cost":
        return answer_cost(entities, config)
    if intent == "ask_print":
        return answer_print(config)
    if intent == "ask_duration":
        return answer_duration(entities, config)
    if intent == "ask_requirements":
        return answer_requirements(entities, config)
    if intent == "ask_lost_document":
        return answer_lost(entities, config)
    if intent == "out_of_scope":
        return answer_out_of_scope(entities, config)
    return None
