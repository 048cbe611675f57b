"""Sapa Dukcapil: the Flask application factory."""
import logging
import os
from functools import lru_cache
from pathlib import Path

from flask import Flask, jsonify
from sqlalchemy import text

from bot.core import config as settings
from bot.core import crypto, db, office_settings
from bot.core.models import contacts_naming
from bot.core.text import fill
from bot.web import api, cli, files, inbox, security, simulator, verify, webhooks
from bot.web.sessions import CachedSessionInterface
from delivery import jobs
from delivery.channels.registry import CHANNELS
from flows.definition import texts
from flows.office import warn_unset_contacts
from flows.schema import FLOW_DIR, check_all


class ConfigurationError(RuntimeError):
    """The app cannot start with this configuration; the message says what to change."""


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: defaults, config.yml, environment, then test overrides."""
    app = Flask("bot.web", instance_path=os.environ.get("INSTANCE_PATH") or str(settings.ROOT / "instance"))
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(settings.defaults(app.instance_path))
    env = settings.from_environment(tuple(name for c in CHANNELS.values() for name in c.settings))
    _refuse_production_without_secret(env, test_config or {})
    _refuse_production_without_data_key(env, test_config or {})
    # The simulator is for demos and tests: on by default only when nothing of a deployment is
    # configured (no DATABASE_URL, no SECRET_KEY: `make run`); a deployment turns it on with SIMULATOR=1.
    app.config["SIMULATOR"] = not ({"DATABASE_URL", "SECRET_KEY"} & env.keys())
    app.config.update(env)
    if test_config:
        app.config.update(test_config)
    app.config["OFFICE"] = settings.load_office(app.config["CONFIG_PATH"])
    problems = flow_problems()
    if problems:
        raise ConfigurationError("The flow files have problems (python -m flows check lists them):\n"
                                 + "\n".join(problems))
    app.session_interface = CachedSessionInterface()
    # Flask refuses bigger bodies with 413; below this, our own checks give the specific message.
    app.config.setdefault("MAX_CONTENT_LENGTH", 40 * 1024 * 1024)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if "DATABASE_URL" in env:  # production: a contact still unset is printed "belum diatur"
        warn_unset_contacts(app.config["OFFICE"])

    security.init_app(app)
    try:
        crypto.init_app(app)
    except crypto.KeyProblem as err:
        raise ConfigurationError(f"{err}. {DATA_KEY_HELP}") from None
    app.extensions["nik_lookup"] = contacts_naming  # `flask citizen export|erase NIK`
    db.init_app(app)
    # The admins' changes to the office's hours and places, kept current in this process
    # (bot/core/office_settings.py): read now in production, so that a CLI command sees them too.
    office_settings.init_app(app)
    if "DATABASE_URL" in env:
        _refuse_a_key_that_cannot_read(app)
        office_settings.refresh(app, force=True)
    jobs.init_app(app)
    app.register_blueprint(files.bp)
    app.register_blueprint(verify.bp)
    app.register_blueprint(api.bp)
    inbox.init_app(app)
    webhooks.init_app(app)
    if app.config["SIMULATOR"]:
        app.register_blueprint(simulator.bp)
    cli.init_app(app)

    @app.get("/healthz")
    def healthz():
        """Liveness and database check for load balancers and `make run`."""
        with db.new_session() as s:
            s.execute(text("SELECT 1"))
        return jsonify({"status": "ok", "simulator": app.config["SIMULATOR"],
                        "jobs": "rq" if app.config.get("REDIS_URL") else "inline"})

    @app.errorhandler(413)
    def too_large(_err):
        """A body over the hard limit: say so in the citizen's language."""
        limit = app.config["OFFICE"].get("uploads", {}).get("max_bytes", 10 * 1024 * 1024) // (1024 * 1024)
        return jsonify({"error": fill(texts()["uploads"]["request_too_large"], {"limit": limit})}), 413

    return app


def flow_problems() -> tuple[str, ...]:
    """What `python -m flows check` finds in the flow files; checked again only when a file changed
    (tests build hundreds of apps, and a check costs ~0.1 s)."""
    stamp = tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in sorted(FLOW_DIR.glob("*.yml")))
    return _checked(stamp)


@lru_cache(maxsize=4)
def _checked(_stamp: tuple) -> tuple[str, ...]:
    """The problems of the flow files as they were at `_stamp`."""
    return tuple(check_all())


def _refuse_production_without_secret(env: dict, test_config: dict) -> None:
    """A DATABASE_URL in the environment means production: the built-in development key would let
    anyone sign an officer's session or a file link, so starting without SECRET_KEY is refused."""
    if "DATABASE_URL" in env and not env.get("SECRET_KEY") and not test_config.get("SECRET_KEY"):
        raise ConfigurationError(
            "SECRET_KEY is not set. DATABASE_URL is set, so this is a production configuration, and "
            "officers' sessions and file links would be signed with the development key anyone can read. "
            "Set SECRET_KEY to a long random value, e.g. "
            "python -c 'import secrets; print(secrets.token_urlsafe(32))'.")


DATA_KEY_HELP = ("DATA_KEY holds the keys NIK and KK numbers are encrypted with: one or more base64 keys of "
                 "32 bytes, newest first, comma-separated; make one with "
                 "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())' "
                 "(docs/personal-data.md)")


def _refuse_production_without_data_key(env: dict, test_config: dict) -> None:
    """A production configuration must bring its own data key: the development key lives in the
    instance folder, beside the database it would protect, and differs on every machine."""
    if "DATABASE_URL" in env and not env.get("DATA_KEY") and not test_config.get("DATA_KEY"):
        raise ConfigurationError(
            "DATA_KEY is not set. DATABASE_URL is set, so this is a production configuration, and NIK "
            f"and KK numbers would be encrypted with a development key kept beside the data. {DATA_KEY_HELP}.")


def _refuse_a_key_that_cannot_read(app: Flask) -> None:
    """Refuse a DATA_KEY that cannot decrypt what is stored (a wrong key, or the old one dropped
    before `flask data rotate-key` ran): every request page would fail otherwise. A database not
    reachable or not migrated yet is not this check's business."""
    from sqlalchemy.exc import SQLAlchemyError

    try:
        with app.app_context(), db.new_session() as s:
            token = s.execute(text("SELECT applicant_nik_enc FROM requests WHERE applicant_nik_enc IS NOT NULL "
                                   "ORDER BY id DESC LIMIT 1")).scalar_one_or_none()
    except SQLAlchemyError:
        return
    if token is None:
        return
    try:
        crypto.keys(app).decrypt(token)
    except crypto.InvalidToken:
        raise ConfigurationError(
            "DATA_KEY cannot decrypt the NIK and KK numbers stored in the database: it is the wrong key, or "
            "the key they were written with was removed before `flask data rotate-key` re-encrypted them. "
            "Put that key back in DATA_KEY (after the new one, comma-separated).") from None
