"""Indonesia's place names: reading a typed place and checking the region code of a NIK or KK.

    from nlu.regions import read_place, area_note, area_flag
    read_place("sangata")          # PlaceMatch(value="Sangatta, Kutai Timur", exact=False, code="64.08", ...)
    read_place("kota samarinda")   # PlaceMatch(value="Samarinda", exact=True, code="64.72", ...)
    read_place("rs kudungga")      # None: a facility, not a place; the answer is kept as typed
    area_note("6499...", "nik")    # a soft note for the citizen, or None
    area_flag("6499...", "nik")    # the same finding worded for the officer, or None

The gazetteer: the 38 provinces and 514 kabupaten/kota (nlu/regions_data.py, Kemendagri codes),
the towns people name (regency capitals; Kalimantan Timur's nearby kecamatan), the usual abbreviations
and former names, and Kutai Timur's 18 kecamatan and 141 desa/kelurahan (nlu/places.py).

`exact` is True only when the typed text is the name itself, up to case, spacing, hyphens and a
Kab./Kota/Kec./Desa prefix that agrees with what the place is: the engine may then take the
written form without asking. A typo ("samrinda"), an abbreviation ("kukar"), an everyday name
("solo", "jogja") or a name that could be another place is a proposal to confirm.

Texts: nlu/ sits below flows/ (docs/architecture.md), so it cannot read flows/texts.yml. The
note and flag texts are module constants (NOTE_*, FLAG_*) that the caller may override through
the `texts` argument of area_note/area_flag.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rapidfuzz import fuzz, process

from .normalize import SLANG
from .places import _EXACT_ONLY, _NEEDS_PREFIX, AMBIGUOUS_TOWNS, KECAMATAN, KECAMATAN_SYNONYMS, villages
from .regions_data import ALIASES, LEGACY_REGENCIES, PROVINCE_NAMES, TABLE, TOWNS

KUTIM = "64.08"

# --- The data, parsed once ------------------------------------------------------------------------


def _parse_table(table: str) -> tuple[dict[str, str], dict[str, str]]:
    """PROVINCES {"64": "Kalimantan Timur"} and REGENCIES {"64.08": "Kutai Timur"} from TABLE."""
    provinces: dict[str, str] = {}
    regencies: dict[str, str] = {}
    province = ""
    for line in table.strip().splitlines():
        if not line.startswith(" "):
            code, name = line.rstrip(":").split(" ", 1)
            province = code
            provinces[code] = name
            continue
        for item in line.split(","):
            tail, name = item.strip().split(" ", 1)
            regencies[f"{province}.{tail}"] = name
    return provinces, regencies


PROVINCES, REGENCIES = _parse_table(TABLE)


def is_kota(code: str) -> bool:
    """A kota's tail is 71-79; a kabupaten's 01-69."""
    return int(code[3:5]) >= 71


def regency_title(code: str) -> str | None:
    """The full written name of a kabupaten/kota code ("Kabupaten Kutai Timur"), old codes included."""
    name = REGENCIES.get(code) or LEGACY_REGENCIES.get(code)
    if name is None:
        return None
    if code[:2] == "31":
        return ("Kota Administrasi " if is_kota(code) else "Kabupaten Administrasi ") + name
    return ("Kota " if is_kota(code) else "Kabupaten ") + name


# --- Reading a typed place ------------------------------------------------------------------------


@dataclass(frozen=True)
class PlaceMatch:
    """A recognised place: its written form, whether it may be taken without asking, its code."""
    value: str            # "Samarinda", "Sangatta, Kutai Timur", "Kabupaten Kutai Kartanegara"
    exact: bool           # the typed text is this very name (case/spacing/prefix aside)
    code: str | None      # Kemendagri code: "64", "64.72", "64.08.04", "64.08.12.2003"; None if unsure
    kind: str = "regency"  # province | kabupaten | kota | town | kecamatan | desa | kelurahan


@dataclass(frozen=True)
class _Entry:
    kind: str        # province | kabupaten | kota | town | kecamatan | desa | kelurahan
    name: str        # the name itself, what `exact` compares with
    value: str       # the written form
    code: str | None


# Kinds by preference when one name is several places ("Gorontalo": the city, then the regency,
# then the province; a Kutai Timur kecamatan before the village of the same name).
_RANK = {"kota": 0, "kabupaten": 1, "town": 2, "kecamatan": 3, "province": 4, "desa": 5, "kelurahan": 5}

# What a prefix word says the place is.
_PREFIX_WORDS: dict[str, str] = {
    **dict.fromkeys(("kabupaten", "kab", "kabupatan", "kabupeten", "kabupaaten"), "kabupaten"),
    **dict.fromkeys(("kota", "kodya", "kotamadya", "kotamadia", "kotip"), "kota"),
    **dict.fromkeys(("provinsi", "prov", "propinsi", "prop", "provensi"), "province"),
    **dict.fromkeys(("kecamatan", "kec", "kecamtan", "kcmtn"), "kecamatan"),
    **dict.fromkeys(("desa", "ds", "kelurahan", "kel", "kampung", "kp", "dusun"), "desa"),
}
_ADMIN_WORDS = {"administrasi", "adm", "daerah", "tingkat", "ii", "dati"}
# Which entry kinds satisfy a prefix.
_WANTED = {
    "kabupaten": {"kabupaten"}, "kota": {"kota", "town"}, "province": {"province"},
    "kecamatan": {"kecamatan", "town"}, "desa": {"desa", "kelurahan"},
}
# Words before the name in "lahir di samarinda", "asal dari tenggarong".
_LEADING_FILLER = {"di", "lahir", "dari", "asal", "tempat", "tmpt", "tmp", "kelahiran", "domisili",
                   "tinggal", "alamat", "yaitu", "yakni", "adalah", "ya", "iya", "dikota", "dikab"}
# Words after the name that add nothing ("Samarinda, Indonesia").
_TRAILING_FILLER = {"indonesia", "ri", "nkri", "pak", "bu", "kak", "min", "bapak", "ibu"}
# A facility or an address is not a place name: its text is kept as typed ("RS Kudungga").
_FACILITY_WORDS = {
    "rs", "rsu", "rsud", "rsia", "rsb", "rsi", "rsj", "rsal", "rsau", "rspad", "rsup", "rsk",
    "rumkit", "rumah", "dirumah", "sakit", "hospital", "puskesmas", "pkm", "pustu", "polindes",
    "poskesdes", "posyandu", "klinik", "clinic", "klinic", "bidan", "bpm", "praktek", "praktik",
    "dokter", "dr", "rb", "bersalin", "persalinan", "medika", "husada", "apotek", "jl", "jln",
    "jalan", "gg", "gang", "rt", "rw", "blok", "perum", "perumahan", "komplek", "kompleks",
    "kantor", "hotel", "masjid", "gereja", "sekolah", "kapal", "pesawat", "mobil", "ambulan",
    "ambulans", "perjalanan", "mess", "camp", "site", "tambang",
}
# Kutai Timur village names that are also common village names across Indonesia (mostly
# transmigration names): matched, but proposed rather than taken ("Sidomulyo" is in many regencies).
_COMMON_VILLAGE_NAMES = {
    "sidomulyo", "sukamaju", "wanasari", "margamulya", "margomulyo", "makmurjaya", "kebonagung",
    "sumbersari", "sumberagung", "mekarbaru", "bumijaya", "muktijaya", "tanjungmanis", "telukbaru",
    "benuabaru", "bukitmakmur", "bangunjaya", "karyabhakti", "mataair", "telaga", "tanahabang",
    "sukadamai", "sukarahmat", "rantaupanjang", "pulungsari", "manunggaljaya", "bukitharapan",
    "bumisejahtera", "muktilestari", "mugirahayu", "bukitpermata", "ciptagraha", "sumbersari",
    "tepianbaru", "tepianindah", "rantaumakmur", "tepianmakmur", "kombengindah", "wahaubaru",
    "muktiutama", "melan", "saka", "kolek", "baay", "martadinata", "bumietam",
}
# A town name that is also another regency's capital: proposed, not taken.
_TOWNS_ELSEWHERE_TOO = {"martapura", "parigi", "wonosari", "bangko"}
# Bare names that are both a kabupaten and a kota in DIFFERENT provinces: the nearer one is
# proposed (Kabupaten Banjar, Kalimantan Selatan, rather than Kota Banjar, Jawa Barat).
_PREFER_KABUPATEN = {"banjar"}

# Everyday words a typo of a place name could be taken for ("sekarang" ~ Semarang, "kabar" ~
# Kalbar, "tahun" ~ Tahuna): never matched fuzzily. The words of the understanding layer's chat
# examples (nlu/data/*.yml) and of its slang map are added to these when the tables are built.
_EVERYDAY_WORDS = {
    "kabar", "kenal", "bantu", "bantuan", "angkat", "sekarang", "tahun", "tahunan", "pengadilan",
    "pengaduan", "blangko", "ngomong", "sangat", "malam", "siang", "pagi", "sore", "besok",
    "semalam", "kemarin", "lupa", "tahu", "tidak", "belum", "sudah", "bukan", "benar", "betul",
    "lainnya", "lain", "luar", "negeri", "rumah", "kebun", "ladang", "hutan", "sungai", "pantai",
    "jalan", "perjalanan", "dalam", "sekitar", "dekat", "sini", "situ", "sana", "kampung",
    "keluarga", "orang", "bapak", "ibunya", "bapaknya", "mertua", "nenek", "kakek", "bidan",
}
_DATA_DIR = Path(__file__).resolve().parent / "data"

_MAX_CHARS = 80
_MAX_WORDS = 9
_WORD = re.compile(r"[a-z0-9]+")


def _words(text: str) -> list[str]:
    """Lower-case letter/digit words; apostrophes vanish ("Ba'a" → "baa"), other marks split."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return _WORD.findall(text.replace("'", "").replace("`", ""))


