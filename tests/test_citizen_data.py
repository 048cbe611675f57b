"""A citizen's rights over their data: `flask citizen export` writes everything held about them as
a ZIP; `flask citizen erase` removes it, keeping only what an issued document needs."""
import io
import json
import zipfile

from sqlalchemy import func, select

from bot.core import db, storage
from bot.core.models import AuditLog, Contact, Conversation, Document, Message, Request, Upload
from tests.conftest import Chat, FATHER_NIK
from tests.test_request_lifecycle import PDF_FROM_SIAK, act, file_birth_request, officer_token, wait_for, status_of


def _run(app, *args, input=None):
    result = app.test_cli_runner().invoke(args=["citizen", *args], input=input)
    return result


def _count(app, model, *where) -> int:
    with app.app_context(), db.new_session() as s:
        return s.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def test_export_holds_the_messages_requests_files_and_audit_of_one_citizen(sqlite_app, png):
    client = sqlite_app.test_client()
    ticket = file_birth_request(Chat(client, "warga-a"), png, email=None)
    Chat(client, "warga-b").say("halo")  # someone else: not in the export

    result = _run(sqlite_app, "export", "simulator:warga-a")
    assert result.exit_code == 0, result.output
    path = result.output.strip()
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        data = json.loads(archive.read("data.json"))
        assert "BACA-SAYA.txt" in names
        assert any(n.startswith("berkas/") for n in names) and any(n.startswith("dokumen/") for n in names)
        photo = next(n for n in names if n.startswith("berkas/"))
        assert archive.read(photo)[:4] in (b"\x89PNG", b"\xff\xd8\xff\xe0", b"\xff\xd8\xff\xe1", b"\xff\xd8\xff\xdb")
    assert [c["external_id"] for c in data["contacts"]] == ["warga-a"]
    assert any(m["text"] == "halo" for m in data["messages"]) and [r["ticket"] for r in data["requests"]] == [ticket]
    assert any(a["action"] == "request_submitted" for a in data["audit"])
    assert _count(sqlite_app, AuditLog, AuditLog.action == "citizen_data_exported") == 1

    # The same citizen by their ticket; an unknown identifier is said plainly.
    assert _run(sqlite_app, "export", ticket).exit_code == 0
    unknown = _run(sqlite_app, "export", "simulator:nobody")
    assert unknown.exit_code != 0 and "Tidak ada data warga" in unknown.output


def test_erase_asks_first_then_removes_everything_but_an_issued_documents_record(sqlite_app, png):
    client = sqlite_app.test_client()
    verifier = officer_token(sqlite_app, "vera", "verifier")
    ticket = file_birth_request(Chat(client, "warga-a"), png, email=None)
    act(client, ticket, verifier, action="assign")
    act(client, ticket, verifier, action="approve")
    client.post(f"/api/v1/requests/{ticket}/actions", headers=verifier, content_type="multipart/form-data",
                data={"action": "issue", "document_number": "6408-LT-0001",
                      "file": (io.BytesIO(PDF_FROM_SIAK), "akta.pdf", "application/pdf")})
    assert wait_for(lambda: status_of(client, ticket, verifier) == "delivered")
    other = file_birth_request(Chat(client, "warga-a"), png, email=None)  # filed, never issued
    with sqlite_app.app_context(), db.new_session() as s:
        files = [storage.path_of(u.storage_key) for u in s.execute(select(Upload)).scalars()]

    refused = _run(sqlite_app, "erase", "simulator:warga-a", input="n\n")
    assert refused.exit_code != 0 and _count(sqlite_app, Message) > 0  # asked, and nothing happened

    done = _run(sqlite_app, "erase", "simulator:warga-a", "--yes")
    assert done.exit_code == 0 and ticket in done.output
    assert _count(sqlite_app, Message) == 0 and _count(sqlite_app, Upload) == 0
    assert _count(sqlite_app, Conversation) == 0
    assert not any(path.exists() for path in files)
    with sqlite_app.app_context(), db.new_session() as s:
        kept = s.execute(select(Request)).scalars().all()
        assert [r.ticket for r in kept] == [ticket] and other not in [r.ticket for r in kept]
        req = kept[0]
        assert req.answers == {} and req.applicant_name is None and req.applicant_nik is None
        assert req.status == "delivered" and req.document_number == "6408-LT-0001"
        contact = s.execute(select(Contact)).scalar_one()
        assert contact.external_id.startswith("erased-") and contact.display_name is None
        assert s.execute(select(AuditLog).where(AuditLog.action == "citizen_data_erased")).scalar_one()
        everything = json.dumps([str(v) for m in (Request, Contact) for r in s.execute(select(m)).scalars()
                                 for v in vars(r).values()])
    assert FATHER_NIK not in everything and "Putri Ayu" not in everything
    # A printed copy of the issued document can still be checked.
    checked = client.post("/v", data={"file": (io.BytesIO(PDF_FROM_SIAK), "akta.pdf")},
                          headers={"Accept": "application/json"}, content_type="multipart/form-data")
    assert checked.get_json()["genuine"] is True and checked.get_json()["ticket"] == ticket
