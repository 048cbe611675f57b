"""Email, the one way it leaves: `deliver` sends through SMTP when SMTP_URL is set, and otherwise
writes the message as an .eml file under <instance>/mail/ (the demo and development mode, which
officers read in the inbox through `list_mail` and `read_mail`).

`send_copy` is what the sender uses: a copy of a chat message the channel could not deliver, for a
citizen who gave an address (wording: texts.yml `email`).

Nothing personal is logged: an address appears as ***@domain, never a body, never a password.
"""
import base64
import logging
import os
import re
import secrets
import smtplib
import socket
import ssl
import tempfile
from datetime import datetime, timezone
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path
from urllib.parse import unquote, urlparse

from flask import current_app

from bot.core import storage
from bot.core.models import Document
from flows.definition import texts

log = logging.getLogger(__name__)

SMTP_TIMEOUT = 20  # seconds, for the connection and each command
# The files `deliver` writes: YYYYMMDD-HHMMSS-<random hex>.eml (UTC). Only such plain names are read.
MAIL_NAME = re.compile(r"\d{8}-\d{6}-[0-9a-f]{8,32}\.eml")
# The local part of an address in a server's reply. The lookbehind starts a match only where a
# run of such characters starts, so a long run without "@" is scanned once, not once per letter.
_ADDRESS = re.compile(r"(?<![^\s<>@\"',;:()\[\]])[^\s<>@\"',;:()\[\]]+@")


