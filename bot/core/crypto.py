"""Personal numbers at rest: NIK and KK numbers encrypted (Fernet: AES-128-CBC + HMAC-SHA256) under
DATA_KEY, found again by a keyed hash, and masked in what the citizen typed.

DATA_KEY holds one or more keys, newest first, comma-separated, each 32 bytes in base64 (the
output of `python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'`).
Encrypting uses the first; decrypting tries each; `flask data rotate-key` rewrites every stored
value with the first, after which the older keys can be dropped (docs/personal-data.md). Without
DATA_KEY a development key is made once under the instance folder (mode 0600); a production
configuration refuses to start without one (bot.web.app).
"""
import base64
import binascii
import hashlib
import hmac
import os
import re
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app, has_app_context
from sqlalchemy import JSON, Text
from sqlalchemy.types import TypeDecorator

from bot.core.config import ROOT
from bot.core.privacy import mask_nik

DEV_KEY_FILE = "data.key"
# A NIK or KK number as people type it: 16 digits, maybe grouped by spaces, dots or dashes.
# Bounded, so a search is linear in the text (tests/test_linear_regex.py).
NUMBER = re.compile(r"[0-9](?:[ .\-]?[0-9]){15}")
# The JSON form of an encrypted value inside answers: {"enc": "<Fernet token>"}.
SEALED = "enc"


class KeyProblem(ValueError):
    """DATA_KEY cannot be used; the message says why (never the key itself)."""


