"""The office's hours and places edited by an admin in the inbox (bot/core/office_settings.py,
bot/web/inbox/office_admin.py): the chat and the booking calendar follow, each change is audited,
a value refused changes nothing, non-admins are refused, reset gives config.yml back, and another
process on the same database sees the change."""
import pytest
from sqlalchemy import select

from bot.core import db, office_settings
from bot.core.models import AuditLog
from bot.web.app import create_app
from tests.conftest import Chat
from tests.inbox_drivers import add_officer, form_token, sign_in

pytestmark = pytest.mark.usefixtures("office_clock")

FRIDAY = "2026-11-06"  # the first Friday the office clock's Wednesday offers
SHARED = ("DATABASE_URL", "REDIS_URL", "STORAGE_DIR", "SPOOL_DIR", "MAIL_DIR", "SECRET_KEY", "SIMULATOR",
          "PUBLIC_BASE_URL", "RATE_LIMITS", "CLOCK_FILE")
WEEKDAYS = {d: ("08:00", "15:30") for d in range(4)}


def admin(app):
    add_officer(app, username="admin", role="admin", name="Ibu Admin")
    client = app.test_client()
    assert sign_in(client, "admin").status_code == 302
    return client


def post(client, path: str, **form):
    token = form_token(client.get("/inbox/admin/office").get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, **form})


def hours_form(days: dict) -> dict:
    form = {}
    for d in range(7):
        start, end = days.get(d, ("", ""))
        form[f"start-{d}"], form[f"end-{d}"] = start, end
    return form


def set_hours(client, days: dict):
    return post(client, "/inbox/admin/office/hours", action="save", **hours_form(days))


def place_form(app, place: str, **change) -> dict:
    """The place's form as the page fills it, with `change` typed over it."""
    office = app.config["OFFICE"]
    spec = office["appointments"]["places"][place]
    hours = spec.get("hours") or office["office"]["hours"]
    form = {"action": "save", "name": spec["name"], "address": spec.get("address", ""),
            **hours_form({int(d): v for d, v in hours.items()}),
            **{f"quota-{svc}": str(s.get("quota", "")) for svc, s in spec["services"].items()}}
    form.update(change)
    return form


def entries(app, action: str) -> list[AuditLog]:
    with app.app_context(), db.new_session() as s:
        found = s.execute(select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.seq)).scalars().all()
        s.expunge_all()
        return found


def to_the_days(chat, place: str = "sangatta") -> list[str]:
    """A citizen asks for a KTP-el print visit at `place`: the days offered."""
    chat.say("halo")
    chat.press("svc:ktp_print")
    chat.press("rusak")
    chat.press("sudah")
    chat.press("agree")
    chat.say("Budi Santoso")
    chat.say("6408011708900001")
    chat.press(place)
    return chat.buttons


def test_an_admin_changes_fridays_hours_and_the_chat_and_the_calendar_follow(sqlite_app, inline_chat, office_clock):
    office_clock.set(f"{FRIDAY} 09:00")
    inline_chat.say("jam buka")
    assert "11.30" in inline_chat.text
    client = admin(sqlite_app)
    assert set_hours(client, {**WEEKDAYS, 4: ("08:00", "14:00")}).status_code == 303
    page = client.get("/inbox/admin/office").get_data(as_text=True)
    assert "Jam kantor diubah" in page and "diubah oleh Ibu Admin" in page
    assert "Di config.yml: Senin 08:00–15:30" in page and "Jumat 08:00–11:30" in page

    inline_chat.say("jam buka")
    assert "14.00" in inline_chat.text and "11.30" not in inline_chat.text
    office_clock.set("2026-11-04 09:00")
    inline_chat.say("batal")
    days = to_the_days(inline_chat)
    assert FRIDAY in days
    inline_chat.press(FRIDAY)
    # 08:00–14:00 holds the morning and the late-morning slot; the afternoon one (13–15) not.
    assert inline_chat.buttons[:2] == ["pagi", "siang"] and "sore" not in inline_chat.buttons

    [changed] = entries(sqlite_app, "office_setting_changed")
    assert changed.detail["key"] == "office.hours"
    assert changed.detail["before"] is None and changed.detail["after"]["4"] == ["08:00", "14:00"]


def test_closing_friday_takes_it_out_of_the_calendar(sqlite_app, inline_chat):
    client = admin(sqlite_app)
    assert set_hours(client, WEEKDAYS).status_code == 303
    days = to_the_days(inline_chat)
    assert days and FRIDAY not in days


def test_a_places_quota_changed_is_what_the_chat_offers(sqlite_app, inline_chat):
    client = admin(sqlite_app)
    form = place_form(sqlite_app, "muara_wahau", **{"quota-ktp_print": "3", "name": "UPT Muara Wahau (Baru)"})
    assert post(client, "/inbox/admin/office/places/muara_wahau", **form).status_code == 303
    to_the_days(inline_chat, "muara_wahau")
    assert "sisa 3 tempat" in inline_chat.text and "sisa 20 tempat" not in inline_chat.text
    keys = {e.detail["key"]: e.detail for e in entries(sqlite_app, "office_setting_changed")}
    # Only what changed is recorded: the address and the hours typed as they were are not.
    assert set(keys) == {"appointments.places.muara_wahau.services.ktp_print.quota",
                         "appointments.places.muara_wahau.name"}
    assert keys["appointments.places.muara_wahau.services.ktp_print.quota"]["after"] == 3
    schedule = client.get("/inbox/schedule?place=muara_wahau&service=ktp_print").get_data(as_text=True)
    assert "UPT Muara Wahau (Baru)" in schedule


