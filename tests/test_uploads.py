"""Photos: checked by content and size; refusals say why and keep the citizen's place."""
import gc

import pytest
from sqlalchemy import select

from bot.core import db
from bot.core.models import Message, Upload


def a_pdf() -> bytes:
    """A real one-page PDF, as a scanner writes it."""
    import io

    from pypdf import PdfWriter

    writer, out = PdfWriter(), io.BytesIO()
    writer.add_blank_page(595, 842)
    writer.write(out)
    return out.getvalue()


def to_first_photo(chat):
    """Answer up to the photo of the birth letter."""
    from tests.conftest import answer_until_birth_letter

    answer_until_birth_letter(chat)
    chat.say("ya")
    assert chat.where()["step"] == "foto_surat_lahir"


def test_an_exe_named_like_a_photo_is_refused(app, chat):
    to_first_photo(chat)
    chat.send_file(b"MZ\x90\x00" + b"\x00" * 200, "surat.jpg", "image/jpeg")
    assert "JPG" in chat.text
    assert chat.where()["step"] == "foto_surat_lahir"  # the same question again
    with app.app_context():
        s = db.session()
        assert s.execute(select(Upload)).scalars().all() == []
        assert s.execute(select(Message).where(Message.kind == "rejected_file")).scalar_one()


# Werkzeug's test client spools a 30 MB request body to a temporary file it never closes.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_a_30_mb_photo_is_refused_with_the_limit(chat):
    to_first_photo(chat)
    chat.send_file(b"\xff\xd8\xff\xe0" + b"\x00" * (30 * 1024 * 1024), "besar.jpg", "image/jpeg")
    assert "10 MB" in chat.text and chat.where()["step"] == "foto_surat_lahir"
    gc.collect()  # let the client's leaked spool file be collected inside this test


def test_a_body_over_the_hard_limit_gets_a_clear_413(app, client):
    import io

    app.config["MAX_CONTENT_LENGTH"] = 1000  # the real limit is 40 MB; the behaviour is the same
    response = client.post("/try/api/messages", data={"user": "u", "file": (io.BytesIO(b"x" * 5000), "a.jpg")},
                           content_type="multipart/form-data")
    from flows.definition import texts

    assert response.status_code == 413
    assert response.get_json()["error"] == texts()["uploads"]["request_too_large"].format(limit=10)


def test_an_empty_file_is_refused(chat):
    to_first_photo(chat)
    chat.send_file(b"", "kosong.jpg", "image/jpeg")
    assert "kosong" in chat.text and chat.where()["step"] == "foto_surat_lahir"


def test_text_where_a_photo_is_expected_is_reasked(chat):
    to_first_photo(chat)
    chat.say("sudah saya kirim kemarin")
    assert "bukan teks" in chat.text and chat.where()["step"] == "foto_surat_lahir"


def test_a_real_photo_is_stored_with_its_hash_and_the_flow_moves_on(app, chat, png):
    import hashlib
    import io

    from PIL import Image

    from bot.core import storage

    to_first_photo(chat)
    chat.send_file(png, "surat.png", "image/png")
    assert chat.where()["step"] == "punya_buku_nikah"
    with app.app_context():
        upload = db.session().execute(select(Upload)).scalar_one()
        stored = storage.load(upload.storage_key)  # re-encoded (tests/test_upload_hardening.py): the same picture
        assert Image.open(io.BytesIO(stored)).size == Image.open(io.BytesIO(png)).size
        assert upload.size == len(stored) and upload.content_type == Image.MIME[Image.open(io.BytesIO(stored)).format]
        assert upload.sha256 == hashlib.sha256(stored).hexdigest() and upload.slot == "foto_surat_lahir"


def test_a_pdf_scan_is_accepted(chat):
    to_first_photo(chat)
    chat.send_file(a_pdf(), "surat.pdf", "application/pdf")
    assert chat.where()["step"] == "punya_buku_nikah"


def test_belum_ada_records_the_document_as_missing(chat):
    to_first_photo(chat)
    chat.press("missing:foto_surat_lahir")
    where = chat.where()
    assert (where["step"], where["answers"]["foto_surat_lahir"]) == ("punya_buku_nikah", {"missing": True})


def test_a_photo_sent_when_none_is_asked_is_not_taken(chat, png):
    from tests.conftest import start_as_father

    start_as_father(chat)
    chat.send_file(png, "x.png", "image/png")
    where = chat.where()  # still at the first question, and no answer holds the photo
    assert (where["step"], where["answers"]) == ("anak_nama", {"hubungan": "ayah", "persetujuan": True})


def test_the_office_edits_a_refusal_in_texts_yml_and_the_citizen_reads_it(chat, edited_texts):
    import yaml

    data = yaml.safe_load(edited_texts.read_text(encoding="utf-8"))
    data["uploads"]["empty"] = "Filenya kosong, Bapak/Ibu. Kirim {accepted} lagi ya."
    edited_texts.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    to_first_photo(chat)
    chat.send_file(b"", "kosong.jpg", "image/jpeg")
    assert "Filenya kosong, Bapak/Ibu. Kirim foto JPG/PNG/WEBP atau file PDF lagi ya." in chat.text
    assert chat.where()["step"] == "foto_surat_lahir"
