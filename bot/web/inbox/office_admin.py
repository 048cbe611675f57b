"""The office's hours and places edited by admins (bot/core/office_settings.py): the opening hours,
and each place's name, address, hours and services' daily quota, each change audited, each
resettable to config.yml."""
from flask import abort, current_app, flash, redirect, render_template, request, url_for

from bot.core import db
from bot.core import office_settings as settings
from bot.core.models import Officer, audit
from bot.web.inbox.admin import admin_required
from bot.web.inbox.auth import current_officer
from bot.web.inbox.blueprint import bp
from bot.web.inbox.display import DAYS, hours_text, local_time, office_zone



def _changed(rows: dict, names: dict, key: str) -> dict | None:
    """Who changed `key` last and when, when an admin's value holds."""
    row = rows.get(key)
    if row is None or row.value is None:
        return None
    return {"by": names.get(row.actor, row.actor), "at": local_time(row.created_at, office_zone())}


def _view() -> dict:
    """For the page: per setting, config.yml's value, the value holding, and who changed it."""
    s, app = db.session(), current_app._get_current_object()
    settings.refresh(app, force=True)
    base, office = settings.base(app), current_app.config["OFFICE"]
    rows = settings.history(s)
    names = {f"officer:{o.id}": o.name for o in s.query(Officer).all()}
    services = office.get("services", {})

    def item(key: str) -> dict:
        config, now = settings.value_at(base, key), settings.value_at(office, key)
        return {"key": key, "config": config, "now": now, "changed": _changed(rows, names, key)}

    hours = item("office.hours")
    hours["config_text"], hours["days"] = hours_text(hours["config"]), [
        (d, DAYS[d], *(hours["now"].get(str(d)) or ("", ""))) for d in range(7)]
    places = []
    for key, spec in ((base.get("appointments") or {}).get("places") or {}).items():
        p_hours = item(settings.place_key(key, "hours"))
        p_hours["config_text"] = hours_text(p_hours["config"]) if spec.get("hours") else "jam kantor"
        p_hours["days"] = [(d, DAYS[d], *(p_hours["now"].get(str(d)) or ("", ""))) for d in range(7)]
        places.append({
            "key": key, "name": item(settings.place_key(key, "name")),
            "address": item(settings.place_key(key, "address")), "hours": p_hours,
            "quotas": [{**item(settings.quota_key(key, svc)), "service": svc,
                        "title": services.get(svc, {}).get("title", svc),
                        "slots": ", ".join(f"{sl['id']} {sl['start']}–{sl['end']}: {sl['quota']}"
                                           for sl in (svc_spec.get("slots") or []))}
                       for svc, svc_spec in (spec.get("services") or {}).items()],
        })
    return {"hours": hours, "places": places}


def _typed_hours(prefix: str = "") -> dict:
    return {d: (request.form.get(f"{prefix}start-{d}", ""), request.form.get(f"{prefix}end-{d}", "")) for d in range(7)}


def _save(values: dict, done: str):
    """Check every value first (one refused: nothing changes), then record those that differ."""
    s, app, me = db.session(), current_app._get_current_object(), current_officer()
    base = settings.base(app)
    try:
        checked = {key: settings.check(key, value, base) for key, value in values.items()}
    except settings.Invalid as err:
        abort(400, description=str(err))
    changed = [key for key, value in checked.items() if settings.change(s, f"officer:{me.id}", key, value, base)]
    s.commit()
    settings.refresh(app, force=True)
    flash(done if changed else "Tidak ada yang berubah.")
    return redirect(url_for("inbox.office_settings_page"), code=303)


def _reset(keys: list[str], done: str):
    s, app, me = db.session(), current_app._get_current_object(), current_officer()
    changed = [key for key in keys if settings.reset(s, f"officer:{me.id}", key)]
    s.commit()
    settings.refresh(app, force=True)
    flash(done if changed else "Sudah sesuai config.yml.")
    return redirect(url_for("inbox.office_settings_page"), code=303)


@bp.get("/admin/office")
@admin_required
def office_settings_page():
    """The office's hours and the places: config.yml's values, the admins' changes, the forms."""
    s = db.session()
    audit(s, f"officer:{current_officer().id}", "office_settings_viewed")
    s.commit()
    return render_template("inbox/office_admin.html", officer=current_officer(), **_view())


@bp.post("/admin/office/hours")
@admin_required
def office_hours_change():
    """The office's opening hours per weekday, or back to config.yml."""
    if request.form.get("action") == "reset":
        return _reset(["office.hours"], "Jam kantor kembali seperti di config.yml.")
    try:
        value = settings.hours_value(_typed_hours())
    except settings.Invalid as err:
        abort(400, description=str(err))
    return _save({"office.hours": value}, "Jam kantor diubah; chat dan jadwal kunjungan mengikutinya.")


@bp.post("/admin/office/places/<place>")
@admin_required
def office_place_change(place: str):
    """A place's name, address, hours and quotas, or all of them back to config.yml."""
    base = settings.base(current_app._get_current_object())
    spec = ((base.get("appointments") or {}).get("places") or {}).get(place)
    if spec is None:
        abort(404, description="Tempat itu tidak ada.")
    keys = [settings.place_key(place, f) for f in settings.FIELDS] + [
        settings.quota_key(place, svc) for svc in (spec.get("services") or {})]
    name = spec.get("name", place)
    if request.form.get("action") == "reset":
        return _reset(keys, f"{name} kembali seperti di config.yml.")
    try:
        hours = settings.hours_value(_typed_hours())
    except settings.Invalid as err:
        abort(400, description=str(err))
    values = {settings.place_key(place, "name"): request.form.get("name", ""),
              settings.place_key(place, "address"): request.form.get("address", ""),
              settings.place_key(place, "hours"): hours}
    for svc in spec.get("services") or {}:
        values[settings.quota_key(place, svc)] = request.form.get(f"quota-{svc}", "")
    return _save(values, "Tempat layanan diubah; chat dan jadwal kunjungan mengikutinya.")
