"""The office's settings an admin changed in the inbox, laid over config.yml in every process.

config.yml stays the base (`load_office`); the table `office_settings` holds the edits, one row per
change, the newest per key holding (value None: back to config.yml). Each process keeps
`app.config["OFFICE"]` current: before each web request and at the start of each job it asks the
database for the table's newest row, at most every OFFICE_SETTINGS_CHECK_SECONDS, and rebuilds the
dict only when that id moved. The keys are limited to what the inbox edits (`editable`).
"""
import copy
import logging
import re
import threading
import time

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from bot.core.models import OfficeSetting, audit

log = logging.getLogger(__name__)

CHECK_SECONDS = 3.0  # config OFFICE_SETTINGS_CHECK_SECONDS overrides it
DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
HHMM = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")
FIELDS = ("name", "address", "hours")


class Invalid(ValueError):
    """A value the inbox refuses; the message is the officer's, in Indonesian."""


class _State:
    """Per app: config.yml as read at start, and the newest row id laid over it."""

    def __init__(self, base: dict):
        self.base = copy.deepcopy(base)
        self.applied: tuple | None = None  # None: no row yet, the config as read
        self.checked_at = 0.0
        self.lock = threading.Lock()


def init_app(app) -> None:
    """Remember config.yml's OFFICE and refresh it before every request."""
    app.extensions["office_settings"] = _State(app.config["OFFICE"])
    app.before_request(lambda: refresh(app))


def base(app) -> dict:
    """config.yml's OFFICE, without the admins' changes."""
    return app.extensions["office_settings"].base


# ------------------------------------------------------------------------- keys and validation
def place_key(place: str, field: str) -> str:
    return f"appointments.places.{place}.{field}"


def quota_key(place: str, service: str) -> str:
    return f"appointments.places.{place}.services.{service}.quota"


def editable(office: dict) -> set[str]:
    """Every key the inbox may change: the office's hours, and each place's name, address, hours
    and each of its services' daily quota (places and services themselves stay config.yml's)."""
    keys = {"office.hours"}
    for key, spec in ((office.get("appointments") or {}).get("places") or {}).items():
        keys |= {place_key(key, f) for f in FIELDS}
        keys |= {quota_key(key, svc) for svc in (spec.get("services") or {})}
    return keys


def hours_value(form_days: dict[int, tuple[str, str]]) -> dict[str, list[str]]:
    """Hours as typed (weekday: start, end; both empty: closed), checked, as stored: string
    weekday keys, so that the JSON in the row and in the audit reads back the same."""
    found = {}
    for day in range(7):
        start, end = (v.strip() for v in form_days.get(day, ("", "")))
        if not start and not end:
            continue
        if not start or not end:
            raise Invalid(f"{DAYS[day]}: isi jam buka dan jam tutup, atau kosongkan keduanya bila tutup.")
        if not HHMM.fullmatch(start) or not HHMM.fullmatch(end):
            raise Invalid(f"{DAYS[day]}: tulis jam sebagai JJ:MM, misalnya 08:00.")
        if start >= end:
            raise Invalid(f"{DAYS[day]}: jam buka ({start}) harus sebelum jam tutup ({end}).")
        found[str(day)] = [start, end]
    return found


def check(key: str, value, office: dict):
    """The value, checked and normalised for `key`; Invalid says what is wrong."""
    if key not in editable(office):
        raise Invalid("Pengaturan itu tidak dapat diubah di sini.")
    if key.endswith(".hours"):
        if not isinstance(value, dict):
            raise Invalid("Jam layanan tidak terbaca.")
        value = hours_value({int(d): tuple(v) for d, v in value.items()})
        if not value:  # a place without hours would fall back to the office's
            raise Invalid("Isi jam paling sedikit satu hari: tempat yang tutup sepanjang minggu tidak dapat diatur di sini.")
        return value
    if key.endswith(".quota"):
        text = str(value).strip()
        if not text.isdigit():
            raise Invalid("Kuota harus bilangan bulat 0 atau lebih.")
        return int(text)
    text = str(value or "").strip()
    if key.endswith(".name") and not text:
        raise Invalid("Nama tempat tidak boleh kosong.")
    if len(text) > 200:
        raise Invalid("Paling banyak 200 karakter.")
    return text


