"""Email that really leaves: through a real local SMTP server (aiosmtpd, tests/plugins/smtp.py),
or, without SMTP_URL, as an .eml file under <instance>/mail/ that the inbox lists."""
import logging
import re
from email import policy
from email.parser import BytesParser
from pathlib import Path
from types import SimpleNamespace

import pytest

from delivery import email as mail
from delivery.email import EmailFailed, deliver, list_mail, read_mail, send_copy

MAIL_FROM = "Sapa Dukcapil <sapa@kutaitimurkab.go.id>"
CITIZEN = "warga.sangatta@example.id"
PASSWORD = "r4h@sia:/ kantor%é"  # every character that needs URL-encoding
SUBJECT = "Akta kelahiran Putri Ayu Lestari sudah terbit"
BODY = ("Yth. Bapak/Ibu,\n\nAkta kelahiran ananda sudah terbit — terlampir dalam bentuk PDF.\n"
        "Layanan Disdukcapil Kutai Timur GRATIS, tidak dipungut biaya.\n")
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n" + bytes(range(256)) + b"\r\n\x00\xff\n%%EOF\n"
ATTACHMENTS = [("akta-kelahiran.pdf", PDF, "application/pdf")]


@pytest.fixture
def app(sqlite_app, tmp_path, monkeypatch):
    """The SQLite app sending as the office, with its instance folder in this test's tmp_path."""
    monkeypatch.setattr(sqlite_app, "instance_path", str(tmp_path / "instance"))
    sqlite_app.config.update(SMTP_URL=None, MAIL_FROM=MAIL_FROM, MAIL_DIR=None)
    with sqlite_app.app_context():
        yield sqlite_app


def _only_attachment(message) -> tuple[str, bytes, str]:
    (part,) = list(message.iter_attachments())
    return part.get_filename(), part.get_content(), part.get_content_type()


def _logged(caplog) -> str:
    """What this app logged (the test server's own protocol log shows everything, by design)."""
    return "\n".join(r.getMessage() for r in caplog.records if r.name.startswith(("delivery", "bot")))


def _body(message) -> str:
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")


# ---- SMTP ----------------------------------------------------------------------------------------
def test_deliver_sends_through_smtp_with_the_pdf_byte_for_byte(app, smtp_receiver, caplog):
    caplog.set_level(logging.DEBUG, logger="delivery")
    app.config["SMTP_URL"] = smtp_receiver.url
    assert deliver(CITIZEN, SUBJECT, BODY, ATTACHMENTS) == "smtp"

    (envelope,) = smtp_receiver.envelopes
    assert envelope.mail_from == "sapa@kutaitimurkab.go.id" and envelope.rcpt_tos == [CITIZEN]
    (message,) = smtp_receiver.messages
    assert message["From"] == MAIL_FROM and message["To"] == CITIZEN and message["Subject"] == SUBJECT
    assert re.fullmatch(r"<[^<>@\s]+@kutaitimurkab\.go\.id>", message["Message-ID"])
    assert message["Date"].datetime is not None
    plain = message.get_body(("plain",))
    assert plain.get_content_charset() == "utf-8" and _body(message) == BODY
    assert _only_attachment(message) == ("akta-kelahiran.pdf", PDF, "application/pdf")
    # the log names the domain only, and never the body
    assert "example.id" in _logged(caplog) and CITIZEN not in _logged(caplog) and "GRATIS" not in _logged(caplog)


def test_without_mail_from_the_sender_is_no_reply_at_the_smtp_host(app, smtp_receiver):
    app.config.update(SMTP_URL=smtp_receiver.url, MAIL_FROM=None)
    deliver(CITIZEN, SUBJECT, BODY)
    assert smtp_receiver.messages[0]["From"] == "Sapa Dukcapil <no-reply@127.0.0.1>"
    assert list(smtp_receiver.messages[0].iter_attachments()) == []


def test_the_login_in_smtp_url_is_url_decoded_and_used(app, start_smtp_receiver):
    server = start_smtp_receiver(accounts={"sapa@kutaitimurkab.go.id": PASSWORD})
    app.config["SMTP_URL"] = server.url_for("sapa@kutaitimurkab.go.id", PASSWORD)
    assert deliver(CITIZEN, SUBJECT, BODY, ATTACHMENTS) == "smtp"
    assert server.logins == [("sapa@kutaitimurkab.go.id", PASSWORD)]
    assert _only_attachment(server.messages[0])[1] == PDF


def test_an_ascii_login_goes_through_smtplib_login(app, start_smtp_receiver):
    server = start_smtp_receiver(accounts={"sapa": "rahasia-kantor-2026"})
    app.config["SMTP_URL"] = server.url_for("sapa", "rahasia-kantor-2026")
    assert deliver(CITIZEN, SUBJECT, BODY) == "smtp" and server.logins == [("sapa", "rahasia-kantor-2026")]


