"""F-2.03 — SPTJM kebenaran data kelahiran (Permendagri 109/2019): for a birth without a birth letter
from a doctor, midwife or health facility. The declarant, the child's birth data, two witnesses who
know of the birth, the statement, the legal warning, and signatures (the declarant's on a meterai)."""
from delivery.forms import wording
from delivery.forms.page import finish, new_form

NAME = "f2_03"


def render(office: dict) -> bytes:
    """The blank form as PDF bytes."""
    pdf = new_form(NAME, office)
    pdf.form_title("Surat Pernyataan Tanggung Jawab Mutlak\nKebenaran Data Kelahiran",
                   "Untuk kelahiran yang tidak memiliki surat keterangan kelahiran")
    pdf.guidance(wording.HOW_TO_FILL)
    pdf.text("Saya yang bertanda tangan di bawah ini:")
    pdf.fields([*wording.person(), ("choice", "Hubungan dengan anak", ["Ayah", "Ibu", "Keluarga", "Lainnya:"])])
    pdf.text("dengan ini menyatakan dengan sebenar-benarnya bahwa telah lahir seorang anak dengan data "
             "kelahiran sebagai berikut:", gap=0.5)
    pdf.section("Data kelahiran anak")
    pdf.fields([
        ("line", "Nama anak"),
        ("choice", "Jenis kelamin", wording.SEX),
        ("line", "Tempat lahir"),
        ("row", [("line", "Hari, tanggal lahir"), ("line", "Pukul")]),
        ("choice", "Jenis kelahiran", ["Tunggal", "Kembar 2", "Kembar 3", "Kembar 4", "Lainnya:"]),
        ("line", "Kelahiran ke-"),
        ("choice", "Penolong kelahiran", ["Dokter", "Bidan/perawat", "Dukun", "Lainnya:"]),
        ("line", "Nama ayah"),
        ("line", "Nama ibu"),
    ])
    pdf.text("Kelahiran tersebut tidak memiliki surat keterangan kelahiran dari dokter, bidan, penolong "
             "kelahiran, rumah sakit, puskesmas, atau fasilitas kesehatan lainnya. Saya bertanggung jawab "
             "sepenuhnya (mutlak) atas kebenaran data kelahiran di atas. Pernyataan ini disaksikan oleh "
             "dua orang saksi yang mengetahui kelahiran tersebut:")
    pdf.columns([("Saksi I", wording.witness()), ("Saksi II", wording.witness())])
    pdf.text(wording.CLOSING.format(we="saya", document="akta kelahiran"))
    pdf.boxed(wording.WARNING_TITLE, wording.WARNING, heavy=True)
    pdf.place_and_date()
    pdf.signatures([("Saksi I", False), ("Saksi II", False), ("Yang membuat pernyataan", True)])
    return finish(pdf)
