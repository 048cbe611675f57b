"""Dates as people type them in Indonesian chat, resolved against a given `today`."""
from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

MONTHS = {
    "januari": 1, "jan": 1, "februari": 2, "pebruari": 2, "feb": 2, "peb": 2, "maret": 3,
    "mar": 3, "april": 4, "apr": 4, "mei": 5, "juni": 6, "jun": 6, "juli": 7, "jul": 7,
    "agustus": 8, "agt": 8, "agu": 8, "agus": 8, "aug": 8, "september": 9, "sep": 9, "sept": 9,
    "oktober": 10, "okt": 10, "oct": 10, "november": 11, "nov": 11, "nop": 11,
    "desember": 12, "des": 12, "dec": 12,
}
WEEKDAYS = {"senin": 0, "selasa": 1, "rabu": 2, "kamis": 3, "jumat": 4, "jum'at": 4,
            "jumaat": 4, "sabtu": 5, "minggu": 6, "ahad": 6}

_MONTH_ALT = "|".join(sorted(MONTHS, key=len, reverse=True))
_DAY_ALT = "|".join(sorted((re.escape(d) for d in WEEKDAYS), key=len, reverse=True))

# Order matters: longer, more specific forms first; a span taken is not matched again.
_NUMERIC_DMY = re.compile(r"(?<![\d/.\-])(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})(?![\d/.\-])")
_NUMERIC_YMD = re.compile(r"(?<![\d/.\-])(\d{4})-(\d{1,2})-(\d{1,2})(?![\d/.\-])")
_WORD_DATE = re.compile(
    rf"\b(\d{{1,2}})\s*(?:-\s*)?({_MONTH_ALT})\.?(?:\s*(?:-\s*)?(\d{{4}}|'?\d{{2}})(?!\d))?\b",
    re.I)
_N_AGO = re.compile(
    r"\b(\d{1,3}|se|satu|dua|tiga|empat|lima|enam|tujuh)\s*(hari|hr|minggu|mgg|pekan|bulan|bln|"
    r"tahun|thn)\s+(?:yang\s+|yg\s+)?(lalu|lalu2|kemarin|kemaren|kmrn|silam)\b", re.I)
_RELATIVE = re.compile(
    r"\b(kemarin\s+lusa|kemaren\s+lusa|hari\s+ini|hr\s+ini|tadi\s+(?:pagi|siang|sore|malam)|"
    r"semalam|td\s+pagi|kemarin|kemaren|kmrn|kmren|besok\s+lusa|lusa|besok|bsk|besuk|"
    r"minggu\s+(?:lalu|kemarin|kemaren|kmrn|depan)|pekan\s+(?:lalu|depan)|"
    r"bulan\s+(?:lalu|kemarin|kemaren|depan)|bln\s+(?:lalu|depan)|tahun\s+lalu)\b", re.I)
_WEEKDAY = re.compile(
    rf"\b(?:(hari|hr)\s+)?({_DAY_ALT})(?:\s+(lalu|kemarin|kemaren|kmrn|depan|besok|ini))?\b", re.I)
_SMALL_NUMBERS = {"se": 1, "satu": 1, "dua": 2, "tiga": 3, "empat": 4, "lima": 5, "enam": 6,
                  "tujuh": 7}


def _year(raw: str | None, today: date) -> int:
    """A 4-digit year from what was typed; two digits are 20xx unless that is in the future."""
    if not raw:
        return today.year
    raw = raw.lstrip("'")
    if len(raw) == 4:
        return int(raw)
    year = 2000 + int(raw)
    return year if year <= today.year + 1 else year - 100


def _safe(y: int, m: int, d: int) -> date | None:
    """A date, or None when the numbers do not make one (31 Feb, month 13)."""
    try:
        return date(y, m, d)
    except ValueError:
        return None


def add_months(day: date, months: int) -> date:
    """The same day of the month `months` later (clamped to the month's last day)."""
    idx = day.year * 12 + day.month - 1 + months
    y, m = divmod(idx, 12)
    return date(y, m + 1, min(day.day, calendar.monthrange(y, m + 1)[1]))


