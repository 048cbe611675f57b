"""Admins without a terminal (bot/web/inbox/admin.py, audit_log.py): officers created, their role
changed, deactivated, a new password, the sign-in code, each in the audit log and never a password;
the readable audit log, searched by request, citizen and officer, for admins only."""
import re

import pyotp
import pytest
from sqlalchemy import select, text

from bot.core import audit_chain, db
from bot.core.models import AuditLog, Officer
from tests.inbox_drivers import PASSWORD, add_officer, file_birth_request, form_token, sign_in

NEW_PASSWORD = "sandi-baru-petugas-77"


def admin_client(app):
    add_officer(app, username="admin", role="admin", name="Ibu Admin")
    client = app.test_client()
    assert sign_in(client, "admin").status_code == 302
    return client


def post(client, path: str, **form):
    token = form_token(client.get("/inbox/admin/officers").get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, **form})


def officer(app, username: str) -> Officer:
    with app.app_context(), db.new_session() as s:
        found = s.execute(select(Officer).where(Officer.username == username)).scalar_one()
        s.expunge(found)
        return found


def entries(app, action: str) -> list[AuditLog]:
    with app.app_context(), db.new_session() as s:
        found = s.execute(select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.seq)).scalars().all()
        s.expunge_all()
        return found


def chain_intact(app) -> bool:
    with app.app_context(), db.engine().connect() as conn:
        return audit_chain.verify(conn).ok


def test_an_admin_creates_an_officer_who_then_signs_in(sqlite_app):
    client = admin_client(sqlite_app)
    response = post(client, "/inbox/admin/officers", username="rina", name="Rina Wulandari", role="verifier",
                    password=NEW_PASSWORD, password_again=NEW_PASSWORD)
    assert response.status_code == 303
    page = client.get("/inbox/admin/officers").get_data(as_text=True)
    assert "Petugas Rina Wulandari (rina, Verifikator) dibuat" in page
    assert 'data-username="rina" data-active="yes" data-role="verifier"' in page
    [created] = entries(sqlite_app, "officer_created")
    admin_id = officer(sqlite_app, "admin").id
    assert created.actor == f"officer:{admin_id}" and created.detail["role"] == "verifier"
    assert NEW_PASSWORD not in str(created.detail)
    rina = sqlite_app.test_client()
    assert sign_in(rina, "rina", NEW_PASSWORD).status_code == 302
    assert "Rina Wulandari" in rina.get("/inbox/requests").get_data(as_text=True)


def test_a_new_officer_with_the_code_gets_a_qr_once_and_needs_the_code_to_sign_in(sqlite_app):
    client = admin_client(sqlite_app)
    response = post(client, "/inbox/admin/officers", username="budi", name="Budi", role="operator",
                    password=NEW_PASSWORD, password_again=NEW_PASSWORD, totp="on")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7]+)<', page).group(1)
    assert "<svg" in page and officer(sqlite_app, "budi").totp_secret == secret
    assert 'data-testid="totp-secret"' not in client.get("/inbox/admin/officers").get_data(as_text=True)  # once
    assert secret not in str([e.detail for e in entries(sqlite_app, "officer_created")])
    budi = sqlite_app.test_client()
    response = sign_in(budi, "budi", NEW_PASSWORD)
    assert response.headers["Location"].endswith("/inbox/login/code")
    token = form_token(budi.get("/inbox/login/code").get_data(as_text=True))
    assert budi.post("/inbox/login/code", data={"csrf_token": token, "code": pyotp.TOTP(secret).now()}).status_code == 302


