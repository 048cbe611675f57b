"""Angka for the head of office (bot/web/inbox/numbers.py): per day, place and service, the visits
booked, attended, missed and cancelled, those who came with the list of what to bring, the citizens
spared a trip in the chat, the totals, and the same rows as CSV."""
import csv
import io
from datetime import timedelta

from bot.core import db
from bot.core.models import Appointment, Contact
from bot.web.inbox.schedule import office_today
from tests.conftest import FATHER_NIK, Chat
from tests.inbox_drivers import add_officer, sign_in

BRING = ["KTP-el yang rusak", "Kode jadwal ini"]


def officer(app):
    add_officer(app, username="kepala", role="operator", name="Kepala Dinas")
    client = app.test_client()
    assert sign_in(client, "kepala").status_code == 302
    return client


def bookings(app) -> dict:
    """A known set of bookings over three days: what each row and the totals must say."""
    with app.app_context():
        today = office_today()
    past, earlier, coming = today - timedelta(days=3), today - timedelta(days=10), today + timedelta(days=2)
    rows = [  # day, place, service, status, bring
        (past, "sangatta", "ktp_print", "served", BRING),
        (past, "sangatta", "ktp_print", "checked_in", BRING),
        (past, "sangatta", "ktp_print", "checked_in", []),        # booked before lists were worked out
        (past, "sangatta", "ktp_print", "no_show", BRING),
        # the day passed, never checked in, where the counter recorded nobody that day (on PostgreSQL the
        # worker's no-show sweep runs meanwhile: a day with check-ins would rightly turn it into a no-show)
        (past, "bengalon", "ktp_print", "booked", BRING),
        (past, "sangatta", "ktp_print", "cancelled", BRING),
        (past, "sangatta", "kia", "served", BRING),
        (past, "muara_wahau", "ktp_print", "served", BRING),
        (earlier, "bengalon", "ktp_recording", "cancelled", BRING),
        (coming, "sangatta", "ktp_print", "booked", BRING),        # still to come: not a no-show
        (today - timedelta(days=40), "sangatta", "ktp_print", "served", BRING),  # outside the 30 days
    ]
    with app.app_context(), db.new_session() as s:
        contact = Contact(channel="simulator", external_id="warga")
        s.add(contact)
        s.flush()
        for i, (day, place, service, status, bring) in enumerate(rows, 1):
            s.add(Appointment(code=f"TST-{i:04d}", service=service, place=place, day=day, slot="", queue_number=i,
                              contact_id=contact.id, status=status, answers={}, bring=bring))
        s.commit()
    return {"past": past, "earlier": earlier, "coming": coming, "today": today}


def turned_away(app) -> None:
    """In the chat: a KIA asked for a 17-year-old (spared a trip), a KIA whose date was typed wrong
    (started again: not spared anything), and a Muslim divorce sent to the KK change (not a visit)."""
    kia = Chat(app.test_client(), "kia-17")
    kia.say("halo")
    kia.press("svc:kia")
    kia.press("ayah")
    kia.press("baru")
    kia.press("agree")
    kia.say("Budi Santoso")
    kia.say(FATHER_NIK)
    kia.say("17/8/1990")
    kia.press("tujuh_belas")
    assert "tidak membuat jadwal KIA" in kia.text
    again = Chat(app.test_client(), "kia-again")
    again.say("halo")
    again.press("svc:kia")
    again.press("ibu")
    again.press("baru")
    again.press("agree")
    again.say("Sari Dewi")
    again.say(FATHER_NIK)
    again.say("17/8/1990")
    again.press("balita")
    again.press("tanggal_keliru")
    assert again.where()["flow"] == "kia"
    divorce = Chat(app.test_client(), "cerai")
    divorce.say("halo")
    divorce.press("svc:akta_perceraian")
    divorce.press("islam")
    assert divorce.where()["flow"] == "kartu_keluarga"


def cells(html: str, marker: str) -> dict:
    """The numbers of the table row that starts at `marker`."""
    import re

    row = html[html.index(marker):]
    row = row[:row.index("</tr>")]
    return {k: v for k, v in re.findall(r'data-testid="(\w+)">([^<]*)<', row)}