def _relative(phrase: str, today: date) -> date:
    """Resolve a relative word ("kemarin", "minggu lalu", …) against today."""
    p = re.sub(r"\s+", " ", phrase.lower())
    if p.startswith(("hari ini", "hr ini", "tadi", "td ", "semalam")):
        # "semalam" is last night: the same calendar day for anyone writing in the morning,
        # yesterday for anyone writing late at night; with only a date we say yesterday.
        return today - timedelta(days=1) if p == "semalam" else today
    if "lusa" in p and p.startswith(("kemarin", "kemaren")):
        return today - timedelta(days=2)
    if "lusa" in p and p.startswith("besok"):
        return today + timedelta(days=3)
    if p == "lusa":
        return today + timedelta(days=2)
    if p in ("kemarin", "kemaren", "kmrn", "kmren"):
        return today - timedelta(days=1)
    if p in ("besok", "bsk", "besuk"):
        return today + timedelta(days=1)
    sign = 1 if p.endswith("depan") else -1
    if p.startswith(("minggu", "pekan")):
        return today + timedelta(days=7 * sign)
    if p.startswith(("bulan", "bln")):
        return add_months(today, sign)
    return add_months(today, -12)  # tahun lalu


def _ago(count: str, unit: str, today: date) -> date:
    """Resolve "3 hari yang lalu", "seminggu lalu", "2 bulan lalu"."""
    n = int(count) if count.isdigit() else _SMALL_NUMBERS[count.lower()]
    unit = unit.lower()
    if unit in ("hari", "hr"):
        return today - timedelta(days=n)
    if unit in ("minggu", "mgg", "pekan"):
        return today - timedelta(days=7 * n)
    if unit in ("bulan", "bln"):
        return add_months(today, -n)
    return add_months(today, -12 * n)


def _weekday(m: re.Match, today: date) -> date | None:
    """Resolve "senin kemarin", "hari jumat", "sabtu depan"; a bare day name is the next one."""
    hari, day, when = m.group(1), m.group(2).lower(), (m.group(3) or "").lower()
    if day == "minggu" and not hari:
        return None  # bare "minggu" is nearly always "week"; only "hari minggu" is Sunday
    target = WEEKDAYS[day]
    delta = (target - today.weekday()) % 7
    if when in ("lalu", "kemarin", "kemaren", "kmrn"):
        back = (today.weekday() - target) % 7 or 7
        return today - timedelta(days=back)
    if when in ("depan",):
        return today + timedelta(days=delta or 7)
    return today + timedelta(days=delta)


def find_dates(text: str, today: date) -> list[tuple[int, int, str, dict]]:
    """All dates in `text`: (start, end, ISO value, extras) with offsets into `text`."""
    out: list[tuple[int, int, str, dict]] = []
    # 1 for each character already inside a date: a check costs the candidate's length, not the
    # number of dates found so far.
    taken = bytearray(len(text))

    def add(s: int, e: int, value: date | None, **extra) -> None:
        """Keep a candidate unless an earlier (preferred) one covers it."""
        if value is not None and taken.find(1, s, e) < 0:
            taken[s:e] = b"\x01" * (e - s)
            out.append((s, e, value.isoformat(), extra))

    for m in _NUMERIC_YMD.finditer(text):
        add(m.start(), m.end(), _safe(int(m.group(1)), int(m.group(2)), int(m.group(3))))
    for m in _NUMERIC_DMY.finditer(text):
        add(m.start(), m.end(),
            _safe(_year(m.group(3), today), int(m.group(2)), int(m.group(1))))
    for m in _WORD_DATE.finditer(text):
        month = MONTHS[m.group(2).lower()]
        add(m.start(), m.end(), _safe(_year(m.group(3), today), month, int(m.group(1))))
    for m in _N_AGO.finditer(text):
        add(m.start(), m.end(), _ago(m.group(1), m.group(2), today))
    for m in _WEEKDAY.finditer(text):
        add(m.start(), m.end(), _weekday(m, today), weekday=WEEKDAYS[m.group(2).lower()])
    for m in _RELATIVE.finditer(text):
        add(m.start(), m.end(), _relative(m.group(1), today))
    out.sort()
    return out