def test_the_worker_offers_the_quota_an_admin_set(app, chat):
    """On PostgreSQL the chat is answered by the RQ worker, a process of its own."""
    client = admin(app)
    form = place_form(app, "bengalon", **{"quota-ktp_print": "4"})
    assert post(client, "/inbox/admin/office/places/bengalon", **form).status_code == 303
    to_the_days(chat, "bengalon")
    assert "sisa 4 tempat" in chat.text and "sisa 20 tempat" not in chat.text


@pytest.mark.parametrize("path,form,message", [
    ("/inbox/admin/office/hours", {**hours_form({**WEEKDAYS, 4: ("8.00", "11:30")})}, "JJ:MM"),
    ("/inbox/admin/office/hours", {**hours_form({**WEEKDAYS, 4: ("14:00", "11:30")})}, "harus sebelum jam tutup"),
    ("/inbox/admin/office/hours", {**hours_form({**WEEKDAYS, 4: ("08:00", "")})}, "isi jam buka dan jam tutup"),
    ("/inbox/admin/office/hours", hours_form({}), "paling sedikit satu hari"),
    ("place", {"quota-ktp_print": "-1"}, "bilangan bulat 0 atau lebih"),
    ("place", {"quota-ktp_print": "2.5"}, "bilangan bulat 0 atau lebih"),
    ("place", {"name": "  "}, "Nama tempat tidak boleh kosong"),
])
def test_invalid_values_are_refused_and_change_nothing(sqlite_app, path, form, message):
    client = admin(sqlite_app)
    before = sqlite_app.config["OFFICE"]
    if path == "place":
        path = "/inbox/admin/office/places/sangkulirang"
        # A valid change to the address beside the invalid one: it must not be kept either.
        form = place_form(sqlite_app, "sangkulirang", address="Jl. Baru 1", **form)
    response = post(client, path, **{"action": "save", **form})
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert entries(sqlite_app, "office_setting_changed") == []
    office_settings.refresh(sqlite_app, force=True)  # read the table now, not within the next 3 s
    assert sqlite_app.config["OFFICE"] == before


def test_officers_who_are_not_admins_are_refused(sqlite_app):
    add_officer(sqlite_app, username="siti", role="verifier")
    client = sqlite_app.test_client()
    assert sign_in(client, "siti").status_code == 302
    assert client.get("/inbox/admin/office").status_code == 403
    token = form_token(client.get("/inbox/counter").get_data(as_text=True))
    response = client.post("/inbox/admin/office/hours", data={"csrf_token": token, "action": "save",
                                                             **hours_form(WEEKDAYS)})
    assert response.status_code == 403
    assert entries(sqlite_app, "office_setting_changed") == []


def test_reset_gives_config_yml_back(sqlite_app, inline_chat):
    client = admin(sqlite_app)
    set_hours(client, WEEKDAYS)
    post(client, "/inbox/admin/office/places/muara_wahau",
         **place_form(sqlite_app, "muara_wahau", **{"quota-ktp_print": "3"}))
    assert post(client, "/inbox/admin/office/hours", action="reset").status_code == 303
    assert post(client, "/inbox/admin/office/places/muara_wahau", action="reset").status_code == 303
    assert "Muara Wahau kembali seperti di config.yml" in client.get("/inbox/admin/office").get_data(as_text=True)
    assert FRIDAY in to_the_days(inline_chat)
    other = Chat(sqlite_app.test_client(), "citizen-2")
    to_the_days(other, "muara_wahau")
    assert "sisa 20 tempat" in other.text
    resets = {e.detail["key"] for e in entries(sqlite_app, "office_setting_reset")}
    assert resets == {"office.hours", "appointments.places.muara_wahau.services.ktp_print.quota"}
    assert "Jam layanan atau tempat kembali ke config.yml" in client.get("/inbox/audit").get_data(as_text=True)


def test_another_process_on_the_same_database_sees_the_change(sqlite_app, tmp_path):
    # Another web process or worker: its own app on the same database, looking at every request.
    other = create_app({**{k: sqlite_app.config[k] for k in SHARED}, "OFFICE_SETTINGS_CHECK_SECONDS": 0})
    client = admin(sqlite_app)
    assert set_hours(client, {**WEEKDAYS, 4: ("08:00", "14:00")}).status_code == 303
    assert other.config["OFFICE"]["office"]["hours"][4] == ["08:00", "11:30"]
    other.test_client().get("/healthz")  # any request: the process looks at the table first
    assert other.config["OFFICE"]["office"]["hours"][4] == ["08:00", "14:00"]
