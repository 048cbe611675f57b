"""What the booking tests share: the code in a confirmation, the last steps of a visit, the rows."""
import re
from datetime import date, datetime, timedelta

from sqlalchemy import select

from bot.core import db
from bot.core.models import Appointment, AppointmentCounter
from tests.conftest import CLOCK_DAY

# The office's date every booking test is answered on (the `office_clock` fixture): a Wednesday, so
# the days offered, their weekdays and hours are the same whatever day the tests run.
TODAY = datetime.fromisoformat(CLOCK_DAY).date()

CODE = re.compile(r"\b([A-Z]{2,5}-[0-9]{4,}(?:-[0-9]+)*)\b")


def years_before(day: date, years: int) -> date:
    """The same day `years` earlier (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def nik_born(born: date, woman: bool = False) -> str:
    """A well-formed Kutai Timur NIK with that birth date (women's day +40)."""
    return f"640801{born.day + (40 if woman else 0):02d}{born.month:02d}{born.year % 100:02d}0001"


def typed(day: date) -> str:
    """A date as citizens type it: 5/11/2026."""
    return f"{day.day}/{day.month}/{day.year}"


def _cetak_ktp(chat) -> None:
    chat.press("rusak")
    chat.press("sudah")
    chat.press("agree")
    chat.say("Budi Santoso")
    chat.say("6408011708900001")


def _kia(chat) -> None:
    born = years_before(TODAY, 3) - timedelta(days=60)
    chat.press("ibu")
    chat.press("baru")
    chat.press("agree")
    chat.say("Putri Ayu Lestari")
    chat.say(nik_born(born))
    chat.say(typed(born))
    chat.press("balita")


def _recording(chat) -> None:
    born = date(2000, 5, 10)
    chat.press("agree")
    chat.say(nik_born(born))
    chat.say(typed(born))
    chat.press("belum")
    chat.say("Siti Aminah")


def _marriage(chat) -> None:
    chat.press("kristen")
    chat.press("agree")
    chat.say(typed(TODAY - timedelta(days=10)))
    chat.say("Yohanes Manurung")
    chat.press("WNI")
    chat.say("6408011708900001")
    chat.press("belum")
    chat.press("dewasa")
    chat.say("Maria Magdalena Siahaan")
    chat.press("WNI")
    chat.say("6408014302930002")
    chat.press("belum")
    chat.press("dewasa")
    chat.press("tidak")


# service -> (the code's prefix, what a citizen types to ask for it, the answers up to the place)
SERVICES = {
    "ktp_print": ("KTP", "mau cetak ktp", _cetak_ktp),
    "kia": ("KIA", "mau bikin kia anak", _kia),
    "ktp_recording": ("REK", "mau rekam ktp", _recording),
    "marriage_certificate": ("AKP", "mau catat akta perkawinan", _marriage),
}


def until_place(chat, service: str, by_words: bool = False) -> None:
    """From "halo" to the place question of a booked service: its menu button, or said in words."""
    chat.say("halo")
    if by_words:
        chat.say(SERVICES[service][1])
    else:
        chat.press(f"svc:{service}")
    assert chat.where()["flow"] is not None, chat.text
    SERVICES[service][2](chat)
    assert chat.where()["step"] == "tempat", (chat.where(), chat.text)


def visit(chat, place: str = "sangatta", day_index: int = 0) -> str:
    """From the place question: a place, an offered day, the first slot when one is asked, Kirim;
    the booking code of the confirmation."""
    chat.press(place)
    chat.press(chat.buttons[day_index])
    if chat.where()["mode"] == "collect":  # the slot
        chat.press(chat.buttons[0])
    assert chat.where()["mode"] == "confirm"
    chat.press("submit")
    return CODE.search(chat.text).group(1)


def appointments(app) -> list[Appointment]:
    """Every booking, oldest first, detached from its session."""
    with app.app_context(), db.new_session() as s:
        rows = list(s.execute(select(Appointment).order_by(Appointment.id)).scalars())
        s.expunge_all()
        return rows


def counters(app) -> dict:
    """(place, day, slot) -> places taken."""
    with app.app_context(), db.new_session() as s:
        return {(c.place, c.day, c.slot): c.taken for c in s.execute(select(AppointmentCounter)).scalars()}


def office_today():
    """Today at the office (WITA), as the counter counts it."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo("Asia/Makassar")).date()


def add_visit(app, code: str, *, service: str = "ktp_print", place: str = "sangatta", day=None,
              slot: str = "pagi", queue: int = 1, answers: dict | None = None, status: str = "booked",
              chat_name: str | None = None, bring: list | None = None) -> str:
    """A booked visit written as the chat writes it (today at the office unless a day is given)."""
    from bot.core.inbound_store import get_contact

    with app.app_context(), db.new_session() as s:
        contact = get_contact(s, "simulator", f"warga-{code}", chat_name)
        s.flush()
        s.add(Appointment(code=code, service=service, place=place, day=day or office_today(), slot=slot,
                          queue_number=queue, contact_id=contact.id, status=status, answers=answers or {},
                          bring=bring if bring is not None else ["Kode jadwal ini (cukup ditunjukkan dari HP)"]))
        s.commit()
    return code


def book_print_visit(chat, name: str, nik: str, place: str = "sangatta") -> str:
    """A citizen books a KTP-el print in the chat (their KTP-el damaged); the booking code."""
    chat.say("halo")
    chat.press("svc:ktp_print")
    chat.press("rusak")
    chat.press("sudah")
    chat.press("agree")
    chat.say(name)
    chat.say(nik)
    return visit(chat, place)


def move_to(app, code: str, day) -> None:
    """The booked day comes: the visit is moved to `day` (the chat books tomorrow at the earliest)."""
    from sqlalchemy import update

    with app.app_context(), db.new_session() as s:
        s.execute(update(Appointment).where(Appointment.code == code).values(day=day))
        s.commit()


def slip_link(app, code: str) -> str:
    """The verification code of a booking's current slip (its QR holds <PUBLIC_BASE_URL>/v/<this>)."""
    from bot.core.models import Document

    with app.app_context(), db.new_session() as s:
        return s.execute(select(Document.code).where(Document.kind == f"slip:{code}",
                                                     Document.status == "current")).scalar_one()
