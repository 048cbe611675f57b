"""Entity extraction: NIK / No. KK, dates, phones, emails, tickets, services, places, topics.

Every entity is a dict {"entity", "value", "start", "end"} with offsets into the ORIGINAL text
(text[start:end] is what the person typed). Some carry extra keys (a place's "code", a date's
"weekday"); `python -m nlu parse` prints only the four contract keys.
"""
from __future__ import annotations

import re
from datetime import date

from .dates import find_dates
from .normalize import email_spans, is_vocative_kk
from .places import KECAMATAN, find_places

# Exactly 16 digits, each optionally separated by one space, dot or dash ("6408 0101.0190-0001").
_SIXTEEN = re.compile(r"(?<![\d+])\d(?:[ .\-]?\d){15}(?![\d])")
# What decides NIK vs KK: the nearest label before the number (within ~30 characters).
_ID_LABEL = re.compile(
    r"\b(?P<kk>kk|k\.k\.?|nkk|no\.?\s*kk|nomor\s+kk|kartu\s+keluarga|kartu\s+kk)\b|"
    r"\b(?P<nik>nik|n\.i\.k|ktp|e-?ktp|nomor\s+induk)\b", re.I)
_PHONE = re.compile(
    r"(?<![\d+])(?:\+\s?62|62|0)[\s.\-]?8\d{1,3}(?:[\s.\-]?\d{2,5}){1,3}(?![\d])")
# An address starts only where a run of local-part characters starts, at its first ASCII letter
# or digit. Starting at every character of a long run and rescanning it to the end was
# quadratic (65,536 characters took 12.5 s). Glued addresses: see normalize.email_spans.
_EMAIL = re.compile(
    r"(?<![\w.+\-])(?:(?![A-Za-z0-9])[\w.+\-])*+"
    r"(?P<email>[A-Za-z0-9][\w.+\-]*+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,})")
_TICKET = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2,5}-\d{4,}(?:-\d+)*(?![A-Za-z0-9])")

# Service mentions, most specific first. Written against the original text (variants inline)
# so offsets stay exact without mapping through the normaliser.
_A = r"ak(?:ta|te|th?a|tte)?"  # akta, akte, akt, ak (as in "ak lahir"), aktha
SERVICE_PATTERNS: list[tuple[str, re.Pattern]] = [
    ("ktp_recording", re.compile(
        r"\b(?:pe)?rekam(?:an)?\s*(?:data\s*)?(?:e[\s-]?)?ktp(?:[\s-]?el)?\b|\bperekaman\b|"
        r"\bktp\s+pemula\b|\brekam\s+(?:e[\s-]?)?ktp\b|\brekam\s+(?:wajah|data|biometrik)\b",
        re.I)),
    ("kia", re.compile(r"\bkia\b|\bkartu\s+identitas\s+anak\b|\bktp\s+anak\b", re.I)),
    ("akta_kelahiran", re.compile(
        rf"\b{_A}\s*(?:ke|k)?l[ae]?hi?r(?:an)?\b|\b{_A}\s*lhr\b|\bkelahiran\b|\bakta\s+anak\b|"
        r"\bakte\s+anak\b|\bbaru\s+lahir\b|\bakl\b", re.I)),
    ("akta_kematian", re.compile(
        rf"\b{_A}\s*(?:ke)?mati(?:an)?\b|\bkematian\b|\bmeninggal(?:\s+dunia)?\b|\bwafat\b|"
        r"\bal?marhum(?:ah)?\b|\balm\.?(?=\s)", re.I)),
    ("akta_perceraian", re.compile(
        rf"\b{_A}\s*(?:per)?cerai(?:an)?\b|\bperceraian\b|\bcerai\b|\bbercerai\b|\bgugat\s+cerai\b",
        re.I)),
    ("marriage_certificate", re.compile(
        rf"\b{_A}\s*(?:per)?kawin(?:an)?\b|\b{_A}\s*nikah\b|\bpencatatan\s+(?:nikah|perkawinan)\b|"
        r"\bcatat(?:kan)?\s+(?:nikah|perkawinan)\b|\bperkawinan\b|"
        r"(?<!buku\s)(?<!udah\s)(?<!sudah\s)(?<!udh\s)(?<!sdh\s)(?<!krn\s)\bnikah\b", re.I)),
    ("kartu_keluarga", re.compile(
        r"\bkartu\s+kel?uarga\b|\bkk\b|\bk\.k\.?(?=\s|$)|\bkartu\s+kk\b", re.I)),
    ("ktp_print", re.compile(
        r"\b(?:e[\s-]?)?ktp(?:[\s-]?el)?\b|\bk\.t\.p\b|\bektp\b|\bkartu\s+tanda\s+penduduk\b", re.I)),
]

