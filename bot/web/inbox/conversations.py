"""Conversations: the list of all of them, one conversation, take over, reply, hand back.

The bot owns a conversation until an officer takes it; then the bot is silent there (the engine
checks `Conversation.owner`) until the officer hands it back (the Chatwoot pattern, docs/design.md).
An officer's reply is an outbox row like any other, marked `officer`, so the sender applies the
window rule: free text within 24 hours of the citizen's last message, Messenger's HUMAN_AGENT tag
within 7 days, a WhatsApp template or waiting for the citizen otherwise.
"""
from contextlib import contextmanager
from datetime import datetime

from flask import abort, current_app, flash, jsonify, make_response, redirect, render_template, request, url_for
from sqlalchemy import select

from bot.core import db, handoff
from bot.core.clock import dialogue_now
from bot.core.models import (
    Appointment,
    Contact,
    Conversation,
    Document,
    Label,
    Message,
    Officer,
    Outbox,
    Request,
    Upload,
    audit,
    utcnow,
)
from bot.web.files import kept_bytes
from bot.web.inbox import canned, citizens, conversation_list, transcript
from bot.web.inbox.auth import current_officer, login_required
from bot.web.inbox.blueprint import bp
from bot.web.inbox.display import local_time, office_zone
from delivery import jobs
from delivery.channels.registry import CHANNELS, officer_label
from delivery.officer_replies import officer_payload
from delivery.window import officer_window
from flows.engine import Engine
from flows.records import STATUS_LABELS

REPLY_MAX = 2000     # the shortest channel limit (Messenger); longer texts would be split
TRANSCRIPT = 50      # the latest messages shown in a conversation, and how many more each "earlier" loads
LONGEST = 1000       # the most one page shows; the page's poll brings any newer ones


@bp.get("/")
@login_required
def home():
    """The inbox's landing page: the conversations, those waiting for an officer first."""
    return redirect(url_for("inbox.queue"))


@bp.get("/conversations")
@login_required
def queue():
    """Every conversation, waiting ones first, with the search box and the filters."""
    s = db.session()
    officer = current_officer()
    filters = conversation_list.Filters.from_args(request.args)
    items = conversation_list.rows(s, officer, filters)
    _audit_list(s, officer, filters, items)
    s.commit()
    services = current_app.config["OFFICE"].get("services", {})
    return render_template(
        "inbox/conversations.html", items=items, officer=officer, filters=filters, shown_max=conversation_list.SHOWN,
        shows=conversation_list.SHOWS, fingerprint=conversation_list.fingerprint(items),
        channels=[(name, officer_label(name)) for name in CHANNELS],
        services=[(key, spec.get("title", key)) for key, spec in services.items()],
        labels=s.execute(select(Label.name).order_by(Label.name)).scalars().all())


@bp.get("/conversations.json")
@login_required
def queue_json():
    """The list again for the page's script: its rows only when they changed since `since`."""
    s = db.session()
    officer = current_officer()
    filters = conversation_list.Filters.from_args(request.args)
    items = conversation_list.rows(s, officer, filters)
    mark = conversation_list.fingerprint(items)
    body = {"fingerprint": mark}
    if mark != request.args.get("since"):
        _audit_list(s, officer, filters, items, polled=True)  # only a read that showed something new
        body["rows"] = render_template("inbox/_conversation_rows.html", items=items)
        body["count"] = len(items)
    s.commit()
    return jsonify(body)


@bp.get("/conversations/live.json")
@login_required
def live_json():
    """Every inbox page's badge: how many citizens wait for an officer (no personal data)."""
    return jsonify(conversation_list.live(db.session(), current_officer()))


def _audit_list(s, officer, filters, items, polled: bool = False) -> None:
    """Record that the officer saw the list; a search says what kind of key it used, never the key."""
    detail = {"shown": len(items)}
    if filters.q:
        detail["searched_by"] = citizens.search_kind(filters.q)
    detail.update({k: v for k, v in (("show", filters.show), ("channel", filters.channel),
                                     ("service", filters.service), ("label", filters.label)) if v})
    if polled:
        detail["polled"] = True
    audit(s, f"officer:{officer.id}", "conversation_queue_viewed", **detail)


