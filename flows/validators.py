"""Turn what a citizen types in the chat into clean values, or say warmly what to send instead.

Every function here is pure: it reads only its arguments (and the clock when `today` is not
given) and either returns a clean value, raises `Invalid` with an Indonesian re-ask reason, or
raises `Propose` with what it read and a question the citizen confirms (Ya / Bukan).
The reasons are the office's texts (flows/texts.yml `validation:`, read once and cached by
flows.definition.texts), so editing one there changes what the citizen is told.
Messages never repeat a full NIK or No. KK (UU 24/2013 Pasal 79; WhatsApp servers sit abroad,
docs/rules.md §5), so a message can go to the chat, a log or an operator without masking.
"""
from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from bot.core.invalid import Invalid, Propose  # noqa: F401  (validators raise them; callers import them from here)
from flows.definition import texts
from flows.placeholders import fill
from nlu.faq import HARI as DAY_NAMES  # one list of day names for the whole assistant
from nlu.dates import (BULAN_DMY, WEEKDAYS, hijri_month, hijri_to_gregorian, last_weekday, relative_date,
                       spoken_to_digits)


class NotAName(Invalid):
    """A sentence typed where a name is asked ("bapaknya udah meninggal", "belum dikasih nama").

    A subclass of Invalid (re-asked with `message`), so that the engine can tell that the citizen
    answered the question, about the person, rather than started another topic: such a sentence
    often names a service ("meninggal") and must not be taken for a request for it.
    """


class NoNumber(Invalid):
    """The citizen says there is no NIK / No. KK to give ("tidak punya NIK", "WNA", "lupa").

    A subclass of Invalid, so an engine that knows nothing of it re-asks with `message`; one that
    does can decide what such a step does instead. `reason` is "none" (has none: not yet
    registered, or a foreigner) or "forgot" (has one but does not know it now); `kind` "nik" or "kk".
    """

    def __init__(self, message: str, *, kind: str, reason: str):
        """The re-ask reason, which number, and why there is none."""
        super().__init__(message)
        self.kind = kind
        self.reason = reason


@dataclass(frozen=True)
class NikInfo:
    """What a valid NIK says about its holder (area of first registration, birth date, sex)."""

    nik: str
    province_code: str
    regency_code: str
    district_code: str
    birth_date: date
    sex: str


# Kepmendagri 300.2.2-2138/2025 (cahyadsn/wilayah db/wilayah.sql). These are Kemendagri codes,
# the ones printed in NIKs; BPS numbers the Papua provinces differently (e.g. 97), so no 97 here.
# Before the 2022 split 91 was already Papua and 92 Papua Barat, so older NIKs still match.
PROVINCE_CODES: dict[str, str] = {
    "11": "Aceh",
    "12": "Sumatera Utara",
    "13": "Sumatera Barat",
    "14": "Riau",
    "15": "Jambi",
    "16": "Sumatera Selatan",
    "17": "Bengkulu",
    "18": "Lampung",
    "19": "Kepulauan Bangka Belitung",
    "21": "Kepulauan Riau",
    "31": "DKI Jakarta",
    "32": "Jawa Barat",
    "33": "Jawa Tengah",
    "34": "DI Yogyakarta",
    "35": "Jawa Timur",
    "36": "Banten",
    "51": "Bali",
    "52": "Nusa Tenggara Barat",
    "53": "Nusa Tenggara Timur",
    "61": "Kalimantan Barat",
    "62": "Kalimantan Tengah",
    "63": "Kalimantan Selatan",
    "64": "Kalimantan Timur",
    "65": "Kalimantan Utara",
    "71": "Sulawesi Utara",
    "72": "Sulawesi Tengah",
    "73": "Sulawesi Selatan",
    "74": "Sulawesi Tenggara",
    "75": "Gorontalo",
    "76": "Sulawesi Barat",
    "81": "Maluku",
    "82": "Maluku Utara",
    "91": "Papua",
    "92": "Papua Barat",
    "93": "Papua Selatan",
    "94": "Papua Tengah",
    "95": "Papua Pegunungan",
    "96": "Papua Barat Daya",
}

MONTHS_ID = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
)

# Indonesian spellings first; the English ones are there because phones autocorrect to them.
_MONTH_WORDS: dict[str, int] = {}
for _number, _words in enumerate(
    (
        "januari jan january",
        "februari pebruari feb peb february",
        "maret mar march",
        "april apr",
        "mei may",
        "juni jun june",
        "juli jul july",
        "agustus agu agt ags agus aug august",
        "september sep sept",
        "oktober okt oct october",
        "november nopember nov nop",
        "desember des dec december",
    ),
    start=1,
):
    for _word in _words.split():
        _MONTH_WORDS[_word] = _number

# WITA (UTC+8, no daylight saving): the server may run on UTC, where "today" flips 8 hours late.
_WITA = timezone(timedelta(hours=8))

# Zero-width characters arrive with text copied out of other chats and PDFs.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2212"
_SEPARATORS = re.compile(rf"[\s.\-{_DASHES}]+")


def format_date_id(d: date) -> str:
    """Write a date the Indonesian way, e.g. "5 Januari 2026"."""
    return f"{d.day} {MONTHS_ID[d.month - 1]} {d.year}"


def _today() -> date:
    """Today's date in Kutai Timur (WITA)."""
    return datetime.now(_WITA).date()


def _clean(text: str | None) -> str:
    """NFKC-normalise, drop invisible characters and trim (fullwidth digits become ASCII)."""
    return unicodedata.normalize("NFKC", text or "").translate(_INVISIBLE).strip()


def _thousands(n: int) -> str:
    """Group digits with dots as Indonesians write them: 6000 -> "6.000"."""
    return f"{n:,}".replace(",", ".")


def say(key: str, **values) -> str:
    """The re-ask reason `key` of flows/texts.yml's `validation:` texts, its {placeholders} filled."""
    return fill(texts()["validation"][key], values)


