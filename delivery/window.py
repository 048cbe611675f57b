"""The messaging window: free-form replies only within 24 h of the citizen's last message.

Outside it WhatsApp needs an approved template (Twilio ContentSid / Cloud API template, set per
message kind in config.yml `templates`), and Messenger a message tag (HUMAN_AGENT, up to 7 days,
only for what an officer typed). When neither is possible the message is held until the
citizen writes again (and email is used where the citizen gave one).
"""
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.models import as_utc

FREE_FORM = timedelta(hours=24)
HUMAN_AGENT = timedelta(days=7)
WHATSAPP_CHANNELS = ("twilio", "whatsapp")


@dataclass
class Decision:
    """How (or whether) a payload may go out now."""
    action: str                  # send | template | tag | hold
    template: dict | None = None  # config.yml templates[<kind>][<channel>] for action=template
    tag: str | None = None       # Messenger message tag for action=tag


def window_until(last_inbound_at: datetime | None) -> datetime | None:
    """Until when free-form replies are allowed (None: the citizen never wrote)."""
    return as_utc(last_inbound_at) + FREE_FORM if last_inbound_at else None


def decide(channel: str, last_inbound_at: datetime | None, payload: dict, templates: dict,
           now: datetime) -> Decision:
    """Free text inside the window; outside it a template, a tag, or hold."""
    until = window_until(last_inbound_at)
    if channel not in WHATSAPP_CHANNELS + ("messenger",) or (until and now <= until):
        return Decision("send")
    kind = payload.get("template_kind") or ("document_ready" if payload.get("document") else "update")
    if channel in WHATSAPP_CHANNELS:
        template = (templates.get(kind) or {}).get(channel)
        return Decision("template", template=template) if template else Decision("hold")
    last = as_utc(last_inbound_at)
    if payload.get("officer") and last and now <= last + HUMAN_AGENT:
        return Decision("tag", tag="HUMAN_AGENT")
    return Decision("hold")
