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
# "1 - 8 - 2025", "1 . 8 . 2025": one optional space on each side of the separator.
_SPACED_DMY = re.compile(r"(?<![\d/.\-])(\d{1,2}) ?[/.\-] ?(\d{1,2}) ?[/.\-] ?(\d{4}|\d{2})(?![\d/.\-])")
# "tgl 12 bulan 6 thn 2022", "3 bln 2 2026": the month given as a number after "bulan".
BULAN_DMY = re.compile(
    r"\b(\d{1,2})\s*(?:bulan|bln)\.?\s*(\d{1,2})\s*(?:,\s*)?(?:(?:tahun|thn|th)\.?\s*)?(\d{4}|\d{2})(?!\d)", re.I)
_NUMERIC_YMD = re.compile(r"(?<![\d/.\-])(\d{4})-(\d{1,2})-(\d{1,2})(?![\d/.\-])")
# "5 juni 2020", "tgl 5 bulan juni 2020", "17 agustus tahun 2020": "bulan" may name the month and
# "tahun" the year.
_WORD_DATE = re.compile(
    rf"\b(\d{{1,2}})\s*(?:-\s*)?(?:(?:bulan|bln)\.?\s+)?({_MONTH_ALT})\.?"
    rf"(?:\s*(?:-\s*)?(?:(?:tahun|thn)\.?\s*)?(\d{{4}}|'?\d{{2}})(?!\d))?\b",
    re.I)
# "tgl 3 bulan dua tahun 2026": the month number said in words after "bulan".
_MONTH_WORDS = {"satu": 1, "dua": 2, "tiga": 3, "empat": 4, "lima": 5, "enam": 6, "tujuh": 7,
                "delapan": 8, "sembilan": 9, "sepuluh": 10, "sebelas": 11, "dua belas": 12}
_BULAN_WORD_DMY = re.compile(
    r"\b(\d{1,2})\s*(?:bulan|bln)\.?\s+(dua\s+belas|satu|dua|tiga|empat|lima|enam|tujuh|delapan|"
    r"sembilan|sepuluh|sebelas)\s*(?:,\s*)?(?:(?:tahun|thn|th)\.?\s*)?(\d{4})(?!\d)", re.I)
_N_AGO = re.compile(
    r"\b(\d{1,3}|se|satu|dua|tiga|empat|lima|enam|tujuh)\s*(hari|hr|minggu|mgg|pekan|bulan|bln|"
    r"tahun|thn)\s+(?:yang\s+|yg\s+)?(lalu|lalu2|lau|yll|kemarin|kemaren|kmrn|silam)\b", re.I)
_RELATIVE = re.compile(
    r"\b(kemarin\s+lusa|kemaren\s+lusa|hari\s+ini|hr\s+ini|tadi\s+(?:pagi|siang|sore|malam)|"
    r"semalam|td\s+pagi|kemarin|kemaren|kmrn|kmren|besok\s+lusa|lusa|besok|bsk|besuk|"
    r"minggu\s+(?:lalu|kemarin|kemaren|kmrn|depan)|pekan\s+(?:lalu|depan)|"
    r"bulan\s+(?:lalu|kemarin|kemaren|depan)|bln\s+(?:lalu|depan)|tahun\s+lalu)\b", re.I)
_WEEKDAY = re.compile(
    rf"\b(?:(hari|hr)\s+)?({_DAY_ALT})(?:\s+(lalu|kemarin|kemaren|kmrn|depan|besok|ini))?\b", re.I)
_SMALL_NUMBERS = {"se": 1, "satu": 1, "dua": 2, "tiga": 3, "empat": 4, "lima": 5, "enam": 6,
                  "tujuh": 7}


# --- Numbers said in words, as voice typing writes them ("dua ribu dua puluh enam") -------------
UNIT_WORDS = {"satu": 1, "dua": 2, "tiga": 3, "empat": 4, "lima": 5, "enam": 6, "tujuh": 7,
              "delapan": 8, "sembilan": 9}
