"""*jadwal saya*, *batal jadwal KTP-0001*, *ubah jadwal KTP-0001*: the citizen's booked visits
(flows/booking.py), up to and including the visit day; *Saya datang* from a reminder. Cancelling is
confirmed first and gives the place back; changing starts the service's flow again with the earlier
answers, asking the day and slot anew, and moves the booking (same code) when the citizen confirms."""
import re

from sqlalchemy import select

from bot.core.models import Appointment, audit, utcnow
from flows import appointments as ap
from flows import booking
from flows.aftercare.common import BUTTONS_MAX, NO, YES, drop, keep
from flows.definition import available_flows, load_flow
from flows.inputs import clean
from flows.messages import Event, Reply
from flows.modes import Mode
from flows.placeholders import fill

VISIT = r"(?:jadwal|jadwal kedatangan|janji|janji temu|booking|bokingan|antrean|antrian)"
LIST = re.compile(rf"^(?:(?:cek|lihat|liat|mana) )?{VISIT} (?:saya|sy|aku|ku|kami)\b|^{VISIT}ku\b")
CANCEL = re.compile(rf"^(?:(?:saya|sy|mau|ingin|mo) )?(?:batal|batalkan|batalin|membatalkan|cancel) {VISIT}\b")
CHANGE = re.compile(rf"^(?:(?:saya|sy|mau|ingin|mo) )?(?:ubah|ganti|pindah|geser|undur|majukan|mengubah|mengganti) "
                    rf"{VISIT}\b")
CANCEL_WORD = re.compile(r"^(?:(?:saya|sy|mau|ingin|mo) )?(?:batal|batalkan|batalin|membatalkan|cancel)\b")
# "bikin janji besok?", "pesan jadwal kedatangan", "mau daftar antrian": which services can be booked.
BOOK = re.compile(r"\b(?:bikin|buat|membuat|pesan|memesan|booking|daftar|ambil|minta)\s+(?:janji|jadwal|antri|antrian|"
                  r"antrean|nomor antrian|nomor antrean)\b")
STATUS_WORD = re.compile(r"^(?:cek|status|lihat|check)\b")
BUTTONS = ("bcancel", "bchange", "bconfirm")   # "<kind>:<code>", from a list or a reminder


def words() -> dict:
    return booking.words()


def _of_contact(engine) -> list[Appointment]:
    return list(engine.s.execute(select(Appointment).where(Appointment.contact_id == engine.conv.contact_id)
                                 .order_by(Appointment.day, Appointment.id)).scalars())


def movable(engine, a: Appointment) -> bool:
    """Whether the citizen may still change or cancel a booking: still booked, for today or later
    (the morning reminder's *Batal* and *Ubah jadwal*, and a day an officer closed this morning)."""
    return a.status == "booked" and a.day >= engine.today


def _active(engine) -> list[Appointment]:
    return [a for a in _of_contact(engine) if movable(engine, a)]


def command(engine, said: str, code: str | None) -> list[Reply] | None:
    """The replies when the (cleaned) text is about a booked visit, else None."""
    if LIST.search(said):
        return [listing(engine)]
    if CANCEL.match(said):
        return start_cancel(engine, code)
    if CHANGE.match(said):
        return start_change(engine, code)
    if BOOK.search(said) and not code:
        return [which_service(engine)]
    if code and booking._own(engine, code) is not None:  # "batalkan KTP-0001", "cek KTP-0001", "KTP-0001"
        if CANCEL_WORD.match(said):
            return start_cancel(engine, code)
        if STATUS_WORD.match(said) or said == code.lower():
            return [listing(engine, code)]
    return None


def button(engine, kind: str, code: str) -> list[Reply] | None:
    """A pick button: which booking to cancel or change."""
    if kind == "bcancel":
        return start_cancel(engine, code)
    if kind == "bchange":
        return start_change(engine, code)
    if kind == "bconfirm":
        return [confirm(engine, code)]
    return None


def confirm(engine, code: str) -> Reply:
    """*Saya datang* (asked in the eve reminder after repeated no-shows): recorded and audited."""
    t = words()
    appt = booking._own(engine, code)
    if appt is None:
        return Reply(fill(t["not_found"], code=code or "-"))
    if appt.status != "booked" or appt.day < engine.today:
        return Reply(fill(t["not_active"], code=appt.code, status=t["status_" + appt.status]))
    if appt.confirmed_at is None:
        appt.confirmed_at = utcnow()
        audit(engine.s, engine._actor(), "appointment_confirmed", appt, code=appt.code)
    return Reply(fill(t["confirm_done"], code=appt.code, date=booking.long_date(appt.day)))


def _line(engine, a: Appointment) -> str:
    t = words()
    slot = next((s for s in ap.slots(engine.office, a.place, a.service) if s.id == a.slot), None)
    services = engine.office.get("services", {})
    line = fill(t["list_line"], code=a.code, service=services.get(a.service, {}).get("title", a.service),
                date=booking.long_date(a.day),
                slot=fill(t["list_slot"], slot=booking.slot_label(engine.office, slot)) if slot else "",
                place=ap.place(engine.office, a.place).get("name", a.place), queue=booking.queue_text(a.queue_number))
    if a.status != "booked":
        line += f" ({t['status_' + a.status]})"
    return line


