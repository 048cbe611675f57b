"""FAQ answers built from config.yml (office facts) and domain facts (law, other offices).

`answer(intent, entities, config, now)` returns a short, warm Indonesian reply for the FAQ
intents and None for everything else (those belong to the dialogue). Office facts (hours,
address, durations, requirements, paper) come only from the config passed in.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

HARI = ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"]
BULAN = ["", "Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
         "September", "Oktober", "November", "Desember"]
ZONE_LABEL = {"Asia/Makassar": "WITA", "Asia/Jakarta": "WIB", "Asia/Pontianak": "WIB",
              "Asia/Jayapura": "WIT"}

# Where the things this office does not do are handled (domain knowledge, not office config).
OTHER_OFFICES = {
    "paspor": "Paspor diurus di *Kantor Imigrasi*, bukan di Disdukcapil.",
    "sim": "SIM diurus di *Satlantas Polres* (Satpas SIM), bukan di Disdukcapil.",
    "bpjs": "Kepesertaan BPJS diurus di *kantor BPJS Kesehatan* atau *BPJS Ketenagakerjaan*. "
            "Bila NIK Bapak/Ibu ditolak BPJS karena data kependudukan, kami bisa bantu "
            "memeriksa datanya: ketik *petugas*.",
    "samsat": "Pajak kendaraan, STNK dan BPKB diurus di *Samsat* dan *Polres*, bukan di "
              "Disdukcapil.",
    "pertanahan": "Sertifikat dan urusan tanah diurus di *Kantor Pertanahan (BPN)* Kutai Timur.",
    "skck": "SKCK diurus di *Polres* atau *Polsek* sesuai domisili.",
    "npwp": "NPWP dan urusan pajak penghasilan diurus di *Kantor Pelayanan Pajak (KPP)* atau "
            "lewat layanan online Direktorat Jenderal Pajak.",
    "disnaker": "Kartu kuning (AK-1) dan info lowongan kerja ada di *Dinas Tenaga Kerja* "
                "Kabupaten Kutai Timur.",
    "bansos": "Bantuan sosial (PKH, BLT, DTKS) diurus di *Dinas Sosial* atau kantor desa/"
              "kelurahan Bapak/Ibu.",
    "pindah": "Surat pindah (SKPWNI) belum bisa diurus lewat chat ini. Silakan datang ke kantor "
              "Disdukcapil, atau ketik *petugas* untuk bertanya langsung.",
    "buku_nikah": "Buku nikah bagi yang beragama Islam diterbitkan oleh *KUA kecamatan*; "
                  "duplikat buku nikah juga diurus di KUA.",
}

# What to do when a document is lost (practice in Dukcapil offices; docs/rules.md §1).
LOST = {
    "ktp_print": "KTP-el hilang: minta *surat keterangan hilang dari kepolisian* (Polsek/Polres), "
                 "lalu datang untuk cetak ulang. Jadwal kedatangan bisa dipesan lewat chat ini.",
    "kartu_keluarga": "KK hilang: minta *surat keterangan hilang dari kepolisian*, lalu ajukan "
                      "cetak ulang KK lewat chat ini (foto surat kehilangan dan KTP-el).",
    "kia": "KIA hilang: minta *surat keterangan hilang dari kepolisian*, lalu datang untuk cetak "
           "ulang dengan membawa KK dan akta kelahiran anak.",
    "akta": "Akta yang hilang atau rusak bisa diterbitkan *kutipan kedua*. Siapkan surat "
            "keterangan hilang dari kepolisian (bila hilang) atau akta yang rusak, KK, KTP-el, "
            "dan fotokopi akta lama bila masih ada.",
}
_AKTA = {"akta_kelahiran", "akta_kematian", "akta_perceraian", "marriage_certificate"}


def _services(config: dict) -> dict:
    """The services section of config.yml."""
    return config.get("services", {}) or {}


def _office(config: dict) -> dict:
    """The office section of config.yml."""
    return config.get("office", {}) or {}


def _first(entities: list[dict], kind: str):
    """The first entity of a kind, or None."""
    return next((e for e in entities if e.get("entity") == kind), None)


def _service(entities: list[dict], config: dict) -> str | None:
    """The config key of the first service the message names (if the office offers it)."""
    e = _first(entities, "service")
    return e["value"] if e and e["value"] in _services(config) else None


def _title(config: dict, key: str) -> str:
    """A service's display title."""
    return _services(config).get(key, {}).get("title", key)