# --- NIK and No. KK -----------------------------------------------------------------------------

_NIK_LABEL = re.compile(r"^(?:no(?:mor)?\.?\s*)?(?:nik|kk|kartu keluarga)(?![0-9a-z])\s*(?:saya|sy)?\s*[:=]?\s*", re.I)
# How messages name each number, and where the citizen can read it again (validation: texts).
_NAMES = {"nik": ("id_nik", "id_nik_where"), "kk": ("id_kk", "id_kk_where")}


def _what_where(kind: str) -> tuple[str, str]:
    """The number's name ("NIK") and where it is written ("di KTP atau KK"), as the office words them."""
    what, where = _NAMES[kind]
    return say(what), say(where)


# Saying there is no number to give: "tidak punya NIK", "belum ada", "WNA", "orang asing", "lupa".
_NEGATIONS = {"tidak", "tdk", "tak", "gak", "ga", "gk", "nggak", "ngga", "enggak", "engga", "ndak", "nda",
              "kada", "belum", "blm", "blum", "belom", "balum", "bukan"}
_HAVE = {"punya", "pnya", "py", "ada", "memiliki", "mempunyai", "dapat", "dapet", "terdaftar", "dibuat"}
_FOREIGN = {"wna", "asing", "paspor", "passport", "foreigner", "kitas", "kitap"}
_FORGOT = {"lupa", "hafal", "apal", "ingat", "inget", "tau", "tahu", "tw"}


def _no_number(text: str) -> str | None:
    """"none" or "forgot" when a message says there is no number to give, else None."""
    words = re.findall(r"[a-z]+", _clean(text).lower())
    if len(words) > 12:
        return None
    negated = any(w in _NEGATIONS for w in words)
    if any(w in _FOREIGN for w in words) or (negated and any(w in _HAVE for w in words)):
        return "none"
    if "lupa" in words or (negated and any(w in _FORGOT for w in words)):
        return "forgot"
    return None


def _sixteen_digits(text: str, kind: str) -> str:
    """Strip labels and separators and insist on exactly 16 ASCII digits ("nik" or "kk" names the number)."""
    cleaned = _NIK_LABEL.sub("", _clean(text))
    compact = _SEPARATORS.sub("", cleaned)
    what, where = _what_where(kind)
    if not compact:
        raise Invalid(say("id_missing", what=what, where=where))
    if not re.search(r"[0-9]", compact) and (reason := _no_number(text)):
        raise NoNumber(say(f"id_{reason}", what=what, where=where), kind=kind, reason=reason)
    if not re.fullmatch(r"[0-9]+", compact):
        # Never echo what was sent: it is most of someone's NIK.
        raise Invalid(say("id_not_digits", what=what))
    if len(compact) != 16:
        if len(compact) % 16 == 0:
            raise Invalid(say("id_several", what=what))
        raise Invalid(say("id_length", what=what, where=where, count=len(compact)))
    return compact


def _recheck(kind: str) -> str:
    """The "please check it again where it is written" part of a message about a NIK or No. KK."""
    what, where = _what_where(kind)
    return say("id_recheck", what=what, where=where)


def _check_area(digits: str, kind: str) -> None:
    """Check the province, regency and district parts shared by NIK and No. KK."""
    what, recheck = _what_where(kind)[0], _recheck(kind)
    if digits[:2] not in PROVINCE_CODES:
        raise Invalid(say("id_province", what=what, code=digits[:2], recheck=recheck))
    if digits[2:4] == "00":
        raise Invalid(say("id_regency", what=what, recheck=recheck))
    if digits[4:6] == "00":
        raise Invalid(say("id_district", what=what, recheck=recheck))


def _ddmmyy(day: int, month: int, yy: int, today: date) -> date | None:
    """Decode a 2-digit-year date: 20YY unless that is after today, else 19YY; None if no such day."""
    for year in (2000 + yy, 1900 + yy):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if candidate <= today:
            return candidate
    return None


def parse_nik(text: str, *, today: date | None = None) -> NikInfo:
    """Validate a NIK and decode its area codes, birth date and sex."""
    today = today or _today()
    nik = _sixteen_digits(text, "nik")
    _check_area(nik, "nik")
    day, month, yy = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    # Women's day of birth is stored +40 (41-71); 32-40 and 72+ are never valid.
    sex = "P" if day > 40 else "L"
    birth = _ddmmyy(day - 40 if day > 40 else day, month, yy, today)
    if birth is None:
        raise Invalid(say("nik_birth_date", recheck=_recheck("nik")))
    if nik[12:] == "0000":
        raise Invalid(say("nik_serial_zero", recheck=_recheck("nik")))
    # No 6408 prefix check: an NIK is for life and Kutim has many in-migrants (PP 40/2019 Pasal 30).
    return NikInfo(
        nik=nik,
        province_code=nik[:2],
        regency_code=nik[:4],
        district_code=nik[:6],
        birth_date=birth,
        sex=sex,
    )


def parse_kk(text: str, *, today: date | None = None) -> str:
    """Validate a No. KK (16 digits: area code, registration DDMMYY, serial) and return its digits."""
    today = today or _today()
    kk = _sixteen_digits(text, "kk")
    _check_area(kk, "kk")
    # The KK date is the registration date: unlike the NIK there is no +40 for women.
    if _ddmmyy(int(kk[6:8]), int(kk[8:10]), int(kk[10:12]), today) is None:
        raise Invalid(say("kk_date", recheck=_recheck("kk")))
    if kk[12:] == "0000":
        raise Invalid(say("kk_serial_zero", recheck=_recheck("kk")))
    return kk


# --- Dates --------------------------------------------------------------------------------------

