"""Citizens waiting for an officer: the queue, one conversation, take over, reply, hand back.

The bot owns a conversation until an officer takes it; then the bot is silent there (the engine
checks `Conversation.owner`) until the officer hands it back (the Chatwoot pattern, docs/design.md).
An officer's reply is an outbox row like any other, marked `officer`, so the sender applies the
window rule: free text within 24 hours of the citizen's last message, Messenger's HUMAN_AGENT tag
within 7 days, a WhatsApp template or waiting for the citizen otherwise.
"""
from contextlib import contextmanager
from datetime import datetime

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import func, or_, select

from bot.core import db, handoff
from bot.core.clock import dialogue_now
from bot.core.models import (
    Contact,
    Conversation,
    Message,
    Officer,
    Outbox,
    Request,
    audit,
    utcnow,
)
from bot.web.inbox import canned
from bot.web.inbox.auth import current_officer, login_required
from bot.web.inbox.blueprint import bp
from bot.web.inbox.display import local_time, office_zone, reach
from delivery import jobs
from delivery.channels.text import shorten
from delivery.officer_replies import officer_payload
from delivery.window import officer_window
from flows.engine import Engine
from flows.records import STATUS_LABELS

REPLY_MAX = 2000     # the shortest channel limit (Messenger); longer texts would be split
TRANSCRIPT = 50      # the latest messages shown in a conversation


@bp.get("/")
@login_required
def home():
    """The inbox's landing page: the citizens waiting for an officer."""
    return redirect(url_for("inbox.queue"))


@bp.get("/conversations")
@login_required
def queue():
    """Conversations a citizen asked an officer for, oldest request first, then those taken."""
    s = db.session()
    rows = s.execute(select(Conversation, Contact).join(Contact, Contact.id == Conversation.contact_id)
                     .where(or_(Conversation.needs_human.is_(True), Conversation.owner == "officer"))
                     .order_by(Conversation.handoff_requested_at.is_(None), Conversation.handoff_requested_at,
                               Conversation.id)).all()
    officers = _officer_names(s, {conv.officer_id for conv, _ in rows})
    zone = office_zone()
    items = [{"id": conv.id, "citizen": contact.display_name or "(tanpa nama)", "reach": reach(contact),
              "asked": local_time(conv.handoff_requested_at, zone), "last": _last_inbound(s, contact.id),
              "taken_by": officers.get(conv.officer_id) if conv.owner == "officer" else None,
              "unanswered": _citizen_wrote_last(s, contact.id)}
             for conv, contact in rows]
    officer = current_officer()
    audit(s, f"officer:{officer.id}", "conversation_queue_viewed", shown=len(items))
    s.commit()
    return render_template("inbox/conversations.html", items=items, officer=officer)


@bp.get("/conversations/<int:conv_id>")
@login_required
def conversation(conv_id: int):
    """One conversation: the latest messages, the reply window, and what the officer can do."""
    s = db.session()
    conv, contact = _conversation(s, conv_id)
    zone = office_zone()
    messages = s.execute(select(Message).where(Message.contact_id == contact.id)
                         .order_by(Message.id.desc()).limit(TRANSCRIPT)).scalars().all()[::-1]
    waiting = s.execute(select(Outbox).where(Outbox.contact_id == contact.id,
                                             Outbox.status.in_(("pending", "held"))).order_by(Outbox.id)).scalars().all()
    officer = current_officer()
    owner = _officer_names(s, {conv.officer_id}).get(conv.officer_id) if conv.owner == "officer" else None
    audit(s, f"officer:{officer.id}", "conversation_viewed", conv)  # a read of a citizen's messages
    s.commit()
    services = current_app.config["OFFICE"].get("services", {})
    requests = [{"ticket": r.ticket, "service": services.get(r.service, {}).get("title", r.service),
                 "status": STATUS_LABELS.get(r.status, r.status), "at": local_time(r.created_at, zone)}
                for r in s.execute(select(Request).where(Request.contact_id == contact.id)
                                   .order_by(Request.id.desc())).scalars()]
    return render_template(
        "inbox/conversation.html", officer=officer, conv=conv, citizen=contact.display_name or "(tanpa nama)",
        requests=requests,
        reach=reach(contact), window=window_note(contact, utcnow()), owner=owner,
        mine=conv.owner == "officer" and conv.officer_id == officer.id, reply_max=REPLY_MAX,
        transcript=[_line(m, zone) for m in messages],
        waiting=[{"text": (row.payload or {}).get("text") or "(dokumen)", "held": row.status == "held"}
                 for row in waiting])


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


def _line(message: Message, zone) -> dict:
    """One transcript line: who, when, what."""
    payload = message.payload or {}
    if message.direction == "in":
        who = "Warga"
    elif message.kind == handoff.STAFF_KIND:
        who = "Staf (inbox Halaman Facebook)"
    elif payload.get("officer"):
        who = "Petugas"
    else:
        who = "Bot"
    text = message.text or {"file": "(foto/dokumen)", "rejected_file": "(file ditolak)", "media": "(foto/dokumen)",
                            "sticker": "(stiker)", "audio": "(pesan suara)", "location": "(lokasi)",
                            "document": "(dokumen)"}.get(message.kind, f"({message.kind})")
    return {"who": who, "in": message.direction == "in", "at": local_time(message.created_at, zone), "text": text,
            "status": message.status if message.direction == "out" else None}


def _last_inbound(s, contact_id: int) -> str:
    """The citizen's latest message, shortened, for the queue."""
    text = s.execute(select(Message.text).where(Message.contact_id == contact_id, Message.direction == "in")
                     .order_by(Message.id.desc()).limit(1)).scalar_one_or_none()
    return shorten(text or "", 80)


def _citizen_wrote_last(s, contact_id: int) -> bool:
    """Whether the citizen wrote after the last reply a person gave (the bot's do not count)."""
    last_in = s.execute(select(func.max(Message.id)).where(
        Message.contact_id == contact_id, Message.direction == "in")).scalar()
    last_human = s.execute(select(func.max(Message.id)).where(
        Message.contact_id == contact_id, Message.direction == "out", handoff.BY_A_PERSON)).scalar()
    return last_in is not None and (last_human is None or last_in > last_human)


def _officer_names(s, ids: set) -> dict:
    """Officer names by id."""
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return dict(s.execute(select(Officer.id, Officer.name).where(Officer.id.in_(ids))).all())


