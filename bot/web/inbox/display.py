"""How the inbox pages show a citizen, a time and opening hours to officers."""
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app

from bot.core.models import Contact, as_utc
from delivery.channels.registry import officer_label
from nlu.faq import HARI as DAYS  # one list of day names for the whole assistant


def reach(contact: Contact) -> str:
    """How an officer can reach the citizen: the channel, and the number where there is one."""
    channel = officer_label(contact.channel)
    number = contact.phone or (contact.external_id if contact.external_id.startswith("+") else None)
    return f"{channel} {number}" if number else channel


def office_zone() -> ZoneInfo:
    """The office's time zone (WITA for Kutai Timur)."""
    return ZoneInfo(current_app.config["OFFICE"]["office"].get("timezone") or "Asia/Makassar")


def local_time(value: datetime | None, zone: ZoneInfo) -> str:
    """A stored (UTC) time in the office's time, or a dash."""
    return as_utc(value).astimezone(zone).strftime("%d/%m/%Y %H:%M") if value else "-"


def hours_text(hours: dict, none: str = "tutup") -> str:
    """Opening hours by weekday (0 = Monday, keys int or str) as "Senin 08:00–16:00, …"."""
    return ", ".join(f"{DAYS[int(d)]} {h[0]}–{h[1]}" for d, h in sorted(hours.items(), key=lambda i: int(i[0]))) or none