def test_the_numbers_per_day_place_and_service_and_their_totals(app):
    days = bookings(app)
    turned_away(app)
    kepala = officer(app)
    html = kepala.get("/inbox/numbers").get_data(as_text=True)
    past, today = days["past"].isoformat(), days["today"].isoformat()

    ktp = cells(html, f'data-day="{past}" data-place="sangatta" data-service="ktp_print"')
    assert ktp == {"booked": "4", "attended": "3", "no_show": "1", "unrecorded": "0", "cancelled": "1",
                   "prepared": "2", "turned_away": "0", "share": "67%"}
    # the visit never recorded at the counter is not counted absent, nor attended: no share to give
    quiet = cells(html, f'data-day="{past}" data-place="bengalon" data-service="ktp_print"')
    assert quiet == {"booked": "1", "attended": "0", "no_show": "0", "unrecorded": "1", "cancelled": "0",
                     "prepared": "0", "turned_away": "0", "share": "–"}
    assert cells(html, f'data-day="{past}" data-place="sangatta" data-service="kia"')["attended"] == "1"
    assert cells(html, f'data-day="{past}" data-place="muara_wahau" data-service="ktp_print"')["prepared"] == "1"
    recording = cells(html, f'data-day="{days["earlier"].isoformat()}" data-place="bengalon" data-service="ktp_recording"')
    assert (recording["booked"], recording["cancelled"], recording["share"]) == ("0", "1", "–")
    chat = cells(html, f'data-day="{today}" data-place="" data-service="kia"')
    assert (chat["turned_away"], chat["booked"], chat["share"]) == ("1", "0", "100%")
    assert html.count('data-testid="numbers-row"') == 6  # the coming day and day 40 are outside the range
    assert "(di chat, belum memilih tempat)" in html and "akta_perceraian" not in html

    total = cells(html, 'data-testid="numbers-total"')
    # attended 3 + 1 + 1 = 5, of whom 4 with the list; 1 spared: (4 + 1) / (5 + 1)
    assert total == {"booked": "7", "attended": "5", "no_show": "1", "unrecorded": "1", "cancelled": "2",
                     "prepared": "4", "turned_away": "1", "share": "83%"}
    note = html[html.index('data-testid="unrecorded-note"'):]
    assert note.split("</p>")[0].endswith("tidak masuk angka perjalanan sia-sia dicegah.")
    assert ">1 jadwal yang harinya sudah lewat tidak pernah dicatat di loket" in note

    coming = kepala.get(f"/inbox/numbers?start={today}&end={days['coming'].isoformat()}").get_data(as_text=True)
    ahead = cells(coming, f'data-day="{days["coming"].isoformat()}" data-place="sangatta" data-service="ktp_print"')
    assert (ahead["booked"], ahead["no_show"], ahead["unrecorded"]) == ("1", "0", "0")  # still to come
    assert past not in coming and 'data-testid="unrecorded-note"' not in coming


def test_the_csv_has_the_same_rows_and_named_columns(sqlite_app):
    days = bookings(sqlite_app)
    kepala = officer(sqlite_app)
    response = kepala.get("/inbox/appointments.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    table = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert list(table[0]) == ["tanggal", "tempat", "nama_tempat", "layanan", "nama_layanan", "terjadwal", "hadir",
                              "tidak_hadir", "dibatalkan", "hadir_dengan_daftar_bawaan", "dicegah_di_chat",
                              "perjalanan_sia_sia_dicegah_persen", "tidak_tercatat"]
    assert len(table) == 5
    first = table[0]
    assert (first["tanggal"], first["tempat"], first["layanan"]) == (days["earlier"].isoformat(), "bengalon", "ktp_recording")
    ktp = next(r for r in table if r["tempat"] == "sangatta" and r["layanan"] == "ktp_print")
    assert (ktp["nama_layanan"], ktp["terjadwal"], ktp["hadir"], ktp["tidak_hadir"], ktp["dibatalkan"],
            ktp["hadir_dengan_daftar_bawaan"], ktp["perjalanan_sia_sia_dicegah_persen"], ktp["tidak_tercatat"]) == (
        "Cetak KTP-el", "4", "3", "1", "1", "2", "67", "0")
    quiet = next(r for r in table if r["tempat"] == "bengalon" and r["layanan"] == "ktp_print")
    assert (quiet["terjadwal"], quiet["hadir"], quiet["tidak_hadir"], quiet["tidak_tercatat"],
            quiet["perjalanan_sia_sia_dicegah_persen"]) == ("1", "0", "0", "1", "")
    assert sum(int(r["terjadwal"]) for r in table) == 7


def test_the_page_and_the_no_show_sweep_agree(sqlite_app):
    """A day the counter was used: the one never checked in becomes "tidak hadir" once the sweep has
    run. A day the counter was not used: nobody is counted absent, both stay "tidak tercatat"."""
    from delivery.reminders import send_due

    with sqlite_app.app_context():
        today = office_today()
    used, unused = today - timedelta(days=2), today - timedelta(days=1)
    with sqlite_app.app_context(), db.new_session() as s:
        contact = Contact(channel="simulator", external_id="warga")
        s.add(contact)
        s.flush()
        for i, (day, status) in enumerate([(used, "served"), (used, "booked"), (unused, "booked"),
                                           (unused, "booked")], 1):
            s.add(Appointment(code=f"TST-{i:04d}", service="ktp_print", place="sangatta", day=day, slot="",
                              queue_number=i, contact_id=contact.id, status=status, answers={}, bring=BRING))
        s.commit()
    kepala = officer(sqlite_app)

    def numbers(day):
        return cells(kepala.get("/inbox/numbers").get_data(as_text=True),
                     f'data-day="{day.isoformat()}" data-place="sangatta" data-service="ktp_print"')

    assert (numbers(used)["no_show"], numbers(used)["unrecorded"]) == ("0", "1")  # before the sweep
    with sqlite_app.app_context():
        assert send_due()["no_show"] == 1
    after = numbers(used)
    assert (after["attended"], after["no_show"], after["unrecorded"], after["share"]) == ("1", "1", "0", "100%")
    quiet = numbers(unused)
    assert (quiet["booked"], quiet["attended"], quiet["no_show"], quiet["unrecorded"], quiet["share"]) == (
        "2", "0", "0", "2", "–")
