"""Sapa Dukcapil: the Flask application factory."""
import logging
import os
from pathlib import Path

from flask import Flask, jsonify

from bot.core import config as settings
from bot.core import db
from bot.web.sessions import CachedSessionInterface


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: defaults, config.yml, environment, then test overrides."""
    app = Flask("bot.web", instance_path=os.environ.get("INSTANCE_PATH") or str(settings.ROOT / "instance"))
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(settings.defaults(app.instance_path))
    env = settings.from_environment()
    # The simulator is for demos and tests: on by default with the embedded database only.
    app.config["SIMULATOR"] = "DATABASE_URL" not in env
    app.config.update(env)
    if test_config:
        app.config.update(test_config)
    app.config["OFFICE"] = settings.load_office(app.config["CONFIG_PATH"])
    app.session_interface = CachedSessionInterface()
    # Flask refuses bigger bodies with 413; below this, our own checks give the specific message.
    app.config.setdefault("MAX_CONTENT_LENGTH", 40 * 1024 * 1024)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    db.init_app(app)
    from delivery import jobs
    jobs.init_app(app)

    from bot.web import cli, files, verify
    app.register_blueprint(files.bp)
    app.register_blueprint(verify.bp)
    from bot.web import inbox; inbox.init_app(app)  # noqa: E702
    from bot.web.webhooks import twilio; twilio.init_app(app)  # noqa: E702
    from bot.web.webhooks import whatsapp, messenger; whatsapp.init_app(app); messenger.init_app(app)  # noqa: E702
    if app.config["SIMULATOR"]:
        from bot.web import simulator
        app.register_blueprint(simulator.bp)
    cli.init_app(app)

    @app.get("/healthz")
    def healthz():
        """Liveness and database check for load balancers and `make run`."""
        from sqlalchemy import text
        with db.new_session() as s:
            s.execute(text("SELECT 1"))
        return jsonify({"status": "ok", "simulator": app.config["SIMULATOR"],
                        "jobs": "rq" if app.config.get("REDIS_URL") else "inline"})

    @app.errorhandler(413)
    def too_large(_err):
        """A body over the hard limit: say so in the citizen's language."""
        limit = app.config["OFFICE"].get("uploads", {}).get("max_bytes", 10 * 1024 * 1024) // (1024 * 1024)
        return jsonify({"error": f"File terlalu besar. Maksimal {limit} MB per foto atau PDF."}), 413

    return app