def _compact(text: str) -> str:
    return "".join(_words(text))


def _kutim_entries() -> list[tuple[str, _Entry, bool]]:
    """(alias, entry, is_alias) for Kutai Timur's kecamatan, the town Sangatta and the villages."""
    out: list[tuple[str, _Entry, bool]] = []
    for code, name in KECAMATAN.items():
        out.append((name, _Entry("kecamatan", name, f"{name}, Kutai Timur", code), False))
    for alias, code in KECAMATAN_SYNONYMS.items():
        name = KECAMATAN[code]
        out.append((alias, _Entry("kecamatan", name, f"{name}, Kutai Timur", code),
                    _compact(alias) != _compact(name)))
    sangatta = _Entry("town", "Sangatta", "Sangatta, Kutai Timur", KUTIM)
    for alias in AMBIGUOUS_TOWNS:
        out.append((alias, sangatta, _compact(alias) != "sangatta"))
    for place in villages():
        out.append((place.name, _Entry(place.kind, place.name,
                                       f"{place.name}, {place.kecamatan}, Kutai Timur", place.code), False))
    return out


def _national_entries() -> list[tuple[str, _Entry, bool]]:
    out: list[tuple[str, _Entry, bool]] = []
    for code, name in PROVINCE_NAMES.items():
        out.append((name, _Entry("province", name, name, code), False))
        out.append((PROVINCES[code], _Entry("province", name, name, code), False))
    for code, name in REGENCIES.items():
        kind = "kota" if is_kota(code) else "kabupaten"
        value = name if kind == "kota" else f"Kabupaten {name}"
        out.append((name, _Entry(kind, name, value, code), False))
    for town, code in TOWNS.items():
        out.append((town, _Entry("town", town, f"{town}, {REGENCIES[code]}", code), False))
    for alias, code in ALIASES.items():
        if alias == "jakarta":           # the capital as people name it: a place, not "DKI Jakarta"
            out.append((alias, _Entry("town", "Jakarta", "Jakarta", code), False))
        elif len(code) == 2:
            out.append((alias, _Entry("province", PROVINCE_NAMES[code], PROVINCE_NAMES[code], code), True))
        else:
            name = REGENCIES[code]
            kind = "kota" if is_kota(code) else "kabupaten"
            value = name if kind == "kota" else f"Kabupaten {name}"
            out.append((alias, _Entry(kind, name, value, code), True))
    # Kabupaten Pontianak was renamed Mempawah (2014); "Pontianak" alone is the city.
    out.append(("kabupaten pontianak", _Entry("kabupaten", "Mempawah", "Kabupaten Mempawah", "61.02"), True))
    return out