# Services the office does not handle here: a topic, so the out-of-scope answer can say who does.
TOPIC_PATTERNS: list[tuple[str, re.Pattern]] = [
    ("paspor", re.compile(r"\bpas+por\w*|\bpassport\b|\bimigrasi\b", re.I)),
    ("sim", re.compile(r"\b(?:bikin|buat|urus|perpanjang\w*|ujian|tes|test|bikin)\s+sim\b|"
                       r"\bsim\s+(?:a|b1|b2|c|d)\b|\bsatlantas\b", re.I)),
    ("bpjs", re.compile(r"\bbpjs\w*|\bkis\b|\bjkn\b", re.I)),
    ("samsat", re.compile(r"\bstnk\b|\bbpkb\b|\bsamsat\b|\bpajak\s+(?:motor|mobil|kendaraan)\b|"
                          r"\bplat\s+nomor\b|\bbalik\s+nama\s+(?:motor|mobil|kendaraan)\b", re.I)),
    ("pertanahan", re.compile(r"\bsertifikat\s+tanah\b|\bsertipikat\b|\bbpn\b|\bbalik\s+nama\s+"
                              r"(?:tanah|rumah)\b|\bsurat\s+tanah\b|\bshm\b", re.I)),
    ("skck", re.compile(r"\bskck\b|\bsurat\s+kelakuan\s+baik\b", re.I)),
    ("npwp", re.compile(r"\bnpwp\b|\bpajak\s+penghasilan\b|\bspt\b|\bcoretax\b", re.I)),
    # "ak\s*+-?\s*+1": two plain \s* around an optional dash split a run of spaces every way.
    ("disnaker", re.compile(r"\bkartu\s+kuning\b|\bak\s*+-?\s*+1\b|\bloker\b|\blowongan\b|"
                            r"\bkartu\s+pencari\s+kerja\b", re.I)),
    ("bansos", re.compile(r"\bbansos\b|\bpkh\b|\bblt\b|\bbantuan\s+sosial\b|\bsembako\b|"
                          r"\bdtks\b|\bkip\b", re.I)),
    ("pindah", re.compile(r"\bsurat\s+pindah\b|\bpindah\s+(?:domisili|datang|penduduk|alamat\s+"
                          r"ke\s+luar|keluar)\b|\bskpwni\b|\bpindahan\b", re.I)),
    ("buku_nikah", re.compile(r"\bbuku\s+nikah\s+(?:hilang|rusak|baru|duplikat)\b|"
                              r"\bduplikat\s+buku\s+nikah\b", re.I)),
]


# What the FAQ answers need besides the service (nlu/faq.py): the religion a marriage or divorce
# question names (Muslims marry at the KUA and divorce at the Pengadilan Agama), whether a
# document is lost or damaged (a damaged one is never treated as lost), and an Islamic greeting
# (answered "Waalaikumsalam"). Value "non_islam" when the religion named is another one or negated.
_RELIGION = re.compile(
    r"\b(?P<non>non[\s-]?+(?:muslim\w*|islam)|bukan\s++(?:muslim\w*|islam)|selain\s++islam|"
    r"kristen|katolik|katholik|protestan|hindu|buddha|budha|konghucu|khonghucu|penghayat)\b|"
    r"\b(?P<islam>muslim\w*|moslem|islam|islami)\b", re.I)
_CONDITION = re.compile(
    r"\b(?P<rusak>rusak|sobek|robek|koyak|patah|luntur|pudar|basah|kebasahan|terbakar|kebakar|"
    r"lecek|hancur|dimakan\s++rayap|kena\s++(?:air|banjir|rayap))\b|"
    r"\b(?P<hilang>hilang|ilang|kehilangan|hilng|dicuri|kecurian|tercecer|ketinggalan|raib)\b", re.I)
_SALAM = re.compile(
    r"\b(?:as+alamu?\s*+['`’]?\s*+alaikum\w*|as+alamualaikum\w*|aslmkm\w*|aslm\b|askum\b|"
    r"ass\s++wr\.?\s*+wb\b|as+wrwb\b|samlekom\b|semlekom\b|salamualaikum\w*|"
    r"salam\b(?!\s++(?:sejahtera|kenal|damai|pancasila|hormat|sehat|jumpa|dari|buat|untuk|kepada|"
    r"kebajikan|satu|olahraga|super)))", re.I)
SALAM = _SALAM  # also read by the dialogue: a salam typed in the middle of a request


def _combine(patterns: list[tuple[str, re.Pattern]]) -> tuple[re.Pattern, dict[str, str]]:
    """One alternation with a named group per pattern (earlier = preferred at a position)."""
    names = {f"g{i}": name for i, (name, _) in enumerate(patterns)}
    joined = "|".join(f"(?P<g{i}>{p.pattern})" for i, (_, p) in enumerate(patterns))
    return re.compile(joined, re.I), names


# One scan per message instead of one per pattern: extraction runs on every message.
_SERVICES_RE, _SERVICE_GROUPS = _combine(SERVICE_PATTERNS)
_TOPICS_RE, _TOPIC_GROUPS = _combine(TOPIC_PATTERNS)
# Matched right after a word. Possessive: three plain \s* split a run of spaces every possible
# way (cubic: "kk" and 2,000 spaces took 33 s); the lookbehind keeps a search from restarting
# inside a run of spaces.
_NUMBER_FOLLOWS = re.compile(r"(?<!\s)\s*+(?:sy|saya|ku)?\s*+[:=]?\s*+\d", re.I)


