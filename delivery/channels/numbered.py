"""Buttons as a numbered list, and a typed number back to the button it stands for.

For channels that cannot show all of a message's buttons (Twilio WhatsApp in-session messages
without a pre-approved Content template; WhatsApp Cloud with more than 3 buttons or 10 list rows;
Messenger with more than 13 quick replies), the adapter appends the buttons to the text:

    Balas dengan angka:
    1. Ayah si anak
    2. Ibu si anak

and the webhook turns a bare "1" back into that button (`kind="button"`, `button=<id>`), because
many of the engine's ids ("svc:<service>", "submit", "cmd:edit", "agree") cannot be reached
by typing a number. The numbers are always recomputed from the buttons stored on the outbound
Message row (the sender stores the payload it sent), so rendering and mapping cannot drift.

Two rules keep typed answers safe:
- Only the contact's LAST outbound message counts, and only when it offered buttons. A number
  typed after a plain question ("Anak ke berapa?") is an answer, not a button of an older message.
- Sets made only of escape buttons ("skip:…", "missing:…", "cmd:…": Lewati, Belum ada, Tidak jadi)
  sit on questions that expect typed input, sometimes a number (weight, birth order, the edit
  list's "which answer?"). They are not numbered; the text says "Atau ketik *Lewati*" and the
  engine already understands those words.

A question whose text already lists its choices numbered in the buttons' order (a visit's place,
day and slot, flows/booking.py) carries `numbered_text` in its payload: the same question worded
for typing a number. It is sent instead of the text with the list appended, so the citizen does not
read the days twice.

Use from another channel: `render(text, buttons, numbered_text)` when sending, and in the webhook
`button_for_number(channel, external_id, text)` before calling `delivery.ingest.receive`.
"""
import re

from sqlalchemy import select

from bot.core import db
from bot.core.models import Contact, Message

ESCAPE_PREFIXES = ("skip:", "missing:", "cmd:")
# Possessive (*+, ?+): the spaces around "2." never give characters back, so a long run of them
# is read once, not once per starting split (the plain pattern is quadratic on "1" + spaces + "x").
NUMBER = re.compile(r"^\s*+(\d{1,2})\s*+[.)]?+\s*+$")
# Statuses of outbound messages the citizen never saw: their buttons cannot be what they answer.
UNSEEN = ("failed", "undelivered")


def numbered_buttons(buttons: list[dict] | None) -> list[dict]:
    """The buttons that get a number (none when all are escapes on a typed-answer question)."""
    buttons = list(buttons or [])
    if all(str(b.get("id", "")).startswith(ESCAPE_PREFIXES) for b in buttons):
        return []
    return buttons


def render(text: str, buttons: list[dict] | None, numbered_text: str | None = None) -> str:
    """The message text with its buttons written out: numbered, or as words to type (or the
    payload's `numbered_text`, whose lines number the choices already)."""
    buttons = list(buttons or [])
    if not buttons:
        return text
    numbered = numbered_buttons(buttons)
    if numbered and numbered_text:
        return numbered_text
    if numbered:
        lines = [f"{i}. {b['title']}" for i, b in enumerate(numbered, 1)]
        tail = "Balas dengan angka:\n" + "\n".join(lines)
    else:
        tail = "Atau ketik " + " atau ".join(f"*{b['title']}*" for b in buttons) + "."
    return f"{text}\n\n{tail}" if text else tail


def last_offered_buttons(channel: str, external_id: str) -> list[dict]:
    """The buttons of our last outbound message to this contact (what a bare number answers)."""
    with db.new_session() as s:
        payload = s.execute(
            select(Message.payload).join(Contact, Contact.id == Message.contact_id)
            .where(Contact.channel == channel, Contact.external_id == external_id,
                   Message.direction == "out", Message.status.notin_(UNSEEN))
            .order_by(Message.id.desc()).limit(1)).scalar_one_or_none()
    return list((payload or {}).get("buttons") or [])


def button_for_number(contact_channel: str, external_id: str, text: str | None) -> tuple[str, str] | None:
    """The (id, title) a bare number like "2" picks from the contact's last message, or None."""
    match = NUMBER.match(text or "")
    if not match:
        return None
    options = numbered_buttons(last_offered_buttons(contact_channel, external_id))
    index = int(match.group(1))
    if not 1 <= index <= len(options):
        return None
    chosen = options[index - 1]
    return str(chosen["id"]), chosen["title"]
