"""How the inbox pages show a citizen and a time to officers."""
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app

from bot.core.models import Contact, as_utc
from delivery.channels.registry import officer_label


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
