"""F-2.04 — SPTJM kebenaran sebagai pasangan suami istri (Permendagri 109/2019): for a birth record
when the parents have no marriage book or kutipan akta perkawinan. Both spouses, the marriage as
they declare it, two witnesses, the note that the akta will say "perkawinannya belum tercatat",
the legal warning and signatures."""
from delivery.forms import wording
from delivery.forms.page import finish, new_form

NAME = "f2_04"

UNRECORDED_NOTE = (
    "Akta kelahiran yang diterbitkan berdasarkan surat pernyataan ini mencantumkan nama ayah dan ibu, "
    "dengan keterangan bahwa perkawinan orang tuanya belum tercatat sesuai dengan ketentuan peraturan "
    "perundang-undangan. Setelah perkawinan tercatat, Bapak/Ibu dapat mengajukan perubahan akta "
    "kelahiran anak."
)


def render(office: dict) -> bytes:
    """The blank form as PDF bytes."""
    pdf = new_form(NAME, office)
    pdf.form_title("Surat Pernyataan Tanggung Jawab Mutlak\nKebenaran sebagai Pasangan Suami Istri",
                   "Untuk orang tua yang tidak memiliki buku nikah atau kutipan akta perkawinan")
    pdf.guidance(wording.HOW_TO_FILL)
    pdf.text("Kami yang bertanda tangan di bawah ini:")
    pdf.columns([("Suami", wording.person()), ("Istri", wording.person())])
    pdf.text("dengan ini menyatakan dengan sebenar-benarnya bahwa kami adalah pasangan suami istri yang "
             "telah melangsungkan perkawinan menurut hukum agama atau kepercayaan kami:", gap=0.5)
    pdf.fields([
        ("line", "Tanggal perkawinan"),
        ("line", "Tempat perkawinan"),
        ("line", "Agama/kepercayaan"),
        ("line", "Dinikahkan oleh"),
    ])
    pdf.text("Perkawinan kami belum tercatat, dan kami tidak memiliki buku nikah atau kutipan akta "
             "perkawinan. Pernyataan ini kami buat untuk penerbitan akta kelahiran anak kami:", gap=0.5)
    pdf.fields([("line", "Nama anak"), ("line", "Tempat, tanggal lahir anak")])
    pdf.text("Pernyataan ini disaksikan oleh dua orang saksi yang mengetahui perkawinan kami:")
    pdf.columns([("Saksi I", wording.witness()), ("Saksi II", wording.witness())])
    pdf.text(wording.CLOSING.format(we="kami", document="akta kelahiran"))
    pdf.boxed("PERHATIAN: akta kelahiran akan memuat \"perkawinannya belum tercatat\"", UNRECORDED_NOTE)
    pdf.boxed(wording.WARNING_TITLE, wording.WARNING, heavy=True)
    pdf.place_and_date()
    pdf.signatures([("Suami", True), ("Istri", False)], caption="Yang membuat pernyataan")
    pdf.signatures([("Saksi I", False), ("Saksi II", False)])
    return finish(pdf)