@bp.get("/conversations/<int:conv_id>")
@login_required
def conversation(conv_id: int):
    """One conversation opened at its newest message, the reply box below it, the citizen's
    requests and bookings beside it."""
    s = db.session()
    conv, contact = _conversation(s, conv_id)
    zone = office_zone()
    before = request.args.get("before", type=int)
    if before:  # "Muat pesan sebelumnya": TRANSCRIPT more above, and everything up to the newest
        older = s.execute(select(Message.id).where(Message.contact_id == contact.id, Message.id < before)
                          .order_by(Message.id.desc()).limit(TRANSCRIPT)).scalars().all()
        messages = s.execute(select(Message).where(Message.contact_id == contact.id,
                                                   Message.id >= min(older, default=before))
                             .order_by(Message.id).limit(LONGEST)).scalars().all()
    else:
        messages = s.execute(select(Message).where(Message.contact_id == contact.id)
                             .order_by(Message.id.desc()).limit(TRANSCRIPT)).scalars().all()[::-1]
    first_id = messages[0].id if messages else 0
    earlier = bool(first_id) and s.execute(select(Message.id).where(
        Message.contact_id == contact.id, Message.id < first_id).limit(1)).first() is not None
    officer = current_officer()
    owner = _officer_names(s, {conv.officer_id}).get(conv.officer_id) if conv.owner == "officer" else None
    citizen, how = citizens.name_and_reach(s, conv, contact)
    last_id = messages[-1].id if messages else 0
    # A read of a citizen's messages (older ones too, when asked for).
    audit(s, f"officer:{officer.id}", "conversation_viewed", conv, **({"before": before} if before else {}))
    if last_id:
        conversation_list.mark_read(s, officer.id, conv.id, last_id)
    s.commit()
    return render_template(
        "inbox/conversation.html", officer=officer, conv=conv, citizen=citizen, reach=how,
        requests=_requests(s, contact.id, zone), bookings=_bookings(s, contact.id),
        window=window_note(contact, utcnow()), owner=owner,
        mine=conv.owner == "officer" and conv.officer_id == officer.id, reply_max=REPLY_MAX,
        lines=_lines(s, messages, zone), last_id=last_id,
        earlier=earlier, first_id=first_id, waiting=_waiting(s, contact.id), state=_state(conv))


@bp.get("/conversations/<int:conv_id>/messages.json")
@login_required
def conversation_json(conv_id: int):
    """What the open conversation page lacks: messages after `after`, the replies still waiting
    to go, and whether someone took or handed back the conversation."""
    s = db.session()
    conv, contact = _conversation(s, conv_id)
    officer = current_officer()
    after = request.args.get("after", type=int) or 0
    messages = s.execute(select(Message).where(Message.contact_id == contact.id, Message.id > after)
                         .order_by(Message.id).limit(TRANSCRIPT)).scalars().all()
    body = {"after": after, "state": _state(conv)}
    if messages:
        zone = office_zone()
        body["after"] = messages[-1].id
        body["html"] = render_template("inbox/_lines.html", lines=_lines(s, messages, zone))
        body["from_citizen"] = sum(1 for m in messages if m.direction == "in")
        audit(s, f"officer:{officer.id}", "conversation_viewed", conv, polled=True, new=len(messages))
        conversation_list.mark_read(s, officer.id, conv.id, messages[-1].id)
    body["waiting_html"] = render_template("inbox/_waiting_lines.html", waiting=_waiting(s, contact.id))
    s.commit()
    return jsonify(body)


@bp.get("/documents/<int:document_id>")
@login_required
def document_file(document_id: int):
    """A file we sent a citizen (a receipt, a slip, the issued document, an officer's PDF or photo),
    for officers."""
    s = db.session()
    doc = s.get(Document, document_id)
    data = kept_bytes(doc, "Dokumen ini tidak ada atau sudah dihapus (masa simpan habis).")
    officer = current_officer()
    audit(s, f"officer:{officer.id}", "document_viewed", doc)
    s.commit()
    response = make_response(data)
    # An officer may have sent a photo: served as what it is, never sniffed as something else.
    response.headers["Content-Type"] = doc.content_type
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Disposition"] = f'inline; filename="{doc.kind.split(":")[0]}-{doc.id}{_suffix(doc)}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _suffix(doc: Document) -> str:
    """The file name's ending for a document's type (our PDFs, or an officer's photo)."""
    return {"image/jpeg": ".jpg", "image/png": ".png"}.get(doc.content_type, ".pdf")


def _state(conv: Conversation) -> str:
    """Who has the conversation now: the page offers a reload when it changes."""
    return f"{conv.owner}:{conv.officer_id or ''}:{int(bool(conv.needs_human))}"


