"""Kutipan Akta Kematian (the extract of the death record), drawn like the Kutipan Akta Kelahiran
(akta_kelahiran.py) on the same HVS form family used since 2020.

One A4 portrait page, black on white: the record number, the deceased's NIK, where and when the
death happened (and the hour when known), the deceased's name and sex, where and when the extract
was issued, the head of the office, the electronic-signature note and a QR code to check the
document. As on the official extract, the NIK is printed whole (nothing masked): the extract is the
citizen's own document.

The answers are those of flows/akta_kematian.yml: almarhum_nama, almarhum_nik (a NIK, or
{"unknown": true} for an unknown identity), almarhum_jk (choice id L/P), tgl_kematian (ISO date),
pukul_kematian ("HH:MM" or {"unknown": true}) and kota_kematian. When the officer gives the NIK SIAK
holds (subject_nik), that one is printed.
"""
from datetime import date
from functools import partial

from delivery.certificates.parts import (centred_line, open_page, required_date, signature_block,
                                         specimen_banner, specimen_footer, verification)

TITLE = "KUTIPAN AKTA KEMATIAN"
SEX = {"L": "laki-laki", "P": "perempuan"}


def _known(value) -> str:
    """An answer as trimmed text; "" when absent, empty or answered "tidak tahu"."""
    if value is None or isinstance(value, dict):  # {"unknown": true}
        return ""
    return str(value).strip()


def _hour(value) -> str:
    """"pukul 14.30" from "14:30"; "" when the hour is unknown."""
    text = _known(value)
    return f"pukul {text.replace(':', '.')}" if text else ""


def render(answers: dict, *, document_number: str, issued_on: date, verify_url: str, office: dict,
           specimen: bool) -> bytes:
    """The unsigned one-page PDF of the Kutipan Akta Kematian."""
    name = _known(answers.get("almarhum_nama"))
    if not name:
        raise ValueError("almarhum_nama is required for a Kutipan Akta Kematian")
    died_on = required_date(answers.get("tgl_kematian"), "tgl_kematian", "Kutipan Akta Kematian")
    hour = _hour(answers.get("pukul_kematian"))
    place = _known(answers.get("kota_kematian")) or "-"
    nik = _known(answers.get("subject_nik")) or _known(answers.get("almarhum_nik")) or "-"
    sex = SEX.get(_known(answers.get("almarhum_jk")).upper(), "")
    pdf = open_page("Kutipan Akta Kematian", office, name, place, nik, document_number, verify_url)
    line = partial(centred_line, pdf)

    specimen_banner(pdf, specimen)
    line("PENCATATAN SIPIL", 12, bold=True, height=6)
    pdf.ln(5)
    line(TITLE, 20, bold=True, height=10)
    pdf.ln(1)
    line(f"NIK: {nik}", 11, height=6)
    pdf.ln(6)
    line(f"Berdasarkan Akta Kematian Nomor {document_number}", 11, height=6)
    pdf.ln(4)
    # The body as on the printed form: the connecting words in plain type, the facts in bold.
    body = [("bahwa di", place, 13), ("pada tanggal", died_on + (f", {hour}" if hour else ""), 13),
            ("telah meninggal dunia", name, 16)]
    if sex:
        body.append((None, f"{sex}", 12))
    for words, fact, size in body:
        if words:
            line(words, 11, height=6)
        line(fact, size, bold=True, height=size * 0.5)
        pdf.ln(3)

    signature_block(pdf, office, issued_on, top=max(pdf.get_y() + 6, 180))
    verification(pdf, verify_url, specimen=specimen)
    specimen_footer(pdf, specimen)
    return pdf.to_bytes()