def listing(engine, code: str | None = None) -> Reply:
    """The citizen's coming visits (or the one named)."""
    t = words()
    if code:
        found = booking._own(engine, code)
        if found is None:
            return Reply(fill(t["not_found"], code=code))
        active = movable(engine, found)
        return Reply("\n".join([t["list_head"], _line(engine, found), *([t["list_foot"]] if active else [])]))
    active = _active(engine)
    if not active:
        return Reply(fill(t["list_none"], services=", ".join(svc["title"] for _, svc in bookable(engine))))
    return Reply("\n".join([t["list_head"], *(_line(engine, a) for a in active), t["list_foot"]]))


def bookable(engine) -> list[tuple[str, dict]]:
    """(key, service) of the services whose flow books a visit."""
    return [(key, svc) for key, svc in engine.office.get("services", {}).items()
            if svc.get("flow") in available_flows() and load_flow(svc["flow"]).booking]


def which_service(engine) -> Reply:
    """What can be booked here (buttons), and that the other in-person services are not booked yet."""
    t, booked = words(), bookable(engine)
    keys = {key for key, _ in booked}
    others = [svc["title"] for key, svc in engine.office.get("services", {}).items()
              if not svc.get("online") and key not in keys]
    text = fill(t["book_which"], services=", ".join(svc["title"] for _, svc in booked))
    if others:
        text += "\n" + engine._fmt(t["book_others"], others=", ".join(others))
    return Reply(text, [{"id": f"svc:{key}", "title": svc.get("short", svc["title"])} for key, svc in booked])


def _pick(engine, code: str | None, kind: str) -> tuple[Appointment | None, list[Reply] | None]:
    """The booking a cancel or change is about, or the replies instead (not found, which one?)."""
    t = words()
    if code:
        found = booking._own(engine, code)
        if found is None:
            return None, [Reply(fill(t["not_found"], code=code))]
        if not movable(engine, found):
            status = t["status_" + found.status] if found.status != "booked" else t["status_booked"]
            return None, [Reply(fill(t["not_active"], code=found.code, status=status))]
        return found, None
    active = _active(engine)
    if not active:
        return None, [listing(engine)]
    if len(active) > 1:
        return None, [Reply(t["pick_cancel" if kind == "bcancel" else "pick_change"],
                            [{"id": f"{kind}:{a.code}", "title": a.code} for a in active[:BUTTONS_MAX]])]
    return active[0], None


def start_cancel(engine, code: str | None) -> list[Reply]:
    """*batal jadwal [kode]*: ask to confirm."""
    appt, replies = _pick(engine, code, "bcancel")
    if appt is None:
        return replies
    t = words()
    keep(engine, Mode.BOOKING_CANCEL, code=appt.code)
    title = engine.office.get("services", {}).get(appt.service, {}).get("title", appt.service)
    return [Reply(fill(t["cancel_ask"], code=appt.code, service=title, date=booking.long_date(appt.day)),
                  [{"id": "bcancel_yes", "title": t["cancel_yes"]}, {"id": "bcancel_no", "title": t["cancel_no"]}])]


def on_booking_cancel(engine, event: Event, command_: str | None, state) -> list[Reply]:
    """booking_cancel: yes cancels the booking and gives its place back; anything else keeps it."""
    t = words()
    code = (engine.conv.answers or {}).get("code") or ""
    drop(engine)
    appt = booking._own(engine, code)
    if appt is None:
        return [Reply(fill(t["not_found"], code=code or "-"))]
    said = clean(event.button if event.kind == "button" else event.text)
    if said in ("bcancel_yes", "ya, batalkan", "batalkan") or said in YES:
        if appt.status != "booked":
            return [Reply(fill(t["not_active"], code=appt.code, status=t["status_" + appt.status]))]
        appt.status, appt.cancelled_at = "cancelled", utcnow()
        ap.release(engine.s, appt.place, appt.service, appt.day, appt.slot)
        booking.retire_slip(engine.s, appt, "revoked")
        audit(engine.s, engine._actor(), "appointment_cancelled", appt, code=appt.code, via="chat")
        return [Reply(fill(t["cancel_done"], code=appt.code))]
    kept = [Reply(fill(t["cancel_kept"], code=appt.code))]
    if said == "bcancel_no" or said in NO or event.kind != "text":
        return kept
    return kept + engine._idle(event, command_)


def start_change(engine, code: str | None) -> list[Reply]:
    """*ubah jadwal [kode]*: the service's flow again with the earlier answers, from the day on."""
    appt, replies = _pick(engine, code, "bchange")
    if appt is None:
        return replies
    flow_name = engine.office.get("services", {}).get(appt.service, {}).get("flow")
    flow = load_flow(flow_name)
    anew = {s.id for s in flow.steps if s.kind in ("visit_day", "visit_slot")}
    preset = {k: v for k, v in (appt.answers or {}).items() if k not in anew}
    preset[booking.RESCHEDULE] = appt.code
    audit(engine.s, engine._actor(), "appointment_change_started", appt, code=appt.code)
    return [Reply(fill(words()["change_start"], code=appt.code))] + engine._start_flow(flow, preset)[1:]
