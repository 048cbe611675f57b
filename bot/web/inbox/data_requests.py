"""*Data warga*: citizens' requests, made in the chat, for a copy of their data or its erasure
(UU 27/2022 PDP). A verifier or admin checks who is asking (the chat is not proof of identity:
call the number, or see the citizen at the counter) and carries it out or refuses it."""
import re
from pathlib import Path

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from sqlalchemy import select

from bot.core import citizen_data, db
from bot.core.lifecycle import DECIDERS
from bot.core.models import AuditLog, Contact, Outbox, audit
from bot.web.inbox.auth import current_officer, login_required
from bot.web.inbox.blueprint import bp
from bot.web.inbox.display import local_time, office_zone, reach
from delivery import jobs
from flows.definition import texts
from flows.placeholders import fill

KIND_LABELS = {"export": "Salinan data", "erase": "Penghapusan data"}
EXPORT_NAME = re.compile(r"data-warga-\d{8}-\d{6}-\d+\.zip")


def exports_dir() -> Path:
    """Where the exports are written (instance/exports, readable by the service only)."""
    return Path(current_app.instance_path) / "exports"


def _may_decide(officer) -> bool:
    return officer is not None and officer.role in DECIDERS


def _asked(s, entry_id: int) -> citizen_data.Asked:
    found = next((a for a in citizen_data.pending(s) if a.entry_id == entry_id), None)
    if found is None:
        abort(409, description="Permintaan ini sudah diputuskan petugas lain atau tidak ada.")
    return found


@bp.get("/data-requests")
@login_required
def data_requests():
    """What citizens asked for, oldest first, and the last decisions."""
    s = db.session()
    zone = office_zone()
    waiting = citizen_data.pending(s)
    contacts = {c.id: c for c in s.execute(select(Contact).where(
        Contact.id.in_([a.contact_id for a in waiting] or [-1]))).scalars()}
    decided = s.execute(select(AuditLog).where(AuditLog.action == citizen_data.DECIDED)
                        .order_by(AuditLog.id.desc()).limit(20)).scalars().all()
    officer = current_officer()
    audit(s, f"officer:{officer.id}", "data_requests_viewed", None)
    s.commit()
    return render_template(
        "inbox/data_requests.html", officer=officer, may_decide=_may_decide(officer),
        waiting=[{"id": a.entry_id, "kind": KIND_LABELS.get(a.kind, a.kind), "erase": a.kind == "erase",
                  "at": local_time(a.at, zone), "citizen": _who(contacts.get(a.contact_id)),
                  "reach": reach(contacts[a.contact_id]) if a.contact_id in contacts else "-"} for a in waiting],
        decided=[{"id": d.id, "kind": KIND_LABELS.get(d.detail.get("kind"), "-"), "outcome": d.detail.get("outcome"),
                  "at": local_time(d.at, zone), "file": d.detail.get("file"), "reason": d.detail.get("reason")}
                 for d in decided])


def _who(contact: Contact | None) -> str:
    if contact is None:
        return "(sudah dihapus)"
    return contact.display_name or "(tanpa nama)"


@bp.post("/data-requests/<int:entry_id>")
@login_required
def decide_data_request(entry_id: int):
    """Carry out (export or erase) or refuse one request."""
    officer = current_officer()
    if not _may_decide(officer):
        abort(403, description="Hanya verifikator atau admin yang boleh memutuskan permintaan data warga.")
    s = db.session()
    asked = _asked(s, entry_id)
    actor = f"officer:{officer.id}"
    words = texts()["data_rights"]
    office = current_app.config["OFFICE"]["office"]
    contact = s.get(Contact, asked.contact_id)
    if request.form.get("decision") == "refuse":
        reason = request.form.get("reason", "").strip()
        if not reason:
            flash("Tuliskan alasan penolakan; warga membacanya di chat.")
            return redirect(url_for("inbox.data_requests"), code=303)
        citizen_data.decide(s, asked, actor, "refused", reason=reason[:500])
        _tell(s, contact.id, fill(words[f"refused_{asked.kind}"], reason=reason[:500]))
        flash("Permintaan ditolak; warga sudah diberi tahu.")
    elif asked.kind == "export":
        subject = citizen_data.Subject(f"contact:{contact.id}", [contact.id])
        path = citizen_data.export(s, subject, exports_dir(), office["name"])
        citizen_data.decide(s, asked, actor, "done", file=path.name)
        if contact.email:
            s.add(Outbox(contact_id=contact.id, kind="email", status="pending", payload={
                "to": contact.email, "subject": words["email_subject"],
                "body": fill(words["email_body"], office=office["name"]), "export_file": path.name}))
            _tell(s, contact.id, words["export_sent_email"])
        else:
            _tell(s, contact.id, fill(words["export_at_office"], office=office.get("short_name") or office["name"]))
        flash("Salinan data dibuat; warga sudah diberi tahu.")
    else:
        # Erased at once: nothing is sent afterwards, the citizen was told what would happen.
        citizen_data.decide(s, asked, actor, "done")
        result = citizen_data.erase(s, citizen_data.Subject(f"contact:{contact.id}", [contact.id]), actor,
                                    exports=exports_dir())
        kept = f" Tetap dicatat untuk akta terbit: {', '.join(result.requests_kept)}." if result.requests_kept else ""
        flash(f"Data warga dihapus: {result.messages} pesan, {result.files} berkas, "
              f"{result.requests_deleted} permohonan.{kept}")
    s.commit()
    if contact is not None and not contact.external_id.startswith("erased-"):
        jobs.enqueue("delivery.sender.send_pending", contact.id)
    return redirect(url_for("inbox.data_requests"), code=303)


def _tell(s, contact_id: int, text: str) -> None:
    """A message to the citizen, through the outbox and the window rule."""
    s.add(Outbox(contact_id=contact_id, kind="reply", status="pending",
                 payload={"text": text, "template_kind": "update"}))


@bp.get("/data-requests/exports/<name>")
@login_required
def download_export(name: str):
    """An export ZIP, for the verifier handing it to the citizen (the download is audited)."""
    officer = current_officer()
    if not _may_decide(officer) or not EXPORT_NAME.fullmatch(name):
        abort(404)
    path = exports_dir() / name
    if not path.is_file():
        abort(404)
    s = db.session()
    audit(s, f"officer:{officer.id}", "citizen_data_export_downloaded", None, file=name)
    s.commit()
    return send_file(path, mimetype="application/zip", as_attachment=True, download_name=name, max_age=0)