def _lines(s, messages, zone) -> list[dict]:
    """The transcript's lines, with the uploads the messages carry read in one query."""
    ids = {(m.payload or {}).get("upload_id") for m in messages if m.kind == "file"} - {None}
    uploads = {u.id: u for u in s.execute(select(Upload).where(Upload.id.in_(ids))).scalars()} if ids else {}
    return [transcript.line(m, zone, uploads) for m in messages]


def _waiting(s, contact_id: int) -> list[dict]:
    """Replies not sent yet: being sent, or held until the citizen writes again."""
    return [transcript.waiting_line(row) for row in s.execute(
        select(Outbox).where(Outbox.contact_id == contact_id, Outbox.status.in_(("pending", "held")))
        .order_by(Outbox.id)).scalars()]


def _requests(s, contact_id: int, zone) -> list[dict]:
    """The citizen's requests, newest first, for the side of the chat."""
    services = current_app.config["OFFICE"].get("services", {})
    return [{"ticket": r.ticket, "service": services.get(r.service, {}).get("title", r.service),
             "status": STATUS_LABELS.get(r.status, r.status), "at": local_time(r.created_at, zone)}
            for r in s.execute(select(Request).where(Request.contact_id == contact_id)
                               .order_by(Request.id.desc())).scalars()]


BOOKING_LABELS = {"booked": "terjadwal", "checked_in": "sudah hadir", "served": "sudah dilayani",
                  "no_show": "tidak datang", "cancelled": "dibatalkan"}


def _bookings(s, contact_id: int) -> list[dict]:
    """The citizen's booked visits, newest first, each with its slip's verification page."""
    office = current_app.config["OFFICE"]
    services = office.get("services", {})
    places = (office.get("appointments") or {}).get("places") or {}
    found = []
    for appt in s.execute(select(Appointment).where(Appointment.contact_id == contact_id)
                          .order_by(Appointment.id.desc())).scalars():
        slip = s.execute(select(Document.code).where(Document.appointment_id == appt.id,
                                                     Document.status == "current")
                         .order_by(Document.id.desc()).limit(1)).scalar()
        found.append({"code": appt.code, "service": services.get(appt.service, {}).get("title", appt.service),
                      "place": (places.get(appt.place) or {}).get("name", appt.place),
                      "day": appt.day.strftime("%d/%m/%Y"), "slot": (appt.slot or "").replace(":", "."),
                      "queue": appt.queue_number, "status": BOOKING_LABELS.get(appt.status, appt.status),
                      "verify": f"/v/{slip}" if slip else None})
    return found


@bp.post("/conversations/<int:conv_id>/take")
@login_required
def take(conv_id: int):
    """The officer takes the conversation: the bot goes quiet there until it is handed back."""
    officer = current_officer()
    with _locked(conv_id) as (s, conv, _contact):
        if conv.owner == "officer" and conv.officer_id not in (None, officer.id):
            other = _officer_names(s, {conv.officer_id}).get(conv.officer_id, "petugas lain")
            flash(f"Percakapan ini sudah ditangani oleh {other}.")
            return redirect(url_for("inbox.conversation", conv_id=conv_id))
        conv.owner, conv.officer_id, conv.needs_human = "officer", officer.id, False
        audit(s, f"officer:{officer.id}", "conversation_taken", conv)
        s.commit()
    flash("Percakapan Anda ambil alih. Bot tidak akan menjawab warga ini sampai Anda mengembalikannya.")
    return redirect(url_for("inbox.conversation", conv_id=conv_id))


@bp.post("/conversations/<int:conv_id>/reply")
@login_required
def reply(conv_id: int):
    """Send the officer's message to the citizen, through the outbox."""
    officer = current_officer()
    text = (request.form.get("text") or "").strip()
    if not text:
        flash("Pesan kosong: tulis balasan dulu.")
        return redirect(url_for("inbox.conversation", conv_id=conv_id))
    if len(text) > REPLY_MAX:
        flash(f"Pesan terlalu panjang ({len(text)} karakter). Maksimal {REPLY_MAX} karakter.")
        return redirect(url_for("inbox.conversation", conv_id=conv_id))
    if canned.unfilled(text):
        flash(f"Balasan masih berisi {', '.join(canned.unfilled(text))}: ganti dengan isinya dulu.")
        return redirect(url_for("inbox.conversation", conv_id=conv_id))
    with _locked(conv_id) as (s, conv, contact):
        if conv.owner != "officer" or conv.officer_id != officer.id:
            abort(409, description="Ambil alih percakapan ini dulu sebelum membalas.")
        row = Outbox(contact_id=contact.id, kind="reply", status="pending", payload=officer_payload(officer, text))
        s.add(row)
        s.flush()
        audit(s, f"officer:{officer.id}", "officer_replied", row, conversation_id=conv.id)
        s.commit()
        window_open = window_note(contact, utcnow())["open"]
        contact_id = contact.id
    jobs.enqueue("delivery.sender.send_pending", contact_id)
    flash("Balasan dikirim." if window_open else
          "Balasan disimpan: di luar jendela balasan, pesan menunggu warga menulis lagi (atau dikirim sebagai templat).")
    return redirect(url_for("inbox.conversation", conv_id=conv_id))


