"""Commands: migrate, demo data, sweep what is owed, and a terminal chat."""
import secrets
import sys
import uuid
from datetime import timedelta
from pathlib import Path

import click
import pyotp
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.orm.attributes import flag_modified
from werkzeug.security import generate_password_hash

from bot.core import audit_chain, crypto, db
from bot.core.lifecycle import ANY_OFFICER, MIN_PASSWORD, USERNAME
from bot.core.migrate import upgrade
from bot.core.models import Conversation, Message, Officer, Request, audit
from bot.web import spool
from bot.web.api import token_hash
from bot.web.citizen_cli import citizen
from bot.web.inbox.auth import end_sessions
from bot.web.simulator import CHANNEL, _wait_for_replies
from delivery.ingest import receive
from delivery.recovery import requeue_stalled
from delivery.reminders import send_due
from delivery.retention import purge_due

DEMO_OFFICER = ("petugas", "sapa-demo-2026")
ROLES = sorted(ANY_OFFICER)


def init_app(app) -> None:
    """Register the commands on the app's CLI."""
    for command in (init_db, seed_demo, sweep, purge_files, remind, chat, officer, citizen, spool.replay_spool_command):
        app.cli.add_command(command)
    app.cli.add_command(audit_group)
    app.cli.add_command(data)


@click.command("init-db")
@with_appcontext
def init_db():
    """Create or migrate the database to the newest schema."""
    upgrade(db.engine())
    click.echo("Database siap.")


@click.command("seed-demo")
@with_appcontext
def seed_demo():
    """Add the demo officer (idempotent) and print its login."""
    username, password = DEMO_OFFICER
    with db.new_session() as s:
        if s.execute(select(Officer).where(Officer.username == username)).scalar_one_or_none() is None:
            s.add(Officer(username=username, name="Petugas Demo", role="verifier",
                          password_hash=generate_password_hash(password)))
            s.commit()
    click.echo(f"Login petugas demo (hanya untuk demo): {username} / {password}")


@click.group("officer")
def officer():
    """Officers: create one, give one an API token."""


@officer.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True, help="operator, verifier or admin.")
@click.option("--name", default=None, help="Full name shown in the inbox (default: the user name).")
@click.option("--password", default=None, help="Sign-in password (asked when not given).")
@with_appcontext
def officer_create(username, role, name, password):
    """Create an officer, or change an existing one's role and password."""
    if not USERNAME.fullmatch(username):
        raise click.BadParameter("3–80 huruf kecil, angka, titik, garis bawah atau tanda minus.",
                                 param_hint="USERNAME")
    if password is None:
        password = click.prompt("Kata sandi", hide_input=True, confirmation_prompt=True)
    if len(password) < MIN_PASSWORD:
        raise click.BadParameter(f"Kata sandi paling sedikit {MIN_PASSWORD} karakter.", param_hint="--password")
    with db.new_session() as s:
        found = s.execute(select(Officer).where(Officer.username == username)).scalar_one_or_none()
        created = found is None
        if created:
            found = Officer(username=username, name=name or username, role=role, password_hash="")
            s.add(found)
        found.role, found.active = role, True
        found.name = name or found.name
        found.password_hash = generate_password_hash(password)
        s.flush()
        if not created:  # a new password: whoever signed in with the old one is signed out
            end_sessions(s, found)
        audit(s, "system", "officer_created" if created else "officer_updated", found, role=role, via="cli")
        s.commit()
    click.echo(f"Petugas {username} ({role}) {'dibuat' if created else 'diperbarui'}.")


def _officer(s, username: str, *, active: bool = True) -> Officer:
    """The officer with this user name (and, unless `active` is false, still active), or a
    ClickException saying there is none."""
    found = s.execute(select(Officer).where(Officer.username == username)).scalar_one_or_none()
    if found is None or (active and not found.active):
        raise click.ClickException(f"Petugas {username} tidak ada{' atau tidak aktif' if active else ''}.")
    return found


@officer.command("deactivate")
@click.argument("username")
@with_appcontext
def officer_deactivate(username):
    """Deactivate an officer: every session ends and the API token stops working."""
    with db.new_session() as s:
        found = _officer(s, username, active=False)
        found.active, found.token_hash = False, None
        end_sessions(s, found)
        audit(s, "system", "officer_deactivated", found, via="cli")
        s.commit()
    click.echo(f"Petugas {username} dinonaktifkan; semua sesinya berakhir.")


