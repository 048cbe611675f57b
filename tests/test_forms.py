"""Blank official forms sent as a PDF in the chat: what each form says, its page, and sending it.

A flow's `after: … attach: f2_03` makes the engine owe {"document": {"kind": "form", "form": "f2_03"}};
the sender builds the form once, stores it, and sends the stored copy to every citizen who needs it.
"""
import subprocess
import sys
from io import BytesIO
from pathlib import Path

import pytest
import yaml
from pypdf import PdfReader
from sqlalchemy import select

from bot.core import db, forms_catalog, verification
from bot.core.models import AuditLog, Document
from delivery import forms
from delivery.sender import send_pending
from tests.channel_drivers import deliver_to, outbox
from tests.twilio_drivers import deliver as twilio_deliver
from tests.twilio_drivers import media_path
from tests.twilio_drivers import owe as twilio_owe

WA_ID = "6281234567890"
A4_PT = (595.28, 841.89)
OFFICE = yaml.safe_load((Path(__file__).resolve().parents[1] / "config.yml").read_text(encoding="utf-8"))["office"]

# name: sentences and labels the printed form must show (besides its title)
KEY_TEXT = {
    "f2_03": ["Saya yang bertanda tangan di bawah ini", "Nama lengkap", "NIK", "Data kelahiran anak",
              "Nama anak", "Jenis kelamin", "Tempat lahir", "Hari, tanggal lahir", "Pukul", "Kembar 4",
              "Penolong kelahiran", "Dukun", "Nama ayah", "Nama ibu",
              "tidak memiliki surat keterangan kelahiran", "Saksi I", "Saksi II",
              "Pasal 93", "Undang-Undang Nomor 24 Tahun 2013", "Kitab Undang-Undang Hukum Pidana",
              "Yang membuat pernyataan", "Meterai", "Rp10.000"],
    "f2_04": ["Suami", "Istri", "Tanggal perkawinan", "Agama/kepercayaan", "belum tercatat",
              "tidak memiliki buku nikah", "perkawinannya belum tercatat", "Nama anak", "Saksi I",
              "Saksi II", "Pasal 93", "Meterai", "Rp10.000"],
    "f2_01": ["Jenis pelaporan", "Kelahiran", "Kematian", "Perceraian", "I. Data pelapor", "Nomor KK",
              "Kewarganegaraan", "WNI", "WNA", "Nomor dokumen perjalanan", "II. Data subjek akta",
              "III. Data saksi", "Saksi I", "Saksi II", "IV. Data orang tua", "Ayah", "Ibu",
              "V. Kelahiran", "Kembar 4", "Berat bayi", "VI. Kematian", "Sebab kematian",
              "Yang menerangkan", "VII. Perceraian", "Nomor putusan pengadilan",
              "Nomor surat keterangan panitera", "Pelapor"],
    "surat_kuasa": ["Pemberi kuasa", "Penerima kuasa", "memberi kuasa kepada", "Jenis peristiwa",
                    "Kelahiran", "Kematian", "Atas nama", "Kuasa ini tidak dapat dialihkan",
                    f"di {OFFICE['name']}", "Meterai", "Rp10.000"],
    "sptjm_akta_hilang": ["Nomor akta perkawinan", "Tanggal perkawinan", "Nama suami", "Nama istri",
                          "telah hilang atau tidak dapat ditemukan lagi", "pencatatan perceraian",
                          "Pasal 93", "Yang membuat pernyataan", "Meterai", "Rp10.000"],
}


def pages_text(pdf: bytes) -> list[str]:
    """The text of each page, as a reader (or a screen reader) gets it, lines joined by spaces."""
    return [" ".join(page.extract_text().split()) for page in PdfReader(BytesIO(pdf)).pages]


@pytest.fixture(scope="module")
def built() -> dict[str, bytes]:
    """Every form drawn once with the office of config.yml."""
    return {name: forms.build(name, OFFICE) for name in forms.FORMS}


# ---- the forms ----------------------------------------------------------------------------------
def test_every_catalogued_form_has_a_layout_and_no_layout_is_unnamed():
    assert set(forms.FORMS) == set(forms_catalog.FORM_NAMES) == set(KEY_TEXT)
    assert set(forms_catalog.FORM_TITLES) == set(forms_catalog.FORM_NAMES)


