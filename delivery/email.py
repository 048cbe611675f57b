"""Email through SMTP (stdlib): a second copy for citizens who gave an address."""
import logging
import smtplib
import ssl
from email.message import EmailMessage
from urllib.parse import unquote, urlparse

from flask import current_app

from bot.core import storage
from bot.core.models import Document
from flows.definition import texts

log = logging.getLogger(__name__)


class EmailNotConfigured(Exception):
    """SMTP_URL is not set: there is no way to send email."""


def send_email(to: str, subject: str, body: str, attachments: list[tuple[str, bytes, str]] = ()) -> None:
    """Send one plain-text email with optional attachments (filename, bytes, content type)."""
    url = current_app.config.get("SMTP_URL")
    if not url:
        raise EmailNotConfigured("SMTP_URL is not set")
    parts = urlparse(url)  # smtp://user:pass@host:587 (STARTTLS when offered) or smtps://host:465
    message = EmailMessage()
    message["From"] = current_app.config.get("MAIL_FROM") or f"Sapa Dukcapil <no-reply@{parts.hostname}>"
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    for filename, data, content_type in attachments:
        maintype, _, subtype = content_type.partition("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    if parts.scheme == "smtps":
        client = smtplib.SMTP_SSL(parts.hostname, parts.port or 465, timeout=20,
                                  context=ssl.create_default_context())
    else:
        client = smtplib.SMTP(parts.hostname, parts.port or 25, timeout=20)
    with client:
        if parts.scheme != "smtps" and client.has_extn("starttls"):
            client.starttls(context=ssl.create_default_context())
        if parts.username:
            client.login(unquote(parts.username), unquote(parts.password or ""))
        client.send_message(message)
    log.info("email sent to ***@%s", to.rpartition("@")[2])


def send_copy(s, contact, payload: dict) -> bool:
    """Email what could not go through the chat; True when it was sent (wording: texts.yml `email`)."""
    if not contact.email:
        return False
    words = texts()["email"]
    lines = [payload.get("text") or words["document_only"]]
    for i, button in enumerate(payload.get("buttons") or [], 1):
        lines.append(f"{i}. {button['title']}")
    lines += ["", words["footer"].strip()]
    attachments = []
    document = payload.get("document") or {}
    if document.get("document_id"):
        doc = s.get(Document, document["document_id"])
        attachments.append((doc.filename, storage.load(doc.storage_key), doc.content_type))
    try:
        send_email(contact.email, words["subject"].strip(), "\n".join(lines), attachments)
    except (EmailNotConfigured, smtplib.SMTPException, OSError) as err:
        log.warning("email copy not sent: %s", type(err).__name__)
        return False
    return True
