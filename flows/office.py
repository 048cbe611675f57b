"""Facts about the office that several messages need: its time zone and its hours."""
from zoneinfo import ZoneInfo

from nlu.faq import HARI as DAYS  # one list of day names for the whole assistant


def office_tz(config: dict) -> ZoneInfo:
    """The office's time zone (WITA for Kutai Timur)."""
    return ZoneInfo(config.get("office", {}).get("timezone", "Asia/Makassar"))


def hours_text(config: dict) -> str:
    """Office hours in words, grouping days with the same hours ("Senin–Kamis 08.00–15.30")."""
    hours = config.get("office", {}).get("hours", {})
    groups: list[tuple[int, int, tuple]] = []
    for day in range(7):
        span = tuple(hours.get(day) or ())
        if not span:
            continue
        if groups and groups[-1][1] == day - 1 and groups[-1][2] == span:
            groups[-1] = (groups[-1][0], day, span)
        else:
            groups.append((day, day, span))
    parts = []
    for first, last, (start, end) in groups:
        days = DAYS[first] if first == last else f"{DAYS[first]}–{DAYS[last]}"
        parts.append(f"{days} {start.replace(':', '.')}–{end.replace(':', '.')} WITA")
    return ", ".join(parts) or "-"
