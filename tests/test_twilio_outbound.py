"""Outbound over Twilio: exact Messages API payloads, documents by link, retries, windows, templates."""
import json
import logging
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.core import db
from bot.core.inbound_store import get_contact
from bot.core.models import AuditLog, Message, Outbox, Request
from delivery.channels.twilio import fake as fake
from delivery.channels.text import split_text
from delivery.channels.twilio.adapter import MAX_BODY, TwilioAdapter
from tests.channel_drivers import outbox, retry_when_due
from tests.twilio_drivers import CITIZEN, PUBLIC, configure, deliver, media_path, owe

STATUS_CALLBACK = PUBLIC + "/webhooks/twilio/status"


def audits(app, action: str) -> list[AuditLog]:
    """Audit entries of one action."""
    with app.app_context():
        return db.session().execute(select(AuditLog).where(AuditLog.action == action)).scalars().all()


# ---- what goes over the wire ---------------------------------------------------------------------------
def test_it_sends_a_text_with_the_exact_form_twilio_expects(twilio_app, fake_twilio):
    deliver(twilio_app, owe(twilio_app, {"text": "Selamat datang."}))
    [sent] = fake_twilio["messages"]
    assert sent["form"] == {"To": ["whatsapp:+6281234567890"], "From": ["whatsapp:+14155238886"],
                            "Body": ["Selamat datang."], "StatusCallback": [STATUS_CALLBACK]}
    [row] = outbox(twilio_app)
    assert row.status == "sent" and row.attempts == 1
    with twilio_app.app_context():
        message = db.session().execute(select(Message).where(Message.direction == "out")).scalar_one()
        assert (message.channel, message.provider_id, message.status) == ("twilio", sent["sid"], "sent")
        assert message.provider_id.startswith("SM") and len(message.provider_id) == 34


def test_buttons_become_a_numbered_list_and_are_kept_on_the_message(twilio_app, fake_twilio):
    buttons = [{"id": "ayah", "title": "Ayah si anak"}, {"id": "ibu", "title": "Ibu si anak"}]
    deliver(twilio_app, owe(twilio_app, {"text": "Bapak/Ibu mengajukan sebagai apa?", "buttons": buttons}))
    assert fake_twilio["messages"][0]["Body"] == (
        "Bapak/Ibu mengajukan sebagai apa?\n\nBalas dengan angka:\n1. Ayah si anak\n2. Ibu si anak")
    with twilio_app.app_context():
        message = db.session().execute(select(Message).where(Message.direction == "out")).scalar_one()
        assert message.payload["buttons"] == buttons  # what a typed "2" is mapped back with


def test_a_long_text_is_split_at_paragraphs_and_sent_in_order(twilio_app, fake_twilio):
    paragraphs = [f"Paragraf {i}: " + "x" * 500 for i in range(1, 6)]
    deliver(twilio_app, owe(twilio_app, {"text": "\n\n".join(paragraphs)}))
    bodies = [m["Body"] for m in fake_twilio["messages"]]
    assert bodies == ["\n\n".join(paragraphs[:3]), "\n\n".join(paragraphs[3:])]
    with twilio_app.app_context():
        message = db.session().execute(select(Message).where(Message.direction == "out")).scalar_one()
        assert message.provider_id == fake_twilio["messages"][-1]["sid"]  # the last part's sid


def test_a_retry_after_a_failed_part_sends_only_the_parts_not_yet_sent(twilio_app, fake_twilio):
    paragraphs = [f"Paragraf {i}: " + "x" * 500 for i in range(1, 8)]  # three parts of 1,600
    fake_twilio["failures"].extend([{}, {"status": 503, "code": 20503, "message": "Service Unavailable"}])
    contact_id = owe(twilio_app, {"text": "\n\n".join(paragraphs)})
    assert deliver(twilio_app, contact_id) == 0
    [row] = outbox(twilio_app)
    assert (row.status, row.payload["parts_sent"]) == ("pending", 1)
    assert retry_when_due(twilio_app, contact_id) == 1
    bodies = [m["Body"] for m in fake_twilio["messages"]]
    assert bodies == ["\n\n".join(paragraphs[:3]), "\n\n".join(paragraphs[3:6]), paragraphs[6]]  # each once
    [row] = outbox(twilio_app)
    assert row.status == "sent" and "parts_sent" not in row.payload


