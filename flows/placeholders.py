"""{name} placeholders in texts: the one way they are found (by the checker) and filled (by everyone)."""
import re

PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")

# Filled in every flow text from the office settings (flows.office.placeholder_values).
OFFICE_PLACEHOLDERS = frozenset({"office_name", "office_address", "office_hours", "retention_days"})


def fill(template: str, values: dict | None = None, **more) -> str:
    """The template with each {name} replaced by its value; a name without a value stays as written."""
    values = {**(values or {}), **more}

    def one(match: re.Match) -> str:
        name = match.group(1)
        return str(values[name]) if name in values else match.group(0)

    return PLACEHOLDER.sub(one, template)


def names(template: str) -> set[str]:
    """The placeholder names a template uses."""
    return set(PLACEHOLDER.findall(template or ""))