@pytest.mark.parametrize("name", list(KEY_TEXT))
def test_each_form_has_its_title_and_fields_on_a4(built, name):
    pdf = built[name]
    reader = PdfReader(BytesIO(pdf))
    assert 1 <= len(reader.pages) <= 2  # a form fits on one sheet, both sides at most
    for page in reader.pages:
        assert (round(float(page.mediabox.width), 2), round(float(page.mediabox.height), 2)) == A4_PT
    text = " ".join(pages_text(pdf))
    _code, title, _filename, _caption = forms_catalog.FORMS[name]
    assert title.upper() in text.upper().replace("\n", " ")
    for words in KEY_TEXT[name]:
        assert words in text, f"{name}: {words!r} missing"


@pytest.mark.parametrize("name", list(KEY_TEXT))
def test_every_page_says_the_form_is_free_and_names_the_office(built, name):
    for page in pages_text(built[name]):
        assert "Formulir ini gratis" in page
        assert OFFICE["name"] in page


def test_the_letterhead_is_the_office_in_config():
    office = {**OFFICE, "name": "Dinas Kependudukan dan Pencatatan Sipil Kabupaten Contoh",
              "address": "Jl. Contoh No. 1, Kota Contoh"}
    first = pages_text(forms.build("f2_03", office))[0]
    assert "DINAS KEPENDUDUKAN DAN PENCATATAN SIPIL KABUPATEN CONTOH" in first
    assert "Jl. Contoh No. 1, Kota Contoh" in first
    assert "Kutai Timur" not in first


def test_the_same_form_for_the_same_office_is_the_same_file(built):
    # So the stored copy is found again by its hash rather than stored anew for every citizen.
    assert forms.build("f2_04", dict(OFFICE)) == built["f2_04"]
    assert forms.FORMS["f2_04"](dict(OFFICE)) == built["f2_04"]  # drawn again, not only remembered


def test_an_unknown_form_name_is_refused_by_name():
    with pytest.raises(forms.UnknownForm):
        forms.build("f9_99", OFFICE)


def test_flows_can_read_the_form_names_without_importing_delivery():
    code = ("import sys; from bot.core.forms_catalog import FORM_NAMES, FORM_TITLES; "
            "assert 'f2_03' in FORM_NAMES and FORM_TITLES['f2_03'].startswith('F-2.03'); "
            "assert not [m for m in sys.modules if m == 'delivery' or m.startswith('delivery.')], 'delivery imported'")
    subprocess.run([sys.executable, "-c", code], check=True)


# ---- sending ------------------------------------------------------------------------------------
def form_row(name: str, text: str | None = None) -> dict:
    """An outbox payload as the engine writes it for `attach: <name>`."""
    payload = {"document": {"kind": "form", "form": name}}
    if text:
        payload["text"] = text
    return payload


def whatsapp_calls(server) -> list[dict]:
    return [c for c in server.state["calls"] if c["channel"] == "whatsapp"]


def test_a_form_is_sent_on_whatsapp_as_a_named_pdf_with_a_caption(meta_sqlite_app, fake_meta):
    deliver_to(meta_sqlite_app, "whatsapp", WA_ID, [form_row("f2_03")])
    upload, message = whatsapp_calls(fake_meta)
    assert (upload["kind"], upload["filename"], upload["content_type"]) == (
        "upload", "F-2.03-SPTJM-kelahiran.pdf", "application/pdf")
    document = message["body"]["document"]
    assert document["id"] == upload["media_id"] and document["filename"] == "F-2.03-SPTJM-kelahiran.pdf"
    assert document["caption"] == forms_catalog.caption("f2_03")
    sent = fake_meta.state["media"][upload["media_id"]]["data"]
    assert "KEBENARAN DATA KELAHIRAN" in " ".join(pages_text(sent))
    [row] = outbox(meta_sqlite_app)
    assert row.status == "sent"


def test_a_form_is_sent_on_messenger_as_a_file_attachment(meta_sqlite_app, fake_meta):
    deliver_to(meta_sqlite_app, "messenger", "7000000000000001", [form_row("f2_01")])
    text_call, file_call = [c for c in fake_meta.state["calls"] if c["channel"] == "messenger"]
    assert text_call["body"]["message"]["text"] == forms_catalog.caption("f2_01")  # Messenger has no captions
    assert (file_call["file"]["filename"], file_call["file"]["content_type"]) == (
        "F-2.01-Formulir-pelaporan-pencatatan-sipil.pdf", "application/pdf")