_WEEKDAYS = "|".join(sorted(map(re.escape, WEEKDAYS), key=len, reverse=True))
_DATE_FILLER = re.compile(rf"\b(?:hari|tanggal|tgl|pada|tahun|thn|th|{_WEEKDAYS})\b\.?", re.I)
_DATE_EXAMPLE_DAY = (5, 1)  # the "5/1/2026" style example used in every date message


def _example_date(today: date) -> str:
    """An example past date in the d/m/yyyy form, e.g. "5/1/2026"."""
    day, month = _DATE_EXAMPLE_DAY
    year = today.year if date(today.year, month, day) <= today else today.year - 1
    return f"{day}/{month}/{year}"


def _say_date(key: str, example: str, **values) -> str:
    """A date re-ask reason with its {example} date and that example's {year}."""
    return say(key, example=example, year=example[-4:], **values)


# What people type for "today" and "two days ago" beyond what nlu.dates.relative_date reads.
_TODAY_WORDS = {"sekarang", "skrg", "tadi", "td"}
_TWO_DAYS_AGO = {"lusa kemarin", "kemarin dulu", "kemaren lusa"}


def _relative_date(s: str, today: date) -> tuple[date, str] | None:
    """Resolve "kemarin", "jumat kemarin", "dua minggu yang lalu", "sebulan lalu"; None if not relative.

    The second item says how sure the reading is (nlu.dates.relative_date): "exact", "about" or
    "weekday". The NLU's date finder does the reading, so the chat and the form agree.
    """
    s = re.sub(r"\s+", " ", s).strip(" .,!")
    if s in _TODAY_WORDS:
        return today, "exact"
    if s in _TWO_DAYS_AGO:
        return today - timedelta(days=2), "exact"
    return relative_date(s, today)


def _month_number(word: str) -> int | None:
    """Map an Indonesian or English month name, abbreviation or small typo to 1-12."""
    word = word.lower().strip(".")
    if word in _MONTH_WORDS:
        return _MONTH_WORDS[word]
    if len(word) >= 5:
        # Catches "janauri", "febuari", "agutus" without letting short words match anything.
        names = [name.lower() for name in MONTHS_ID]
        found = process.extractOne(word, names, scorer=fuzz.ratio, score_cutoff=80)
        if found:
            return names.index(found[0]) + 1
    return None


def _expand_year(year_text: str, month: int, day: int, today: date, allow_future: bool) -> int:
    """Turn a typed year into four digits; a 2-digit year is 20YY unless that is implausible."""
    year = int(year_text)
    if len(year_text) != 2:
        return year
    if allow_future:
        # Bookings look ahead a little; "5/1/85" is still 1985.
        return 2000 + year if 2000 + year <= today.year + 20 else 1900 + year
    return 2000 + year if (2000 + year, month, day) <= (today.year, today.month, today.day) else 1900 + year


def _build_date(day: int, month: int, year: int, today: date) -> date:
    """Make a date or explain precisely why that day does not exist."""
    example = _example_date(today)
    if not 1 <= month <= 12:
        raise Invalid(_say_date("date_bad_month", example, month=month))
    if year < 1000:
        raise Invalid(_say_date("date_short_year", example))
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last:
        raise Invalid(say("date_no_such_day", day=day, month=MONTHS_ID[month - 1], year=year, last=last))
    return date(year, month, day)


def _read_date(s: str, today: date, allow_future: bool) -> date:
    """Read an absolute date written day-first in numbers or with a month name."""
    example = _example_date(today)
    by_number = BULAN_DMY.fullmatch(s)
    if by_number:
        day, month = int(by_number.group(1)), int(by_number.group(2))
        year = _expand_year(by_number.group(3), month, day, today, allow_future)
        return _build_date(day, month, year, today)
    iso = re.fullmatch(r"(\d{4})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})", s)
    if iso:
        return _build_date(int(iso.group(3)), int(iso.group(2)), int(iso.group(1)), today)
    numeric = re.fullmatch(r"(\d{1,2})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{4}|\d{2})", s) or re.fullmatch(
        r"(\d{2})(\d{2})(\d{4})", s
    )
    if numeric:
        day, month = int(numeric.group(1)), int(numeric.group(2))
        year = _expand_year(numeric.group(3), month, day, today, allow_future)
        return _build_date(day, month, year, today)
    worded = re.fullmatch(r"(\d{1,2})\s*[-/.]?\s*([a-z]+)\.?\s*[-/.,]?\s*(\d{4}|\d{2})", s)
    if worded:
        month = _month_number(worded.group(2))
        if month is None:
            raise Invalid(_say_date("date_unknown_month", example, month=worded.group(2)[:20]))
        day = int(worded.group(1))
        year = _expand_year(worded.group(3), month, day, today, allow_future)
        return _build_date(day, month, year, today)
    no_year = re.fullmatch(r"\d{1,2}\s*(?:[-/.]\s*\d{1,2}|(?:bulan|bln)\.?\s*\d{1,2}|[-/.]?\s*([a-z]+)\.?)", s)
    if no_year and (no_year.group(1) is None or _month_number(no_year.group(1))):
        raise Invalid(_say_date("date_no_year", example))
    raise Invalid(_say_date("date_unreadable", example))


# Words before a date that change nothing, stripped before the relative phrases are tried again
# ("pada hari jumat kemarin"); anchored, one word after another.
_LEAD_FILLER = re.compile(r"^(?:(?:pada|tanggal|tgl|tepatnya|yaitu|yakni|sekitar|kira-kira|kurang lebih)\b\.?\s*)+")
_WEEKDAY_WORD = re.compile(rf"\b(?:{_WEEKDAYS})\b")
# "kemarin sore", "jumat kemarin malam": the part of the day says nothing about the date.
_DAY_PART = re.compile(r" (?:pagi|siang|sore|petang|malam|subuh|dini hari)$")
_HIJRI_ERA = {"h", "hijriah", "hijriyah", "hijriyyah", "hijri", "hijrah", "ah"}