@dataclass(frozen=True)
class _Index:
    by_key: dict[str, tuple[tuple[_Entry, bool], ...]]   # compact name → (entry, via_alias)
    fuzzy_keys: tuple[str, ...]                          # compact names a typo may be matched to
    everyday: frozenset[str]                             # words never read as a typo of a place


@lru_cache(maxsize=2)
def _index(scope: str) -> _Index:
    """The lookup tables for a scope ("any": everything; "regency": no Kutai Timur villages)."""
    by_key: dict[str, list[tuple[_Entry, bool]]] = {}
    rows = _national_entries() + _kutim_entries()
    for alias, entry, via_alias in rows:
        if scope == "regency" and entry.kind in ("desa", "kelurahan"):
            continue
        key = _compact(alias)
        bucket = by_key.setdefault(key, [])
        for i, (old, old_alias) in enumerate(bucket):
            if old == entry:               # the same place twice: keep the non-alias reading
                bucket[i] = (old, old_alias and via_alias)
                break
        else:
            bucket.append((entry, via_alias))
    exact_only = {_compact(w) for w in _EXACT_ONLY | _NEEDS_PREFIX}
    fuzzy = tuple(k for k in by_key if len(k) >= 6 and k not in exact_only)
    return _Index({k: tuple(v) for k, v in by_key.items()}, fuzzy, _everyday_words() - set(by_key))