def test_split_text_cuts_a_paragraph_longer_than_the_limit_at_lines_then_words():
    assert split_text("satu\n\ndua", limit=10) == ["satu\n\ndua"]
    assert split_text("aaaa bbbb cccc", limit=9) == ["aaaa bbbb", "cccc"]
    assert split_text("a" * 25, limit=10) == ["a" * 10, "a" * 10, "a" * 5]
    assert split_text("   ", MAX_BODY) == []
    assert all(len(p) <= 1600 for p in split_text(("kata " * 1000).strip(), MAX_BODY))


def _request(app) -> int:
    """A submitted birth-certificate request of the citizen (for a receipt)."""
    with app.app_context(), db.new_session() as s:
        contact = get_contact(s, "twilio", CITIZEN)
        s.flush()
        req = Request(ticket="AKL-0001", service="akta_kelahiran", status="submitted", contact_id=contact.id,
                      applicant_name="Budi Santoso", applicant_nik="6408011708900001",
                      applicant_relation="Ayah", subject_name="Putri Ayu Lestari", answers={}, flags=[],
                      missing_documents=[])
        s.add(req)
        s.commit()
        return req.id


def test_a_document_goes_as_a_signed_link_that_serves_the_pdf(twilio_app, fake_twilio):
    request_id = _request(twilio_app)
    deliver(twilio_app, owe(twilio_app, {"document": {"kind": "receipt", "request_id": request_id}}))
    [sent] = fake_twilio["messages"]
    assert sent["Body"] == "📄 Tanda-terima-AKL-0001.pdf"
    [url] = sent["MediaUrl"]
    assert url.startswith(PUBLIC + "/files/")
    assert set(sent["form"]) == {"To", "From", "Body", "MediaUrl", "StatusCallback"}
    pdf = twilio_app.test_client().get(media_path(url))  # what Twilio's GET would receive
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.headers["Content-Disposition"] == "inline; filename=Tanda-terima-AKL-0001.pdf"
    assert pdf.data.startswith(b"%PDF-")


def test_a_document_with_a_short_text_uses_it_as_the_caption(twilio_app, fake_twilio):
    request_id = _request(twilio_app)
    deliver(twilio_app, owe(twilio_app, {"text": "Tanda terima Bapak/Ibu:",
                                         "document": {"kind": "receipt", "request_id": request_id}}))
    [sent] = fake_twilio["messages"]
    assert sent["Body"] == "Tanda terima Bapak/Ibu:" and len(sent["MediaUrl"]) == 1


# ---- failures -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("failure, error", [
    ({"status": 429, "code": 20429}, "twilio HTTP 429 code 20429: Too Many Requests"),
    ({"status": 500}, "twilio HTTP 500 code 20500: Internal Server Error"),
    ({"status": 503, "code": 20503, "message": "Service Unavailable"}, "twilio HTTP 503 code 20503: Service Unavailable"),
    ({"delay": 1.5}, "twilio timeout"),
])
def test_transient_failures_are_retried_later_in_order(twilio_app, fake_twilio, failure, error):
    twilio_app.config["TWILIO_TIMEOUT"] = 0.3
    fake_twilio["failures"].append(failure)
    contact_id = owe(twilio_app, {"text": "satu"}, {"text": "dua"})
    assert deliver(twilio_app, contact_id) == 0
    first, second = outbox(twilio_app)
    assert (first.status, first.attempts, first.next_attempt_at is not None) == ("pending", 1, True)
    assert error in first.last_error
    assert (second.status, second.attempts) == ("pending", 0)  # nothing overtakes a row waiting to retry
    with twilio_app.app_context():
        row = db.session().get(Outbox, first.id)
        row.next_attempt_at = None  # the backoff has passed
        db.session().commit()
    if "delay" in failure:
        # Like Twilio, the fake accepts the call we gave up on; wait for it (one server thread).
        deadline = time.monotonic() + 5
        while not fake_twilio["messages"] and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [m["Body"] for m in fake_twilio["messages"]] == ["satu"]
        fake_twilio["messages"].clear()
    assert deliver(twilio_app, contact_id) == 2
    assert [m["Body"] for m in fake_twilio["messages"]] == ["satu", "dua"]