class EmailFailed(Exception):
    """A message did not leave. `permanent`: trying again will not help (a refused recipient, a
    5xx reply, a refused login, a malformed SMTP_URL); otherwise a later try may work (the server
    was unreachable or slow, or answered 4xx). The text names no full address and no password."""

    def __init__(self, message: str, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


def _domain(address: str) -> str:
    """An address as logs may show it: ***@domain."""
    return "***@" + address.rpartition("@")[2] if "@" in address else "***"


def _scrub(text: str, secrets_: tuple[str, ...] = ()) -> str:
    """A server's reply made safe to log: local parts of addresses and the given secrets masked."""
    for secret in secrets_:
        if secret:
            text = text.replace(secret, "***")
    return _ADDRESS.sub("***@", text)[:200]


def _tls_context() -> ssl.SSLContext:
    """How the server's certificate is checked (the system's CAs; tests put their own CA here)."""
    return ssl.create_default_context()


# ---- the message ------------------------------------------------------------------------------
def _sender(hostname: str | None) -> str:
    """From: MAIL_FROM, else a no-reply address at the SMTP host (or the public host in demo mode)."""
    configured = current_app.config.get("MAIL_FROM")
    if configured:
        return configured
    host = hostname or urlparse(current_app.config.get("PUBLIC_BASE_URL") or "").hostname or "localhost"
    return f"Sapa Dukcapil <no-reply@{host}>"


def _message(sender: str, to: str, subject: str, body: str,
             attachments: list[tuple[str, bytes, str]]) -> EmailMessage:
    """One plain-text UTF-8 message with its attachments (filename, bytes, content type)."""
    name, address = parseaddr(to)
    if (not address or address != to.strip() or address.count("@") != 1 or address.startswith("@")
            or address.endswith("@") or any(c.isspace() for c in address)):
        raise EmailFailed(f"not an email address (to {_domain(to)})", permanent=True)
    message = EmailMessage(policy=policy.SMTP)  # CRLF line ends: RFC 5322, as sent and as written
    try:
        message["Message-ID"] = make_msgid(domain=parseaddr(sender)[1].rpartition("@")[2] or "localhost")
        message["Date"] = format_datetime(datetime.now(timezone.utc))
        message["From"] = sender
        message["To"] = address
        message["Subject"] = subject
    except (ValueError, TypeError) as err:  # a line break in a header: never let it through
        raise EmailFailed(f"a header cannot be written ({type(err).__name__})", permanent=True) from None
    message.set_content(body, charset="utf-8")
    for filename, data, content_type in attachments:
        maintype, _, subtype = (content_type or "application/octet-stream").partition("/")
        if not subtype:
            maintype, subtype = "application", "octet-stream"
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message


# ---- the two ways out ---------------------------------------------------------------------------
def deliver(to: str, subject: str, body: str, attachments: list[tuple[str, bytes, str]] = ()) -> str:
    """Send one email; "smtp" when it went to the SMTP server, or the path of the .eml written
    (no SMTP_URL). Raises EmailFailed (see its `permanent`)."""
    url = current_app.config.get("SMTP_URL")
    if not url:
        message = _message(_sender(None), to, subject, body, list(attachments))
        path = _write(message)
        log.info("email to %s written to mail/%s (no SMTP_URL)", _domain(to), Path(path).name)
        return path
    scheme, host, port, user, password = _parse_url(url)
    message = _message(_sender(host), to, subject, body, list(attachments))
    try:
        _send(message, scheme, host, port, user, password)
    except EmailFailed as err:
        log.warning("email to %s not sent: %s", _domain(to), err)
        raise
    log.info("email sent to %s", _domain(to))
    return "smtp"


def _parse_url(url: str) -> tuple[str, str, int, str | None, str | None]:
    """smtp://user:pass@host:587 or smtps://user:pass@host:465, user and password URL-decoded."""
    try:
        parts = urlparse(url.strip())
        port = parts.port
    except ValueError:
        raise EmailFailed("SMTP_URL is malformed (the port)", permanent=True) from None
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise EmailFailed("SMTP_URL is malformed: smtp://user:pass@host:587 or smtps://user:pass@host:465",
                          permanent=True)
    user = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password is not None else None
    return parts.scheme, parts.hostname, port or (465 if parts.scheme == "smtps" else 25), user, password


def _send(message: EmailMessage, scheme: str, host: str, port: int, user: str | None, password: str | None) -> None:
    """Hand the message to the server, turning every failure into EmailFailed."""
    hidden = tuple(str(s) for s in (password, message["To"]) if s)
    try:
        if scheme == "smtps":
            client = smtplib.SMTP_SSL(host, port, timeout=SMTP_TIMEOUT, context=_tls_context())
        else:
            client = smtplib.SMTP(host, port, timeout=SMTP_TIMEOUT)
        with client:
            if scheme == "smtp":
                client.ehlo()
                if client.has_extn("starttls"):
                    client.starttls(context=_tls_context())
                    client.ehlo()
            if user:
                _login(client, user, password or "")
            client.send_message(message)
    except UnicodeError:  # its text would show a character of what could not be encoded
        raise EmailFailed("the SMTP server cannot take non-ASCII text here (the login or an address)",
                          permanent=True) from None
    except smtplib.SMTPRecipientsRefused as err:
        codes = [code for code, _reply in err.recipients.values()]
        permanent = not codes or any(code >= 500 for code in codes)
        raise EmailFailed(f"the SMTP server refused the recipient ({', '.join(map(str, codes)) or '?'})",
                          permanent=permanent) from None
    except smtplib.SMTPAuthenticationError as err:
        raise EmailFailed(f"the SMTP server refused the login ({err.smtp_code})", permanent=True) from None
    except smtplib.SMTPResponseException as err:  # sender refused, data refused, connect refused, ...
        reply = err.smtp_error.decode("utf-8", "replace") if isinstance(err.smtp_error, bytes) else str(err.smtp_error)
        raise EmailFailed(f"the SMTP server answered {err.smtp_code}: {_scrub(reply, hidden)}",
                          permanent=err.smtp_code >= 500) from None
    except smtplib.SMTPNotSupportedError:  # e.g. a login asked of a server that offers no AUTH
        raise EmailFailed("the SMTP server does not support what SMTP_URL asks (AUTH?)", permanent=True) from None
    except ssl.SSLCertVerificationError as err:
        raise EmailFailed(f"the SMTP server's certificate is not trusted ({err.verify_message})",
                          permanent=True) from None
    except (smtplib.SMTPServerDisconnected, socket.timeout, TimeoutError) as err:
        raise EmailFailed(f"the SMTP server at {host}:{port} did not answer in time or hung up "
                          f"({type(err).__name__})", permanent=False) from None
    except smtplib.SMTPException as err:
        raise EmailFailed(f"SMTP failed ({type(err).__name__})", permanent=False) from None
    except OSError as err:  # refused, unreachable, no such host, a TLS handshake that broke
        raise EmailFailed(f"cannot reach the SMTP server at {host}:{port} ({type(err).__name__})",
                          permanent=False) from None


def _login(client: smtplib.SMTP, user: str, password: str) -> None:
    """Log in; smtplib encodes credentials as ASCII only, so a non-ASCII login goes as AUTH PLAIN
    in UTF-8 (RFC 4616)."""
    if (user + password).isascii():
        client.login(user, password)
        return
    client.ehlo_or_helo_if_needed()
    if "PLAIN" not in client.esmtp_features.get("auth", "").upper().split():
        raise EmailFailed("a non-ASCII SMTP login needs AUTH PLAIN, which the server does not offer",
                          permanent=True)
    token = base64.b64encode(b"\0" + user.encode() + b"\0" + password.encode()).decode("ascii")
    code, reply = client.docmd("AUTH", "PLAIN " + token)
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, reply)


