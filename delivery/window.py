"""The messaging window: free-form replies only within 24 h of the citizen's last message.

Outside it a "template" channel (WhatsApp) needs an approved template (Twilio ContentSid / Cloud
API template, set per message kind in config.yml `templates`), and a "tag" channel (Messenger) a
message tag: HUMAN_AGENT, up to 7 days, only for what an officer typed, and CONFIRMED_EVENT_UPDATE
for a reminder of a visit the citizen booked (delivery/reminders.py). When neither is possible
the message is held until the citizen writes again (and email is used where the citizen gave
one). Each channel says which kind it is (`Channel.window`); this module is the one rule.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.models import as_utc
from delivery.channels.registry import channel as channel_named

FREE_FORM = timedelta(hours=24)
HUMAN_AGENT = timedelta(days=7)
EVENT_UPDATE = "CONFIRMED_EVENT_UPDATE"


@dataclass
class Decision:
    """How (or whether) a payload may go out now."""
    action: str                  # send | template | tag | hold
    template: dict | None = None  # config.yml templates[<kind>][<channel>] for action=template
    tag: str | None = None       # Messenger message tag for action=tag


@dataclass
class Window:
    """Whether a reply an officer types can go out now: state and time left."""
    state: str                   # always | open | tag | closed | never
    left: timedelta | None = None
    policy: str = "none"         # the channel's: none | template | tag


def window_until(last_inbound_at: datetime | None) -> datetime | None:
    """Until when free-form replies are allowed (None: the citizen never wrote)."""
    return as_utc(last_inbound_at) + FREE_FORM if last_inbound_at else None


def channel_policy(channel: str) -> str:
    """The channel's window policy (an unknown channel is treated as always open)."""
    found = channel_named(channel)
    return found.window if found else "none"


def officer_window(channel: str, last_inbound_at: datetime | None, now: datetime) -> Window:
    """The window as it applies to a reply an officer types (shown before they type)."""
    policy = channel_policy(channel)
    if policy == "none":
        return Window("always", policy=policy)
    until = window_until(last_inbound_at)
    if until is None:
        return Window("never", policy=policy)
    if now <= until:
        return Window("open", until - now, policy)
    if policy == "tag" and now <= as_utc(last_inbound_at) + HUMAN_AGENT:
        return Window("tag", as_utc(last_inbound_at) + HUMAN_AGENT - now, policy)
    return Window("closed", policy=policy)


def decide(channel: str, last_inbound_at: datetime | None, payload: dict, templates: dict,
           now: datetime) -> Decision:
    """Free text inside the window; outside it a template, a tag, or hold."""
    policy = channel_policy(channel)
    until = window_until(last_inbound_at)
    if policy == "none" or (until and now <= until):
        return Decision("send")
    if policy == "template":
        kind = payload.get("template_kind") or ("document_ready" if payload.get("document") else "update")
        template = (templates.get(kind) or {}).get(channel)
        return Decision("template", template=template) if template else Decision("hold")
    if payload.get("event_reminder"):
        # Meta's tag for a reminder of an event the person registered for (a booked visit): no
        # time limit, never for promotion (docs/providers.md §3).
        return Decision("tag", tag=EVENT_UPDATE)
    if payload.get("officer") and officer_window(channel, last_inbound_at, now).state == "tag":
        return Decision("tag", tag="HUMAN_AGENT")
    return Decision("hold")