@pytest.mark.parametrize("code, meaning", [
    (21211, "nomor tujuan tidak valid"),
    (21610, "penerima berhenti berlangganan / memblokir"),
    (63003, "nomor tidak terdaftar di WhatsApp"),
])
def test_permanent_errors_fail_the_row_and_are_audited(twilio_app, fake_twilio, code, meaning):
    fake_twilio["fail_to"][f"whatsapp:{CITIZEN}"] = {"status": 400, "code": code}
    deliver(twilio_app, owe(twilio_app, {"text": "halo"}))
    [row] = outbox(twilio_app)
    assert (row.status, row.attempts, row.last_error) == ("failed", 1, f"twilio HTTP 400 code {code}: {meaning}")
    [entry] = audits(twilio_app, "send_failed")
    assert entry.detail == {"error": row.last_error, "permanent": True}
    assert fake_twilio["attempts"] == 1


def test_a_window_refusal_holds_the_row_until_the_citizen_writes(twilio_app, fake_twilio):
    fake_twilio["fail_to"][f"whatsapp:{CITIZEN}"] = {"status": 400, "code": 63016}
    deliver(twilio_app, owe(twilio_app, {"text": "halo"}))
    [row] = outbox(twilio_app)
    assert row.status == "held" and not audits(twilio_app, "send_failed")
    assert [e.action for e in audits(twilio_app, "send_held_window_closed")] == ["send_held_window_closed"]


def test_an_unknown_client_error_is_permanent_and_its_text_masks_numbers(twilio_app, fake_twilio):
    fake_twilio["failures"].append({"status": 400, "code": 21999,
                                    "message": f"The 'To' number {CITIZEN} is not allowed."})
    deliver(twilio_app, owe(twilio_app, {"text": "halo"}))
    [row] = outbox(twilio_app)
    assert row.status == "failed"
    assert row.last_error == "twilio HTTP 400 code 21999: The 'To' number …7890 is not allowed."


def test_an_unconfigured_channel_fails_permanently(twilio_app, fake_twilio):
    twilio_app.config["TWILIO_AUTH_TOKEN"] = None
    deliver(twilio_app, owe(twilio_app, {"text": "halo"}))
    [row] = outbox(twilio_app)
    assert row.status == "failed" and "not configured" in row.last_error
    assert fake_twilio["attempts"] == 0


def test_every_provider_call_is_logged_without_secrets_numbers_or_text(twilio_app, fake_twilio, caplog):
    fake_twilio["failures"].append({"status": 500})
    contact_id = owe(twilio_app, {"text": "rahasia pribadi warga"})
    with caplog.at_level(logging.DEBUG):
        deliver(twilio_app, contact_id)
        with twilio_app.app_context():
            db.session().execute(select(Outbox)).scalar_one().next_attempt_at = None
            db.session().commit()
        deliver(twilio_app, contact_id)
    lines = [r.getMessage() for r in caplog.records if r.name.startswith("delivery.channels.twilio.adapter")]
    assert len(lines) == 2
    assert "to=…7890" in lines[0] and "failed" in lines[0]
    assert "to=…7890" in lines[1] and fake_twilio["messages"][0]["sid"] in lines[1]
    everything = caplog.text
    assert fake_twilio["auth_token"] not in everything
    assert "81234567890" not in everything and "rahasia" not in everything


# ---- the 24-hour window --------------------------------------------------------------------------------------
def test_outside_the_window_without_a_template_the_row_is_held(twilio_app, fake_twilio):
    deliver(twilio_app, owe(twilio_app, {"text": "Dokumen Bapak/Ibu sudah siap."}, last_inbound=timedelta(hours=25)))
    [row] = outbox(twilio_app)
    assert row.status == "held"
    assert fake_twilio["messages"] == [] and fake_twilio["attempts"] == 0


def test_outside_the_window_a_configured_template_is_sent_instead(twilio_app, fake_twilio):
    twilio_app.config["OFFICE"]["templates"] = {
        "update": {"twilio": {"content_sid": "HX" + "1" * 32, "variables": {"1": "{name}", "2": "{text}"}}}}
    deliver(twilio_app, owe(twilio_app, {"text": "Permohonan Bapak/Ibu sedang diperiksa."},
                            last_inbound=timedelta(hours=25)))
    [sent] = fake_twilio["messages"]
    assert sent["form"] == {
        "To": ["whatsapp:+6281234567890"], "From": ["whatsapp:+14155238886"], "ContentSid": ["HX" + "1" * 32],
        "ContentVariables": [json.dumps({"1": "Warga Uji", "2": "Permohonan Bapak/Ibu sedang diperiksa."})],
        "StatusCallback": [STATUS_CALLBACK]}
    assert outbox(twilio_app)[0].status == "sent"