def _hijri(s: str) -> tuple[int | None, int, int | None] | None:
    """(day, month, year) of a Hijri date ("15 ramadhan 1447", "1 syawal 1446 h"), None if not one."""
    tokens = [t for t in re.split(r"[\s,]+", s.replace(".", " ")) if t and t != "bulan"]
    while tokens and tokens[-1] in _HIJRI_ERA:
        tokens.pop()
    day = year = None
    if tokens and re.fullmatch(r"\d{1,2}", tokens[0]):
        day = int(tokens.pop(0))
    if tokens and re.fullmatch(r"\d{3,4}", tokens[-1]):
        year = int(tokens.pop())
    if not 1 <= len(tokens) <= 3:
        return None
    month = hijri_month(" ".join(tokens))
    return None if month is None else (day, month, year)


def _check_bounds(found: date, today: date, allow_future: bool, earliest: date | None) -> None:
    """Refuse a date after today (unless allowed) or before `earliest`."""
    if found > today and not allow_future:
        raise Invalid(_say_date("date_future", _example_date(today), date=format_date_id(found)))
    if earliest is not None and found < earliest:
        raise Invalid(say("date_too_early", date=format_date_id(found), earliest=format_date_id(earliest)))


def parse_date(
    text: str,
    *,
    today: date | None = None,
    allow_future: bool = False,
    earliest: date | None = None,
) -> date:
    """Read a day-first date ("5/1/2026", "5 Januari 2026", "kemarin") and check its bounds.

    Numbers said in words ("lima januari dua ribu dua puluh enam") are read as digits. Raises
    Propose when the words only point near a date ("sebulan lalu", "bulan lalu", a bare "hari
    jumat") or give a Hijri date (converted with the tabular calendar); its value is the date as
    ISO text ("2026-03-04"), as a flow stores a date answer, so the engine can keep it as it is.
    """
    today = today or _today()
    example = _example_date(today)
    s = _clean(text).lower().replace("\u2019", "'")
    s = re.sub(rf"[{_DASHES}]", "-", s).strip(" .,!?")
    if not s:
        raise Invalid(_say_date("date_missing", example))
    # What was typed, for the question ("Sebulan lalu berarti sekitar …"), then numbers as digits.
    said = _LEAD_FILLER.sub("", re.sub(r"\s+", " ", s)).strip(" .,!")
    s = re.sub(r"\s+", " ", spoken_to_digits(s))
    lead_stripped = _LEAD_FILLER.sub("", s)
    found = (_relative_date(s, today) or _relative_date(lead_stripped, today)
             or _relative_date(_DAY_PART.sub("", lead_stripped), today))
    if found is None:
        # Weekday names and filler ("Senin, tgl 5 Januari 2026") carry nothing; day-first numbers do.
        stripped = re.sub(r"\s+", " ", _DATE_FILLER.sub(" ", s)).strip(" ,.")
        hijri = _hijri(stripped)
        if hijri is not None:
            _hijri_date(hijri, stripped, today, allow_future, earliest)
        # "Jumat kemarin" with words around it must not become plain "kemarin" (a Sunday).
        relative = None if _WEEKDAY_WORD.search(s) else _relative_date(stripped, today)
        found = relative or (_read_date(stripped, today, allow_future), "exact")
    day, how = found
    if how == "weekday" and not allow_future:
        day = last_weekday(day.weekday(), today)
    _check_bounds(day, today, allow_future, earliest)
    if how == "about":
        raise Propose(day.isoformat(), say("date_about", said=said[:1].upper() + said[1:], date=format_date_id(day),
                               example=example))
    if how == "weekday":
        raise Propose(day.isoformat(), say("date_weekday", weekday=DAY_NAMES[day.weekday()], date=format_date_id(day),
                               example=example))
    return day


def _hijri_date(hijri: tuple[int | None, int, int | None], typed: str, today: date, allow_future: bool,
                earliest: date | None) -> None:
    """Propose the Gregorian date of a complete Hijri date; for an incomplete one, ask for the Masehi date."""
    example = _example_date(today)
    day, month, year = hijri
    converted = hijri_to_gregorian(year, month, day) if day and year and 1300 <= year <= 1600 else None
    if converted is None:
        raise Invalid(_say_date("date_hijri", example))
    _check_bounds(converted, today, allow_future, earliest)
    name = HIJRI_MONTH_NAMES[month - 1]
    raise Propose(converted.isoformat(), _say_date("date_hijri_propose", example, hijri=f"{day} {name} {year}",
                                       date=format_date_id(converted)))


HIJRI_MONTH_NAMES = (
    "Muharram", "Safar", "Rabiul Awal", "Rabiul Akhir", "Jumadil Awal", "Jumadil Akhir",
    "Rajab", "Syaban", "Ramadhan", "Syawal", "Zulkaidah", "Zulhijah",
)


# --- Time ---------------------------------------------------------------------------------------

_HOUR_WORDS = {
    "satu": 1, "dua": 2, "tiga": 3, "empat": 4, "lima": 5, "enam": 6, "tujuh": 7,
    "delapan": 8, "sembilan": 9, "sepuluh": 10, "sebelas": 11, "dua belas": 12, "duabelas": 12,
}
_PERIOD = re.compile(r"\b(pagi|subuh|dini hari|siang|sore|petang|malam|am|pm)\b")
_TIME_FILLER = re.compile(r"\b(?:pukul|pkl|jam|jm|sekitar|kira-kira|kurang lebih|kurleb|wita|wib|wit)\b\.?")


