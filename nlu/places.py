"""Kecamatan and desa/kelurahan of Kabupaten Kutai Timur (64.08), with typo-tolerant lookup.

Codes: Kepmendagri wilayah codes as listed in docs/rules.md §3 (the 18 kecamatan, Senyiur, Kel. Teluk
Lingga, Kel. Singa Geweh); the other village codes come from a public village seeder whose
per-kecamatan counts match the table in docs/rules.md §3 exactly (141 = 139 desa + 2 kelurahan). [verify]
against the current Kepmendagri before using a village code for anything official.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process

KECAMATAN: dict[str, str] = {
    "64.08.01": "Muara Ancalong",
    "64.08.02": "Muara Wahau",
    "64.08.03": "Muara Bengkal",
    "64.08.04": "Sangatta Utara",
    "64.08.05": "Sangkulirang",
    "64.08.06": "Busang",
    "64.08.07": "Telen",
    "64.08.08": "Kombeng",
    "64.08.09": "Bengalon",
    "64.08.10": "Kaliorang",
    "64.08.11": "Sandaran",
    "64.08.12": "Sangatta Selatan",
    "64.08.13": "Teluk Pandan",
    "64.08.14": "Rantau Pulung",
    "64.08.15": "Kaubun",
    "64.08.16": "Karangan",
    "64.08.17": "Batu Ampar",
    "64.08.18": "Long Mesangat",
}

# Village tail codes per kecamatan: 1xxx = kelurahan, 2xxx = desa.
_VILLAGES: dict[str, list[tuple[str, str]]] = {
    "64.08.01": [("2001", "Senyiur"), ("2002", "Kelinjau Ilir"), ("2003", "Kelinjau Ulu"),
                 ("2004", "Long Nah"), ("2006", "Long Tesak"), ("2009", "Gemar Baru"),
                 ("2012", "Long Poq Baru"), ("2013", "Muara Dun"), ("2014", "Teluk Baru")],
    "64.08.02": [("2001", "Jak Luay"), ("2002", "Nehes Liah Bing"), ("2003", "Muara Wahau"),
                 ("2004", "Dabeq"), ("2005", "Diaq Lay"), ("2006", "Benhes"), ("2007", "Wanasari"),
                 ("2008", "Wahau Baru"), ("2009", "Karya Bhakti"), ("2010", "Long Wehea")],
    "64.08.03": [("2001", "Senambah"), ("2002", "Ngayau"), ("2003", "Muara Bengkal Ilir"),
                 ("2004", "Muara Bengkal Ulu"), ("2005", "Benua Baru"), ("2013", "Mulupan"),
                 ("2014", "Batu Balai")],
    "64.08.04": [("1010", "Teluk Lingga"), ("2001", "Sangatta Utara"), ("2011", "Singa Gembara"),
                 ("2012", "Swarga Bara")],
    "64.08.05": [("2001", "Kerayaan"), ("2002", "Tanjung Manis"), ("2003", "Peridan"),
                 ("2004", "Saka"), ("2005", "Mandu Dalam"), ("2006", "Benua Baru"),
                 ("2011", "Sempayau"), ("2012", "Pelawan"), ("2013", "Tepian Terap"),
                 ("2015", "Maloy"), ("2016", "Benua Baru Ulu"), ("2017", "Kolek"),
                 ("2018", "Pulau Miang"), ("2019", "Perupuk"), ("2020", "Mandu Pantai Sejahtera")],
    "64.08.06": [("2001", "Long Bentuq"), ("2002", "Long Pejeng"), ("2003", "Long Lees"),
                 ("2004", "Mekar Baru"), ("2005", "Rantau Sentosa"), ("2006", "Long Nyelong")],
    "64.08.07": [("2001", "Marah Haloq"), ("2002", "Lung Melah"), ("2003", "Juk Ayaq"),
                 ("2004", "Long Segar"), ("2005", "Long Noran"), ("2006", "Muara Pantun"),
                 ("2007", "Rantau Panjang"), ("2008", "Kernyanyan")],
    "64.08.08": [("2001", "Makmur Jaya"), ("2002", "Marga Mulya"), ("2003", "Sukamaju"),
                 ("2004", "Sidomulyo"), ("2005", "Sri Pantun"), ("2006", "Kombeng Indah"),
                 ("2007", "Miau Baru")],
    "64.08.09": [("2001", "Sepaso"), ("2002", "Sekerat"), ("2003", "Keraitan"),
                 ("2004", "Tepian Langsat"), ("2005", "Tebangan Lembak"), ("2006", "Sepaso Timur"),
                 ("2007", "Sepaso Selatan"), ("2008", "Muara Bengalon"), ("2009", "Tepian Baru"),
                 ("2010", "Tepian Indah"), ("2011", "Sepaso Barat")],
    "64.08.10": [("2001", "Kaliorang"), ("2006", "Bukit Makmur"), ("2007", "Bukit Harapan"),
                 ("2008", "Citra Manunggal Jaya"), ("2009", "Bangun Jaya"),
                 ("2010", "Bumi Sejahtera"), ("2013", "Selangkau")],
    "64.08.11": [("2001", "Sandaran"), ("2002", "Manubar"), ("2003", "Tadoan"),
                 ("2004", "Marukangan"), ("2005", "Susuk Luar"), ("2006", "Susuk Dalam"),
                 ("2007", "Tanjung Mangkaliat"), ("2008", "Manubar Dalam"), ("2009", "Susuk Tengah")],
    "64.08.12": [("1002", "Singa Geweh"), ("2001", "Sangatta Selatan"), ("2003", "Sangkima"),
                 ("2004", "Teluk Singkama")],
    "64.08.13": [("2001", "Teluk Pandan"), ("2002", "Suka Rahmat"), ("2003", "Suka Damai"),
                 ("2004", "Kandolo"), ("2005", "Danau Redan"), ("2006", "Martadinata")],
    "64.08.14": [("2001", "Mukti Jaya"), ("2002", "Pulung Sari"), ("2003", "Margo Mulyo"),
                 ("2004", "Rantau Makmur"), ("2005", "Manunggal Jaya"), ("2006", "Tanjung Labu"),
                 ("2007", "Kebon Agung"), ("2008", "Tepian Makmur"), ("2009", "Masalap Raya")],
    "64.08.15": [("2001", "Bumi Etam"), ("2002", "Bumi Rapak"), ("2003", "Bumi Jaya"),
                 ("2004", "Cipta Graha"), ("2005", "Kadungan Jaya"), ("2006", "Pengadan Baru"),
                 ("2007", "Mata Air"), ("2008", "Bukit Permata")],
    "64.08.16": [("2001", "Karangan Dalam"), ("2002", "Batu Lepoq"), ("2003", "Pengadan"),
                 ("2004", "Baay"), ("2005", "Mukti Lestari"), ("2006", "Karangan Seberang"),
                 ("2007", "Karangan Hilir")],
    "64.08.17": [("2001", "Batu Timbau"), ("2002", "Beno Harapan"), ("2003", "Mugi Rahayu"),
                 ("2004", "Mawai Indah"), ("2005", "Himba Lestari"), ("2006", "Telaga"),
                 ("2007", "Batu Timbau Ulu")],
    "64.08.18": [("2001", "Sika Makmur"), ("2002", "Segoy Makmur"), ("2003", "Mukti Utama"),
                 ("2004", "Sumber Sari"), ("2005", "Melan"), ("2006", "Tanah Abang"),
                 ("2007", "Sumber Agung")],
}

# Spellings people use that fuzzy scoring alone would miss or score too low.
KECAMATAN_SYNONYMS: dict[str, str] = {
    "kongbeng": "64.08.08", "kong beng": "64.08.08", "kombeng": "64.08.08",
    "wahau": "64.08.02", "m wahau": "64.08.02", "ancalong": "64.08.01",
    "m ancalong": "64.08.01", "bengkal": "64.08.03", "m bengkal": "64.08.03",
    "mesangat": "64.08.18", "kali orang": "64.08.10", "tlk pandan": "64.08.13",
    "rantau pulong": "64.08.14", "sangkulirang": "64.08.05", "sengkulirang": "64.08.05",
    "sangatta utara": "64.08.04", "sangata utara": "64.08.04", "sgt utara": "64.08.04",
    "sangatta selatan": "64.08.12", "sangata selatan": "64.08.12", "sgt selatan": "64.08.12",
}

# "Sangatta" alone is the regency capital, which spans two kecamatan (Utara and Selatan).
# Guessing one would put people in the wrong queue, so it yields a `town` entity with both
# candidates and the flow asks which one.
AMBIGUOUS_TOWNS: dict[str, tuple[str, ...]] = {
    "sangatta": ("64.08.04", "64.08.12"),
    "sangata": ("64.08.04", "64.08.12"),
    "sengata": ("64.08.04", "64.08.12"),
}

# Words that also exist as ordinary Indonesian and must match exactly, never fuzzily
# ("karangan" = essay, "sandaran" = backrest, "telaga" = pond, "saka", "melan").
_EXACT_ONLY = {"karangan", "sandaran", "telen", "telaga", "saka", "melan", "kolek", "baay", "busang"}

# Village names that are everyday words: only read as a place after "desa"/"kel."/"kampung".
_NEEDS_PREFIX = {"telaga", "saka", "melan", "kolek", "baay", "mata air"}

_DESA_WORDS = re.compile(r"(?:desa|ds|kelurahan|kel|kampung|kp)\.?\s*$", re.I)


@dataclass(frozen=True)
class Place:
    """One kecamatan or village with its code."""
    kind: str        # "kecamatan" | "desa" | "town"
    name: str
    code: str        # "" when the place is ambiguous
    kecamatan: str   # the kecamatan's name ("" for an ambiguous town)


def _key(text: str) -> str:
    """Lower-case, letters and single spaces only: the form aliases are compared in."""
    return re.sub(r"[^a-z]+", " ", text.lower()).strip()


@lru_cache(maxsize=1)
def _tables():
    """Alias → places (a desa name may belong to two kecamatan), built once."""
    kec_alias: dict[str, list[Place]] = {}
    desa_alias: dict[str, list[Place]] = {}
    for code, name in KECAMATAN.items():
        kec_alias.setdefault(_key(name), []).append(Place("kecamatan", name, code, name))
    for alias, code in KECAMATAN_SYNONYMS.items():
        place = Place("kecamatan", KECAMATAN[code], code, KECAMATAN[code])
        if place not in kec_alias.setdefault(_key(alias), []):
            kec_alias[_key(alias)].append(place)
    for alias, codes in AMBIGUOUS_TOWNS.items():
        kec_alias[_key(alias)] = [Place("town", "Sangatta", "", "")]
    for kcode, villages in _VILLAGES.items():
        for tail, name in villages:
            kind = "kelurahan" if tail.startswith("1") else "desa"
            place = Place(kind, name, f"{kcode}.{tail}", KECAMATAN[kcode])
            desa_alias.setdefault(_key(name), []).append(place)
    first_words = sorted({a.split()[0] for a in list(kec_alias) + list(desa_alias)})
    return kec_alias, desa_alias, first_words


def villages(kecamatan_code: str | None = None) -> list[Place]:
    """All villages, or those of one kecamatan."""
    out = []
    for kcode, items in _VILLAGES.items():
        if kecamatan_code and kcode != kecamatan_code:
            continue
        for tail, name in items:
            kind = "kelurahan" if tail.startswith("1") else "desa"
            out.append(Place(kind, name, f"{kcode}.{tail}", KECAMATAN[kcode]))
    return out


def lookup_kecamatan(text: str, score_cutoff: float = 85) -> Place | None:
    """The kecamatan a short piece of text names, tolerating typos; None when unsure."""
    kec_alias, _, _ = _tables()
    key = _key(text)
    if key in kec_alias:
        return kec_alias[key][0]
    if len(key) < 5 or key in _EXACT_ONLY:
        return None
    hit = process.extractOne(key, list(kec_alias), scorer=fuzz.ratio, score_cutoff=score_cutoff)
    return kec_alias[hit[0]][0] if hit else None


def find_places(text: str) -> list[tuple[int, int, Place, list[Place]]]:
    """Spans of `text` naming a place: (start, end, best place, all candidates)."""
    kec_alias, desa_alias, first_words = _tables()
    tokens = [(m.start(), m.end(), m.group().lower()) for m in re.finditer(r"[A-Za-z]+", text)]
    found: list[tuple[int, int, Place, list[Place]]] = []
    i = 0
    while i < len(tokens):
        match = _match_at(text, tokens, i, kec_alias, desa_alias, first_words)
        if match is None:
            i += 1
            continue
        n_tokens, place, candidates = match
        found.append((tokens[i][0], tokens[i + n_tokens - 1][1], place, candidates))
        i += n_tokens
    return found


@lru_cache(maxsize=8192)
def _near_first_word(word: str) -> bool:
    """Whether a word is a typo of some place name's first word (cached: chat words repeat)."""
    if len(word) < 5 or word in _EXACT_ONLY:
        return False
    first_words = _tables()[2]
    return process.extractOne(word, first_words, scorer=fuzz.ratio, score_cutoff=80) is not None