def test_a_refused_login_is_permanent_and_never_shows_the_password(app, start_smtp_receiver, caplog):
    caplog.set_level(logging.DEBUG, logger="delivery")
    server = start_smtp_receiver(accounts={"sapa@kutaitimurkab.go.id": "the-right-one"})
    app.config["SMTP_URL"] = server.url_for("sapa@kutaitimurkab.go.id", PASSWORD)
    with pytest.raises(EmailFailed) as failed:
        deliver(CITIZEN, SUBJECT, BODY)
    assert failed.value.permanent is True and "535" in str(failed.value)
    assert server.messages == [] and server.logins == []
    for text in (str(failed.value), repr(failed.value), _logged(caplog)):
        assert PASSWORD not in text and "r4h" not in text and CITIZEN not in text


def test_starttls_is_used_when_offered_and_the_login_goes_over_it(app, start_smtp_receiver, monkeypatch):
    # auth_require_tls: the server refuses AUTH before STARTTLS, so a login proves the upgrade
    server = start_smtp_receiver(accounts={"sapa": PASSWORD}, tls="starttls")
    monkeypatch.setattr(mail, "_tls_context", server.client_context)
    app.config["SMTP_URL"] = server.url_for("sapa", PASSWORD)
    assert deliver(CITIZEN, SUBJECT, BODY, ATTACHMENTS) == "smtp"
    assert server.logins == [("sapa", PASSWORD)] and _only_attachment(server.messages[0])[1] == PDF


def test_smtps_is_implicit_tls(app, start_smtp_receiver, monkeypatch):
    server = start_smtp_receiver(accounts={"sapa": PASSWORD}, tls="implicit")
    monkeypatch.setattr(mail, "_tls_context", server.client_context)
    app.config["SMTP_URL"] = server.url_for("sapa", PASSWORD)
    assert server.url.startswith("smtps://")
    assert deliver(CITIZEN, SUBJECT, BODY) == "smtp"
    assert server.logins == [("sapa", PASSWORD)] and _body(server.messages[0]) == BODY


def test_an_untrusted_certificate_is_refused_permanently(app, start_smtp_receiver):
    server = start_smtp_receiver(tls="implicit")  # self-signed, and the system's CAs do not know it
    app.config["SMTP_URL"] = server.url
    with pytest.raises(EmailFailed) as failed:
        deliver(CITIZEN, SUBJECT, BODY)
    assert failed.value.permanent is True and "certificate" in str(failed.value)
    assert server.messages == []


def test_a_refused_recipient_is_permanent_and_the_address_stays_out_of_the_text(app, start_smtp_receiver,
                                                                                caplog):
    caplog.set_level(logging.DEBUG, logger="delivery")
    server = start_smtp_receiver(accounts={"sapa": PASSWORD})
    server.refuse.add(CITIZEN)
    app.config["SMTP_URL"] = server.url_for("sapa", PASSWORD)
    with pytest.raises(EmailFailed) as failed:
        deliver(CITIZEN, SUBJECT, BODY, ATTACHMENTS)
    assert failed.value.permanent is True and "550" in str(failed.value)
    assert server.messages == []
    for text in (str(failed.value), _logged(caplog)):
        assert PASSWORD not in text and CITIZEN not in text and "warga.sangatta" not in text


def test_a_closed_port_is_transient(app, start_smtp_receiver, caplog):
    caplog.set_level(logging.DEBUG, logger="delivery")
    server = start_smtp_receiver()
    app.config["SMTP_URL"] = server.url_for("sapa", PASSWORD)
    server.stop()  # nothing listens there now
    with pytest.raises(EmailFailed) as failed:
        deliver(CITIZEN, SUBJECT, BODY)
    assert failed.value.permanent is False and "ConnectionRefusedError" in str(failed.value)
    for text in (str(failed.value), _logged(caplog)):
        assert PASSWORD not in text and CITIZEN not in text


@pytest.mark.parametrize("url", ["smtp://sapa:secret-pw@127.0.0.1:notaport", "http://127.0.0.1:25",
                                 "smtp:///no-host", "sapa:secret-pw@mail.example"])
def test_a_malformed_smtp_url_is_permanent(app, url):
    app.config["SMTP_URL"] = url
    with pytest.raises(EmailFailed) as failed:
        deliver(CITIZEN, SUBJECT, BODY)
    assert failed.value.permanent is True and "SMTP_URL" in str(failed.value)
    assert "secret-pw" not in str(failed.value)


@pytest.mark.parametrize("to, subject", [(CITIZEN, "Akta\r\nBcc: semua@example.id"),
                                         (f"{CITIZEN}\r\nBcc: semua@example.id", SUBJECT),
                                         ("bukan-alamat", SUBJECT), ("a@b@example.id", SUBJECT),
                                         (f"Budi <{CITIZEN}>, x@example.id", SUBJECT)])
