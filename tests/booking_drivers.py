"""What the booking tests share: the code in a confirmation, the last steps of a visit, the rows."""
import re

from sqlalchemy import select

from bot.core import db
from bot.core.models import Appointment, AppointmentCounter

CODE = re.compile(r"\b([A-Z]{2,5}-[0-9]{4,}(?:-[0-9]+)*)\b")


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
