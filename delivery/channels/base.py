"""What every channel is: an outbound `Adapter`, a webhook that parses a provider's request into
a `Batch` of channel-neutral events, and its policies (display name, reply window, limits).

A new channel is a folder beside this file with a `Channel` subclass in its `__init__.py`, and one
line in `registry.py` (docs/extending.md).
"""
from dataclasses import dataclass, field
from typing import ClassVar, Protocol


class TransportError(Exception):
    """A send failed; permanent errors (blocked user, invalid number) are not retried.

    `window_closed` marks the provider's "outside the 24-hour window" refusal: the message is
    not lost, it waits for the citizen's next message like any message the window holds back.
    """

    def __init__(self, message: str, permanent: bool = False, window_closed: bool = False):
        super().__init__(message)
        self.permanent = permanent or window_closed
        self.window_closed = window_closed


class Malformed(ValueError):
    """A verified request (or one event in it) is not shaped like the provider's webhook."""


# Where a partly sent row keeps its progress, in the payload (see send_in_parts).
PARTS_SENT, LAST_PROVIDER_ID = "parts_sent", "last_provider_id"


def send_in_parts(payload: dict, steps: list) -> str | None:
    """Make one row's provider calls in order, skipping those an earlier attempt already made.

    A row can take several calls (a long text in parts, buttons, then the PDF). When one fails
    transiently the whole row is retried, and without this the citizen would get the parts
    before it twice. The count and the last provider id live in `payload`: the sender's copy,
    which it stores back on the row when the attempt fails. Each step returns a provider id.
    """
    done = int(payload.get(PARTS_SENT) or 0)
    last = payload.get(LAST_PROVIDER_ID)
    for number, step in enumerate(steps, start=1):
        if number > done:
            last = step()
            payload[PARTS_SENT], payload[LAST_PROVIDER_ID] = number, last
    return last


@dataclass(frozen=True)
class Capabilities:
    """What a channel can show: the sender and the engine's texts adapt to it."""
    text_max: int                  # longest text in one message; longer goes in parts
    buttons_max: int = 0           # native buttons (or list rows) per message; 0: numbered text
    caption_max: int = 0           # longest caption on a document; 0: no captions
    typing: bool = False           # a "typing…" indicator exists
    templates: bool = False        # approved templates may be sent outside the window
    staff_replies: bool = False    # staff may answer from the provider's own inbox (echoes recorded)


class Adapter(Protocol):
    """Sends one outbox payload to one contact; returns the provider's id of the last message."""

    capabilities: Capabilities

    def send(self, contact, payload: dict, outbox_id: int, tag: str | None = None) -> str:
        """Send text, buttons and document of a payload (tag: a Messenger message tag)."""

    def send_template(self, contact, template_cfg: dict, payload: dict, outbox_id: int) -> str:
        """Send an approved template (outside the window); TransportError where there is none."""

    def typing(self, contact, message_id: str | None = None) -> None:
        """Show "typing…" for the citizen's message (a no-op where the channel has none)."""


# ---- what a webhook request holds, channel-neutral -------------------------------------------
@dataclass
class Inbound:
    """One citizen message, ready for delivery.ingest.receive."""
    external_id: str
    provider_id: str
    kind: str                     # text | button | media | sticker | audio | video | location | unsupported
    text: str | None = None
    button: str | None = None
    display_name: str | None = None
    extra: dict = field(default_factory=dict)
    phone: str | None = None      # WhatsApp: the wa_id of a contact keyed on its BSUID


@dataclass
class Status:
    """A delivery status of our outbound message(s): by provider id, or up to a watermark."""
    status: str                   # sent | delivered | read | failed
    provider_id: str | None = None
    error: str | None = None
    permanent: bool = False
    window_closed: bool = False
    external_id: str | None = None  # with watermark: every message to this contact up to then
    watermark_ms: int | None = None


@dataclass
class StaffReply:
    """A message staff typed to the citizen outside our inbox (the Page inbox)."""
    external_id: str
    provider_id: str
    text: str | None


@dataclass
class Rejected:
    """One event of a batch that could not be read; its neighbours go on. With a sender and an
    id it is stored as an `unsupported` message, so the citizen still hears back."""
    reason: str
    external_id: str | None = None
    provider_id: str | None = None


@dataclass
class Batch:
    """Everything one webhook request carried."""
    messages: list[Inbound] = field(default_factory=list)
    statuses: list[Status] = field(default_factory=list)
    staff: list[StaffReply] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)


class Channel:
    """A channel: its name, how people call it, its reply window and its two sides.

    Webhook side (`handshake`, `verify`, `parse`, `acknowledge`) takes the Flask request; the
    parsing itself is pure functions in the channel's `webhook.py`. Sending side: `adapter`,
    `fetch_media`, `delete_media`.
    """

    name: ClassVar[str]
    display_name: ClassVar[str]                      # to citizens and on paper: "WhatsApp"
    officer_label: ClassVar[str] = ""                # to officers, when it must say more
    # The messaging window (docs/providers.md): "none" (always open), "template" (WhatsApp: an
    # approved template outside 24 h) or "tag" (Messenger: HUMAN_AGENT for an officer, 7 days).
    window: ClassVar[str] = "none"
    webhook_paths: ClassVar[tuple[str, ...]] = ()   # subpaths after /webhooks/<name>, e.g. ("", "status")
    signature_headers: ClassVar[tuple[str, ...]] = ()  # kept with a spooled request, to verify it again
    settings: ClassVar[tuple[str, ...]] = ()         # environment variables the channel reads from app.config
    # Someone waits over HTTP for each message's replies (the simulator page): the conversation
    # job tells them when they are out (delivery.jobs.announce_answered), instead of being polled.
    replies_awaited: ClassVar[bool] = False
    # Delivering a reply is writing its outbound row (the simulator): the conversation job delivers
    # the chat replies in the dialogue's own transaction, with no sender run (a lock, a transaction)
    # after it. A provider's channel never: its send must follow the commit (docs/architecture.md).
    delivers_in_database: ClassVar[bool] = False
    adapter: Adapter

    def __init_subclass__(cls, **kwargs):
        """A channel that says nothing more to officers is called by its display name."""
        super().__init_subclass__(**kwargs)
        if not cls.__dict__.get("officer_label") and getattr(cls, "display_name", None):
            cls.officer_label = cls.display_name

    def handshake(self, request):
        """Answer a GET subscription check (a Response), or None when the channel has none."""
        return None

    def verify(self, request) -> bool:
        """Whether the request carries the provider's valid signature."""
        return False

    def parse(self, request, subpath: str = "") -> Batch:
        """The events of a verified request; raises Malformed for a body not of the provider's shape."""
        raise Malformed("this channel takes no webhooks")

    def acknowledge(self):
        """The answer the provider takes as delivered."""
        return ("", 204)

    def before_store(self, item: Inbound) -> None:
        """A channel's own bookkeeping before a message is stored (e.g. a changed number)."""

    def after_store(self, item: Inbound, message_id: int | None) -> None:
        """A channel's own follow-up after a message is stored (None: a duplicate)."""

    def fetch_media(self, payload: dict) -> tuple[bytes, str | None, str | None]:
        """Download a media message's file: (bytes, filename, content type)."""
        raise TransportError(f"{self.name} has no media to fetch", permanent=True)

    def delete_media(self, payload: dict) -> None:
        """Delete the provider's copy of a media file we stored (where its API allows)."""

    def shows_natively(self, buttons: list[dict]) -> bool:
        """Whether these buttons went out as real buttons (then a typed number is an answer)."""
        return 0 < len(buttons) <= self.adapter.capabilities.buttons_max
