"""{name} placeholders in texts: the names the checker looks for, and the dialogue's way to fill them.

Filling is bot.core.text.fill, the one filler of the whole assistant (the channels' templates use
it too); this module gives the flows its keyword form and the checker the names a text uses.
"""
import re

from bot.core.text import fill as _fill

PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")

# Filled in every flow text from the office settings (flows.office.placeholder_values).
OFFICE_PLACEHOLDERS = frozenset({"office_name", "office_address", "office_hours", "retention_days", "dpo_contact"})


def fill(template: str, values: dict | None = None, **more) -> str:
    """The template with each {name} replaced by its value; a name without a value stays as written."""
    return _fill(template, {**(values or {}), **more})


def names(template: str) -> set[str]:
    """The placeholder names a template uses."""
    return set(PLACEHOLDER.findall(template or ""))