@bp.post("/conversations/<int:conv_id>/release")
@login_required
def release(conv_id: int):
    """Hand the conversation back to the bot, and tell the citizen they can go on with it."""
    officer = current_officer()
    with _locked(conv_id) as (s, conv, contact):
        if conv.owner != "officer":
            flash("Percakapan ini sudah dilayani bot.")
            return redirect(url_for("inbox.queue"))
        if conv.officer_id != officer.id and officer.role != "admin":
            other = _officer_names(s, {conv.officer_id}).get(conv.officer_id, "petugas lain")
            abort(409, description=f"Percakapan ini sedang ditangani {other}; hanya {other} atau admin "
                                   "yang dapat mengembalikannya ke bot.")
        previous = conv.officer_id
        conv.owner, conv.officer_id, conv.needs_human = "bot", None, False
        # The bot says so and picks up an unfinished request at the question it stood at.
        for said in Engine(s, conv, current_app.config["OFFICE"],
                            now=dialogue_now(utcnow(), current_app.config)).hand_back():
            s.add(Outbox(contact_id=contact.id, kind="reply", status="pending",
                         payload={**said.as_payload(), handoff.HANDED_BACK_KEY: True}))
        audit(s, f"officer:{officer.id}", "conversation_handed_back", conv,
              **({"previous_officer": previous} if previous != officer.id else {}))
        s.commit()
        contact_id = contact.id
    jobs.enqueue("delivery.sender.send_pending", contact_id)
    flash("Percakapan dikembalikan ke bot.")
    return redirect(url_for("inbox.queue"))


def window_note(contact: Contact, now: datetime) -> dict:
    """What the officer must know before typing: can a free reply go out now, and until when."""
    window = officer_window(contact.channel, contact.last_inbound_at, now)
    if window.state == "always":
        return {"open": True, "text": "Simulator: balasan selalu dapat dikirim."}
    if window.state == "never":
        return {"open": False, "text": "Warga belum pernah menulis: balasan menunggu sampai warga menulis."}
    if window.state == "open":
        return {"open": True, "text": f"Jendela balasan 24 jam terbuka, tersisa {_left(window.left)}."}
    if window.state == "tag":
        return {"open": True, "text": f"Di luar 24 jam; balasan petugas masih boleh dikirim (tag HUMAN_AGENT), "
                                      f"tersisa {_left(window.left)}."}
    return {"open": False, "text": "Jendela balasan tertutup: balasan menunggu sampai warga menulis lagi"
                                   + (" (WhatsApp: dikirim sebagai templat bila ada)." if window.policy == "template" else ".")}


def _left(delta) -> str:
    """A duration as officers say it: '5 jam 10 menit', '2 hari 3 jam'."""
    minutes = int(delta.total_seconds() // 60)
    days, hours, mins = minutes // 1440, minutes % 1440 // 60, minutes % 60
    if days:
        return f"{days} hari {hours} jam"
    return f"{hours} jam {mins} menit" if hours else f"{mins} menit"


def _conversation(s, conv_id: int) -> tuple[Conversation, Contact]:
    """The conversation and its contact, to read; 404 when there is none."""
    conv = s.get(Conversation, conv_id)
    if conv is None:
        abort(404, description="Percakapan ini tidak ada.")
    return conv, s.get(Contact, conv.contact_id)


@contextmanager
def _locked(conv_id: int):
    """(session, conversation, contact) in a transaction of their own, the contact locked first
    as the bot's job locks it: an officer's change never interleaves with a dialogue step."""
    contact_id = db.session().execute(select(Conversation.contact_id).where(Conversation.id == conv_id)).scalar()
    if contact_id is None:
        abort(404, description="Percakapan ini tidak ada.")
    with db.new_session() as s:
        contact = db.lock_contact(s, contact_id)
        yield s, s.get(Conversation, conv_id), contact


def _officer_names(s, ids: set) -> dict:
    """Officer names by id."""
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return dict(s.execute(select(Officer.id, Officer.name).where(Officer.id.in_(ids))).all())