class Keys:
    """The data keys, newest first: encryption, decryption and the lookup hash."""

    def __init__(self, raw_keys: list[bytes]):
        if not raw_keys:
            raise KeyProblem("DATA_KEY holds no key")
        self.fernet = MultiFernet([Fernet(base64.urlsafe_b64encode(k)) for k in raw_keys])
        self.count = len(raw_keys)
        # Lookup keys are derived, never the encryption key itself; one per data key, so a value
        # hashed under an older key is still found until `flask data rotate-key` rehashes it.
        self.lookup_keys = [HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                                 info=b"sapa-dukcapil lookup hash v1").derive(k) for k in raw_keys]

    def encrypt(self, text: str) -> str:
        """A token of `text` under the newest key."""
        return self.fernet.encrypt(text.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        """The text of a token made under any of the keys (InvalidToken otherwise)."""
        return self.fernet.decrypt(token.encode("ascii")).decode("utf-8")

    def encrypt_bytes(self, data: bytes) -> bytes:
        """A token of `data` under the newest key."""
        return self.fernet.encrypt(data)

    def decrypt_bytes(self, token: bytes) -> bytes:
        """The bytes of a token made under any of the keys."""
        return self.fernet.decrypt(token)

    def lookup(self, value: str) -> str:
        """The keyed hash a NIK or KK number is found by (its digits only), under the newest key."""
        return self._hash(self.lookup_keys[0], value)

    def lookups(self, value: str) -> list[str]:
        """The value's hash under every key (rows not yet rotated carry an older one)."""
        return [self._hash(k, value) for k in self.lookup_keys]

    @staticmethod
    def _hash(key: bytes, value: str) -> str:
        digits = re.sub(r"[^0-9]", "", value or "")
        return hmac.new(key, digits.encode("ascii"), hashlib.sha256).hexdigest()


def parse_keys(value: str) -> Keys:
    """Keys from DATA_KEY's text: base64 keys of 32 bytes, newest first, comma-separated."""
    raw = []
    for n, part in enumerate((p.strip() for p in value.split(",")), 1):
        if not part:
            continue
        try:
            key = base64.b64decode(part.replace("-", "+").replace("_", "/") + "=" * (-len(part) % 4),
                                   validate=True)
        except (binascii.Error, ValueError):
            raise KeyProblem(f"DATA_KEY key {n} is not base64") from None
        if len(key) != 32:
            raise KeyProblem(f"DATA_KEY key {n} is {len(key)} bytes; each key must be 32 bytes in base64")
        raw.append(key)
    return Keys(raw)


def new_key() -> str:
    """A fresh key, as DATA_KEY takes it."""
    return Fernet.generate_key().decode("ascii")


def development_keys(instance_path: str) -> Keys:
    """The development key under the instance folder, made once (mode 0600) on first use."""
    path = Path(instance_path) / DEV_KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{DEV_KEY_FILE}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(new_key() + "\n")
        try:
            os.link(tmp, path)  # atomic and never over an existing key: a concurrent process's wins
        except FileExistsError:
            pass
        finally:
            tmp.unlink(missing_ok=True)
    return parse_keys(path.read_text().strip())


# ---- the keys in use -------------------------------------------------------------------------------------
_fallback: Keys | None = None  # the last app's keys, for code running outside an app context


def init_app(app) -> None:
    """Load DATA_KEY (or the development key) into the app; KeyProblem if it is unusable."""
    global _fallback
    value = app.config.get("DATA_KEY")
    keys = parse_keys(value) if value else development_keys(app.instance_path)
    app.extensions["data_keys"] = keys
    _fallback = keys


def keys(app=None) -> Keys:
    """The keys of `app`, else of the current app, else of the last app built."""
    if app is not None:
        return app.extensions["data_keys"]
    if has_app_context() and "data_keys" in current_app.extensions:
        return current_app.extensions["data_keys"]
    if _fallback is None:
        raise RuntimeError("no data keys: build the app first")
    return _fallback


def keys_outside_app() -> Keys:
    """The keys for code with no app (a migration run by hand): DATA_KEY, else the development key."""
    if has_app_context() and "data_keys" in current_app.extensions:
        return current_app.extensions["data_keys"]
    if os.environ.get("DATA_KEY"):
        return parse_keys(os.environ["DATA_KEY"])
    return development_keys(os.environ.get("INSTANCE_PATH") or str(ROOT / "instance"))


def lookup(value: str | None) -> str | None:
    """The lookup hash of a NIK or KK number under the newest key (None for none)."""
    return keys().lookup(value) if value else None


def lookups(value: str) -> list[str]:
    """The lookup hashes of a number under every key (for finding rows not rotated yet)."""
    return keys().lookups(value)


# ---- what the citizen typed ------------------------------------------------------------------------------
def has_number(text: str | None) -> bool:
    """Whether a text carries something shaped like a NIK or KK number."""
    return bool(text) and NUMBER.search(text) is not None


def mask_numbers(text: str) -> str:
    """The text with every NIK/KK-shaped number masked (bot.core.privacy.mask_nik)."""
    return NUMBER.sub(lambda m: mask_nik(m.group(0)), text)


# An inbound message carrying a number is stored masked, with the text as typed encrypted under this
# payload key until the conversation job has handled it (delivery.ingest, delivery.conversation).
TEXT_KEY = "text_enc"


def seal_typed(text: str | None, payload: dict) -> str | None:
    """What to store as an inbound message's text: masked when it carries a number, the text as
    typed then kept encrypted in `payload` for the conversation job."""
    if not has_number(text):
        return text
    payload[TEXT_KEY] = keys().encrypt(text)
    return mask_numbers(text)


def typed_text(text: str | None, payload: dict | None) -> str | None:
    """An inbound message's text as the citizen typed it (while its job has not handled it)."""
    token = (payload or {}).get(TEXT_KEY)
    return keys().decrypt(token) if token else text


def forget_typed(payload: dict | None) -> dict:
    """The payload without the encrypted text (the message is handled: its answer lives in the answers)."""
    return {k: v for k, v in (payload or {}).items() if k != TEXT_KEY}


# ---- values inside JSON (answers, drafts) ----------------------------------------------------------------
def seal_json(value, ks: Keys | None = None):
    """A JSON value with every string that carries a NIK/KK-shaped number replaced by {"enc": token}."""
    if isinstance(value, str):
        return {SEALED: (ks or keys()).encrypt(value)} if has_number(value) else value
    if isinstance(value, dict):
        if is_sealed(value):
            return value
        return {k: seal_json(v, ks) for k, v in value.items()}
    if isinstance(value, list):
        return [seal_json(v, ks) for v in value]
    return value


def open_json(value, ks: Keys | None = None):
    """The JSON value with every {"enc": token} decrypted back to its string."""
    if isinstance(value, dict):
        if is_sealed(value):
            return (ks or keys()).decrypt(value[SEALED])
        return {k: open_json(v, ks) for k, v in value.items()}
    if isinstance(value, list):
        return [open_json(v, ks) for v in value]
    return value


def is_sealed(value) -> bool:
    """Whether a JSON value is one encrypted string."""
    return isinstance(value, dict) and len(value) == 1 and isinstance(value.get(SEALED), str)


class SealedJSON(TypeDecorator):
    """A JSON column whose NIK/KK-shaped strings are stored encrypted and read back in clear."""
    impl = JSON
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else seal_json(value)

    def process_result_value(self, value, dialect):
        return None if value is None else open_json(value)


class EncryptedText(TypeDecorator):
    """A text column stored as a Fernet token and read back in clear."""
    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else keys().encrypt(value)

    def process_result_value(self, value, dialect):
        return None if value is None else keys().decrypt(value)


__all__ = ["InvalidToken", "KeyProblem", "Keys", "EncryptedText", "SealedJSON", "parse_keys", "new_key",
           "development_keys", "init_app", "keys", "lookup", "lookups", "has_number", "mask_numbers",
           "seal_json", "open_json"]
