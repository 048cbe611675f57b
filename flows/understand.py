"""What a citizen means when no question is pending: greeting, a service, status, thanks.

This keyword reader is the fallback; nlu/ (the trained classifier) is used when it is present.
"""
import re

from flows.inputs import clean

TICKET = re.compile(r"\b([A-Za-z]{2,5}-[0-9]{4,}(?:-[0-9]+)*)\b")

GREETINGS = ("halo", "hallo", "hai", "hi", "hello", "assalamualaikum", "assalamu'alaikum", "salam",
             "pagi", "siang", "sore", "malam", "selamat pagi", "selamat siang", "selamat sore",
             "selamat malam", "permisi", "min", "kak", "p", "ping", "tes", "test", "mulai", "start")
SERVICE_WORDS = [
    ("akta_kelahiran", ("kelahiran", "akta lahir", "akte lahir", "akta kelahiran", "akte kelahiran", "lahir")),
    ("akta_kematian", ("kematian", "meninggal", "akta mati", "akte mati")),
    ("akta_perceraian", ("cerai", "perceraian")),
    ("marriage_certificate", ("perkawinan", "nikah", "kawin")),
    ("kartu_keluarga", ("kartu keluarga", "kk")),
    ("ktp_recording", ("rekam", "perekaman", "pemula")),
    ("kia", ("kia", "kartu identitas anak")),
    ("ktp_print", ("ktp", "e-ktp", "ektp", "ktp-el", "ktp el")),
]


def understand(text: str) -> tuple[str, str | None, str | None]:
    """(intent, service key, ticket) for an idle message; intent 'unknown' when unsure."""
    said = clean(text)
    ticket = TICKET.search(text or "")
    if "status" in said or (ticket and ("cek" in said or "sudah" in said or "udah" in said)):
        return "check_status", None, ticket.group(1) if ticket else None
    if said in ("lanjut", "lanjutkan", "teruskan"):
        return "resume", None, None
    words = set(re.findall(r"[a-z0-9-]+", said))
    for key, keys in SERVICE_WORDS:
        if any((k in said) if " " in k else (k in words) for k in keys):
            return "service", key, None
    if said in GREETINGS or said.split(" ")[0] in GREETINGS[:9]:
        return "greet", None, None
    if any(w in words for w in ("makasih", "terima", "trims", "thanks", "tq", "mksh", "terimakasih")):
        return "thank", None, None
    return "unknown", None, None
