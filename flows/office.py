"""Facts about the office that several messages need: its time zone, its hours, its placeholders,
and which of its contacts are still unset."""
import logging
from zoneinfo import ZoneInfo

from flows.definition import texts
from flows.placeholders import fill
from nlu import faq
from nlu.faq import HARI as DAYS  # one list of day names for the whole assistant

log = logging.getLogger(__name__)

# The contacts citizens are given (PDF letterheads, the chat, the privacy notice), as
# (config.yml section, key).
CONTACTS = (("office", "phone"), ("office", "whatsapp"), ("office", "email"), ("office", "website"),
            ("office", "address"), ("privacy", "dpo_contact"))


def office_tz(config: dict) -> ZoneInfo:
    """The office's time zone (WITA for Kutai Timur)."""
    return ZoneInfo(config.get("office", {}).get("timezone", "Asia/Makassar"))


def hours_text(config: dict) -> str:
    """Office hours in words, grouping days with the same hours ("Senin–Kamis 08.00–15.30 WITA")."""
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
    t = texts()
    parts = []
    for first, last, (start, end) in groups:
        days = DAYS[first] if first == last else f"{DAYS[first]}–{DAYS[last]}"
        parts.append(fill(t["office_hours_span"], days=days, start=start.replace(":", "."),
                          end=end.replace(":", ".")))
    return ", ".join(parts) or t["office_hours_none"]


def placeholder_values(config: dict) -> dict:
    """{office_name}, {office_address}, {office_hours}, {retention_days}, {dpo_contact} for any text."""
    office = config.get("office", {})
    dpo = (config.get("privacy") or {}).get("dpo_contact")
    return {"office_name": office.get("name", ""), "office_address": office.get("address", ""),
            "office_hours": hours_text(config),
            "retention_days": config.get("privacy", {}).get("retention_days", 90),
            "dpo_contact": texts()["dpo_unset"] if faq.is_unset(dpo) else dpo}


def unset_contacts(config: dict) -> list[str]:
    """The contacts config.yml leaves empty or as an obvious placeholder ("(0549) 000000"),
    named as config paths ("office.phone"). Citizens are told "belum diatur" for these."""
    return [f"{section}.{key}" for section, key in CONTACTS
            if faq.is_unset((config.get(section) or {}).get(key))]


def warn_unset_contacts(config: dict) -> list[str]:
    """Log one WARNING naming each unset contact (called when a production app starts), and
    return them."""
    missing = unset_contacts(config)
    if missing:
        log.warning("config.yml: the office's contacts %s are not set: citizens are told \"%s\" on PDFs and "
                    "in the chat. Fill them in with the values Disdukcapil has confirmed.",
                    ", ".join(missing), faq.texts()["contact_unset"])
    return missing
