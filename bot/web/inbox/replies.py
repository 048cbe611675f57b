"""Replies that help, beside a conversation's reply box: a canned response to start from, a file
(PDF or photo) sent through the outbox, private notes between officers, who the conversation is
assigned to, and labels. Every change is audited; reading them is part of the conversation's view.

Notes and labels are the officers' own: nothing of them ever reaches the citizen. A file goes out
like an officer's reply (the window rule, Messenger's HUMAN_AGENT tag, or held until the citizen
writes), signed "Petugas Rina:" in its caption (delivery/officer_replies.py).
"""
from flask import abort, flash, redirect, request, url_for
from sqlalchemy import delete, select

from bot.core import db
from bot.core.invalid import Invalid
from bot.core.models import (
    Contact,
    Conversation,
    ConversationLabel,
    ConversationNote,
    Label,
    Officer,
    Outbox,
    audit,
    utcnow,
)
from bot.web.inbox import canned
from bot.web.inbox.auth import current_officer, login_required
from bot.web.inbox.blueprint import bp
from bot.web.inbox.conversations import _conversation, _locked, window_note
from bot.web.inbox.display import local_time, office_zone
from delivery import jobs
from delivery.officer_replies import (
    FILE_TYPES,
    audit_file_sent,
    document_spec,
    officer_payload,
    signature,
    store_officer_file,
)

NOTE_MAX, LABEL_MAX, CAPTION_MAX = 2000, 40, 900
ASSIGNERS = frozenset({"admin", "verifier"})  # who may assign a conversation to another officer
# What the file picker offers (the server checks the content whatever the picker allowed).
ACCEPT = ",".join(FILE_TYPES + (".pdf", ".jpg", ".jpeg", ".png"))


def _back(conv_id: int):
    """Back to the conversation, at the tools."""
    return redirect(url_for("inbox.conversation", conv_id=conv_id) + "#alat-balasan")


def _actor(officer) -> str:
    return f"officer:{officer.id}"


def reply_tools(conv: Conversation) -> dict:
    """What the reply tools show for a conversation (a template global: the conversation page
    includes inbox/_reply_tools.html, which calls it)."""
    s = db.session()
    officer = current_officer()
    contact = s.get(Contact, conv.contact_id)
    zone = office_zone()
    names = dict(s.execute(select(Officer.id, Officer.name)).all())
    notes = [{"who": names.get(n.officer_id, "-"), "at": local_time(n.created_at, zone), "text": n.text}
             for n in s.execute(select(ConversationNote).where(ConversationNote.conversation_id == conv.id)
                                .order_by(ConversationNote.id)).scalars()]
    labels = s.execute(select(Label).join(ConversationLabel, ConversationLabel.label_id == Label.id)
                       .where(ConversationLabel.conversation_id == conv.id).order_by(Label.name)).scalars().all()
    assigner = officer.role in ASSIGNERS
    officers = [{"id": o.id, "name": o.name} for o in s.execute(
        select(Officer).where(Officer.active.is_(True)).order_by(Officer.name)).scalars()] if assigner else []
    return {"canned": canned.filled(s, contact, officer), "notes": notes,
            "labels": [{"id": label.id, "name": label.name} for label in labels],
            "known_labels": s.execute(select(Label.name).order_by(Label.name)).scalars().all(),
            "assignee": names.get(conv.assignee_id), "assigned_to_me": conv.assignee_id == officer.id,
            "assigner": assigner, "officers": officers, "accept": ACCEPT,
            "window": window_note(contact, utcnow()), "note_max": NOTE_MAX, "label_max": LABEL_MAX,
            "caption_max": CAPTION_MAX, "signature": signature(officer)}


@bp.post("/conversations/<int:conv_id>/file")
@login_required
def send_file(conv_id: int):
    """Send the citizen a PDF or photo, checked as a citizen's upload is, through the outbox."""
    officer = current_officer()
    upload = request.files.get("file")
    caption = (request.form.get("caption") or "").strip()
    if upload is None or not upload.filename:
        flash("Pilih dulu berkas PDF atau foto yang akan dikirim.")
        return _back(conv_id)
    if len(caption) > CAPTION_MAX:
        flash(f"Keterangan berkas terlalu panjang ({len(caption)} karakter). Maksimal {CAPTION_MAX} karakter.")
        return _back(conv_id)
    if canned.unfilled(caption):
        flash(f"Keterangan masih berisi {', '.join(canned.unfilled(caption))}: ganti dengan isinya dulu.")
        return _back(conv_id)
    data = upload.read()
    with _locked(conv_id) as (s, conv, contact):
        if conv.owner != "officer" or conv.officer_id != officer.id:
            abort(409, description="Ambil alih percakapan ini dulu sebelum mengirim berkas.")
        try:
            doc = store_officer_file(s, data, upload.filename, upload.mimetype)
        except Invalid as err:
            flash(f"Berkas tidak dikirim: {err.message}")
            return _back(conv_id)
        # Outside the window a file waits for the citizen: no template says "here is a file".
        payload = {**officer_payload(officer, caption, document_spec(doc)), "template_kind": "officer_file"}
        row = Outbox(contact_id=contact.id, kind="document", status="pending", payload=payload)
        s.add(row)
        s.flush()
        audit_file_sent(s, officer, row, doc, conv.id)
        s.commit()
        window = window_note(contact, utcnow())
        contact_id, filename = contact.id, doc.filename
    jobs.enqueue("delivery.sender.send_pending", contact_id)
    flash(f"Berkas {filename} dikirim." if window["open"] else
          f"Berkas {filename} disimpan: di luar jendela balasan, berkas menunggu sampai warga menulis lagi.")
    return _back(conv_id)


