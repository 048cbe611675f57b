"""SPTJM that the kutipan akta perkawinan is lost, for recording a divorce: the original extract is
withdrawn when a divorce is recorded, and this statement stands in for it. The declarant, the
marriage record's data, when and where it was lost, the statement, the legal warning and the
declarant's signature on a meterai."""
from delivery.forms import wording
from delivery.forms.page import finish, new_form

NAME = "sptjm_akta_hilang"


def render(office: dict) -> bytes:
    """The blank form as PDF bytes."""
    pdf = new_form(NAME, office)
    pdf.form_title("Surat Pernyataan Tanggung Jawab Mutlak\nKutipan Akta Perkawinan Hilang",
                   "Untuk pencatatan perceraian tanpa kutipan akta perkawinan asli")
    pdf.guidance(wording.HOW_TO_FILL)
    pdf.text("Saya yang bertanda tangan di bawah ini:")
    pdf.fields([*wording.person(phone=True),
                ("choice", "Kedudukan dalam perkawinan", ["Suami", "Istri"])])
    pdf.text("dengan ini menyatakan dengan sebenar-benarnya bahwa kutipan akta perkawinan dengan data "
             "sebagai berikut:", gap=0.5)
    pdf.section("Data akta perkawinan")
    pdf.fields([
        ("line", "Nomor akta perkawinan"),
        ("line", "Tanggal perkawinan"),
        ("line", "Dicatat oleh"),
        ("note", "Disdukcapil kabupaten/kota tempat perkawinan dicatat"),
        ("line", "Nama suami"),
        ("line", "Nama istri"),
    ])
    pdf.text("telah hilang atau tidak dapat ditemukan lagi, dengan keterangan:", gap=0.5)
    pdf.fields([
        ("line", "Perkiraan waktu hilang"),
        ("lines", "Perkiraan tempat dan sebab hilang", 2),
    ])
    pdf.text("Kutipan akta perkawinan tersebut tidak sedang dijaminkan, tidak berada pada pihak lain "
             "dengan sepengetahuan saya, dan tidak dipakai untuk keperluan lain. Pernyataan ini saya buat "
             "sebagai pengganti kutipan akta perkawinan asli yang harus diserahkan dalam pencatatan "
             "perceraian. Apabila kutipan tersebut ditemukan kembali, saya akan menyerahkannya kepada "
             f"{office['name']}.")
    pdf.text(wording.CLOSING.format(we="saya", document="akta perceraian"))
    pdf.boxed(wording.WARNING_TITLE, wording.WARNING, heavy=True)
    pdf.place_and_date()
    pdf.signatures([None, ("Yang membuat pernyataan", True)])
    return finish(pdf)
