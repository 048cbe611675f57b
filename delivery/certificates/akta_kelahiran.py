"""Kutipan Akta Kelahiran (the extract of the birth record), modelled on the HVS form used since 2020.

One A4 portrait page, black on white: the record number, the child's NIK, name, sex, place and
date of birth, birth order and parents, where and when the extract was issued, the head of the
office, the electronic-signature note and a QR code to check the document. No letterhead: an issued
civil-registration document is not a letter of the office (the receipt's kop surat would be wrong).

The answers are those of flows/akta_kelahiran.yml: anak_nama, anak_jk (choice id L/P),
anak_tgl_lahir (ISO date), anak_kota_lahir, anak_ke (number), ayah_nama, ibu_nama, ayah_wn and
ibu_wn (WNI/WNA). The child's NIK (anak_nik) is asked only of an adult registering their own birth:
otherwise SIAK gives it when the record is made, so it is printed when the caller puts it in the
answers and "-" otherwise.

Families as they are: when the father is not known (ayah_status tidak_diketahui) the extract names
the mother only; a found child (asal_usul ditemukan) has no parent lines; when the parents' marriage
is not recorded (punya_buku_nikah false: an F-2.04 SPTJM) the parents' line carries the phrase the
law requires. An answer given as "tidak tahu" ({"unknown": true}) prints as "-".
"""
from datetime import date
from functools import partial

from delivery.certificates.parts import (centred_line, open_page, required_date, signature_block,
                                         specimen_banner, specimen_footer, verification)

TITLE = "KUTIPAN AKTA KELAHIRAN"
SEX = {"L": "laki-laki", "P": "perempuan"}

UNRECORDED_MARRIAGE = "yang perkawinannya belum tercatat sesuai ketentuan peraturan perundang-undangan"


def _text(answers: dict, key: str) -> str:
    """An answer as trimmed text, "-" when absent, empty or answered "tidak tahu"."""
    value = answers.get(key)
    if isinstance(value, dict):  # {"unknown": true}, or a place kept with its parts
        value = value.get("name") or value.get("value") if not value.get("unknown") else None
    text = str(value).strip() if value is not None else ""
    return text or "-"


def parent_lines(answers: dict) -> list[tuple[str, str]]:
    """(connecting words, name) for the parents' lines: both parents, the mother only, or none."""
    if answers.get("asal_usul") == "ditemukan":
        return []
    mother = ("dari ibu", _text(answers, "ibu_nama"))
    if answers.get("ayah_status") == "tidak_diketahui":
        return [mother]
    lines = [("dari ayah", _text(answers, "ayah_nama")), ("dan ibu", _text(answers, "ibu_nama"))]
    if answers.get("punya_buku_nikah") is False:
        lines.append((UNRECORDED_MARRIAGE, ""))
    return lines


def _birth_order(value) -> str:
    """anak_ke as a plain number ("2"), "-" when unknown."""
    if value is None or value == "" or isinstance(value, dict):
        return "-"
    try:
        return str(int(value))
    except (TypeError, ValueError):
        return str(value).strip() or "-"


def _nationality(answers: dict) -> str:
    """INDONESIA when either parent is WNI or the child was found in Indonesia (UU 12/2006 Ps 4),
    ASING when every known parent is WNA, else ""."""
    if answers.get("asal_usul") == "ditemukan":
        return "INDONESIA"
    parents = {answers.get("ayah_wn"), answers.get("ibu_wn")} - {None}
    if "WNI" in parents:
        return "INDONESIA"
    if parents == {"WNA"}:
        return "ASING"
    return ""


def render(answers: dict, *, document_number: str, issued_on: date, verify_url: str, office: dict,
           specimen: bool) -> bytes:
    """The unsigned one-page PDF of the Kutipan Akta Kelahiran."""
    name = _text(answers, "anak_nama")
    if name == "-":
        raise ValueError("anak_nama is required for a Kutipan Akta Kelahiran")
    born_on = required_date(answers.get("anak_tgl_lahir"), "anak_tgl_lahir", "Kutipan Akta Kelahiran")
    place = _text(answers, "anak_kota_lahir")
    nik = _text(answers, "anak_nik") if answers.get("anak_nik") else _text(answers, "subject_nik")
    sex = SEX.get(str(answers.get("anak_jk") or "").upper(), "-")
    order = _birth_order(answers.get("anak_ke"))
    parents = parent_lines(answers)
    nationality = _nationality(answers)
    pdf = open_page("Kutipan Akta Kelahiran", office, name, place, nik, *(p for _, p in parents), document_number,
                    verify_url)
    line = partial(centred_line, pdf)
    specimen_banner(pdf, specimen)
    line("PENCATATAN SIPIL", 12, bold=True, height=6)
    if nationality:
        line(f"WARGA NEGARA: {nationality}", 10, height=5)
    pdf.ln(5)
    line(TITLE, 20, bold=True, height=10)
    pdf.ln(1)
    line(f"NIK: {nik}", 11, height=6)
    pdf.ln(6)
    line(f"Berdasarkan Akta Kelahiran Nomor {document_number}", 11, height=6)
    pdf.ln(4)
    # The body as on the printed form: the connecting words in plain type, the facts in bold.
    child = f"anak ke-{order}, {sex}," if order != "-" else f"{sex},"
    for words, fact, size in (
        ("bahwa di", place, 13),
        ("pada tanggal", born_on, 13),
        ("telah lahir", name, 16),
        (None, child, 12),
        *((words, parent, 13) for words, parent in parents),
    ):
        if words:
            line(words, 11, height=6)
        if fact:
            line(fact, size, bold=True, height=size * 0.5)
        pdf.ln(3)

    signature_block(pdf, office, issued_on, top=max(pdf.get_y() + 6, 190))
    verification(pdf, verify_url, specimen=specimen)
    specimen_footer(pdf, specimen)
    return pdf.to_bytes()