def _choices(config: dict) -> str:
    """A short bulleted list of the services, to ask which one is meant."""
    return "\n".join(f"• {s.get('title', k)}" for k, s in _services(config).items())


# ---------------------------------------------------------------------------- office hours

def _hours(config: dict) -> dict[int, tuple[time, time]]:
    """Weekday → (open, close); YAML may give the weekday keys as ints or strings."""
    out = {}
    for day, span in (_office(config).get("hours") or {}).items():
        if span:
            start, end = (time.fromisoformat(str(x)) for x in span)
            out[int(day)] = (start, end)
    return out


def _holidays(config: dict) -> set[date]:
    """The configured closing days."""
    return {date.fromisoformat(str(d)) for d in _office(config).get("holidays") or []}


def _tz(config: dict) -> ZoneInfo:
    """The office's time zone (default WITA)."""
    return ZoneInfo(_office(config).get("timezone") or "Asia/Makassar")


def _zone_label(config: dict) -> str:
    """WITA / WIB / WIT for the office's time zone."""
    return ZONE_LABEL.get(_office(config).get("timezone") or "Asia/Makassar", "")


def _hhmm(t: time) -> str:
    """08.00 (Indonesian style)."""
    return t.strftime("%H.%M")


def _tanggal(d: date) -> str:
    """Senin, 16 Maret 2026."""
    return f"{HARI[d.weekday()]}, {d.day} {BULAN[d.month]} {d.year}"


def _local(now: datetime, config: dict) -> datetime:
    """`now` in the office's zone (a naive datetime is taken as office time)."""
    tz = _tz(config)
    return now.replace(tzinfo=tz) if now.tzinfo is None else now.astimezone(tz)


def open_on(day: date, config: dict) -> tuple[time, time] | None:
    """Opening hours on a date, or None when the office is closed that day."""
    if day in _holidays(config):
        return None
    return _hours(config).get(day.weekday())


def next_opening(now: datetime, config: dict) -> datetime | None:
    """When the office next opens after `now` (None if no opening within 30 days)."""
    now = _local(now, config)
    for offset in range(0, 31):
        day = now.date() + timedelta(days=offset)
        span = open_on(day, config)
        if span is None:
            continue
        opens = datetime.combine(day, span[0], tzinfo=now.tzinfo)
        if opens > now:
            return opens
    return None


def is_open(now: datetime, config: dict) -> bool:
    """Whether the office is open at `now`."""
    now = _local(now, config)
    span = open_on(now.date(), config)
    return bool(span and span[0] <= now.time() < span[1])


def _schedule(config: dict) -> str:
    """The weekly schedule, consecutive days with equal hours grouped ("Senin–Kamis")."""
    hours = _hours(config)
    zone = _zone_label(config)
    lines, day = [], 0
    while day < 7:
        span = hours.get(day)
        end = day
        while end + 1 < 7 and hours.get(end + 1) == span:
            end += 1
        days = HARI[day] if end == day else f"{HARI[day]}–{HARI[end]}"
        if span:
            lines.append(f"• {days}: {_hhmm(span[0])}–{_hhmm(span[1])} {zone}".rstrip())
        else:
            lines.append(f"• {days}: tutup")
        day = end + 1
    lines.append("• Hari libur nasional: tutup")
    return "\n".join(lines)