def test_a_document_ready_template_gets_the_ticket_and_the_link(twilio_app, fake_twilio):
    twilio_app.config["OFFICE"]["templates"] = {"document_ready": {"twilio": {
        "content_sid": "HX" + "2" * 32, "variables": {"1": "{ticket}", "2": "{document_path}", "3": "{unknown}"}}}}
    request_id = _request(twilio_app)
    deliver(twilio_app, owe(twilio_app, {"document": {"kind": "receipt", "request_id": request_id}},
                            last_inbound=timedelta(days=3)))
    [sent] = fake_twilio["messages"]
    variables = json.loads(sent["ContentVariables"])
    assert variables["1"] == "AKL-0001" and variables["3"] == "-"
    assert variables["2"].startswith("files/")
    assert twilio_app.test_client().get("/" + variables["2"]).mimetype == "application/pdf"


def test_typing_is_a_no_op():
    assert TwilioAdapter().typing(object()) is None


def test_the_client_is_pointed_at_the_configured_api_base(twilio_app, fake_twilio):
    from delivery.channels.twilio.adapter import client

    with twilio_app.app_context():
        made = client()
        assert made.api.base_url == fake_twilio["url"]
        assert client() is made  # reused: one pooled HTTP session per configuration
    twilio_app.config["TWILIO_API_BASE"] = None
    with twilio_app.app_context():
        assert client().api.base_url == "https://api.twilio.com"


def test_the_fake_refuses_what_twilio_refuses(fake_twilio):
    import httpx

    url = f"{fake_twilio['url']}/2010-04-01/Accounts/{fake_twilio['account_sid']}/Messages.json"
    auth = (fake_twilio["account_sid"], fake_twilio["auth_token"])
    with httpx.Client() as http:
        assert http.post(url, data={"To": "whatsapp:+62811", "From": fake.DEFAULT_FROM, "Body": "x"}).status_code == 401
        cases = [({"From": fake.DEFAULT_FROM, "Body": "x"}, 21604), ({"To": "whatsapp:+62811", "Body": "x"}, 21603),
                 ({"To": "whatsapp:0811", "From": fake.DEFAULT_FROM, "Body": "x"}, 21211),
                 ({"To": "whatsapp:+62811", "From": fake.DEFAULT_FROM}, 21602),
                 ({"To": "whatsapp:+62811", "From": fake.DEFAULT_FROM, "Body": "x" * 1601}, 21617)]
        for form, code in cases:
            response = http.post(url, data=form, auth=auth)
            assert (response.status_code, response.json()["code"]) == (400, code)
    assert fake_twilio["messages"] == []


def test_status_callbacks_from_the_provider_reach_the_message_over_http(sqlite_app, live_server_url, fake_twilio):
    configure(sqlite_app, fake_twilio, PUBLIC_BASE_URL=live_server_url)
    fake_twilio["auto_status"] = True  # the fake calls back "sent" then "delivered", signed
    deliver(sqlite_app, owe(sqlite_app, {"text": "halo"}))
    assert fake_twilio["messages"][0]["StatusCallback"] == live_server_url + "/webhooks/twilio/status"
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        with sqlite_app.app_context():
            status = db.session().execute(select(Message.status).where(Message.direction == "out")).scalar_one()
        if status == "delivered":
            break
        time.sleep(0.05)
    assert status == "delivered"


def test_the_fake_seeds_inbound_media_for_demos(fake_twilio, png):
    import httpx

    with httpx.Client() as http:
        seeded = http.post(fake_twilio["url"] + "/_fake/twilio/media", files={"file": ("kk.png", png, "image/png")}).json()
        assert seeded["content_type"] == "image/png"
        assert http.get(seeded["media_url"]).status_code == 401  # Twilio media needs the account's credentials
        media = http.get(seeded["media_url"], auth=(fake_twilio["account_sid"], fake_twilio["auth_token"]))
    assert (media.status_code, media.content, media.headers["content-type"]) == (200, png, "image/png")


def test_a_missing_sender_number_fails_permanently_without_calling_twilio(twilio_app, fake_twilio):
    twilio_app.config["TWILIO_WHATSAPP_FROM"] = None
    deliver(twilio_app, owe(twilio_app, {"text": "halo"}))
    [row] = outbox(twilio_app)
    assert (row.status, row.last_error) == ("failed", "Twilio is not configured (TWILIO_WHATSAPP_FROM)")
    assert fake_twilio["attempts"] == 0