def _label_before(text: str, start: int) -> str | None:
    """'kk' or 'nik' when one of those labels is the nearest one before `start`."""
    window = text[max(0, start - 30): start]
    last = None
    for m in _ID_LABEL.finditer(window):
        last = "kk" if m.group("kk") else "nik"
    return last


def _digits(s: str) -> str:
    """Only the digits of s."""
    return re.sub(r"\D", "", s)


def _phone_value(raw: str) -> str | None:
    """'+62…' for an Indonesian mobile number, or None when it has the wrong length."""
    d = _digits(raw)
    if d.startswith("62"):
        d = d[2:]
    elif d.startswith("0"):
        d = d[1:]
    # Indonesian mobile numbers: 8xx plus 6–9 more digits (9–12 digits without the 0).
    if not d.startswith("8") or not 9 <= len(d) <= 12:
        return None
    return "+62" + d


def extract(text: str, today: date | None = None) -> list[dict]:
    """All entities in `text`, sorted by position, without overlaps (earlier kinds win)."""
    today = today or date.today()
    found: list[dict] = []
    # One byte per character of text, 1 where an entity already sits: checking a candidate costs
    # its own length, not the number of entities found so far (a long message can hold thousands).
    taken = bytearray(len(text))

    def add(entity: str, value, s: int, e: int, **extra) -> None:
        """Keep a candidate unless an earlier (preferred) one covers it."""
        if taken.find(1, s, e) < 0:
            taken[s:e] = b"\x01" * (e - s)
            found.append({"entity": entity, "value": value, "start": s, "end": e, **extra})

    # _EMAIL also resumes after an address: on the slice it gets, nothing stands before its start.
    for s, e in email_spans(_EMAIL, _EMAIL, text):
        add("email", text[s:e].lower(), s, e)
    for m in _TICKET.finditer(text):
        add("ticket", m.group().upper(), m.start(), m.end())
    for m in _SIXTEEN.finditer(text):
        digits = _digits(m.group())
        # 08… and 62 8… are phone numbers that happen to run to 16 digits with a neighbour.
        if digits.startswith("08"):
            continue
        kind = "no_kk" if _label_before(text, m.start()) == "kk" else "nik"
        add(kind, digits, m.start(), m.end())
    for m in _PHONE.finditer(text):
        value = _phone_value(m.group())
        if value:
            add("phone", value, m.start(), m.end())
    for s, e, value, extra in find_dates(text, today):
        add("date", value, s, e, **extra)
    _add_services(text, add)
    for m in _TOPICS_RE.finditer(text):
        add("topic", _TOPIC_GROUPS[m.lastgroup], m.start(), m.end())
    for m in _RELIGION.finditer(text):
        add("religion", "non_islam" if m.group("non") else "islam", m.start(), m.end())
    for m in _CONDITION.finditer(text):
        add("condition", "rusak" if m.group("rusak") else "hilang", m.start(), m.end())
    for m in _SALAM.finditer(text):
        add("salam", "salam", m.start(), m.end())
    _add_places(text, add)
    found.sort(key=lambda x: x["start"])
    return found


def _add_services(text: str, add) -> None:
    """Service mentions, skipping "kk" used as "kakak" and "kk" labelling a number."""
    for m in _SERVICES_RE.finditer(text):
        service = _SERVICE_GROUPS[m.lastgroup]
        if service == "kartu_keluarga":
            if len(m.group().replace(".", "")) == 2 and is_vocative_kk(text, m.start(), m.end()):
                continue
            if _NUMBER_FOLLOWS.match(text, m.end()):
                continue  # "kk 6408…": the label of a number, not the service
        add("service", service, m.start(), m.end())


def _add_places(text: str, add) -> None:
    """Kecamatan / desa / ambiguous town mentions; a desa in a named kecamatan wins a tie."""
    places = find_places(text)
    named_kec = {p.code for _, _, p, _ in places if p.kind == "kecamatan"}
    for s, e, place, candidates in places:
        if place.kind == "kecamatan":
            add("kecamatan", place.name, s, e, code=place.code)
        elif place.kind == "town":
            add("town", place.name, s, e,
                candidates=[{"kecamatan": KECAMATAN[c], "code": c} for c in ("64.08.04", "64.08.12")])
        else:
            picks = [c for c in candidates if c.code[:8] in named_kec] or candidates
            if len(picks) == 1:
                add("desa", picks[0].name, s, e, code=picks[0].code, kecamatan=picks[0].kecamatan,
                    kind=picks[0].kind)
            else:
                add("desa", place.name, s, e,
                    candidates=[{"kecamatan": c.kecamatan, "code": c.code} for c in picks])
