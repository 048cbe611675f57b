"""Filling {placeholders} in the texts the office edits (flows, templates): the one filler."""


class _Values(dict):
    """A format map for `fill`: an unknown {name} stays as written (so a typo shows), or becomes
    the stand-in the caller gives."""

    def __init__(self, values: dict, unknown: str | None):
        super().__init__(values)
        self.unknown = unknown

    def __missing__(self, key):
        """An unknown name."""
        return "{" + key + "}" if self.unknown is None else self.unknown


def fill(template: str, values: dict, *, empty: str = "", unknown: str | None = None) -> str:
    """`template` with its {names} taken from `values`.

    An unknown name stays as written unless `unknown` stands in for it; `empty` stands in for a
    blank result (providers refuse empty template variables). A template that is not valid
    format syntax (a stray brace) comes back as it is.
    """
    try:
        filled = str(template).format_map(_Values(values, unknown))
    except (ValueError, IndexError, AttributeError, KeyError):
        filled = str(template)
    return filled if filled.strip() or not empty else empty