NUMBER_WORDS = frozenset(UNIT_WORDS) | {"sepuluh", "sebelas", "seratus", "seribu", "belas", "puluh",
                                        "ratus", "ribu"}
# Full month names only: "dua des" or "lima mar" are too likely to be something else.
_FULL_MONTHS = {"januari": 1, "februari": 2, "pebruari": 2, "maret": 3, "april": 4, "mei": 5,
                "juni": 6, "juli": 7, "agustus": 8, "september": 9, "oktober": 10, "november": 11,
                "nopember": 11, "desember": 12}
_WORD = re.compile(r"[a-z]+", re.I)


def take_number(words: list[str], i: int) -> tuple[int, int] | None:
    """The number said in words from words[i] on: (value, index after its last word), or None.

    Takes the longest run that makes one number: "dua puluh satu" is 21, "lima dua" stops after
    "lima", "seribu sembilan ratus delapan puluh tujuh" is 1987, "dua ribu dua puluh enam" 2026.
    """
    total = current = 0
    last = ""  # the kind of the word before: "unit", "teen" (sepuluh, belas, sebelas), "mult"
    unit = 0
    j = i
    while j < len(words):
        w = words[j]
        if w in UNIT_WORDS:
            if last in ("unit", "teen"):
                break
            unit = UNIT_WORDS[w]
            current, last = current + unit, "unit"
        elif w == "puluh" and last == "unit" and (current - unit) % 100 == 0:
            current, last = current - unit + 10 * unit, "mult"
        elif w == "belas" and last == "unit" and (current - unit) % 100 == 0:
            current, last = current + 10, "teen"
        elif w == "ratus" and last == "unit" and current == unit:
            current, last = 100 * unit, "mult"
        elif w in ("sepuluh", "sebelas") and last != "unit" and current % 100 == 0:
            current, last = current + (10 if w == "sepuluh" else 11), "teen"
        elif w == "seratus" and last == "" and current == 0:
            current, last = 100, "mult"
        elif w == "ribu" and last != "" and 0 < current < 1000 and total == 0:
            total, current, last = current * 1000, 0, "mult"
        elif w == "seribu" and last == "" and total == current == 0:
            total, last = 1000, "mult"
        else:
            break
        j += 1
    if j == i:
        return None
    return total + current, j


def _numbers_in_run(words: list[str]) -> list[int | str]:
    """Every number in a run of number words, left to right; a word no number starts with stays a word."""
    out: list[int | str] = []
    i = 0
    while i < len(words):
        taken = take_number(words, i)
        if taken is None:
            out.append(words[i])
            i += 1
            continue
        out.append(taken[0])
        i = taken[1]
    return out


def spoken_to_digits(text: str) -> str:
    """`text` with numbers said in words written in digits ("lima januari dua ribu" -> "5 januari 2000").

    A year said in two halves after a month or "tahun" ("sembilan belas delapan puluh tujuh") is joined
    into one (1987). Only for short answers: the whole text is rebuilt.
    """
    out: list[str] = []
    pos = 0
    words = list(_WORD.finditer(text))
    k = 0
    while k < len(words):
        if words[k].group().lower() not in NUMBER_WORDS:
            k += 1
            continue
        end = k + 1
        # A run: number words separated only by spaces.
        while (end < len(words) and words[end].group().lower() in NUMBER_WORDS
               and not text[words[end - 1].end():words[end].start()].strip()):
            end += 1
        numbers = _numbers_in_run([w.group().lower() for w in words[k:end]])
        before = words[k - 1].group().lower() if k else ""
        if (len(numbers) == 2 and numbers[0] in (19, 20) and isinstance(numbers[1], int) and numbers[1] <= 99
                and (before in MONTHS or before in ("tahun", "thn", "th"))):
            numbers = [numbers[0] * 100 + numbers[1]]
        out.append(text[pos:words[k].start()])
        out.append(" ".join(str(n) for n in numbers))
        pos = words[end - 1].end()
        k = end
    out.append(text[pos:])
    return "".join(out)