def _apply_period(hour: int, period: str | None) -> int:
    """Turn a 12-hour clock reading plus "pagi/siang/sore/malam" into 0-23."""
    if period is None or hour > 12:
        return hour
    if period in ("pagi", "subuh", "dini hari", "am"):
        return hour % 12
    if period == "siang":
        # "Jam 11 siang" is 11:00 but "jam 2 siang" is 14:00.
        return hour if hour >= 10 else hour + 12
    if period in ("sore", "petang", "pm"):
        return hour if hour == 12 else hour + 12
    # Malam: 7-11 are evening, 12 is midnight and 1-5 are the small hours.
    if hour == 12:
        return 0
    return hour + 12 if hour >= 6 else hour


def parse_time(text: str) -> str:
    """Read a clock time ("14.30", "1430", "jam 2 siang", "08.00 WITA") as "HH:MM"."""
    s = _clean(text).lower().strip(" .,!?")
    example = say("time_example")
    if not s:
        raise Invalid(say("time_missing", example=example))
    period_match = _PERIOD.search(s)
    period = period_match.group(1) if period_match else None
    s = _PERIOD.sub(" ", s)
    # The time zone is dropped, not converted: a birth in Java at 08.00 WIB is recorded as 08.00.
    s = _TIME_FILLER.sub(" ", s)
    s = re.sub(r"\s+", " ", s).strip(" .,")
    for word, number in sorted(_HOUR_WORDS.items(), key=lambda item: -len(item[0])):
        s = re.sub(rf"\b{word}\b", str(number), s)
    half = re.fullmatch(r"setengah\s*(\d{1,2})", s)
    if half:
        # "Setengah tiga" is half past two, not half past three.
        hour, minute = (int(half.group(1)) - 1) % 24, 30
    elif match := re.fullmatch(r"(\d{1,2})\s*[.:,\s]\s*(\d{2})", s):
        hour, minute = int(match.group(1)), int(match.group(2))
    elif match := re.fullmatch(r"(\d{1,2})(\d{2})", s):
        hour, minute = int(match.group(1)), int(match.group(2))
    elif match := re.fullmatch(r"(\d{1,2})", s):
        hour, minute = int(match.group(1)), 0
    else:
        raise Invalid(say("time_unreadable", example=example))
    if hour > 23 or minute > 59:
        raise Invalid(say("time_no_such", time=f"{hour:02d}.{minute:02d}", example=example))
    hour = _apply_period(hour, period)
    return f"{hour:02d}:{minute:02d}"


# --- Names --------------------------------------------------------------------------------------

_LOWER_PARTICLES = {"bin", "binti"}


def _title_piece(piece: str) -> str:
    """Capitalise one hyphen-free piece, treating dots and O'-style apostrophes as boundaries."""
    parts = piece.split("'")
    out = [parts[0][:1].upper() + parts[0][1:].lower()]
    for part in parts[1:]:
        # O'Neil keeps its capital; Ma'ruf and Syafi'i do not get one after the apostrophe.
        after_initial = len(out[-1].replace(".", "")) == 1
        out.append(part[:1].upper() + part[1:].lower() if after_initial else part.lower())
    titled = "'".join(out)
    return ".".join(seg[:1].upper() + seg[1:] for seg in titled.split("."))


def _title_word(word: str, first: bool) -> str:
    """Title-case one word, keeping deliberate capitals like "McDonald" or "S.Pd"."""
    letters = [ch for ch in word if ch.isalpha()]
    mixed = any(ch.isupper() for ch in letters) and any(ch.islower() for ch in letters)
    if mixed and letters[0].isupper():
        return word
    if not first and word.lower() in _LOWER_PARTICLES:
        return word.lower()
    return "-".join(_title_piece(piece) for piece in word.split("-"))


# A sentence typed where a name is asked ("bapaknya udah meninggal", "tidak tahu namanya"). Everyday
# function words that no Indonesian name is made of; one alone is not enough (a name may hold one by
# chance), two, or one with a predicate word, make a sentence.
_SENTENCE_WORDS = {
    "udah", "sudah", "sdh", "udh", "sudh", "dah", "belum", "blm", "blum", "belom", "balum", "tidak", "tdk",
    "gak", "ga", "gk", "nggak", "ngga", "enggak", "engga", "ndak", "nda", "kada", "tak", "saya", "sy",
    "aku", "ulun", "gw", "gue", "kami", "kita", "beliau", "yg", "karena", "krn", "soalnya", "kalau", "kalo",
    "sedang", "lagi", "masih", "mau", "akan", "bisa", "harus", "pernah", "juga", "sih", "dong", "deh",
    "kok", "gatau", "gatahu", "gktau", "entah", "siapa", "apa", "sama", "dengan", "dgn", "untuk",
    "utk", "sejak", "waktu", "dari", "di", "ke",
}
# "-nya" words: whose name it is ("bapaknya", "namanya"). Names ending in -nya (Sonya, Anya) are not here.
_SENTENCE_OWNERS = {
    "namanya", "bapaknya", "bapanya", "ayahnya", "ibunya", "mamanya", "mamaknya", "emaknya", "abahnya",
    "papanya", "anaknya", "suaminya", "istrinya", "orangnya", "orangtuanya", "kakaknya", "adiknya", "dianya",
    "beliaunya", "ortunya",
}
# Predicates: with one word above they make a sentence ("belum dikasih", "sudah meninggal").
_SENTENCE_VERBS = {
    "meninggal", "meninggl", "wafat", "mati", "hilang", "pergi", "cerai", "bercerai", "kabur", "minggat",
    "tinggal", "kerja", "bekerja", "merantau", "ikut", "lahir", "dikasih", "dikasi", "diberi", "kasih",
    "punya", "lupa", "ada", "ingat", "inget", "kenal", "jelas", "diketahui", "dunia", "tau", "tahu", "nama",
    "dinamai", "ketahuan", "dikenal",
}
# A one-word answer that says "no" or "unknown" rather than a name.
_NOT_A_NAME = {"tidak", "tdk", "gak", "ga", "gk", "nggak", "ngga", "enggak", "engga", "belum", "blm",
               "gatau", "gatahu", "gktau", "entah", "kosong", "meninggal", "wafat", "nama", "namanya"}
