"""Sentences and field groups several forms share (the legal warning, witnesses, a person)."""

HOW_TO_FILL = ("Isi dengan huruf cetak dan tinta hitam. Beri tanda X pada kotak pilihan. "
               "Bagian yang tidak ada datanya diberi tanda strip (-).")

WARNING_TITLE = "PERINGATAN"
WARNING = (
    "Setiap penduduk yang dengan sengaja memalsukan surat dan/atau dokumen kepada Instansi Pelaksana "
    "dalam melaporkan peristiwa kependudukan dan peristiwa penting dipidana dengan pidana penjara paling "
    "lama 6 (enam) tahun dan/atau denda paling banyak Rp50.000.000,00 (lima puluh juta rupiah) — Pasal 93 "
    "Undang-Undang Nomor 23 Tahun 2006 tentang Administrasi Kependudukan sebagaimana telah diubah dengan "
    "Undang-Undang Nomor 24 Tahun 2013. Keterangan palsu dalam surat pernyataan ini juga dapat dituntut "
    "menurut ketentuan pemalsuan surat dalam Kitab Undang-Undang Hukum Pidana (KUHP)."
)

CLOSING = (
    "Demikian surat pernyataan ini {we} buat dengan sebenar-benarnya tanpa paksaan dari pihak mana pun. "
    "Apabila di kemudian hari pernyataan ini ternyata tidak benar, {we} bersedia dituntut sesuai dengan "
    "ketentuan peraturan perundang-undangan, dan {document} yang diterbitkan berdasarkan pernyataan ini "
    "dapat dibatalkan."
)

SEX = ["Laki-laki", "Perempuan"]
CITIZENSHIP = ["WNI", "WNA"]


def person(*, birth: bool = True, job: bool = True, phone: bool = False) -> list[tuple]:
    """Who a person is: name, NIK, birth, job, address (two lines), phone."""
    items = [("line", "Nama lengkap"), ("boxes", "NIK", 16)]
    if birth:
        items.append(("line", "Tempat, tgl. lahir"))
    if job:
        items.append(("line", "Pekerjaan"))
    items.append(("lines", "Alamat", 2))
    if phone:
        items.append(("line", "Nomor HP/WhatsApp"))
    return items


def witness(*, kk: bool = False, citizenship: bool = False, address: bool = True) -> list[tuple]:
    """A witness's data, for the columns of Saksi I and Saksi II."""
    items = [("line", "Nama lengkap"), ("boxes", "NIK", 16)]
    if kk:
        items.append(("boxes", "Nomor KK", 16))
    if citizenship:
        items.append(("choice", "Kewarganegaraan", CITIZENSHIP))
    if address:
        items.append(("lines", "Alamat", 2))
    return items
