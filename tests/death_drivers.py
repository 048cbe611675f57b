"""What the death-report tests (and bench/mixed_day_bench.py) share: the family's answers, from
"halo" to the summary, on any chat driver (simulator, channel or HTTP)."""
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tests.conftest import conversation
from tests.twilio_drivers import TwilioChat

TICKET = re.compile(r"[A-Z]{2,5}-[0-9]{4,}(-[0-9]+)*")
REPORTER_NIK = "6408015506750002"   # 15-06-1975, woman
DECEASED_NIK = "6408011203500001"   # 12-03-1950, man
DECEASED_KK = "6408011501200003"    # registered 15-01-2020
REPORTER_KK = "6408012002150004"    # registered 20-02-2015
WITNESS_1 = ("Ahmad Yani", "6408010101800005", "6408010303180005")
WITNESS_2 = ("Rina Wati", "6408014505850006", "6408011104190006")


def today():
    """The office's today (WITA), as the engine counts it."""
    return datetime.now(ZoneInfo("Asia/Makassar")).date()


def typed(day) -> str:
    """A date as a citizen types it: 12/11/2026."""
    return f"{day.day}/{day.month}/{day.year}"


def where(chat) -> dict:
    """Where the citizen's conversation stands, on the simulator or a channel driver."""
    if hasattr(chat, "where"):
        return chat.where()
    if isinstance(chat, TwilioChat):
        return conversation(chat.app, "twilio", chat.number)
    return conversation(chat.app, chat.channel, chat.user)


def say_place(chat, text: str) -> None:
    """Type a place; confirm the assistant's proposal when it asks "Maksud Bapak/Ibu …?"."""
    chat.say(text)
    if "propose_yes" in chat.buttons:
        chat.press("propose_yes")


def start(chat, relation: str = "anak") -> None:
    """Open the death-certificate flow as `relation` and accept the privacy notice."""
    chat.say("halo")
    chat.press("svc:akta_kematian")
    chat.press(relation)
    if relation == "lainnya":
        assert where(chat)["step"] == "persetujuan"
    chat.press("agree")


def reporter(chat, name: str = "Siti Rahmawati", nik: str = REPORTER_NIK) -> None:
    """The reporter's own data."""
    chat.say(name)
    chat.press("WNI")
    chat.say(nik)
    chat.say(REPORTER_KK)


def deceased(chat, *, nik: str = DECEASED_NIK, died=None, hour: str = "04.15", place: str = "sangata") -> None:
    """The deceased, up to and including the parents' names."""
    chat.say(nik)
    chat.say("Abdul Rahman")
    chat.press("L")
    chat.say(DECEASED_KK)
    chat.say(typed(died or today() - timedelta(days=3)))
    chat.say(hour)
    chat.press("sakit")
    chat.press("rs")
    say_place(chat, place)
    chat.press("dokter")
    chat.say("Hasan")
    chat.say("tidak tahu")


def witnesses(chat, second_nik: str = WITNESS_2[1]) -> None:
    """Two witnesses: name, NIK, KK and citizenship each."""
    for name, nik, kk in (WITNESS_1, (WITNESS_2[0], second_nik, WITNESS_2[2])):
        chat.say(name)
        chat.press("WNI")
        chat.say(nik)
        chat.say(kk)


def documents(chat, png: bytes, proof: str = "dokter") -> None:
    """The proof of death and the photos, then no email."""
    chat.press(proof)
    chat.send_file(png, "surat-kematian.png", "image/png")
    if where(chat)["step"] == "foto_surat_kuasa":
        chat.send_file(png, "surat-kuasa.png", "image/png")
    chat.send_file(png, "kk.png", "image/png")
    if where(chat)["step"] == "foto_ktp_almarhum":
        chat.send_file(png, "ktp-almarhum.png", "image/png")
    chat.say("belum ada")  # the reporter's KTP-el
    chat.say("lewati")


def walk_to_summary(chat, png: bytes, relation: str = "anak", **deceased_options) -> None:
    """The whole flow up to the summary."""
    start(chat, relation)
    reporter(chat)
    deceased(chat, **deceased_options)
    witnesses(chat)
    documents(chat, png)