# Greetings and courtesy words before a name that are not part of it on the KTP ("Pak Rahman",
# "Alm. Budi"). H., Hj., Haji, Hajjah, Drs., Dr. are part of KTP names and are kept as typed.
_GREETINGS = {
    "pak", "bapak", "bpk", "bp", "ibu", "bu", "ibuk", "buk", "almarhum", "almarhumah", "alm", "almh",
    "almrh", "sdr", "sdri", "saudara", "saudari", "tuan", "tn", "nyonya", "ny", "nona", "kak", "kakak",
    "bang", "abang", "om", "tante", "mbah", "kakek", "nenek", "pakde", "bude", "bunda",
}
# Greetings that are also the start of some names ("Mas Ayu", "Kang" rarely): on Bukan the name is
# kept as typed instead of asked again.
_GREETINGS_IN_NAMES = {"mas", "mbak", "mba", "kang", "cak", "bli"}
# "nama saya …", "namanya …", "nama ayah: …": a label before the name, dropped.
_NAME_LABEL_HEAD = {"nama", "namanya", "nm"}
_NAME_LABEL_WORDS = {"saya", "sy", "aku", "ulun", "anak", "anaknya", "ayah", "ayahnya", "bapaknya", "ibunya",
                     "suami", "suaminya", "istri", "istrinya", "lengkap", "lengkapnya", "adalah", "ialah",
                     "yaitu", "yakni", "beliau"}


def _words(s: str) -> list[str]:
    """The lower-case words of `s`, without dots, commas and colons ("Bpk." -> "bpk")."""
    return [w for w in (t.strip(".,:;'\"!?").lower() for t in s.split()) if w]


def _drop_label(s: str) -> str:
    """Drop "nama saya", "namanya", "nama ayah:" before a name; the text itself when there is none."""
    tokens = s.split(" ")
    if len(tokens) < 2 or tokens[0].strip(":").lower() not in _NAME_LABEL_HEAD:
        return s
    i = 1
    while i < len(tokens) - 1 and tokens[i].strip(":").lower() in _NAME_LABEL_WORDS:
        i += 1
    rest = " ".join(tokens[i:]).lstrip(":=- ").strip()
    return rest or s


def _is_sentence(words: list[str]) -> bool:
    """Whether these words read as a sentence about someone rather than as a name."""
    if len(words) == 1:
        return words[0] in _NOT_A_NAME
    markers = sum(w in _SENTENCE_WORDS or w in _SENTENCE_OWNERS for w in words)
    verbs = sum(w in _SENTENCE_VERBS for w in words)
    return markers >= 2 or (markers >= 1 and verbs >= 1)


def _tidy_name(s: str) -> str:
    """Sensible Title Case, ", " before academic titles ("Budi Santoso,S.Pd" -> "Budi Santoso, S.Pd")."""
    s = re.sub(r"\s*,\s*", ", ", s).strip(" ,'-")
    s = s.lstrip(".").strip()
    words = s.split(" ")
    return " ".join(_title_word(word, i == 0) for i, word in enumerate(words))


def parse_name(text: str) -> str:
    """Tidy a person's name (single spaces, sensible Title Case) or say what is wrong with it.

    A sentence ("bapaknya udah meninggal") is refused with its own reason; a greeting before the
    name ("Pak Rahman", "Alm. Budi") raises Propose with the name without it.
    """
    s = _clean(text)
    s = re.sub("[\u2018\u2019\u0060\u00b4\u02bc]", "'", s)
    s = re.sub(rf"[{_DASHES}]", "-", s)
    s = re.sub(r"\s+", " ", s).strip()
    ask = say("name_ask")
    if not s:
        raise Invalid(say("name_empty", ask=ask))
    s = _drop_label(s)
    if _is_sentence(_words(s)):
        raise NotAName(say("name_sentence", ask=ask))
    if any(ch.isdigit() for ch in s):
        raise Invalid(say("name_digits", ask=ask))
    letters = sum(ch.isalpha() for ch in s)
    if letters == 0 and any(unicodedata.category(ch).startswith("S") for ch in s):
        raise Invalid(say("name_only_symbols", ask=ask))
    odd = {ch for ch in s if not (ch.isalpha() or unicodedata.category(ch).startswith("M") or ch in " '-.,")}
    if odd:
        raise Invalid(say("name_odd_characters", ask=ask))
    if letters < 2:
        raise Invalid(say("name_too_short", ask=ask))
    if letters < len(s.replace(" ", "")) / 2:
        raise Invalid(say("name_punctuation", ask=ask))
    if len(s) > 100:
        raise Invalid(say("name_too_long", length=len(s), ask=ask))
    tokens = s.split(" ")
    greetings = 0
    while greetings < len(tokens) and _words(tokens[greetings])[:1] and (
            _words(tokens[greetings])[0] in _GREETINGS | _GREETINGS_IN_NAMES):
        greetings += 1
    if greetings == len(tokens):
        raise Invalid(say("name_title_only", ask=ask))
    if greetings:
        name = _tidy_name(" ".join(tokens[greetings:]))
        if sum(ch.isalpha() for ch in name) < 2:
            raise Invalid(say("name_too_short", ask=ask))
        maybe_name = any(_words(t)[0] in _GREETINGS_IN_NAMES for t in tokens[:greetings])
        raise Propose(name, say("name_without_title", name=name), fallback=_tidy_name(s) if maybe_name else None)
    return _tidy_name(s)


# --- E-mail -------------------------------------------------------------------------------------