def _when(opens: datetime, now: datetime) -> str:
    """'hari ini pukul 08.00', 'besok (Selasa) pukul 08.00' or 'Senin, 16 Maret 2026 pukul 08.00'."""
    delta = (opens.date() - now.date()).days
    clock = f"pukul {_hhmm(opens.time())}"
    if delta == 0:
        return f"hari ini {clock}"
    if delta == 1:
        return f"besok ({HARI[opens.weekday()]}) {clock}"
    return f"{_tanggal(opens.date())} {clock}"


def answer_hours(entities: list[dict], config: dict, now: datetime) -> str:
    """Whether the office is open now (or on the day asked about), and when it next opens."""
    now = _local(now, config)
    zone = _zone_label(config)
    asked = _first(entities, "date")
    parts = []
    if asked and date.fromisoformat(asked["value"]) != now.date():
        day = date.fromisoformat(asked["value"])
        span = open_on(day, config)
        if span:
            parts.append(f"Pada {_tanggal(day)} kantor buka pukul {_hhmm(span[0])}–"
                         f"{_hhmm(span[1])} {zone}.")
        else:
            reason = " (hari libur)" if day in _holidays(config) else ""
            parts.append(f"Pada {_tanggal(day)}{reason} kantor *tutup*.")
    if is_open(now, config):
        closes = open_on(now.date(), config)[1]
        parts.append(f"Saat ini kantor *buka* sampai pukul {_hhmm(closes)} {zone}.")
    else:
        opens = next_opening(now, config)
        nxt = f" Buka lagi {_when(opens, now)} {zone}." if opens else ""
        parts.append(f"Saat ini kantor *tutup*.{nxt}")
    parts.append(f"Jam pelayanan:\n{_schedule(config)}")
    parts.append("Pengajuan akta kelahiran, akta kematian, akta perceraian, dan perubahan KK "
                 "bisa Bapak/Ibu kirim lewat chat ini kapan saja; petugas memprosesnya pada jam "
                 "kerja.")
    return "\n\n".join(parts)


# ---------------------------------------------------------------------------- other answers

def answer_location(entities: list[dict], config: dict) -> str:
    """Address and map link; online services need no visit."""
    office = _office(config)
    lines = [f"Kantor {office.get('name', 'Disdukcapil')}:", office.get("address", "")]
    if office.get("map_url"):
        lines.append(f"Peta: {office['map_url']}")
    text = "\n".join(x for x in lines if x)
    online = [s.get("title", k) for k, s in _services(config).items() if s.get("online")]
    if online:
        text += ("\n\nTidak perlu datang untuk " + ", ".join(online) +
                 ": semuanya bisa diurus lewat chat ini.")
    if _first(entities, "kecamatan") or _first(entities, "desa") or _first(entities, "town"):
        text += ("\n\nUntuk pelayanan di kecamatan atau jadwal layanan keliling, ketik *petugas* "
                 "agar dibantu langsung.")
    return text


def answer_cost(entities: list[dict], config: dict) -> str:
    """Always free, and the warning against calo (UU 24/2013 Pasal 79A and 95B)."""
    key = _service(entities, config)
    what = f"Pengurusan {_title(config, key)}" if key else "Semua layanan Disdukcapil"
    return (f"{what} *GRATIS*, tidak dipungut biaya apa pun (UU 24/2013 Pasal 79A).\n\n"
            "Hati-hati dengan calo atau siapa pun yang meminta bayaran: pungutan itu tidak resmi "
            "dan pelakunya dapat dipidana hingga 6 tahun atau denda Rp75 juta (Pasal 95B). "
            "Bila ada yang meminta uang, laporkan kepada kami lewat chat ini.")


def answer_print(config: dict) -> str:
    """Paper, colour and legalisation facts for self-printed documents."""
    p = config.get("print", {}) or {}
    lines = ["Dokumen yang kami kirim (PDF) bisa Bapak/Ibu cetak sendiri:"]
    for key in ("paper", "color", "legalisir"):
        if p.get(key):
            lines.append(f"• {p[key]}")
    lines.append("• Keaslian dokumen bisa diperiksa siapa saja dengan memindai kode QR-nya.")
    return "\n".join(lines)