def _spoken_dates(text: str, today: date):
    """(start, end, date) for dates with a month name and a day or year said in words.

    "lima januari dua ribu dua puluh enam", "dua puluh satu april", "5 januari dua ribu dua puluh
    enam". The words are read around each month name (a bounded window), so the cost stays linear.
    """
    for m in _WORD.finditer(text):
        month = _FULL_MONTHS.get(m.group().lower())
        if month is None:
            continue
        # The day: the number words (or digits) just before the month.
        before = list(re.finditer(r"[a-z]+|\d+", text[max(0, m.start() - 60):m.start()], re.I))
        base = max(0, m.start() - 60)
        day_words: list[re.Match] = []
        for w in reversed(before):
            gap_end = day_words[0].start() if day_words else m.start() - base
            if text[base + w.end():base + gap_end].strip() or w.group().lower() not in NUMBER_WORDS:
                break
            day_words.insert(0, w)
        day = start = None
        for cut in range(max(0, len(day_words) - 3), len(day_words)):
            words = [w.group().lower() for w in day_words[cut:]]
            taken = take_number(words, 0)
            if taken and taken[1] == len(words) and 1 <= taken[0] <= 31:
                day, start = taken[0], base + day_words[cut].start()
                break
        digit_day = None
        if day is None:
            digit_day = re.search(r"(?<!\d)(\d{1,2}) ?$", text[max(0, m.start() - 4):m.start()])
            if digit_day is None:
                continue
            day = int(digit_day.group(1))
            start = max(0, m.start() - 4) + digit_day.start(1)
        # The year: number words (or four digits) just after the month, "tahun" allowed between.
        after_at = m.end()
        label = re.match(r"\s+(?:tahun|thn)\b", text[after_at:after_at + 12], re.I)
        if label:
            after_at += label.end()
        after = list(re.finditer(r"[a-z]+", text[after_at:after_at + 120], re.I))
        run: list[str] = []
        for w in after:
            gap_start = (after[len(run) - 1].end() if run else 0)
            if text[after_at + gap_start:after_at + w.start()].strip() or w.group().lower() not in NUMBER_WORDS:
                break
            run.append(w.group().lower())
        end, year = m.end(), None
        if run:
            numbers = _numbers_in_run(run[:8])
            taken = take_number(run, 0)
            if taken and 1900 <= taken[0] <= 2100:
                year, end = taken[0], after_at + after[taken[1] - 1].end()
            elif len(numbers) >= 2 and numbers[0] in (19, 20) and isinstance(numbers[1], int) and numbers[1] <= 99:
                first = take_number(run, 0)[1]
                second = take_number(run, first)[1]
                year, end = numbers[0] * 100 + numbers[1], after_at + after[second - 1].end()
        if year is None:
            digits = re.match(r"\s+(\d{4})(?!\d)", text[after_at:after_at + 8])
            if digits:
                year, end = int(digits.group(1)), after_at + digits.end()
        if digit_day is not None and not run:
            continue  # all digits: _WORD_DATE reads it
        yield start, end, _safe(year or today.year, month, day)


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
    for pattern in (_NUMERIC_DMY, _SPACED_DMY, BULAN_DMY):
        for m in pattern.finditer(text):
            add(m.start(), m.end(),
                _safe(_year(m.group(3), today), int(m.group(2)), int(m.group(1))))
    for m in _BULAN_WORD_DMY.finditer(text):
        month = _MONTH_WORDS[re.sub(r"\s+", " ", m.group(2).lower())]
        add(m.start(), m.end(), _safe(int(m.group(3)), month, int(m.group(1))))
    for s, e, value in _spoken_dates(text, today):
        add(s, e, value)
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