def test_a_form_is_sent_on_twilio_as_a_link_that_serves_the_pdf(twilio_app, fake_twilio):
    twilio_deliver(twilio_app, twilio_owe(twilio_app, form_row("sptjm_akta_hilang")))
    [sent] = fake_twilio["messages"]
    assert sent["Body"] == forms_catalog.caption("sptjm_akta_hilang")
    [url] = sent["MediaUrl"]
    pdf = twilio_app.test_client().get(media_path(url))  # what Twilio's GET would receive
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.headers["Content-Disposition"] == "inline; filename=SPTJM-kutipan-akta-perkawinan-hilang.pdf"
    assert "KUTIPAN AKTA PERKAWINAN HILANG" in pages_text(pdf.data)[0]


def test_the_reply_text_rides_as_the_caption_when_there_is_one(meta_sqlite_app, fake_meta):
    deliver_to(meta_sqlite_app, "whatsapp", WA_ID, [form_row("f2_04", "Ini formulir F-2.04 untuk Bapak/Ibu.")])
    message = whatsapp_calls(fake_meta)[-1]
    assert message["body"]["document"]["caption"] == "Ini formulir F-2.04 untuk Bapak/Ibu."
    assert message["body"]["document"]["filename"] == "F-2.04-SPTJM-pasangan-suami-istri.pdf"


def test_the_same_form_sent_twice_is_one_stored_copy(meta_sqlite_app, fake_meta):
    deliver_to(meta_sqlite_app, "whatsapp", WA_ID, [form_row("f2_03")])
    deliver_to(meta_sqlite_app, "whatsapp", "6281200000002", [form_row("f2_03")])
    uploads = [c for c in whatsapp_calls(fake_meta) if c["kind"] == "upload"]
    assert len(uploads) == 2  # each citizen gets the file
    with meta_sqlite_app.app_context():
        docs = db.session().execute(select(Document)).scalars().all()
        stored = db.session().execute(select(AuditLog).where(AuditLog.action == "form_stored")).scalars().all()
    assert [(d.kind, d.request_id, d.status, d.filename) for d in docs] == [
        ("form:f2_03", None, "current", "F-2.03-SPTJM-kelahiran.pdf")]
    assert len(stored) == 1


def test_a_changed_letterhead_stores_a_new_copy_and_retires_the_old(meta_sqlite_app, fake_meta):
    deliver_to(meta_sqlite_app, "whatsapp", WA_ID, [form_row("surat_kuasa")])
    office = meta_sqlite_app.config["OFFICE"]["office"]
    meta_sqlite_app.config["OFFICE"]["office"] = {**office, "address": "Jl. Baru No. 2, Sangatta"}
    try:
        deliver_to(meta_sqlite_app, "whatsapp", WA_ID, [form_row("surat_kuasa")])
    finally:
        meta_sqlite_app.config["OFFICE"]["office"] = office
    with meta_sqlite_app.app_context():
        docs = db.session().execute(select(Document).order_by(Document.id)).scalars().all()
    assert [d.status for d in docs] == ["superseded", "current"]
    last = fake_meta.state["media"][[c for c in whatsapp_calls(fake_meta) if c["kind"] == "upload"][-1]["media_id"]]
    assert "Jl. Baru No. 2, Sangatta" in pages_text(last["data"])[0]


def test_an_unknown_form_fails_its_row_once_and_the_chat_goes_on(meta_sqlite_app, fake_meta):
    contact_id = deliver_to(meta_sqlite_app, "whatsapp", WA_ID,
                            [form_row("f2_99"), {"text": "Ada lagi yang bisa kami bantu?"}])
    bad, after = outbox(meta_sqlite_app)
    assert bad.status == "failed" and "f2_99" in bad.last_error
    assert after.status == "sent"  # not held up behind the row that can never go
    calls = whatsapp_calls(fake_meta)
    assert [c["body"]["text"]["body"] for c in calls] == ["Ada lagi yang bisa kami bantu?"]
    with meta_sqlite_app.app_context():
        assert send_pending(contact_id) == 0  # nothing retried, nothing crashes
        entry = db.session().execute(select(AuditLog).where(AuditLog.action == "send_failed")).scalar_one()
    assert entry.detail["permanent"] is True
    assert outbox(meta_sqlite_app)[0].attempts == 1


def test_a_blank_form_is_not_taken_for_a_document_the_office_issued(meta_sqlite_app, fake_meta):
    deliver_to(meta_sqlite_app, "whatsapp", WA_ID, [form_row("f2_03")])
    with meta_sqlite_app.app_context():
        doc = db.session().execute(select(Document)).scalar_one()
        assert not verification.by_code(db.session(), doc.code).genuine
        assert not verification.by_content(db.session(), forms.build("f2_03", OFFICE)).genuine
