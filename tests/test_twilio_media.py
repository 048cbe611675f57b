"""Inbound media over Twilio: fetched with basic auth from Twilio only, checked, stored, deleted there."""
import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import select

from bot.core import db
from bot.core.inbound_store import get_contact
from bot.core.models import Conversation, Upload
from delivery.channels.base import TransportError
from delivery.channels.twilio import fake as fake
from delivery.channels.twilio.adapter import MAX_MEDIA_BYTES, fetch
from tests.twilio_drivers import CITIZEN, inbound_rows, post_signed, sent_to

GAGAL = "gagal kami unduh"


@pytest.fixture
def at_photo_step(twilio_app):
    """A citizen in the birth-certificate flow, at the question asking for the KK photo."""
    with twilio_app.app_context(), db.new_session() as s:
        contact = get_contact(s, "twilio", CITIZEN)
        s.flush()
        s.add(Conversation(contact_id=contact.id, flow="akta_kelahiran", step="foto_kk", mode="collect",
                           answers={}, history=[], paused=[], owner="bot"))
        s.commit()
    return twilio_app


def send_photo(app, state: dict, url: str, content_type: str = "image/png"):
    """A signed WhatsApp webhook carrying one media URL."""
    params = fake.inbound_params(CITIZEN, "", media=[(url, content_type)], account_sid=state["account_sid"])
    response = post_signed(app.test_client(), params, state["auth_token"])
    assert response.status_code == 200
    return params


def conversation(app) -> Conversation:
    """The citizen's conversation as stored now."""
    with app.app_context():
        return db.session().execute(select(Conversation)).scalar_one()


def test_it_downloads_checks_and_stores_a_photo_then_deletes_twilios_copy(at_photo_step, fake_twilio, png):
    message_sid = fake.sid("MM")
    path = fake.add_media(fake_twilio, png, "image/png", message_sid)
    params = fake.inbound_params(CITIZEN, "", message_sid=message_sid,
                                 media=[(fake_twilio["url"] + path, "image/png")])
    post_signed(at_photo_step.test_client(), params, fake_twilio["auth_token"])
    [row] = inbound_rows(at_photo_step)
    assert row.kind == "file" and row.payload["media_url"] == fake_twilio["url"] + path
    with at_photo_step.app_context():
        upload = db.session().get(Upload, row.payload["upload_id"])
        # Stored re-encoded (tests/test_upload_hardening.py): the same picture, as a fresh JPEG.
        assert (upload.content_type, upload.slot) == ("image/jpeg", "foto_kk") and upload.size > 0
    assert fake_twilio["media_gets"] == 1
    assert fake_twilio["deleted"] == [path.rsplit("/", 1)[1]]
    assert "Foto diterima" in sent_to(fake_twilio)[0]["Body"]


@pytest.mark.parametrize("status", [404, 500])
def test_a_media_download_that_fails_tells_the_citizen_and_keeps_the_step(at_photo_step, fake_twilio, png, status):
    path = fake.add_media(fake_twilio, png, "image/png")
    fake_twilio["media_failures"][path.rsplit("/", 1)[1]] = status
    send_photo(at_photo_step, fake_twilio, fake_twilio["url"] + path)
    [row] = inbound_rows(at_photo_step)
    assert row.kind == "rejected_file" and GAGAL in row.payload["reason"]
    body = sent_to(fake_twilio)[0]["Body"]
    assert GAGAL in body and "foto Kartu Keluarga" in body  # the reason, then the same question again
    conv = conversation(at_photo_step)
    assert (conv.flow, conv.step, conv.answers) == ("akta_kelahiran", "foto_kk", {})
    assert fake_twilio["deleted"] == []  # nothing was downloaded, so nothing is deleted


def test_media_from_a_host_that_is_not_twilio_is_never_fetched(at_photo_step, fake_twilio, png):
    elsewhere = HTTPServer(host="127.0.0.1", port=0)
    elsewhere.expect_request("/evil").respond_with_data(png, content_type="image/png")
    elsewhere.start()
    try:
        path = f"/2010-04-01/Accounts/{fake_twilio['account_sid']}/Messages/MM1/Media/ME1"
        send_photo(at_photo_step, fake_twilio, f"http://127.0.0.1:{elsewhere.port}{path}")
        assert elsewhere.log == []  # our credentials never went there
    finally:
        elsewhere.clear()
        elsewhere.stop()
    [row] = inbound_rows(at_photo_step)
    assert row.kind == "rejected_file" and GAGAL in sent_to(fake_twilio)[0]["Body"]
    assert conversation(at_photo_step).step == "foto_kk"


