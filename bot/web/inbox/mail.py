"""Demo-mode email: without SMTP_URL the app writes each message as an .eml file under
instance/mail (delivery/email.py); officers read them here to see what citizens would get."""
from flask import abort, current_app, render_template

from bot.core import db
from bot.core.models import audit
from bot.web.inbox.auth import current_officer, login_required
from bot.web.inbox.blueprint import bp
from bot.web.inbox.display import office_zone
from delivery import email

SHOWN = 100


def _when(value) -> str:
    return value.astimezone(office_zone()).strftime("%d/%m/%Y %H:%M") if value else "-"


@bp.get("/mail")
@login_required
def mail_list():
    """The written messages, newest first."""
    items = [{**m, "when": _when(m["date"])} for m in email.list_mail(limit=SHOWN)]
    officer = current_officer()
    s = db.session()
    audit(s, f"officer:{officer.id}", "mail_list_viewed", shown=len(items))
    s.commit()
    return render_template("inbox/mail.html", officer=officer, items=items, message=None, shown_max=SHOWN,
                           smtp=bool(current_app.config.get("SMTP_URL")))


@bp.get("/mail/<name>")
@login_required
def mail_message(name: str):
    """One written message: its headers, its text and its attachments' names."""
    message = email.read_mail(name)
    if message is None:
        abort(404, description="Email ini tidak ada.")
    body = message.get_body(preferencelist=("plain", "html"))
    try:
        text = body.get_content() if body is not None else ""
    except (LookupError, ValueError):
        text = "(isi email tidak dapat dibaca)"
    try:
        date = message["Date"].datetime if message["Date"] else None
    except (AttributeError, ValueError, TypeError):
        date = None
    shown = {"name": name, "from": str(message["From"] or ""), "to": str(message["To"] or ""),
             "subject": str(message["Subject"] or ""), "when": _when(date), "text": text,
             "attachments": [{"name": part.get_filename() or "(tanpa nama)", "type": part.get_content_type(),
                              "size": len(part.get_payload(decode=True) or b"")}
                             for part in message.iter_attachments()]}
    officer = current_officer()
    s = db.session()
    audit(s, f"officer:{officer.id}", "mail_viewed", name=name)
    s.commit()
    return render_template("inbox/mail.html", officer=officer, items=None, message=shown,
                           smtp=bool(current_app.config.get("SMTP_URL")))