def _mail_dir() -> Path:
    """Where demo-mode mail is written: <instance>/mail (MAIL_DIR overrides it, e.g. in tests)."""
    return Path(current_app.config.get("MAIL_DIR") or Path(current_app.instance_path) / "mail")


def _write(message: EmailMessage) -> str:
    """Write the message as an .eml file, atomically (a reader never sees half a file)."""
    folder = _mail_dir()
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        name = f"{datetime.now(timezone.utc):%Y%m%d-%H%M%S}-{secrets.token_hex(4)}.eml"
        fd, temporary = tempfile.mkstemp(dir=folder, prefix=".", suffix=".tmp")  # mode 0600
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(message.as_bytes(policy=policy.SMTP))
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(temporary, folder / name)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as err:
        raise EmailFailed(f"cannot write the mail file ({type(err).__name__})", permanent=False) from None
    return str(folder / name)


# ---- reading what demo mode wrote ----------------------------------------------------------------
def read_mail(name: str) -> EmailMessage | None:
    """One written message by its file name; None for anything but a plain name `deliver` made."""
    if not isinstance(name, str) or not MAIL_NAME.fullmatch(name):
        return None
    path = _mail_dir() / name
    try:
        with open(path, "rb") as fh:
            return BytesParser(policy=policy.default).parse(fh)
    except OSError:
        return None


def list_mail(limit: int = 50) -> list[dict]:
    """The newest written messages first: name, to, subject, date (aware datetime or None) and
    attachments (their file names)."""
    folder = _mail_dir()
    try:
        entries = [(entry.name, entry.stat().st_mtime_ns) for entry in os.scandir(folder)
                   if MAIL_NAME.fullmatch(entry.name) and entry.is_file(follow_symlinks=False)]
    except OSError:
        return []
    entries.sort(key=lambda e: (e[0][:15], e[1], e[0]), reverse=True)
    found = []
    for name, _mtime in entries[:max(0, limit)]:
        message = read_mail(name)
        if message is None:
            continue
        try:
            date = message["Date"].datetime if message["Date"] else None
        except (AttributeError, ValueError, TypeError):
            date = None
        found.append({"name": name, "to": str(message["To"] or ""), "subject": str(message["Subject"] or ""),
                      "date": date,
                      "attachments": [part.get_filename() or "" for part in message.iter_attachments()]})
    return found


# ---- what the sender uses ------------------------------------------------------------------------
def send_copy(s, contact, payload: dict) -> bool:
    """Email what could not go through the chat; True when it left (or, without SMTP_URL, was
    written to <instance>/mail: what the demo shows)."""
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
        deliver(contact.email, words["subject"].strip(), "\n".join(lines), attachments)
    except EmailFailed as err:
        log.warning("email copy not sent (%s): %s", "permanent" if err.permanent else "transient", err)
        return False
    return True