@officer.command("totp")
@click.argument("username")
@click.option("--off", is_flag=True, help="Turn the code off again (sign-in with the password only).")
@with_appcontext
def officer_totp(username, off):
    """Turn on the 6-digit code at sign-in and print the otpauth:// address for the app (a new
    secret each time: the previous one stops working)."""
    with db.new_session() as s:
        found = _officer(s, username)
        found.totp_secret = None if off else pyotp.random_base32()
        found.totp_last_step = None
        audit(s, "system", "officer_totp_off" if off else "officer_totp_on", found, via="cli")  # never the secret
        s.commit()
        secret = found.totp_secret
    if off:
        click.echo(f"Kode masuk untuk {username} dimatikan.")
        return
    issuer = current_app.config["OFFICE"].get("short_name") or "Sapa Dukcapil"
    click.echo(pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=issuer))


@officer.command("token")
@click.argument("username")
@with_appcontext
def officer_token(username):
    """Print a new API bearer token for an officer (the previous one stops working)."""
    with db.new_session() as s:
        found = _officer(s, username)
        token = secrets.token_urlsafe(32)
        found.token_hash = token_hash(token)
        audit(s, "system", "officer_token_issued", found, via="cli")  # the token itself is never kept
        s.commit()
    click.echo(token)


@click.command("sweep")
@with_appcontext
def sweep():
    """Queue again every unprocessed message and due outbox row (after a crash or outage)."""
    # By hand, after an incident: whatever was queued before is not trusted to still be there.
    contacts, senders = requeue_stalled(timedelta(0), jobs_lost=True)
    click.echo(f"{contacts} percakapan dan {senders} antrean kirim dijadwalkan ulang.")


@click.command("purge-files")
@with_appcontext
def purge_files():
    """Delete the files of requests closed longer ago than privacy.retention_days (the worker
    does this every hour; without a worker, run it from cron)."""
    counts = purge_due()
    click.echo(f"Berkas {counts['requests']} permohonan dihapus ({counts['uploads']} foto, "
               f"{counts['documents']} PDF); catatan permohonan tetap disimpan.")


@click.command("remind")
@with_appcontext
def remind():
    """Queue the visit reminders due now and mark past visits no-shows (the worker does this every
    5 minutes; without a worker, run it from cron every few minutes). Each reminder goes once."""
    counts = send_due()
    click.echo(f"Pengingat dikirim: {counts['eve']} untuk besok, {counts['morning']} untuk hari ini; "
               f"{counts['no_show']} jadwal ditandai tidak hadir.")


@click.command("chat")
@with_appcontext
@click.option("--user", default=None, help="Simulator user id (default: a new one).")
def chat(user):
    """Chat with the assistant in the terminal (the simulator channel, same engine)."""
    user = user or f"terminal-{uuid.uuid4().hex[:8]}"
    click.echo(f"Sapa Dukcapil — obrolan terminal (user {user}). Ketik pesan; 'foto PATH' mengirim file; Ctrl-D keluar.")
    buttons: list = []
    for line in _lines():
        line = line.strip()
        if line.startswith("foto "):
            path = line[5:].strip()
            try:
                data = open(path, "rb").read()
            except OSError as err:
                click.echo(f"  (tidak bisa membaca {path}: {err.strerror})")
                continue
            message_id = receive(CHANNEL, user, kind="file", file=(data, path.rsplit("/", 1)[-1], None))
        elif line.isdigit() and buttons and 1 <= int(line) <= len(buttons):
            chosen = buttons[int(line) - 1]
            message_id = receive(CHANNEL, user, kind="button", button=chosen["id"], text=chosen["title"])
        else:
            message_id = receive(CHANNEL, user, kind="text", text=line)
        if message_id is None:
            continue
        for reply in _wait_for_replies(message_id):
            if reply.get("text"):
                click.echo("\n🤖 " + reply["text"].replace("\n", "\n   "))
            buttons = reply.get("buttons") or buttons
            for i, b in enumerate(reply.get("buttons") or [], 1):
                click.echo(f"   [{i}] {b['title']}")
            if reply.get("document"):
                doc = reply["document"]
                base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
                click.echo(f"   📄 {doc['filename']}: {base}{doc['url']}")
        click.echo("")


