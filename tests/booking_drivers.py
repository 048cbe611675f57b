"""What the booking tests share: the code in a confirmation, the last steps of a visit, the rows."""
import re
from datetime import datetime

from sqlalchemy import select

from bot.core import db
from bot.core.models import Appointment, AppointmentCounter
from tests.conftest import CLOCK_DAY

# The office's date every booking test is answered on (the `office_clock` fixture): a Wednesday, so
# the days offered, their weekdays and hours are the same whatever day the tests run.
TODAY = datetime.fromisoformat(CLOCK_DAY).date()

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