# ------------------------------------------------------------------------------ merging
def _as_config(key: str, value):
    """A stored value as config.yml's dict has it (weekday keys are ints there)."""
    return {int(d): list(v) for d, v in value.items()} if key.endswith(".hours") else value


def merged(office: dict, overrides: dict) -> dict:
    """config.yml's OFFICE with the admins' values laid over it (keys no longer editable, e.g. a
    place removed from config.yml, are skipped)."""
    found = copy.deepcopy(office)
    allowed = editable(office)
    for key, value in overrides.items():
        if key not in allowed:
            continue
        *path, last = key.split(".")
        node = found
        for part in path:
            node = node.setdefault(part, {})
        node[last] = _as_config(key, value)
    return found


def value_at(office: dict, key: str):
    """The value holding for `key` in an OFFICE dict, as stored (a place without its own hours
    keeps the office's)."""
    node = office
    for part in key.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    if node is None and key.endswith(".hours"):
        node = (office.get("office") or {}).get("hours") or {}
    if key.endswith(".hours"):
        return {str(d): list(v) for d, v in sorted((node or {}).items(), key=lambda i: int(i[0]))}
    return node


def newest(s_or_conn) -> dict:
    """The value holding per key (rows with None, a reset, are left out)."""
    rows = s_or_conn.execute(select(OfficeSetting.key, OfficeSetting.value).order_by(OfficeSetting.id)).all()
    found = {}
    for key, value in rows:
        found[key] = value
    return {k: v for k, v in found.items() if v is not None}


def history(s) -> dict:
    """The row holding per key, with who changed it and when (resets included)."""
    rows = s.execute(select(OfficeSetting).order_by(OfficeSetting.id)).scalars().all()
    return {row.key: row for row in rows}


def refresh(app, force: bool = False) -> None:
    """Keep app.config["OFFICE"] current: look at the table's newest id at most every few seconds
    (or now, `force`), and lay the rows over config.yml when it moved. A database not reachable or
    not migrated yet leaves the office as it was."""
    state = app.extensions.get("office_settings")
    if state is None:
        return
    wait = float(app.config.get("OFFICE_SETTINGS_CHECK_SECONDS", CHECK_SECONDS))
    now = time.monotonic()
    if not force and now - state.checked_at < wait:
        return
    with state.lock:
        state.checked_at = now
        try:
            with app.extensions["db_engine"].connect() as conn:
                # The newest id with its time: ids alone come back after a TRUNCATE ... RESTART
                # IDENTITY (the tests'), and the same id would then hide another value.
                top = tuple(conn.execute(select(func.max(OfficeSetting.id), func.max(OfficeSetting.created_at))).one())
                if top == (None, None):
                    top = None
                if top == state.applied:
                    return
                overrides = newest(conn)
        except SQLAlchemyError:
            log.debug("office settings not read", exc_info=True)
            return
        app.config["OFFICE"] = merged(state.base, overrides)
        state.applied = top


def change(s, actor: str, key: str, value, office_base: dict) -> bool:
    """Record an admin's value for `key` (checked first; Invalid changes nothing), audited; False
    when it is the value already holding. The caller commits, then refreshes."""
    value = check(key, value, office_base)
    overrides = newest(s)
    if value_at(merged(office_base, overrides), key) == value:
        return False
    before = overrides.get(key)
    row = OfficeSetting(key=key, value=value, actor=actor)
    s.add(row)
    s.flush()
    audit(s, actor, "office_setting_changed", row, key=key, before=before, after=value, via="inbox")
    return True


def reset(s, actor: str, key: str) -> bool:
    """Back to config.yml for `key` (a row with None), audited; False when nothing was changed."""
    before = newest(s).get(key)
    if before is None:
        return False
    row = OfficeSetting(key=key, value=None, actor=actor)
    s.add(row)
    s.flush()
    audit(s, actor, "office_setting_reset", row, key=key, before=before, via="inbox")
    return True
