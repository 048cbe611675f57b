"""Surat kuasa pelaporan: a reporter who is not of the family reports a birth, death or other event
for the family. The giver of the power (a family member), the receiver, what the power covers,
whose event it is, and signatures (the giver's on a meterai)."""
from delivery.forms import wording
from delivery.forms.page import finish, new_form

NAME = "surat_kuasa"

EVENTS = ["Kelahiran", "Kematian", "Perkawinan", "Perceraian", "Perubahan/perbaikan KK", "Lainnya:"]


def render(office: dict) -> bytes:
    """The blank form as PDF bytes."""
    pdf = new_form(NAME, office)
    pdf.form_title("Surat Kuasa", "Pelaporan pencatatan sipil")
    pdf.guidance(wording.HOW_TO_FILL)
    pdf.text("Saya yang bertanda tangan di bawah ini (pemberi kuasa) memberi kuasa kepada (penerima kuasa):")
    pdf.columns([
        ("Pemberi kuasa", [*wording.person(job=False, phone=True), ("line", "Hubungan"),
                           ("note", "dengan orang yang peristiwanya dicatat")]),
        ("Penerima kuasa", [*wording.person(job=False, phone=True), ("line", "Hubungan"),
                            ("note", "dengan pemberi kuasa")]),
    ])
    pdf.section("Khusus untuk")
    pdf.text(f"melaporkan dan mengurus pencatatan peristiwa berikut di {office['name']}:", gap=0.5)
    pdf.fields([
        ("choice", "Jenis peristiwa", EVENTS),
        ("line", "Atas nama"),
        ("boxes", "NIK (bila ada)", 16),
        ("line", "Tanggal peristiwa"),
    ])
    pdf.text("Penerima kuasa berhak mengisi dan menandatangani formulir pelaporan, menyerahkan persyaratan, "
             "memberikan keterangan yang diperlukan, serta menerima dokumen yang diterbitkan. Kuasa ini "
             "tidak dapat dialihkan kepada orang lain.")
    pdf.text("Demikian surat kuasa ini saya buat dengan sebenar-benarnya untuk dipergunakan sebagaimana "
             "mestinya.")
    pdf.place_and_date()
    pdf.signatures([("Penerima kuasa", False), ("Pemberi kuasa", True)])
    return finish(pdf)
