"""Audit, readable (admins only): who read or changed what, searchable by request, citizen and
officer, newest first, a page at a time. The page only reads the log (and records its own reading)."""
from urllib.parse import urlencode

from flask import render_template, request, url_for
from sqlalchemy import String, and_, cast, false, or_, select

from bot.core import db
from bot.core.models import (
    Appointment,
    AuditLog,
    Contact,
    Conversation,
    Document,
    Message,
    Officer,
    Outbox,
    Request,
    Upload,
    audit,
)
from bot.web.inbox import citizens
from bot.web.inbox.admin import admin_required
from bot.web.inbox.auth import current_officer
from bot.web.inbox.blueprint import bp
from bot.web.inbox.display import local_time, office_zone
from bot.web.inbox.roles import ACTION_LABELS, APPOINTMENT_LABELS, ROLE_LABELS

PAGE = 50
# Every action an officer's or the system's entry may name, in the officers' words; the request and
# visit labels are those of their history (roles.py), named here without the page's context.
LABELS = {
    **ACTION_LABELS, **APPOINTMENT_LABELS,
    "request_viewed": "Permohonan dilihat",
    "request_queue_viewed": "Daftar permohonan dilihat",
    "request_submitted": "Permohonan diajukan warga",
    "request_assign": "Permohonan ditugaskan",
    "request_take_over": "Permohonan diambil alih",
    "request_ask_fix": "Perbaikan diminta",
    "request_approve": "Permohonan disetujui",
    "request_reject": "Permohonan ditolak",
    "request_issue": "Dokumen diterbitkan",
    "request_files_purged": "Berkas permohonan dihapus (masa simpan habis)",
    "conversation_queue_viewed": "Antrean chat dilihat",
    "conversation_viewed": "Percakapan dibaca",
    "document_viewed": "Dokumen terkirim dibuka petugas",
    "officer_file_sent": "Petugas mengirim berkas ke warga",
    "officer_file_purged": "Berkas kiriman petugas dihapus (masa simpan habis)",
    "conversation_note_added": "Catatan petugas ditambahkan",
    "conversation_assigned": "Percakapan ditugaskan",
    "conversation_unassigned": "Penugasan percakapan dilepas",
    "conversation_labelled": "Label ditambahkan ke percakapan",
    "conversation_unlabelled": "Label dilepas dari percakapan",
    "label_created": "Label baru dibuat",
    "canned_response_created": "Balasan cepat dibuat",
    "canned_response_updated": "Balasan cepat diubah",
    "canned_response_deleted": "Balasan cepat dihapus",
    "office_settings_viewed": "Jam layanan dan tempat dilihat",
    "office_setting_changed": "Jam layanan atau tempat diubah",
    "office_setting_reset": "Jam layanan atau tempat kembali ke config.yml",
    "conversation_taken": "Percakapan diambil alih",
    "officer_replied": "Petugas membalas warga",
    "conversation_handed_back": "Percakapan dikembalikan ke bot",
    "conversation_returned_to_bot": "Percakapan kembali ke bot (petugas tidak aktif)",
    "handoff_requested": "Warga meminta petugas",
    "handoff_withdrawn": "Warga batal menunggu petugas (lanjut dengan bot)",
    "counter_viewed": "Loket dilihat",
    "appointment_numbers_viewed": "Angka jadwal dilihat",
    "appointment_numbers_downloaded": "Angka jadwal diunduh (CSV)",
    "appointment_schedule_viewed": "Kuota jadwal dilihat",
    "appointment_quota_changed": "Kuota diubah",
    "appointment_day_closed": "Hari ditutup",
    "appointment_day_reopened": "Hari dibuka kembali",
    "appointment_change_told": "Warga diberi tahu perubahan jadwal",
    "appointment_reminded": "Pengingat jadwal dikirim",
    "appointment_confirmed": "Warga memastikan datang",
    "data_requests_viewed": "Permintaan data warga dilihat",
    "citizen_data_export_downloaded": "Ekspor data warga diunduh",
    "citizen_data_exported": "Data warga diekspor",
    "citizen_data_erased": "Data warga dihapus",
    "send_failures_viewed": "Daftar gagal terkirim dilihat",
    "send_retry_requested": "Pengiriman diulang",
    "send_failure_dismissed": "Gagal terkirim ditutup",
    "mail_list_viewed": "Email (demo) dilihat",
    "mail_viewed": "Email (demo) dibaca",
    "document_verified": "Keaslian dokumen diperiksa",
    "document_downloaded": "Dokumen diunduh",
    "dashboard_viewed": "Dasbor dilihat",
    "dashboard_downloaded": "Dasbor diunduh (CSV)",
    "audit_log_viewed": "Log audit dilihat",
    "officer_login": "Masuk",
    "officer_logout": "Keluar",
    "officer_login_failed": "Gagal masuk",
    "officer_created": "Petugas dibuat",
    "officer_updated": "Petugas diperbarui",
    "officer_role_changed": "Peran petugas diubah",
    "officer_deactivated": "Petugas dinonaktifkan",
    "officer_reactivated": "Petugas diaktifkan kembali",
    "officer_password_reset": "Kata sandi petugas diganti",
    "officer_totp_on": "Kode autentikator dinyalakan",
    "officer_totp_off": "Kode autentikator dimatikan",
    "officer_token_issued": "Token API dibuat",
    "officers_viewed": "Daftar petugas dilihat",
    # The citizen's and the system's entries (shown with *Pelaku: Semua*).
    "flow_started": "Warga mulai mengisi layanan",
    "flow_redirected": "Warga diarahkan ke layanan lain",
    "flow_cancelled": "Warga membatalkan pengisian",
    "consent_given": "Warga menyetujui pemberitahuan privasi",
    "consent_declined": "Warga tidak menyetujui pemberitahuan privasi",
    "document_received": "Foto/berkas diterima dari warga",
    "message_handled": "Pesan warga dijawab bot",
    "message_left_to_staff": "Pesan warga menunggu petugas",
    "message_failed": "Pesan warga gagal diproses",
    "receipt_built": "Tanda terima dibuat",
    "slip_built": "Bukti jadwal dibuat",
    "form_stored": "Formulir disimpan",
    "document_stored": "Dokumen terbit disimpan",
    "document_queued": "Dokumen diantrekan untuk dikirim",
    "document_resent_on_request": "Dokumen dikirim ulang atas permintaan warga",
    "document_checked_in_chat": "Keaslian dokumen diperiksa di chat",
    "upload_discarded_without_consent": "Foto dibuang (tanpa persetujuan)",
    "send_failed": "Gagal terkirim",
    "send_held_window_closed": "Pesan ditahan (di luar jendela balasan)",
    "email_sent": "Email dikirim",
    "reminder_dropped": "Pengingat tidak dikirim",
    "loop_guard_tripped": "Pengiriman dihentikan (pesan berulang)",
    "webhook_event_rejected": "Kiriman dari penyedia ditolak",
    "staff_replied_outside_inbox": "Petugas membalas di luar kotak masuk",
    "data_key_rotated": "Kunci enkripsi diganti",
    "citizen_data_requested": "Warga meminta datanya (ekspor/hapus)",
    "citizen_data_request_decided": "Permintaan data warga diputuskan",
}
WHO = {"officers": "Petugas saja", "all": "Semua (petugas, warga, sistem)"}