_EMAIL_LABELS = {"email", "e-mail", "surel", "saya", "sy", "ini", "adalah", "yaitu", "nya", ":", "-"}
_EMAIL_LOCAL = re.compile(r"[a-z0-9._%+\-]+")
# Starts only where a run of domain characters starts: searched, the plain form restarted at
# every label of "a.a.a.…" and rescanned the rest (quadratic). fullmatch() is unaffected.
_EMAIL_DOMAIN = re.compile(
    r"(?<![a-z0-9.-])(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})")
_POPULAR_DOMAINS = ("gmail.com", "yahoo.com", "yahoo.co.id", "hotmail.com", "outlook.com", "icloud.com")
# Real providers one typo away from a popular one must not be "corrected".
_KNOWN_DOMAINS = set(_POPULAR_DOMAINS) | {
    "mail.com", "email.com", "ymail.com", "gmx.com", "live.com", "aol.com", "yahoo.co.uk",
    "outlook.co.id", "hotmail.co.id", "yahoo.co.jp", "proton.me", "protonmail.com",
}
_BAD_TLDS = {"con", "cmo", "comm", "coom", "vom", "xom", "cpm", "ocm"}


def parse_email(text: str) -> str:
    """Lower-case and sanity-check an e-mail address the finished documents will be sent to."""
    example = say("email_example")
    s = _clean(text).lower()
    s = re.sub(r"^mailto:", "", s).strip("<>()[] .,;")
    if not s:
        raise Invalid(say("email_missing", example=example))
    words = s.split()
    if len(words) > 1:
        with_at = [w for w in words if "@" in w]
        rest = [w.strip(":") for w in words if "@" not in w]
        # "email saya budi@gmail.com" is fine; "budi santoso@gmail.com" is not ours to guess.
        if len(with_at) == 1 and all(w in _EMAIL_LABELS or not w for w in rest):
            s = with_at[0].strip("<>()[] .,;")
        else:
            raise Invalid(say("email_spaces", example=example))
    if "@" not in s:
        raise Invalid(say("email_no_at", example=example))
    if s.count("@") > 1:
        raise Invalid(say("email_many_at", example=example))
    local, domain = s.split("@")
    if not local:
        raise Invalid(say("email_no_local", example=example))
    if (
        len(local) > 64
        or not _EMAIL_LOCAL.fullmatch(local)
        or local.startswith(".")
        or local.endswith(".")
        or ".." in local
    ):
        raise Invalid(say("email_bad_local", example=example))
    if not domain or len(s) > 254 or not _EMAIL_DOMAIN.fullmatch(domain):
        raise Invalid(say("email_bad_domain", domain=domain[:40], example=example))
    if domain not in _KNOWN_DOMAINS:
        near = min(_POPULAR_DOMAINS, key=lambda known: Levenshtein.distance(domain, known))
        if Levenshtein.distance(domain, near) <= 2 or domain.rsplit(".", 1)[1] in _BAD_TLDS:
            # The akta PDF is e-mailed (docs/rules.md §0), so a "gmial.com" means a lost document.
            suggestion = near if Levenshtein.distance(domain, near) <= 2 else domain.rsplit(".", 1)[0] + ".com"
            raise Invalid(say("email_typo", address=f"{local}@{suggestion}", example=example))
    return s


# --- Phone numbers ------------------------------------------------------------------------------

_PHONE_LABEL = re.compile(
    r"^(?:no(?:mor)?\.?\s*)?(?:hp|wa|whatsapp|telp|telepon|tlp|tel|handphone)?\.?\s*(?:saya|sy)?\s*[:=]?\s*"
)


def parse_phone(text: str) -> str:
    """Normalise an Indonesian phone number ("0812-3456-7890", "+62 812...") to "+6281234567890"."""
    example = say("phone_example")
    s = _PHONE_LABEL.sub("", _clean(text).lower())
    s = re.sub(rf"[\s.\-()/{_DASHES}]", "", s)
    if not s:
        raise Invalid(say("phone_missing", example=example))
    if not re.fullmatch(r"\+?[0-9]+", s):
        raise Invalid(say("phone_not_digits", example=example))
    if s.startswith("+"):
        if not s.startswith("+62"):
            raise Invalid(say("phone_foreign", example=example))
        national = s[3:]
    elif s.startswith("0062"):
        national = s[4:]
    elif s.startswith("62"):
        # Nobody writes a national number starting with 62 without its 0, so 62 is the country code.
        national = s[2:]
    elif s.startswith("0"):
        national = s[1:]
    else:
        # "812..." without the leading 0 is how some people copy numbers out of contact lists.
        national = s
    # "+62 0812..." happens when people add the country code but keep the trunk 0.
    national = national[1:] if national.startswith("0") else national
    typed = len(national) + 1  # counted the way people write it, with the leading 0
    if national.startswith("8"):
        if len(national) < 9:
            raise Invalid(say("phone_too_short", count=typed, example=example))
        if len(national) > 12:
            raise Invalid(say("phone_too_long", count=typed, example=example))
    elif national[:1] in set("2345679"):
        # Landlines: a 2-3 digit area code (0549 is Sangatta) plus a 5-8 digit subscriber number.
        if not 7 <= len(national) <= 11:
            raise Invalid(say("phone_landline_length", count=typed, example=example))
    else:
        raise Invalid(say("phone_unknown", example=example))
    return "+62" + national


# --- Whole numbers ------------------------------------------------------------------------------

_NUMBER_WORDS = {
    "pertama": 1, "kesatu": 1, "satu": 1, "kedua": 2, "dua": 2, "ketiga": 3, "tiga": 3,
    "keempat": 4, "empat": 4, "kelima": 5, "lima": 5, "keenam": 6, "enam": 6,
    "ketujuh": 7, "tujuh": 7, "kedelapan": 8, "delapan": 8, "kesembilan": 9, "sembilan": 9,
    "kesepuluh": 10, "sepuluh": 10, "kesebelas": 11, "sebelas": 11,
}
_BIG_UNITS = {"gram": ("kg", "kilo", 1000), "g": ("kg", "kilo", 1000), "cm": ("m", "meter", 100)}


