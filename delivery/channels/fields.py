"""Reading fields out of a provider's request so that no value can knock the webhook over.

Every field a parser takes goes through one of these: its type is checked, its length bounded,
control characters and lone surrogates removed (PostgreSQL refuses NUL in text, and a lone
surrogate cannot be encoded at all), and a citizen's text capped at the provider's own limit.
"""
import json
import re

from delivery.channels.base import Malformed

ID_MAX = 200          # provider ids, sender ids, button ids: the column width
NAME_MAX = 200        # profile names
# Control characters other than tab and newline, DEL, and UTF-16 surrogates left unpaired.
_UNWANTED = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]")


def clean(value: str) -> str:
    """A string without control characters or lone surrogates (\\r\\n becomes \\n)."""
    return _UNWANTED.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


def text(value, limit: int) -> tuple[str, int | None]:
    """A citizen's text, cleaned and cut to `limit`; with its original length when it was cut."""
    if not isinstance(value, str):
        return "", None
    value = clean(value)
    if len(value) <= limit:
        return value, None
    return value[:limit], len(value)


def optional_text(value, limit: int) -> str | None:
    """A short optional string (a title, a caption): cleaned and cut, None when absent or not text."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return None
    value = clean(value).strip()
    return value[:limit] or None


def ident(obj: dict, key: str, what: str, required: bool = True, limit: int = ID_MAX) -> str | None:
    """An id field: a non-empty string (or number) without control characters, at most `limit`."""
    value = obj.get(key)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value:
        raise Malformed(f"{what}.{key} is missing")
    if len(value) > limit or _UNWANTED.search(value):
        raise Malformed(f"{what}.{key} is not a valid id")
    return value


def obj(value) -> dict:
    """An object field, or {} when absent or of another type (an optional nested object)."""
    return value if isinstance(value, dict) else {}


def items(value, what: str) -> list[dict]:
    """A list of objects (absent means empty); anything else is malformed."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise Malformed(f"{what} is not a list of objects")
    return value


def number(value, what: str, low: int, high: int) -> int:
    """An integer within [low, high] (a watermark, a count)."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise Malformed(f"{what} is not a number in range")
    return value


def json_body(raw: bytes) -> dict | None:
    """The request body as a JSON object, or None when it is not one. A body nested thousands of
    levels deep makes the parser raise RecursionError: that is "not a webhook" too, not a 500."""
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    return body if isinstance(body, dict) else None