def test_a_header_cannot_be_smuggled(app, smtp_receiver, to, subject):
    app.config["SMTP_URL"] = smtp_receiver.url
    with pytest.raises(EmailFailed) as failed:
        deliver(to, subject, BODY)
    assert failed.value.permanent is True and smtp_receiver.envelopes == []


# ---- demo mode: the .eml file ----------------------------------------------------------------------
def test_without_smtp_url_the_message_is_written_as_an_eml_file(app, tmp_path, caplog):
    caplog.set_level(logging.DEBUG, logger="delivery")
    path = Path(deliver(CITIZEN, SUBJECT, BODY, ATTACHMENTS))
    assert path.parent == tmp_path / "instance" / "mail"
    assert re.fullmatch(r"\d{8}-\d{6}-[0-9a-f]{8}\.eml", path.name)
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left behind
    raw = path.read_bytes()
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")  # RFC 5322 line ends throughout
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert message["From"] == MAIL_FROM and message["To"] == CITIZEN and message["Subject"] == SUBJECT
    assert message["Message-ID"] and message["Date"].datetime is not None
    assert _body(message) == BODY
    assert _only_attachment(message) == ("akta-kelahiran.pdf", PDF, "application/pdf")
    assert CITIZEN not in _logged(caplog) and "GRATIS" not in _logged(caplog)

    (listed,) = list_mail()
    assert listed["name"] == path.name and listed["to"] == CITIZEN and listed["subject"] == SUBJECT
    assert listed["attachments"] == ["akta-kelahiran.pdf"] and listed["date"] == message["Date"].datetime
    again = read_mail(path.name)
    assert _only_attachment(again)[1] == PDF and _body(again) == BODY


@pytest.mark.parametrize("name", ["../x", "../instance/mail/20260101-000000-abcdef01.eml", "/etc/passwd",
                                  "20260101-000000-abcdef01.eml/../../x", ".hidden.tmp", "", None,
                                  "20260101-000000-ABCDEF01.eml", "20260101-000000-abcdef01.eml\n"])
def test_read_mail_reads_only_plain_names_it_wrote(app, name):
    deliver(CITIZEN, SUBJECT, BODY)
    assert read_mail(name) is None


def test_list_mail_is_newest_first_and_limited(app, tmp_path):
    folder = tmp_path / "instance" / "mail"
    names = []
    for n, stamp in enumerate(["20260105-090000", "20260107-080000", "20260106-235959"]):
        Path(deliver(CITIZEN, f"Pesan {n}", BODY)).rename(folder / f"{stamp}-0000000{n}.eml")
        names.append(f"{stamp}-0000000{n}.eml")
    (folder / "catatan.txt").write_text("not mail")
    (folder / ".abc.tmp").write_bytes(b"half")
    assert [m["name"] for m in list_mail()] == [names[1], names[2], names[0]]
    assert [m["subject"] for m in list_mail(limit=2)] == ["Pesan 1", "Pesan 2"]
    assert read_mail("20260107-080000-00000001.eml")["Subject"] == "Pesan 1"


def test_list_mail_without_a_folder_is_empty(app):
    assert list_mail() == [] and read_mail("20260101-000000-abcdef01.eml") is None


def test_mail_dir_overrides_where_demo_mail_goes(app, tmp_path):
    app.config["MAIL_DIR"] = str(tmp_path / "elsewhere")
    assert Path(deliver(CITIZEN, SUBJECT, BODY)).parent == tmp_path / "elsewhere"
    assert len(list_mail()) == 1


# ---- the copy the sender emails ---------------------------------------------------------------------
def test_send_copy_writes_the_copy_in_demo_mode(app):
    from flows.definition import texts

    contact = SimpleNamespace(email=CITIZEN)
    payload = {"text": "Dokumen Bapak/Ibu sudah siap.", "buttons": [{"id": "a", "title": "Lanjut"}]}
    assert send_copy(None, contact, payload) is True
    (listed,) = list_mail()
    message = read_mail(listed["name"])
    words = texts()["email"]
    assert message["Subject"] == words["subject"].strip()
    assert _body(message).startswith("Dokumen Bapak/Ibu sudah siap.\n1. Lanjut\n")
    assert words["footer"].strip() in _body(message)
    assert send_copy(None, SimpleNamespace(email=None), payload) is False


def test_send_copy_is_false_when_the_server_refuses(app, smtp_receiver):
    app.config["SMTP_URL"] = smtp_receiver.url
    smtp_receiver.refuse.add(CITIZEN)
    assert send_copy(None, SimpleNamespace(email=CITIZEN), {"text": "Halo"}) is False
    smtp_receiver.refuse.clear()
    assert send_copy(None, SimpleNamespace(email=CITIZEN), {"text": "Halo"}) is True
    assert len(smtp_receiver.messages) == 1