@pytest.mark.parametrize("url", [
    "https://evil.example/2010-04-01/Accounts/{sid}/Messages/MM1/Media/ME1",
    "http://api.twilio.com/2010-04-01/Accounts/{sid}/Messages/MM1/Media/ME1",           # not TLS
    "https://api.twilio.com.evil.example/2010-04-01/Accounts/{sid}/Messages/MM1/Media/ME1",
    "https://api.twilio.com/2010-04-01/Accounts/AC0000/Messages/MM1/Media/ME1",          # another account
    "https://api.twilio.com/2010-04-01/Accounts/{sid}/Messages/MM1",                      # not a Media resource
    "https://api.twilio.com/2010-04-01/Accounts/{sid}/Messages/../../Calls/Media/x",
    "https://api.twilio.com/2010-04-01/Accounts/{sid}/Messages/%2e%2e/Media/x",
    "https://api.twilio.com/2010-04-01/Accounts/{sid}/Messages/MM1/Media/ME1?redirect=https://evil.example",
    "{base}/elsewhere/2010-04-01/Accounts/{sid}/Messages/MM1/Media/ME1",
    "file:///etc/passwd",
    "https://api.twilio.com:8443/2010-04-01/Accounts/{sid}/Messages/MM1/Media/ME1",
    "https://api.twilio.com:abc/2010-04-01/Accounts/{sid}/Messages/MM1/Media/ME1",
    "http://[::1/2010-04-01/Accounts/{sid}/Messages/MM1/Media/ME1",
    "",
])
def test_the_fetcher_refuses_urls_that_are_not_our_twilio_media(twilio_app, fake_twilio, url):
    with twilio_app.app_context(), pytest.raises(TransportError) as err:
        fetch({"media_url": url.format(sid=fake_twilio["account_sid"], base=fake_twilio["url"])})
    assert err.value.permanent is True
    assert fake_twilio["media_gets"] == 0


def test_the_real_twilio_media_hosts_are_allowed(twilio_app, monkeypatch):
    from delivery.channels.twilio import adapter as twilio_channel

    twilio_app.config["TWILIO_API_BASE"] = None
    sid = twilio_app.config["TWILIO_ACCOUNT_SID"]
    with twilio_app.app_context():
        for host in ("api.twilio.com", "api.dublin.ie1.twilio.com"):
            url = f"https://{host}/2010-04-01/Accounts/{sid}/Messages/MM1/Media/ME1"
            assert twilio_channel._media_url({"media_url": url}) == url


def test_it_follows_twilios_redirect_without_carrying_credentials_to_the_cdn(twilio_app, fake_twilio, png):
    fake_twilio["redirect_media"] = True
    path = fake.add_media(fake_twilio, png, "image/png")
    with twilio_app.app_context():
        data, filename, content_type = fetch({"media_url": fake_twilio["url"] + path, "media_type": "image/png"})
    assert (data, filename, content_type) == (png, None, "image/png")
    assert fake_twilio["cdn_auth_seen"] == [False]


def test_it_refuses_media_over_16_mb_while_downloading(twilio_app, fake_twilio):
    path = fake.add_media(fake_twilio, b"\xff" * (MAX_MEDIA_BYTES + 1), "image/jpeg")
    with twilio_app.app_context(), pytest.raises(TransportError, match="16 MB"):
        fetch({"media_url": fake_twilio["url"] + path})


def test_wrong_credentials_are_a_failed_download(twilio_app, fake_twilio, png):
    path = fake.add_media(fake_twilio, png, "image/png")
    twilio_app.config["TWILIO_AUTH_TOKEN"] = "wrong"
    with twilio_app.app_context(), pytest.raises(TransportError, match="HTTP 401"):
        fetch({"media_url": fake_twilio["url"] + path})


def test_a_provider_that_does_not_answer_is_a_failed_download(twilio_app):
    twilio_app.config["TWILIO_API_BASE"] = "http://127.0.0.1:9"  # discard port: nothing listens
    sid = twilio_app.config["TWILIO_ACCOUNT_SID"]
    with twilio_app.app_context(), pytest.raises(TransportError, match="ConnectError"):
        fetch({"media_url": f"http://127.0.0.1:9/2010-04-01/Accounts/{sid}/Messages/MM1/Media/ME1"})


def test_a_pdf_scan_with_a_filename_is_stored(at_photo_step, fake_twilio):
    import io

    from pypdf import PdfWriter

    writer, out = PdfWriter(), io.BytesIO()
    writer.add_blank_page(595, 842)
    writer.write(out)
    path = fake.add_media(fake_twilio, out.getvalue(), "application/pdf")
    send_photo(at_photo_step, fake_twilio, fake_twilio["url"] + path, "application/pdf")
    [row] = inbound_rows(at_photo_step)
    assert row.kind == "file"
    with at_photo_step.app_context():
        assert db.session().get(Upload, row.payload["upload_id"]).content_type == "application/pdf"


def test_an_exe_sent_as_a_document_is_refused_by_its_content(at_photo_step, fake_twilio):
    path = fake.add_media(fake_twilio, b"MZ\x90\x00" + b"\x00" * 200, "application/pdf")
    send_photo(at_photo_step, fake_twilio, fake_twilio["url"] + path, "application/pdf")
    [row] = inbound_rows(at_photo_step)
    assert row.kind == "rejected_file" and GAGAL not in row.payload["reason"]
    assert conversation(at_photo_step).step == "foto_kk"
    assert fake_twilio["deleted"] == [path.rsplit("/", 1)[1]]  # refused, and still not kept at Twilio


def test_a_refused_media_url_is_logged_without_the_url(twilio_app, caplog):
    import logging

    with twilio_app.app_context(), caplog.at_level(logging.WARNING), pytest.raises(TransportError):
        fetch({"media_url": "http://169.254.169.254/latest/meta-data/"})
    assert "refused" in caplog.text and "169.254" not in caplog.text
