"""After the ticket: documents sent later, the officer's fixes item by item, status in plain words,
cancelling a request, resending the issued document, and checking a document we issued.

The engine calls in here while no flow is in progress (Engine._idle), and dispatches the three
modes of its own (flows/modes.py AFTERCARE): doc_offer, fixing and request_cancel. What such a
mode is about (a ticket, the upload id of the file offered) is kept in Conversation.answers,
which is otherwise empty while idle; it is committed with the reply like every other state.

    commands        the words that ask for something about a filed request
    common          the citizen's requests, the kept state, what is still open
    late_documents  a file offered for what a request lacks
    checking        a PDF or a QR photo checked against what the office issued
    fixing          *lengkapi*: the officer's fix items one by one
    cancelling      *batalkan permohonan …*
    appointments    *jadwal saya*, *batal jadwal …*, *ubah jadwal …* (booked visits)
    resending       *kirim ulang dokumen*
    data_rights     *minta salinan data saya*, *hapus data saya* (UU PDP)
"""
from flows import records
from flows.aftercare import appointments
from flows.aftercare.cancelling import on_request_cancel, start_cancel
from flows.aftercare.commands import DOCUMENT_WORDS, PHOTO_WORDS, QUESTION, TICKET, command_in
from flows.aftercare.common import missing_note, requests_of, send_photo_help, ticket_in, wanted_by, words
from flows.aftercare.data_rights import on_erase_button, start_erase, start_export
from flows.aftercare.fixing import on_fixing, start_fix
from flows.aftercare.late_documents import on_doc_offer, on_file
from flows.aftercare.resending import resend
from flows.definition import Flow
from flows.inputs import clean
from flows.messages import Event, Reply
from flows.placeholders import fill

on_booking_cancel = appointments.on_booking_cancel

__all__ = ["idle", "in_flow", "missing_note", "on_booking_cancel", "on_doc_offer", "on_fixing", "on_request_cancel",
           "visit_button", "visits_in_flow"]


def idle(engine, event: Event, command: str | None) -> list[Reply] | None:
    """A message while no flow is open: the replies when it is about a filed request, else None."""
    if event.kind == "file" and event.upload:
        return on_file(engine, event.upload["id"])
    if event.kind == "button":
        kind, _, arg = (event.button or "").partition(":")
        if kind == "fix":
            return start_fix(engine, arg or None)
        if kind == "resend":
            return resend(engine, arg or None)
        if kind == "rcancel":
            return start_cancel(engine, arg or None)
        if kind == "dataerase":
            return on_erase_button(engine, arg)
        return appointments.button(engine, kind, arg)
    if event.kind != "text" or command is not None:
        return None
    said = clean(event.text)
    visits = appointments.command(engine, said, ticket_in(event.text))  # jadwal saya, batal/ubah jadwal
    if visits is not None:
        return visits
    found = command_in(said)
    if found is not None:
        replies = run(engine, found, ticket_in(event.text))
        if replies is not None:
            return replies
    if (PHOTO_WORDS.search(said) or (DOCUMENT_WORDS.search(said) and not QUESTION.search(said))):
        wanted = wanted_by(engine)
        if wanted:
            return [send_photo_help(wanted)]
    return None


def visit_button(event: Event) -> tuple[str, str] | None:
    """(kind, code) of a booked visit's button (a reminder's *Saya datang*, *Batal*, *Ubah jadwal*)."""
    kind, _, code = (event.button or "").partition(":") if event.kind == "button" else ("", "", "")
    return (kind, code) if kind in appointments.BUTTONS and code else None


def run(engine, command: str, ticket: str | None) -> list[Reply] | None:
    """Do what a command asked for (None: not ours after all, the NLU reads the message)."""
    if command == "fix":
        if not ticket and not any(r.status == "needs_fix" for r in requests_of(engine)):
            # "perbaiki data KTP" may be a service asked for: ours only when a photo is awaited
            wanted = wanted_by(engine)
            return [send_photo_help(wanted)] if wanted else None
        return start_fix(engine, ticket)
    if command == "verify":
        return [Reply(words()["verify_ask"])]
    if command == "cancel":
        return start_cancel(engine, ticket)
    if command == "resend":
        return resend(engine, ticket)
    if command == "data_export":
        return start_export(engine)
    if command == "data_erase":
        return start_erase(engine)
    return [records.status_reply(engine.s, engine.conv.contact_id, ticket, engine.office)]


def visits_in_flow(engine, flow: Flow, event: Event) -> list[Reply] | None:
    """Mid-flow (a question or the summary), *jadwal saya*: the booked visits, then where the flow
    stands, its answers kept (None: not that)."""
    if event.kind != "text" or not appointments.LIST.search(clean(event.text)):
        return None
    return [appointments.listing(engine),
            engine._current_prompt(flow, prefix=fill(engine.t["back_to_flow"], title=flow.title))]


def in_flow(engine, flow: Flow, event: Event) -> list[Reply] | None:
    """Mid-flow, a request about a filed ticket: finish or keep the draft first (None: not one)."""
    said = clean(event.text)
    command = command_in(said)
    if command in (None, "status", "verify") or (
            command not in ("resend", "data_export", "data_erase") and not TICKET.search(said)):
        return None  # "perbaiki" alone mid-flow may be about the draft; status is answered as before
    note = fill(words()["finish_flow_first"], title=flow.title, said=(event.text or "").strip())
    return [engine._current_prompt(flow, prefix=note)]