def test_role_deactivation_and_a_new_password_are_audited_and_end_sessions(sqlite_app):
    client = admin_client(sqlite_app)
    siti_id = add_officer(sqlite_app, username="siti")
    siti = sqlite_app.test_client()
    assert sign_in(siti, "siti").status_code == 302
    path = f"/inbox/admin/officers/{siti_id}"
    assert post(client, path, action="role", role="verifier").status_code == 303
    assert officer(sqlite_app, "siti").role == "verifier"
    assert post(client, path, action="password", password="pendek", password_again="pendek").status_code == 400
    assert post(client, path, action="password", password=NEW_PASSWORD, password_again=NEW_PASSWORD).status_code == 303
    assert siti.get("/inbox/requests").status_code == 302  # signed out by the new password
    assert sign_in(sqlite_app.test_client(), "siti", PASSWORD).status_code == 401
    assert sign_in(siti, "siti", NEW_PASSWORD).status_code == 302
    assert post(client, path, action="deactivate").status_code == 303
    assert siti.get("/inbox/requests").status_code == 302 and not officer(sqlite_app, "siti").active
    assert sign_in(sqlite_app.test_client(), "siti", NEW_PASSWORD).status_code == 401
    actions = [(e.action, e.detail) for e in entries(sqlite_app, "officer_role_changed")
               + entries(sqlite_app, "officer_password_reset") + entries(sqlite_app, "officer_deactivated")]
    assert actions == [("officer_role_changed", {"role_from": "operator", "role_to": "verifier", "via": "inbox"}),
                       ("officer_password_reset", {"via": "inbox"}), ("officer_deactivated", {"via": "inbox"})]
    with sqlite_app.app_context():
        every = db.session().execute(text("SELECT CAST(detail AS TEXT) FROM audit_log")).scalars().all()
    assert not any(NEW_PASSWORD in d or "pendek" in d for d in every)  # no password anywhere in the log
    assert chain_intact(sqlite_app)


def test_the_last_admin_cannot_lock_the_office_out(sqlite_app):
    client = admin_client(sqlite_app)
    me = officer(sqlite_app, "admin").id
    response = post(client, f"/inbox/admin/officers/{me}", action="role", role="operator")
    assert response.status_code == 409 and "paling sedikit satu admin" in response.get_data(as_text=True)
    assert post(client, f"/inbox/admin/officers/{me}", action="deactivate").status_code == 409
    assert officer(sqlite_app, "admin").role == "admin"


def test_only_admins_open_the_admin_and_audit_pages(sqlite_app):
    add_officer(sqlite_app, username="siti", role="verifier")
    siti = sqlite_app.test_client()
    sign_in(siti, "siti")
    for path in ("/inbox/admin/officers", "/inbox/audit"):
        response = siti.get(path)
        assert response.status_code == 403 and "hanya untuk admin" in response.get_data(as_text=True)
    token = form_token(siti.get("/inbox/requests").get_data(as_text=True))
    assert siti.post("/inbox/admin/officers", data={"csrf_token": token, "username": "x" * 5, "role": "admin",
                                                    "password": NEW_PASSWORD, "password_again": NEW_PASSWORD}).status_code == 403
    assert "Audit" not in siti.get("/inbox/requests").get_data(as_text=True).split("</nav>")[0]
    assert officer(sqlite_app, "siti").role == "verifier"


def rows(html: str) -> list[tuple[str, str, str]]:
    """(actor, action label, target) of each audit row shown."""
    return re.findall(r'data-testid="actor">([^<]*)</td><td data-testid="action">([^<]*)</td>\s*'
                      r'<td data-testid="target">([^<]*)</td>', html)


def test_the_audit_log_found_by_request_citizen_and_officer(app):
    sqlite_app = app  # on both databases: the search is SQL of its own
    ticket = file_birth_request(sqlite_app, "warga-1")
    other = file_birth_request(sqlite_app, "warga-2")
    add_officer(sqlite_app, username="siti", name="Siti Petugas")
    siti = sqlite_app.test_client()
    sign_in(siti, "siti")
    siti.get(f"/inbox/requests/{ticket}")
    siti.get(f"/inbox/requests/{other}")
    client = admin_client(sqlite_app)
    by_ticket = client.get(f"/inbox/audit?ticket={ticket.lower()}").get_data(as_text=True)
    shown = rows(by_ticket)
    assert ("Siti Petugas (Operator)", "Permohonan dilihat", f"Permohonan {ticket} (Budi Santoso)") in shown
    assert all(other not in target for _, _, target in shown) and len(shown) == 1
    everyone = rows(client.get(f"/inbox/audit?ticket={ticket}&who=all").get_data(as_text=True))
    assert ("Warga", "Permohonan diajukan warga", f"Permohonan {ticket} (Budi Santoso)") in everyone
    by_officer = rows(client.get("/inbox/audit?officer=siti").get_data(as_text=True))
    assert [a for a, _, _ in by_officer] == ["Siti Petugas (Operator)"] * len(by_officer)
    assert {label for _, label, _ in by_officer} >= {"Permohonan dilihat", "Masuk"}
    assert rows(client.get("/inbox/audit?officer=tidak-ada").get_data(as_text=True)) == []
    by_citizen = rows(client.get("/inbox/audit?citizen=budi").get_data(as_text=True))
    assert len(by_citizen) == 2  # both requests were filed in Budi Santoso's name
    # The conversations list's search: a ticket finds its citizen; "%" and "_" are not wildcards.
    assert len(rows(client.get(f"/inbox/audit?citizen={other}").get_data(as_text=True))) == 1
    assert rows(client.get("/inbox/audit?citizen=%25").get_data(as_text=True)) == []
    assert rows(client.get("/inbox/audit?citizen=_").get_data(as_text=True)) == []
    assert entries(sqlite_app, "audit_log_viewed")[0].detail == {"ticket": ticket.lower(), "who": "officers"}
    assert chain_intact(sqlite_app)