@lru_cache(maxsize=1)
def _everyday_words() -> frozenset[str]:
    """_EVERYDAY_WORDS, the words of nlu/data/*.yml and those of the normaliser's slang map."""
    words = set(_EVERYDAY_WORDS)
    for path in sorted(_DATA_DIR.glob("*.yml")):
        words.update(_words(path.read_text(encoding="utf-8")))
    for short, full in SLANG.items():
        words.update(_words(short) + _words(full))
    return frozenset(words)


def _lookup(idx: _Index, words: list[str]) -> tuple[str | None, str, tuple[tuple[_Entry, bool], ...]]:
    """(wanted kind or None, the compact name, candidates) for words that are exactly a name."""
    whole = "".join(words)
    if whole in idx.by_key:
        return None, whole, idx.by_key[whole]
    want, rest = _strip_prefix(words)
    if want and rest:
        key = "".join(rest)
        if want == "kabupaten" and "kabupaten" + key in idx.by_key:
            return None, "kabupaten" + key, idx.by_key["kabupaten" + key]
        if key in idx.by_key:
            return want, key, idx.by_key[key]
    return None, whole, ()


def _strip_prefix(words: list[str]) -> tuple[str | None, list[str]]:
    """("kota", ["samarinda"]) for ["kota", "samarinda"]; (None, words) without a prefix word."""
    if not words or words[0] not in _PREFIX_WORDS:
        return None, words
    want, rest = _PREFIX_WORDS[words[0]], words[1:]
    while rest and rest[0] in _ADMIN_WORDS:
        rest = rest[1:]
    return want, rest


def _qualifiers(idx: _Index, words: list[str]) -> list[str] | None:
    """Codes named by trailing words ("kutai timur", "kaltim"), or None if they are not all places."""
    codes: list[str] = []
    i = 0
    while i < len(words):
        if words[i] in _TRAILING_FILLER or words[i] in _PREFIX_WORDS or words[i] in _ADMIN_WORDS:
            i += 1
            continue
        for j in range(min(len(words), i + 5), i, -1):
            found = idx.by_key.get("".join(words[i:j]))
            if found:
                codes.extend(e.code for e, _ in found if e.code and e.kind not in ("desa", "kelurahan"))
                i = j
                break
        else:
            return None
    return codes