def _after_desa_word(text: str, start: int) -> bool:
    """Whether text[:start] ends with "desa", "kel.", "kampung", … and spaces (_DESA_WORDS).

    Searching all of text[:start] for each candidate word made a long message quadratic; the
    word and its dot sit within the 10 characters before the trailing spaces.
    """
    end = start
    while end and text[end - 1].isspace():
        end -= 1
    return bool(_DESA_WORDS.search(text, max(0, end - len("kelurahan.")), start))


def _match_at(text, tokens, i, kec_alias, desa_alias, first_words):
    """The longest place name starting at token i (exact first, then fuzzy), or None."""
    first = tokens[i][2]
    if len(first) < 3:
        return None
    # Cheap gate: only look further when the first word is (nearly) the first word of a name;
    # this keeps the per-message cost tiny since most words fail here.
    if first not in first_words and not _near_first_word(first):
        return None
    after_desa_word = _after_desa_word(text, tokens[i][0])
    everything = list(kec_alias) + list(desa_alias)
    best = None  # (score, n, key)
    for n in (1, 2, 3, 4):
        if i + n > len(tokens):
            break
        # Only join words separated by spaces/punctuation that people put inside names.
        span = text[tokens[i][0]: tokens[i + n - 1][1]]
        if re.search(r"[^A-Za-z .\-]", span):
            break
        key = _key(span)
        if key in kec_alias or key in desa_alias:
            score = 100.0
        else:
            if len(key) < 6 or key in _EXACT_ONLY or (n == 1 and len(key) < 7):
                continue
            hit = process.extractOne(key, everything, scorer=fuzz.ratio,
                                     score_cutoff=86 if n == 1 else 84)
            if hit is None or hit[0].split()[0] in _EXACT_ONLY:
                continue
            key, score = hit[0], hit[1]
        if key in _NEEDS_PREFIX and not after_desa_word:
            continue
        # The best score wins; on a tie the longer name ("muara bengkal ilir" over "muara bengkal").
        if best is None or score >= best[0]:
            best = (score, n, key)
    if best is None:
        return None
    _, n, key = best
    # A name that is both a kecamatan and a village is read as the kecamatan unless the
    # text says "desa X" / "kel. X".
    if key in desa_alias and (after_desa_word or key not in kec_alias):
        return n, desa_alias[key][0], desa_alias[key]
    return n, kec_alias[key][0], kec_alias[key]