def _to_decimal(number: str, decimal_allowed: bool) -> Decimal | None:
    """Read "3.200", "3,2" or "1.250,5" Indonesian-style; None when a fraction is not allowed."""
    if "." in number and "," in number:
        number = number.replace(".", "").replace(",", ".")
    elif re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", number) and not decimal_allowed:
        # "3.200 gram" and "3,200 gram" both mean three thousand two hundred.
        number = re.sub(r"[.,]", "", number)
    else:
        number = number.replace(",", ".")
        if number.count(".") > 1:
            return None
    try:
        return Decimal(number)
    except InvalidOperation:
        return None


def parse_int(text: str, *, low: int, high: int, unit: str = "") -> int:
    """Read one whole number ("3", "ke-3", "kedua", "3.200 gram", "3,2 kg") and check its range."""

    def with_unit(value: str) -> str:
        """A number (or range) followed by the step's unit, when it has one."""
        return say("number_with_unit", value=value, unit=unit) if unit else value

    wanted = with_unit(say("number_range", low=_thousands(low), high=_thousands(high)))
    s = _clean(text).lower()
    if not s:
        raise Invalid(say("number_missing", wanted=wanted))
    scale = 1
    if unit.lower() in _BIG_UNITS:
        short, long, factor = _BIG_UNITS[unit.lower()]
        if re.search(rf"\d\s*{short}\b|\b{long}", s) and not re.search(rf"\d\s*{re.escape(unit.lower())}\b", s):
            scale = factor
    numbers = re.findall(r"\d+(?:[.,]\d+)*", s)
    if len(numbers) > 1:
        raise Invalid(say("number_several", wanted=wanted))
    if numbers:
        value = _to_decimal(numbers[0], decimal_allowed=scale > 1)
        if value is None:
            raise Invalid(say("number_unreadable", wanted=wanted))
        if re.search(rf"(?:^|[^\w])[-{_DASHES}]\s*{re.escape(numbers[0])}", s) and not re.search(r"\bke\s*-", s):
            value = -value
        value *= scale
    else:
        words = [_NUMBER_WORDS[w] for w in re.findall(r"[a-z]+", s) if w in _NUMBER_WORDS]
        if len(words) != 1:
            raise Invalid(say("number_not_digits", wanted=wanted))
        value = Decimal(words[0])
    if value != value.to_integral_value():
        raise Invalid(say("number_not_whole", wanted=wanted))
    if value.adjusted() >= 100:
        # Over a hundred digits is out of any range asked for, and turning a long number into an int
        # and back into text takes time quadratic in its length (past 4,300 digits, an error).
        raise Invalid(say("number_missing", wanted=wanted))
    number = int(value)
    if not low <= number <= high:
        raise Invalid(say("number_out_of_range", wanted=wanted, sent=with_unit(_thousands(number))))
    return number


# --- Yes / no -----------------------------------------------------------------------------------

_YES = {
    "ya", "iya", "y", "yes", "yup", "yep", "betul", "benar", "bener", "ok", "oke", "okay", "okey", "okee",
    "sip", "siap", "sudah", "sdh", "udah", "udh", "sudh", "ada", "boleh", "setuju", "lanjut", "mau",
    "👍", "✅", "👌",
}
_NO = {
    "tidak", "tdk", "gak", "ga", "gk", "nggak", "ngga", "enggak", "engga", "ndak", "nda", "no", "n",
    "belum", "blm", "blum", "belom", "bukan", "jangan", "kada", "balum", "nope", "👎", "❌",
}
# After a negation these words flip to a no ("tidak ada", "belum boleh"); "ya" itself never does.
_NEGATABLE = {"ada", "sudah", "sdh", "udah", "udh", "boleh", "mau", "setuju", "benar", "betul", "bener", "lanjut"}
# Words that surround a yes or no without changing it ("iya kak", "belum ada pak").
_FILLER = {
    "kak", "ka", "min", "pak", "bu", "bapak", "ibu", "mas", "mbak", "bang", "dik", "om", "tante", "dong",
    "sih", "deh", "kok", "aja", "saja", "saya", "sy", "aku", "ulun", "nih", "ini", "itu", "juga", "masih",
    "memang", "emang", "kah", "lah", "terima", "kasih", "makasih", "mksh", "tq",
}


def _squeezed(word: str) -> str:
    """Collapse every run of a repeated letter: "iyaaa" -> "iya", "nggaaa" -> "nga"."""
    return re.sub(r"(.)\1+", r"\1", word)


_BY_SQUEEZED = {_squeezed(word): word for word in _YES | _NO}


def _squeeze(word: str) -> str:
    """Undo stretched letters ("iyaaa", "gakkk") that chat users type for emphasis."""
    return word if word in _YES or word in _NO else _BY_SQUEEZED.get(_squeezed(word), word)


def parse_yes_no(text: str) -> bool:
    """Read "ya"/"tidak" and their chat variants as True/False."""
    s = _clean(text).lower()
    tokens = [_squeeze(t) for t in re.findall(r"[a-z]+|[^\w\s.,!?]", s)]
    yes = no = False
    unknown = 0
    negate_next = False
    for token in tokens:
        if token in _NO:
            no, negate_next = True, True
            continue
        if token in _YES:
            # "tidak ada" / "belum boleh" are a no: the negation swallows the word after it.
            if not (negate_next and token in _NEGATABLE):
                yes = True
        elif token not in _FILLER and not unicodedata.category(token[0]).startswith(("S", "M", "C", "P")):
            unknown += 1
        negate_next = False
    ask = say("yes_no_ask")
    if yes and no:
        raise Invalid(say("yes_no_both", ask=ask))
    if unknown > 2 or not (yes or no):
        raise Invalid(say("yes_no_unknown", ask=ask))
    return yes