def _choose(candidates, want: str | None, qualifiers: list[str], typed: str) -> PlaceMatch:
    """The one place the words name, written properly, and whether it may be taken as is."""
    pool = list(candidates)
    agrees = True
    if want:
        wanted = [c for c in pool if c[0].kind in _WANTED[want]]
        if wanted:
            pool = wanted
        else:
            agrees = False
    if qualifiers:
        inside = [c for c in pool if any(c[0].code and (c[0].code.startswith(q) or q.startswith(c[0].code))
                                         for q in qualifiers)]
        if inside:
            pool = inside
        else:
            agrees = False
    pool.sort(key=lambda c: (_RANK[c[0].kind], c[1]))
    entry, via_alias = pool[0]
    kinds = {c[0].kind for c in pool}
    value, code, unsure = entry.value, entry.code, False
    if entry.kind == "kota" and "kabupaten" in kinds and not want:
        twin = next(c[0] for c in pool if c[0].kind == "kabupaten")
        if _compact(twin.name) in _PREFER_KABUPATEN and not qualifiers:
            entry, value, code, unsure = twin, twin.value, twin.code, True
    elif entry.kind == "kota" and want == "kota" and any(
            c[0].kind == "kabupaten" and c[0].name == entry.name for c in candidates):
        value = f"Kota {entry.name}"       # "kota bandung" stays apart from Kabupaten Bandung
    elif entry.kind == "province" and any(c[0].kind != "province" for c in candidates):
        value = f"Provinsi {entry.name}"   # "provinsi gorontalo" stays apart from the city
    same = [c[0] for c in pool if c[0].kind == entry.kind and c[0].name == entry.name]
    if len({e.code for e in same}) > 1:     # one village name in two kecamatan
        value, code, unsure = f"{entry.name}, Kutai Timur", None, True
    key = _compact(entry.name)
    exact = (agrees and not via_alias and not unsure and typed == key
             and not (entry.kind in ("desa", "kelurahan") and key in _COMMON_VILLAGE_NAMES)
             and not (entry.kind == "town" and key in _TOWNS_ELSEWHERE_TOO))
    return PlaceMatch(value=value, exact=exact, code=code, kind=entry.kind)


def _needs_prefix_ok(candidates, want: str | None) -> bool:
    """Village names that are everyday words count only after "desa"/"kel." (nlu/places.py)."""
    if want == "desa":
        return True
    names = {_compact(n) for n in _NEEDS_PREFIX}
    return not all(c[0].kind in ("desa", "kelurahan") and _compact(c[0].name) in names for c in candidates)


def read_place(text: str, scope: str = "any") -> PlaceMatch | None:
    """The place a short answer names, or None (a facility, an address, or not a known place).

    scope "any": provinces, kabupaten/kota, towns, Kutai Timur's kecamatan and villages;
    scope "regency": the same without Kutai Timur's villages.
    """
    if not text or len(text) > _MAX_CHARS:
        return None
    return _read(" ".join(_words(text)), "regency" if scope == "regency" else "any")


@lru_cache(maxsize=4096)
def _read(normalized: str, scope: str) -> PlaceMatch | None:
    words = normalized.split()
    if not words or any(w in _FACILITY_WORDS for w in words):
        return None
    readings = [words]                  # "di yogyakarta" is a province; "di samarinda" a place
    while words and words[0] in _LEADING_FILLER:
        words = words[1:]
        readings.append(words)
    if not words or len(words) > _MAX_WORDS:
        return None
    idx = _index(scope)
    # Exact names first: the longest head whose remaining words are places that qualify it
    # ("sangatta utara kutai timur", "samarinda kaltim").
    heads = []
    for reading in readings:
        for n in range(len(reading), 0, -1):
            qualifiers = _qualifiers(idx, reading[n:])
            if qualifiers is None:
                continue
            heads.append((reading[:n], qualifiers))
            want, key, candidates = _lookup(idx, reading[:n])
            if candidates and _needs_prefix_ok(candidates, want):
                return _choose(candidates, want, qualifiers, key)
    heads = [(head, q) for head, q in heads if head[0] not in _LEADING_FILLER]
    # Then typos, never taken without asking.
    for head, qualifiers in heads:
        want, rest = _strip_prefix(head)
        key = "".join(rest)
        if len(key) < 5 or not key.isalpha() or all(w in idx.everyday for w in rest):
            continue
        hit = process.extractOne(key, idx.fuzzy_keys, scorer=fuzz.ratio,
                                 score_cutoff=90 if len(key) < 7 else 85)
        # A typo keeps the first letter ("ngomong" is not Gombong, "angkat" not Langkat).
        if hit and hit[0][0] == key[0]:
            found = _choose(idx.by_key[hit[0]], want, qualifiers, "")
            return PlaceMatch(found.value, False, found.code, found.kind)
    return None


