"""What the engine receives (Event) and what it produces (Reply), channel-neutral."""
from dataclasses import dataclass, field


@dataclass
class Event:
    """One inbound message as the dialogue sees it."""
    kind: str                     # text|button|file|rejected_file|sticker|audio|video|location|unsupported|empty
    text: str | None = None
    button: str | None = None
    upload: dict | None = None    # {"id", "name", "content_type"} of a stored Upload
    reason: str | None = None     # why a file was refused (Indonesian, for the citizen)


@dataclass
class Reply:
    """One outbound message: text with optional buttons, or a document we build and send."""
    text: str = ""
    buttons: list = field(default_factory=list)   # [{"id", "title"}]
    document: dict | None = None                  # {"kind": "receipt", "request_id": N}
    # A change to this filed request the citizen made in the chat: the text goes by email too,
    # when they gave an address (the conversation job writes it; flows know no mail).
    email_for: int | None = None
    # The same message for a channel that writes buttons out as numbers, when the text already
    # lists the choices numbered in the buttons' order (a visit's place, day, slot): sent instead
    # of the text with the list appended again (delivery/channels/numbered.py render).
    numbered_text: str = ""

    def as_payload(self) -> dict:
        """The outbox payload for this reply (keys absent when unused)."""
        out = {}
        if self.text.strip():
            out["text"] = self.text.strip()
        if self.buttons:
            out["buttons"] = self.buttons
        if self.document:
            out["document"] = self.document
        if self.buttons and self.numbered_text.strip():
            out["numbered_text"] = self.numbered_text.strip()
        return out