def relative_date(phrase: str, today: date) -> tuple[date, str] | None:
    """The date a whole relative phrase names, and how sure that is; None when it is not one.

    The second item is "exact" ("kemarin", "3 hari lalu", "dua minggu yang lalu", "jumat kemarin"),
    "about" (a month or a year back: "sebulan lalu", "bulan lalu", "tahun lalu") or "weekday"
    (a bare day name, "hari jumat", read as the next one as the finder reads it; a form asking for
    a past date turns it into the last one).
    """
    p = re.sub(r"\s+", " ", phrase.strip().lower())
    if m := _N_AGO.fullmatch(p):
        about = m.group(2).lower() in ("bulan", "bln", "tahun", "thn")
        return _ago(m.group(1), m.group(2), today), "about" if about else "exact"
    if (m := _WEEKDAY.fullmatch(p)) and (found := _weekday(m, today)) is not None:
        return found, "exact" if m.group(3) else "weekday"
    if m := _RELATIVE.fullmatch(p):
        about = m.group(1).lower().startswith(("bulan", "bln", "tahun", "minggu", "pekan"))
        return _relative(m.group(1), today), "about" if about else "exact"
    return None


def last_weekday(weekday: int, today: date) -> date:
    """The most recent day with that weekday (0 = Monday), today included."""
    return today - timedelta(days=(today.weekday() - weekday) % 7)


# --- Hijri dates -------------------------------------------------------------------------------
# Spellings with apostrophes, hyphens and spaces removed ("rabi'ul awwal" -> "rabiulawwal").
HIJRI_MONTHS = {}
for _number, _spellings in enumerate((
    "muharram muharam muharrom",
    "safar shafar sapar syafar",
    "rabiulawal rabiulawwal robiulawal robiulawwal rabiulula",
    "rabiulakhir rabiultsani rabiulsani robiulakhir robiultsani rabiulakhirah",
    "jumadilawal jumadilula jumadalula jumadilawwal jumadalawal jumadilawwal",
    "jumadilakhir jumadiltsani jumadalakhirah jumadilakhirah jumadalakhir jumadilsani",
    "rajab",
    "syaban syakban saban sakban",
    "ramadhan ramadan romadhon romadon ramadlan ramadhon",
    "syawal syawwal sawal",
    "dzulqaidah dzulqadah zulkaidah zulqaidah dulkaidah dzulkaidah zulkaedah dzulqodah",
    "dzulhijjah dzulhijah zulhijah zulhijjah dulhijah dzulhijjah",
), start=1):
    for _spelling in _spellings.split():
        HIJRI_MONTHS[_spelling] = _number


def hijri_month(words: str) -> int | None:
    """1-12 for a Hijri month name as typed ("Ramadhan", "Rabi'ul Awal", "dzulhijjah"), else None."""
    key = re.sub(r"['\s\-]", "", words.lower())
    return HIJRI_MONTHS.get(key)


def hijri_to_gregorian(year: int, month: int, day: int) -> date | None:
    """The tabular (arithmetical) Islamic calendar's Gregorian date, or None for an impossible day.

    The tabular calendar can differ by a day or two from the date set by sighting the moon
    (rukyat) that Indonesia's Kementerian Agama announces; say so wherever it is shown.
    """
    if not (1 <= month <= 12 and 1 <= day <= 30 and 1 <= year <= 3000):
        return None
    length = 29 if month % 2 == 0 else 30
    if month == 12 and (14 + 11 * year) % 30 < 11:
        length = 30  # a leap year of the 30-year cycle
    if day > length:
        return None
    days = (day + (59 * (month - 1) + 1) // 2 + (year - 1) * 354 + (3 + 11 * year) // 30
            + 227014)  # 227015 is the ordinal of 1 Muharram 1 AH (16 July 622, Julian): minus 1
    return date.fromordinal(days)
