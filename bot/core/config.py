"""Configuration: defaults, then config.yml (the office), then the environment, then tests."""
import os
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]  # the repository: config.yml, flows/, instance/

# The names docs/contracts.md fixes; each overrides the setting of the same name when set.
ENV_NAMES = (
    "DATABASE_URL", "REDIS_URL", "SECRET_KEY", "PUBLIC_BASE_URL", "SMTP_URL", "MAIL_FROM",
    "SIGNING_P12", "SIGNING_P12_PASSWORD", "NLU_BACKEND", "RASA_URL", "DATA_KEY",
)  # each channel names its own (Channel.settings); the app factory reads both


def defaults(instance_path: str) -> dict:
    """Settings that let `make run` work with nothing configured."""
    return {
        "SECRET_KEY": "dev-only-not-secret",
        "DATABASE_URL": f"sqlite:///{Path(instance_path) / 'sapa.db'}",
        "REDIS_URL": None,
        "PUBLIC_BASE_URL": "http://127.0.0.1:5000",
        "SIMULATOR": True,
        "STORAGE_DIR": str(Path(instance_path) / "files"),
        # Webhooks that arrived while the database was down, waiting to be replayed (bot/spool.py),
        # and how often a web process looks there after a webhook stored fine.
        "SPOOL_DIR": str(Path(instance_path) / "spool"),
        "SPOOL_CHECK_SECONDS": 15,
        "CONFIG_PATH": str(ROOT / "config.yml"),
        "GRAPH_API_BASE": "https://graph.facebook.com",
        "GRAPH_API_VERSION": "v25.0",
        "NLU_BACKEND": "local",
        # How long the simulator API waits for replies produced by a worker.
        "SIMULATOR_WAIT_SECONDS": 10.0,
        # After this long without a message, an unfinished request is offered again, not assumed.
        "RESUME_AFTER_MINUTES": 60,
        # How often a process looks whether an admin changed the office's hours or places in the
        # inbox (bot/core/office_settings.py): one cheap query at most this often.
        "OFFICE_SETTINGS_CHECK_SECONDS": 3,
        # Signed links to our PDFs (Twilio fetches them once; the simulator keeps them longer).
        "FILE_LINK_MAX_AGE": 7 * 24 * 3600,
        # Where the audit chain's head is appended now and then (docs/audit.md): a file the
        # database user cannot rewrite.
        "AUDIT_HEAD_FILE": os.environ.get("AUDIT_HEAD_FILE") or str(Path(instance_path) / "audit-heads" / "heads.log"),
    }


def app_db_role() -> str:
    """The PostgreSQL role the web and the workers connect as; the migrations create it and grant
    it what the application needs and no more (docs/audit.md)."""
    return os.environ.get("APP_DB_ROLE") or "sapa_app"


def app_db_password() -> str | None:
    """When set, the migrations let the application's role sign in with this password."""
    return os.environ.get("APP_DB_PASSWORD") or None


def from_environment(extra_names: tuple[str, ...] = ()) -> dict:
    """The environment variables of docs/contracts.md that are set (ours and `extra_names`, the
    channels'), plus SIMULATOR and RATE_LIMITS on/off."""
    found = {name: os.environ[name] for name in (*ENV_NAMES, *extra_names) if os.environ.get(name)}
    if os.environ.get("RQ_QUEUE"):
        found["RQ_QUEUE"] = os.environ["RQ_QUEUE"]
    if os.environ.get("CLOCK_FILE"):  # tests only: the dialogue's fixed time (bot/core/clock.py)
        found["CLOCK_FILE"] = os.environ["CLOCK_FILE"]
    for flag in ("SIMULATOR", "RATE_LIMITS"):
        if flag in os.environ:
            found[flag] = os.environ[flag].lower() in ("1", "true", "yes", "on")
    if os.environ.get("PORT"):
        found.setdefault("PUBLIC_BASE_URL", f"http://127.0.0.1:{os.environ['PORT']}")
    return found


def load_office(path: str) -> dict:
    """Read config.yml: the office, its hours, services and texts."""
    with open(path, encoding="utf-8") as fh:
        data = yaml.safe_load(fh) or {}
    # YAML reads `0:` as an int key; keep weekday keys as ints whatever the file wrote.
    hours = data.get("office", {}).get("hours", {}) or {}
    data.setdefault("office", {})["hours"] = {int(k): v for k, v in hours.items()}
    return data