def _ids(query) -> object:
    """A subquery of ids as the log stores them (text)."""
    return query.with_only_columns(cast(query.selected_columns[0], String))


def _about_contacts(contacts) -> list:
    """Entries about these citizens: their chat, messages, requests and their files, visits."""
    requests = select(Request.id).where(Request.contact_id.in_(contacts))
    pairs = [("contacts", select(Contact.id).where(Contact.id.in_(contacts))),
             ("conversations", select(Conversation.id).where(Conversation.contact_id.in_(contacts))),
             ("messages", select(Message.id).where(Message.contact_id.in_(contacts))),
             ("outbox", select(Outbox.id).where(Outbox.contact_id.in_(contacts))),
             ("requests", requests),
             ("documents", select(Document.id).where(Document.request_id.in_(requests))),
             ("uploads", select(Upload.id).where(Upload.contact_id.in_(contacts))),
             ("appointments", select(Appointment.id).where(Appointment.contact_id.in_(contacts)))]
    return [and_(AuditLog.target_type == kind, AuditLog.target_id.in_(_ids(q))) for kind, q in pairs]


def _filters(ticket: str, citizen: str, officer: str, who: str) -> list:
    conditions = []
    if who != "all":
        conditions.append(AuditLog.actor.like("officer:%"))
    if ticket:
        found = select(Request.id).where(Request.ticket == ticket.upper())
        conditions.append(or_(
            and_(AuditLog.target_type == "requests", AuditLog.target_id.in_(_ids(found))),
            and_(AuditLog.target_type == "documents",
                 AuditLog.target_id.in_(_ids(select(Document.id).where(Document.request_id.in_(found))))),
            and_(AuditLog.target_type == "uploads",
                 AuditLog.target_id.in_(_ids(select(Upload.id).where(Upload.request_id.in_(found)))))))
    if citizen:
        # The conversations list's own search: a name, a phone however typed, a ticket, a booking
        # code, a NIK by its keyed hash (citizens.matching).
        contacts = select(Conversation.contact_id).where(citizens.matching(db.session(), citizen))
        conditions.append(or_(*_about_contacts(contacts)))
    if officer:
        like = f"%{officer.lower()}%"
        ids = select(Officer.id).where(or_(Officer.name.ilike(like), Officer.username.ilike(like)))
        actors = [f"officer:{i}" for i in db.session().execute(ids).scalars()]
        conditions.append(AuditLog.actor.in_(actors) if actors else false())
    return conditions