def answer_duration(entities: list[dict], config: dict) -> str:
    """Processing time of the service named, or the services to choose from."""
    key = _service(entities, config)
    if not key:
        lines = [f"• {s.get('title', k)}: {s.get('duration', '-')}"
                 for k, s in _services(config).items()]
        return ("Lama proses tiap layanan:\n" + "\n".join(lines) +
                "\n\nLayanan mana yang ingin Bapak/Ibu urus?")
    s = _services(config)[key]
    text = f"{s.get('title', key)}: {s.get('duration', 'akan diinformasikan petugas')}."
    if s.get("deadline"):
        text += f"\n\nBatas waktu pelaporan: {s['deadline']}"
    return text


def answer_requirements(entities: list[dict], config: dict) -> str:
    """Requirements of the service named (with the religion rule), or a list to choose from."""
    key = _service(entities, config)
    if not key:
        return ("Persyaratannya tergantung layanan. Layanan mana yang Bapak/Ibu maksud?\n"
                f"{_choices(config)}")
    s = _services(config)[key]
    lines = [f"Persyaratan {s.get('title', key)}:"]
    lines += [f"• {r}" for r in s.get("requirements", [])]
    text = "\n".join(lines)
    if s.get("religion_note"):
        text += f"\n\nPenting: {s['religion_note']}"
    if s.get("deadline"):
        text += f"\n\n{s['deadline']}"
    if s.get("online"):
        text += ("\n\nSemua bisa dikirim lewat chat ini berupa foto/scan dokumen *asli*. Tidak "
                 "perlu surat pengantar RT/RW.")
    else:
        text += ("\n\nLayanan ini dilakukan di kantor; bawa dokumen asli dan fotokopinya. Tidak "
                 "perlu surat pengantar RT/RW.")
    return text + "\n\nSemua layanan *GRATIS*."


def answer_lost(entities: list[dict], config: dict) -> str:
    """What to do when a document is lost or damaged."""
    key = _service(entities, config)
    if key in LOST:
        return LOST[key]
    if key in _AKTA:
        text = LOST["akta"]
        note = _services(config).get(key, {}).get("religion_note")
        return f"{text}\n\n{note}" if note and key == "marriage_certificate" else text
    return ("Bila dokumen hilang, langkah pertama adalah meminta *surat keterangan hilang* di "
            "Polsek/Polres terdekat. Setelah itu:\n"
            f"• {LOST['ktp_print']}\n• {LOST['kartu_keluarga']}\n• {LOST['akta']}\n\n"
            "Dokumen mana yang hilang, Bapak/Ibu?")


def answer_out_of_scope(entities: list[dict], config: dict) -> str:
    """Politely say which office handles it, or what this assistant can do."""
    topic = _first(entities, "topic")
    if topic and topic["value"] in OTHER_OFFICES:
        return (f"Mohon maaf, Bapak/Ibu. {OTHER_OFFICES[topic['value']]}\n\n"
                "Untuk urusan kependudukan (akta, KK, KTP-el, KIA), saya siap membantu: ketik "
                "*menu*.")
    return ("Mohon maaf, saya hanya bisa membantu urusan kependudukan dan pencatatan sipil "
            "(akta, KK, KTP-el, KIA). Ketik *menu* untuk melihat layanan, atau *petugas* untuk "
            "bicara dengan petugas.")


def answer(intent: str, entities: list[dict], config: dict, now: datetime) -> str | None:
    """The FAQ reply for an intent, or None when the intent is not a FAQ."""
    if intent == "ask_hours":
        return answer_hours(entities, config, now)
    if intent == "ask_location":
        return answer_location(entities, config)
    if intent == "ask_cost":
        return answer_cost(entities, config)
    if intent == "ask_print":
        return answer_print(config)
    if intent == "ask_duration":
        return answer_duration(entities, config)
    if intent == "ask_requirements":
        return answer_requirements(entities, config)
    if intent == "ask_lost_document":
        return answer_lost(entities, config)
    if intent == "out_of_scope":
        return answer_out_of_scope(entities, config)
    return None
