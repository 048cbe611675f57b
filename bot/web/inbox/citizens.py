"""Finding and naming citizens in the inbox: the search box (name, phone or PSID, ticket, NIK),
and the name an officer sees, from the provider's profile or from what the citizen answered."""
import re

from sqlalchemy import or_, select

from bot.core.models import Appointment, Contact, Conversation, Request, contacts_naming
from bot.web.inbox.display import reach
from flows.definition import load_flow

NIK = re.compile(r"[0-9]{16}")
DIGITS = re.compile(r"\+?[0-9][0-9 .-]{3,}")  # a phone number, a PSID or part of one
UNKNOWN = "(tanpa nama)"


def search_kind(query: str) -> str:
    """What the officer typed: a NIK, a number (phone/PSID), or words (a name or a ticket)."""
    text = query.strip()
    if NIK.fullmatch(text):
        return "nik"
    if DIGITS.fullmatch(text):
        return "number"
    return "text"


def _like(text: str) -> str:
    """A LIKE pattern that finds the text anywhere, its own % and _ taken literally."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def matching(s, query: str):
    """A condition on Conversation: its citizen matches the search. A NIK is found by its keyed
    hash (requests keep NIKs encrypted, bot.core.crypto), never by comparing the number itself."""
    text = query.strip()
    kind = search_kind(text)
    if kind == "nik":
        ids = set(contacts_naming(s, text))
        # A 16-digit Messenger PSID is a number too.
        ids |= set(s.execute(select(Contact.id).where(Contact.external_id == text)).scalars())
        return Conversation.contact_id.in_(ids or [-1])
    if kind == "number":
        digits = re.sub(r"\D", "", text)
        forms = {digits}
        if digits.startswith("0"):
            forms.add("62" + digits[1:])  # 0812… is +62812… on WhatsApp
        numbers = [c for form in forms for c in (Contact.external_id.like(_like(form), escape="\\"),
                                                 Contact.phone.like(_like(form), escape="\\"))]
        return Conversation.contact_id.in_(select(Contact.id).where(or_(*numbers)))
    pattern = _like(text)
    by_contact = select(Contact.id).where(or_(Contact.display_name.ilike(pattern, escape="\\"),
                                              Contact.external_id.ilike(pattern, escape="\\")))
    by_request = select(Request.contact_id).where(or_(Request.applicant_name.ilike(pattern, escape="\\"),
                                                      Request.subject_name.ilike(pattern, escape="\\"),
                                                      Request.ticket.ilike(pattern, escape="\\")))
    by_booking = select(Appointment.contact_id).where(Appointment.code.ilike(pattern, escape="\\"))
    return or_(Conversation.contact_id.in_(by_contact), Conversation.contact_id.in_(by_request),
               Conversation.contact_id.in_(by_booking), Conversation.id.in_(_answering(s, text) or [-1]))


def _answering(s, text: str) -> list[int]:
    """Conversations whose citizen gave this name (or part of it) in the request they are filling
    in now: not stored anywhere a LIKE could reach, so read from each open flow's answers."""
    wanted = text.casefold()
    open_flows = s.execute(select(Conversation).where(Conversation.flow.is_not(None))).scalars()
    return [conv.id for conv in open_flows if wanted in (answered_name(conv) or "").casefold()]


def answered_name(conv: Conversation | None) -> str | None:
    """The applicant's name the citizen gave in the request they are filling in now."""
    if conv is None or not conv.flow or not conv.answers:
        return None
    try:
        flow = load_flow(conv.flow)
        key = flow.submit.applicant_for(conv.answers).get("name") if flow.submit else None
    except Exception:  # a flow renamed or removed since: no name from it
        return None
    value = conv.answers.get(key) if key else None
    return value.strip() if isinstance(value, str) and value.strip() else None


def names(s, conversations: list[tuple[Conversation, Contact]]) -> dict[int, str]:
    """The citizen's name per contact id: the provider's profile name, else the applicant's name
    of their latest request, else the name they are answering now; UNKNOWN only when none."""
    found = {contact.id: contact.display_name for _, contact in conversations if contact.display_name}
    missing = [contact.id for _, contact in conversations if contact.id not in found]
    if missing:
        for contact_id, name in s.execute(select(Request.contact_id, Request.applicant_name)
                                          .where(Request.contact_id.in_(missing), Request.applicant_name.is_not(None))
                                          .order_by(Request.id)).all():
            if name and name.strip():
                found[contact_id] = name.strip()  # the latest request's, as rows come oldest first
    for conv, contact in conversations:
        if contact.id not in found:
            found[contact.id] = answered_name(conv) or UNKNOWN
    return found


def name_and_reach(s, conv: Conversation, contact: Contact) -> tuple[str, str]:
    """One citizen's name and how to reach them."""
    return names(s, [(conv, contact)])[contact.id], reach(contact)