# Words written in capitals inside a place or facility name ("RSUD Kudungga", "Km 10").
_UPPER_WORDS = {"rs", "rsu", "rsud", "rsia", "rsb", "rsi", "rsj", "rsal", "rsau", "rspad", "rsup",
                "rsk", "rt", "rw", "pt", "cv", "bpm", "pkm", "ii", "iii", "iv", "vi", "vii", "viii",
                "ix", "xi", "xii", "ri", "kb", "ukm", "smp", "sma", "sd", "tk", "kua"}
_LOWER_WORDS = {"dan", "di", "ke", "dari", "van", "de"}
_TOKEN = re.compile(r"\S+")
_PART = re.compile(r"[^\W\d_]+")


def written_place(text: str) -> str:
    """A place or facility name as typed, written properly: "rs kudungga" → "RS Kudungga".

    For the answer that is not in the gazetteer: words capitalised (each part of "sanga-sanga"),
    abbreviations in capitals (RS, RSUD, RT, RW, PT), "dan"/"di" in lower case inside the name.
    """
    words = []
    for i, token in enumerate(_TOKEN.findall(text or "")):
        low = token.lower()
        bare = low.strip(".,")
        if bare in _UPPER_WORDS:
            words.append(low.upper())
        elif i and bare in _LOWER_WORDS:
            words.append(low)
        else:
            words.append(_PART.sub(lambda m: m.group().capitalize(), low))
    return " ".join(words)


# --- Region codes of a NIK or KK ------------------------------------------------------------------

NOTE_REGENCY = ("Kode wilayah pada {what} ini ({code}) tidak kami kenali. Mohon dicek lagi; "
                "bila sudah sesuai {doc}, lanjutkan saja.")
NOTE_DISTRICT = ("Kode kecamatan pada {what} ini ({code}) tidak ada di Kutai Timur. Mohon dicek "
                 "lagi; bila sudah sesuai {doc}, lanjutkan saja.")
FLAG_REGENCY = "{What}: kode kabupaten/kota {code} tidak ada dalam daftar kode wilayah Kemendagri."
FLAG_DISTRICT = "{What}: kode kecamatan {code} bukan kecamatan Kutai Timur (64.08.01–64.08.18)."
_WHAT = {"nik": ("NIK", "KTP-el"), "kk": ("nomor KK", "Kartu Keluarga")}
KUTIM_DISTRICTS = frozenset(code[-2:] for code in KECAMATAN)


def _area_problem(digits: str) -> tuple[str, str] | None:
    """("regency" | "district", the dotted code) when the area part is not a real place."""
    digits = "".join(ch for ch in str(digits) if ch.isdigit())
    if len(digits) < 6:
        return None
    regency = f"{digits[:2]}.{digits[2:4]}"
    if regency not in REGENCIES and regency not in LEGACY_REGENCIES:
        return "regency", regency
    if regency == KUTIM and digits[4:6] not in KUTIM_DISTRICTS:
        return "district", f"{regency}.{digits[4:6]}"
    return None


def _texts(kind: str, texts: dict[str, str] | None) -> tuple[dict[str, str], dict[str, str]]:
    what, doc = _WHAT.get(kind, _WHAT["nik"])
    chosen = {"note_regency": NOTE_REGENCY, "note_district": NOTE_DISTRICT,
              "flag_regency": FLAG_REGENCY, "flag_district": FLAG_DISTRICT, **(texts or {})}
    return chosen, {"what": what, "What": what[0].upper() + what[1:], "doc": doc}


def area_note(digits: str, kind: str = "nik", texts: dict[str, str] | None = None) -> str | None:
    """A soft note for the citizen when a NIK/KK's regency (or Kutai Timur district) code is unknown.

    kind: "nik" or "kk". texts may override note_regency / note_district (placeholders {what},
    {What}, {doc}, {code}). Only the area code is shown, never the number.
    """
    problem = _area_problem(digits)
    if problem is None:
        return None
    chosen, fill = _texts(kind, texts)
    return chosen[f"note_{problem[0]}"].format(code=problem[1], **fill)


def area_flag(digits: str, kind: str = "nik", texts: dict[str, str] | None = None) -> str | None:
    """The same finding as area_note, worded for the officer (texts may override flag_regency/flag_district)."""
    problem = _area_problem(digits)
    if problem is None:
        return None
    chosen, fill = _texts(kind, texts)
    return chosen[f"flag_{problem[0]}"].format(code=problem[1], **fill)