def _describe(s, entries: list[AuditLog]) -> tuple[dict, dict]:
    """(actor -> name, (target type, id) -> what an officer calls it) for one page."""
    officer_ids = {int(e.actor.split(":", 1)[1]) for e in entries if e.actor.startswith("officer:")
                   and e.actor.split(":", 1)[1].isdigit()}
    officer_ids |= {int(e.target_id) for e in entries if e.target_type == "officers" and (e.target_id or "").isdigit()}
    officers = {o.id: o for o in s.execute(select(Officer).where(Officer.id.in_(officer_ids))).scalars()} if officer_ids else {}
    actors = {}
    for e in entries:
        kind, _, rest = e.actor.partition(":")
        if kind == "officer" and rest.isdigit() and int(rest) in officers:
            o = officers[int(rest)]
            actors[e.actor] = f"{o.name} ({ROLE_LABELS.get(o.role, o.role)})"
        else:
            actors[e.actor] = {"system": "Sistem", "citizen": "Warga", "public": "Publik", "anonymous": "Tanpa nama",
                               "staff": "Petugas (di luar kotak masuk)"}.get(kind, e.actor)

    def ids(kind: str) -> set[int]:
        return {int(e.target_id) for e in entries if e.target_type == kind and (e.target_id or "").isdigit()}
    targets = {}
    for req in (s.execute(select(Request).where(Request.id.in_(ids("requests")))).scalars() if ids("requests") else []):
        targets[("requests", str(req.id))] = f"Permohonan {req.ticket} ({req.applicant_name or 'tanpa nama'})"
    for conv_id, name, ext in (s.execute(select(Conversation.id, Contact.display_name, Contact.external_id).join(
            Contact, Contact.id == Conversation.contact_id).where(Conversation.id.in_(ids("conversations")))).all()
            if ids("conversations") else []):
        targets[("conversations", str(conv_id))] = f"Chat {name or ext}"
    for appt in (s.execute(select(Appointment).where(Appointment.id.in_(ids("appointments")))).scalars()
                 if ids("appointments") else []):
        targets[("appointments", str(appt.id))] = f"Jadwal {appt.code}"
    for oid in ids("officers"):
        if oid in officers:
            targets[("officers", str(oid))] = f"Petugas {officers[oid].name}"
    return actors, targets


def _detail_text(entry: AuditLog) -> str:
    """The entry's detail as short `key: value` pairs (it never holds a password or a full NIK)."""
    return ", ".join(f"{k}: {v}" for k, v in (entry.detail or {}).items() if v not in (None, "", [], {}))


@bp.get("/audit")
@admin_required
def audit_log():
    """The log, newest first, filtered by request (ticket), citizen (name or phone) and officer."""
    s, me = db.session(), current_officer()
    ticket = request.args.get("ticket", "").strip()[:40]
    citizen = request.args.get("citizen", "").strip()[:100]
    officer = request.args.get("officer", "").strip()[:100]
    who = request.args.get("who", "officers")
    who = who if who in WHO else "officers"
    # Older pages by the last seq shown (not an offset: the log grows while an admin reads it,
    # not least by this page's own entry).
    before = request.args.get("before", "")
    before = int(before) if before.isdigit() else None
    query = select(AuditLog).where(*_filters(ticket, citizen, officer, who))
    if before is not None:
        query = query.where(AuditLog.seq < before)
    entries = s.execute(query.order_by(AuditLog.seq.desc()).limit(PAGE + 1)).scalars().all()
    more, entries = len(entries) > PAGE, entries[:PAGE]
    actors, targets = _describe(s, entries)
    zone = office_zone()
    rows = [{"seq": e.seq, "at": local_time(e.at, zone), "actor": actors.get(e.actor, e.actor),
             "action": e.action, "label": LABELS.get(e.action, e.action),
             "target": targets.get((e.target_type, e.target_id)) or (f"{e.target_type} #{e.target_id}" if e.target_type else ""),
             "detail": _detail_text(e)} for e in entries]
    audit(s, f"officer:{me.id}", "audit_log_viewed", **{k: v for k, v in
                                                       (("ticket", ticket), ("citizen", citizen), ("officer", officer))
                                                       if v}, who=who, **({"before": before} if before else {}))
    s.commit()
    args = {k: v for k, v in (("ticket", ticket), ("citizen", citizen), ("officer", officer), ("who", who)) if v}
    base = url_for("inbox.audit_log") + "?" + urlencode(args)
    return render_template("inbox/audit.html", officer=me, rows=rows, ticket=ticket, citizen=citizen,
                           searched_officer=officer, who=who, whos=WHO, older_page=before is not None,
                           newest=base, next=f"{base}&{urlencode({'before': entries[-1].seq})}" if more else None)
