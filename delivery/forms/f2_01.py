"""F-2.01 — Formulir pelaporan pencatatan sipil di dalam wilayah NKRI (Permendagri 109/2019), a blank
version on two pages: the kind of event, the reporter, the subjects of the record, two witnesses,
the parents, and the parts for a birth, a death and a divorce (the events reported through the
assistant); then the reporter's and the officer's signatures."""
from delivery.forms import wording
from delivery.forms.page import finish, new_form

NAME = "f2_01"

EVENTS = ["Kelahiran", "Lahir mati", "Perkawinan", "Pembatalan perkawinan", "Perceraian",
          "Pembatalan perceraian", "Kematian", "Pengangkatan anak", "Pengakuan anak", "Pengesahan anak",
          "Perubahan nama", "Perubahan kewarganegaraan", "Pembetulan akta", "Pembatalan akta", "Lainnya:"]


def render(office: dict) -> bytes:
    """The blank form as PDF bytes."""
    pdf = new_form(NAME, office)
    pdf.form_title("Formulir Pelaporan Pencatatan Sipil\ndi Dalam Wilayah NKRI")
    pdf.guidance(wording.HOW_TO_FILL + " Isi bagian V sampai VII yang sesuai dengan peristiwa yang "
                 "dilaporkan saja.")
    pdf.section("Jenis pelaporan")
    pdf.fields([("choice", None, EVENTS)])
    pdf.section("I. Data pelapor")
    pdf.fields([
        ("line", "Nama lengkap"),
        ("boxes", "NIK", 16),
        ("line", "Nomor dokumen perjalanan"),
        ("note", "Paspor, bagi pelapor warga negara asing"),
        ("boxes", "Nomor KK", 16),
        ("choice", "Kewarganegaraan", wording.CITIZENSHIP),
        ("line", "Hubungan dengan subjek akta"),
    ])
    pdf.section("II. Data subjek akta")
    pdf.columns([
        ("Subjek akta kesatu", [("line", "Nama lengkap"), ("boxes", "NIK", 16), ("boxes", "Nomor KK", 16)]),
        ("Subjek akta kedua (bila ada)", [("line", "Nama lengkap"), ("boxes", "NIK", 16),
                                          ("boxes", "Nomor KK", 16)]),
    ])
    pdf.section("III. Data saksi")
    pdf.columns([
        ("Saksi I", wording.witness(kk=True, citizenship=True, address=False)),
        ("Saksi II", wording.witness(kk=True, citizenship=True, address=False)),
    ])
    pdf.section("IV. Data orang tua")
    parent = [("line", "Nama lengkap"), ("boxes", "NIK", 16), ("line", "Tempat lahir"),
              ("line", "Tanggal lahir"), ("choice", "Kewarganegaraan", wording.CITIZENSHIP)]
    pdf.columns([("Ayah", parent), ("Ibu", parent)])

    pdf.section("V. Kelahiran")
    pdf.fields([
        ("line", "Nama anak"),
        ("choice", "Jenis kelamin", wording.SEX),
        ("choice", "Tempat dilahirkan", ["RS/RB", "Puskesmas", "Polindes", "Rumah", "Lainnya:"]),
        ("line", "Tempat kelahiran (kota/kab.)"),
        ("row", [("line", "Hari dan tanggal lahir"), ("line", "Pukul")]),
        ("choice", "Jenis kelahiran", ["Tunggal", "Kembar 2", "Kembar 3", "Kembar 4", "Lainnya:"]),
        ("line", "Kelahiran ke-"),
        ("choice", "Penolong kelahiran", ["Dokter", "Bidan/perawat", "Dukun", "Lainnya:"]),
        ("row", [("line", "Berat bayi (kg)"), ("line", "Panjang bayi (cm)")]),
    ])
    pdf.section("VI. Kematian")
    pdf.fields([
        ("line", "Nama lengkap"),
        ("boxes", "NIK", 16),
        ("row", [("line", "Hari dan tanggal kematian"), ("line", "Pukul")]),
        ("choice", "Sebab kematian", ["Sakit biasa/tua", "Wabah penyakit", "Kecelakaan", "Kriminalitas",
                                      "Bunuh diri", "Lainnya:"]),
        ("line", "Tempat kematian"),
        ("choice", "Yang menerangkan", ["Dokter", "Tenaga kesehatan", "Kepolisian", "Lainnya:"]),
    ])
    pdf.section("VII. Perceraian")
    pdf.fields([
        ("row", [("line", "Nomor akta perkawinan"), ("line", "Tanggal")]),
        ("line", "Tempat pencatatan perkawinan"),
        ("line", "Nama pengadilan"),
        ("row", [("line", "Nomor putusan pengadilan"), ("line", "Tanggal")]),
        ("row", [("line", "Nomor surat keterangan panitera"), ("line", "Tanggal")]),
    ])
    pdf.text("Saya menyatakan bahwa data yang saya isi dalam formulir ini benar.")
    pdf.place_and_date()
    pdf.signatures([("Petugas penerima", False), None, ("Pelapor", False)])
    return finish(pdf)