@bp.post("/conversations/<int:conv_id>/notes")
@login_required
def add_note(conv_id: int):
    """A private note for the other officers (never sent to the citizen)."""
    officer = current_officer()
    text = (request.form.get("note") or "").strip()
    if not text or len(text) > NOTE_MAX:
        flash("Catatan kosong." if not text else f"Catatan terlalu panjang. Maksimal {NOTE_MAX} karakter.")
        return _back(conv_id)
    s = db.session()
    conv, _contact = _conversation(s, conv_id)
    note = ConversationNote(conversation_id=conv.id, officer_id=officer.id, text=text)
    s.add(note)
    s.flush()
    audit(s, _actor(officer), "conversation_note_added", note, conversation_id=conv.id)
    s.commit()
    flash("Catatan disimpan (hanya terlihat oleh petugas).")
    return _back(conv_id)


@bp.post("/conversations/<int:conv_id>/assign")
@login_required
def assign(conv_id: int):
    """Assign the conversation: to oneself (anyone), or to another officer (admins and verifiers);
    an empty choice removes the assignment."""
    officer = current_officer()
    choice = request.form.get("officer_id", "")
    s = db.session()
    conv, _contact = _conversation(s, conv_id)
    if choice == "me":
        target = officer.id
    elif choice == "":
        target = None
    elif choice.isdigit():
        target = int(choice)
    else:
        abort(400, description="Pilihan petugas tidak dikenal.")
    mine_only = target in (officer.id, None) and conv.assignee_id in (officer.id, None)
    if officer.role not in ASSIGNERS and not mine_only:
        abort(409, description="Hanya admin atau verifikator yang dapat menugaskan percakapan ke petugas lain.")
    if target is not None:
        found = s.get(Officer, target)
        if found is None or not found.active:
            abort(400, description="Petugas itu tidak ada atau sudah tidak aktif.")
    previous, conv.assignee_id = conv.assignee_id, target
    audit(s, _actor(officer), "conversation_assigned" if target else "conversation_unassigned", conv,
          **({"assignee": target} if target else {}), **({"previous": previous} if previous else {}))
    s.commit()
    flash("Percakapan ditugaskan ke Anda." if target == officer.id else
          "Penugasan dihapus." if target is None else f"Percakapan ditugaskan ke {s.get(Officer, target).name}.")
    return _back(conv_id)


@bp.post("/conversations/<int:conv_id>/labels")
@login_required
def add_label(conv_id: int):
    """Put a label on the conversation (made the first time it is used; kept in lower case)."""
    officer = current_officer()
    name = " ".join((request.form.get("label") or "").split()).lower()
    if not name or len(name) > LABEL_MAX:
        flash("Label kosong." if not name else f"Label paling panjang {LABEL_MAX} karakter.")
        return _back(conv_id)
    s = db.session()
    conv, _contact = _conversation(s, conv_id)
    label = s.execute(select(Label).where(Label.name == name)).scalar_one_or_none()
    if label is None:
        label = Label(name=name)
        s.add(label)
        s.flush()
        audit(s, _actor(officer), "label_created", label, name=name)
    if s.get(ConversationLabel, (conv.id, label.id)) is None:
        s.add(ConversationLabel(conversation_id=conv.id, label_id=label.id))
        audit(s, _actor(officer), "conversation_labelled", conv, label=name)
    s.commit()
    return _back(conv_id)


@bp.post("/conversations/<int:conv_id>/labels/<int:label_id>/remove")
@login_required
def remove_label(conv_id: int, label_id: int):
    """Take a label off the conversation (the label stays for other conversations)."""
    officer = current_officer()
    s = db.session()
    conv, _contact = _conversation(s, conv_id)
    label = s.get(Label, label_id) or abort(404, description="Label ini tidak ada.")
    removed = s.execute(delete(ConversationLabel).where(ConversationLabel.conversation_id == conv.id,
                                                        ConversationLabel.label_id == label.id)).rowcount
    if removed:
        audit(s, _actor(officer), "conversation_unlabelled", conv, label=label.name)
    s.commit()
    return _back(conv_id)

