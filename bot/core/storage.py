"""Files on disk, addressed by key: citizens' uploads and the PDFs we build."""
import hashlib
from pathlib import Path

from flask import current_app


def root() -> Path:
    """The storage folder (instance/files by default)."""
    path = Path(current_app.config["STORAGE_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def save(data: bytes, folder: str, extension: str) -> tuple[str, str]:
    """Store bytes under their sha256; returns (key, sha256). The same file is stored once."""
    digest = hashlib.sha256(data).hexdigest()
    key = f"{folder}/{digest[:2]}/{digest}{extension}"
    path = root() / key
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(path)  # atomic: a crash never leaves half a file under the real name
    return key, digest


def load(key: str) -> bytes:
    """The bytes stored under a key."""
    return (root() / key).read_bytes()


def path_of(key: str) -> Path:
    """The file path for a key (for send_file)."""
    return root() / key