def _lines():
    """Input lines with a prompt, until end of input."""
    while True:
        try:
            yield input("🙂 ") if sys.stdin.isatty() else next(sys.stdin)
        except (EOFError, StopIteration):
            return


@click.group("audit")
def audit_group():
    """The audit log's hash chain (docs/audit.md)."""


@audit_group.command("verify")
@with_appcontext
def audit_verify():
    """Check every audit entry and the recorded heads; exit 1 naming the first broken entry."""
    path = current_app.config["AUDIT_HEAD_FILE"]
    with db.engine().connect() as conn:
        result = audit_chain.verify(conn, audit_chain.read_heads(path))
    if not result.ok:
        click.echo(f"Log audit RUSAK / audit log BROKEN: {result.problem}", err=True)
        sys.exit(1)
    if result.head:
        audit_chain.append_head(path, result.head.seq, result.head.hash)
        click.echo(f"Log audit utuh / audit log intact: {result.entries} entri/entries, "
                   f"seq {result.head.seq}, hash {result.head.hash[:16]}…")
    else:
        click.echo("Log audit utuh / audit log intact: 0 entri/entries.")


# ---- personal data -----------------------------------------------------------------------------------------
@click.group("data")
def data():
    """Personal data at rest (docs/personal-data.md)."""


@data.command("rotate-key")
@with_appcontext
def data_rotate_key():
    """Re-encrypt every stored NIK/KK value (and rehash it) with DATA_KEY's first key; afterwards the
    older keys can be removed from DATA_KEY."""
    counts = rotate_data_key()
    click.echo(f"Dienkripsi ulang dengan kunci terbaru: {counts['requests']} permohonan, "
               f"{counts['conversations']} percakapan, {counts['messages']} pesan, "
               f"{counts['spool']} berkas spool. Kunci lama boleh dihapus dari DATA_KEY.")


def rotate_data_key() -> dict:
    """Rewrite each encrypted value under the newest key, one contact at a time (the contact's
    lock, as a conversation job or an officer's action takes it, so nothing written meanwhile is
    overwritten with an older copy)."""
    counts = {"requests": 0, "conversations": 0, "messages": 0, "spool": 0}
    with db.new_session() as s:
        contact_ids = sorted(set(s.execute(select(Request.contact_id)).scalars())
                             | set(s.execute(select(Conversation.contact_id)).scalars())
                             | set(s.execute(select(Message.contact_id).where(Message.direction == "in",
                                                                             Message.status == "received")).scalars()))
    for contact_id in contact_ids:
        with db.new_session() as s:
            db.lock_contact(s, contact_id)
            for req in s.execute(select(Request).where(Request.contact_id == contact_id)).scalars():
                for name in ("applicant_nik", "subject_nik", "answers", "fix_items"):
                    flag_modified(req, name)  # written again, so encrypted again under the first key
                req.applicant_nik_hash = crypto.lookup(req.applicant_nik)
                req.subject_nik_hash = crypto.lookup(req.subject_nik)
                counts["requests"] += 1
            for conv in s.execute(select(Conversation).where(Conversation.contact_id == contact_id)).scalars():
                flag_modified(conv, "answers")
                flag_modified(conv, "paused")
                counts["conversations"] += 1
            # Only a message not handled yet keeps an encrypted copy of what was typed.
            for message in s.execute(select(Message).where(Message.contact_id == contact_id, Message.direction == "in",
                                                           Message.status == "received")).scalars():
                token = (message.payload or {}).get(crypto.TEXT_KEY)
                if token:
                    message.payload = {**message.payload,
                                       crypto.TEXT_KEY: crypto.keys().encrypt(crypto.keys().decrypt(token))}
                    counts["messages"] += 1
            s.commit()
    spool_dir = Path(current_app.config["SPOOL_DIR"])
    for path in sorted(spool_dir.glob("*.json")) + sorted((spool_dir / "failed").glob("*.json")):
        if spool.rotate_file(path):
            counts["spool"] += 1
    with db.new_session() as s:
        audit(s, "system", "data_key_rotated", None, **counts)
        s.commit()
    return counts