def test_the_audit_log_pages_newest_first(sqlite_app):
    client = admin_client(sqlite_app)
    for _ in range(55):
        client.get("/inbox/dashboard.csv")
    first = client.get("/inbox/audit").get_data(as_text=True)
    seqs = [int(s) for s in re.findall(r'data-seq="(\d+)"', first)]
    assert len(seqs) == 50 and seqs == sorted(seqs, reverse=True)
    assert rows(first)[0][1] == "Dasbor diunduh (CSV)"
    second = client.get(re.search(r'href="([^"]+)" data-testid="next"', first).group(1).replace("&amp;", "&"))
    older = [int(s) for s in re.findall(r'data-seq="(\d+)"', second.get_data(as_text=True))]
    assert older and max(older) < min(seqs)


def test_every_action_the_code_audits_has_an_indonesian_label():
    """An officer reading the log never meets a bare code: each literal action named in an
    `audit(...)` call (and each request action of the lifecycle) has its label."""
    from pathlib import Path

    from bot.core.lifecycle import TABLE
    from bot.web.inbox.audit_log import LABELS

    root = Path(__file__).resolve().parent.parent
    named = set()
    for folder in ("bot", "flows", "delivery", "nlu"):
        for path in (root / folder).rglob("*.py"):
            source = path.read_text(encoding="utf-8")
            named |= set(re.findall(r'\baudit\([^,()]+,\s*[^,()]+(?:\([^()]*\))?,\s*f?"([a-z_]+)"', source))
    named |= {f"request_{action}" for action in TABLE}
    assert len(named) > 60
    assert sorted(named - set(LABELS)) == []


@pytest.mark.parametrize("form, status, said", [
    ({"username": "r"}, 400, "Nama pengguna: 3–80 huruf kecil"),
    ({"username": "rina wulan"}, 400, "Nama pengguna: 3–80 huruf kecil"),
    ({"role": "kepala"}, 400, "Pilih peran: Operator, Verifikator atau Admin."),
    ({"password": "pendek", "password_again": "pendek"}, 400, "Kata sandi paling sedikit 10 karakter."),
    ({"password_again": "kata-sandi-lain-2026"}, 400, "Kedua kata sandi tidak sama."),
    ({"username": "ADMIN"}, 409, "Nama pengguna admin sudah dipakai."),
])
def test_a_new_officer_with_a_bad_or_taken_username_role_or_password_is_refused(sqlite_app, form, status, said):
    client = admin_client(sqlite_app)
    fields = {"username": "rina", "name": "Rina Wulandari", "role": "verifier",
              "password": NEW_PASSWORD, "password_again": NEW_PASSWORD, **form}
    response = post(client, "/inbox/admin/officers", **fields)
    assert response.status_code == status and said in response.get_data(as_text=True)
    assert entries(sqlite_app, "officer_created") == []


def test_changing_an_officer_who_does_not_exist_or_an_unknown_action_is_refused(sqlite_app):
    client = admin_client(sqlite_app)
    assert post(client, "/inbox/admin/officers/999", action="deactivate").status_code == 404
    admin_id = officer(sqlite_app, "admin").id
    response = post(client, f"/inbox/admin/officers/{admin_id}", action="promote_to_king")
    assert response.status_code == 400 and "Tindakan tidak dikenal." in response.get_data(as_text=True)
