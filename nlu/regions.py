"""Indonesia's place names for answers that name a place (provisional: Kutai Timur only, until the
national gazetteer lands)."""
from dataclasses import dataclass

from nlu.places import lookup_kecamatan

_TOWNS = {"sangatta": "Sangatta, Kutai Timur", "samarinda": "Samarinda", "balikpapan": "Balikpapan",
          "bontang": "Bontang", "tenggarong": "Tenggarong, Kutai Kartanegara"}


@dataclass(frozen=True)
class PlaceMatch:
    """A recognised place: its proper written form; exact when typed the same but for case."""
    value: str
    exact: bool
    code: str | None = None


def read_place(text: str) -> PlaceMatch | None:
    """The place a typed name stands for, or None when it is not one we know."""
    key = " ".join(text.lower().replace(",", " ").split())
    for town, value in _TOWNS.items():
        if key == town or key == value.lower().replace(",", ""):
            return PlaceMatch(value, exact=key == value.lower())
    found = lookup_kecamatan(key)
    if found is not None:
        return PlaceMatch(f"{found.name}, Kutai Timur", exact=False, code=found.code)
    return None


def area_note(digits: str) -> str | None:
    """A soft warning when a NIK/KK's area code is not a real one (none known yet)."""
    return None
