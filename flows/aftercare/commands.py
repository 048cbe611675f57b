"""The words that ask for something about a filed request: lengkapi, batalkan, kirim ulang, cek."""
import re

TICKET = re.compile(r"(?<![A-Za-z0-9])([A-Za-z]{2,5}-\d{4,}(?:-\d+)*)(?![A-Za-z0-9])")
# "lengkapi", "perbaiki AKL-0001", "mau lengkapi berkas"
FIX = re.compile(r"^(?:(?:saya |sy |mau |ingin |mo )?(?:lengkapi|lengkapin|melengkapi|perbaiki|perbaikin|"
                 r"memperbaiki))\b")
# "batalkan permohonan AKL-0001", "batal AKL-0001", "batalkan pengajuan saya"
CANCEL = re.compile(r"^(?:(?:saya |sy |mau |ingin |mo )?(?:batalkan|batal|batalin|membatalkan))\b")
CANCEL_WHAT = re.compile(r"\b(permohonan|pengajuan|permintaan|tiket)\b")
# "kirim ulang dokumen", "kirim ulang akta AKL-0001", "tolong kirim lagi aktanya"
# ... but not "kirim ulang fotonya": a photo is not the document. (Checked after the match, not
# by a lookahead, which would rescan the rest of the text at every match.)
RESEND = re.compile(r"\bkirim(?:kan)? (?:ulang|lagi)\b")
PHOTO = re.compile(r"\bfoto")
STATUS = re.compile(r"^(?:cek|status|lihat|check)\b")
# "mau cek keaslian akta", "apakah dokumen ini asli": send the PDF (or a photo of its QR code) here.
VERIFY = re.compile(r"\b(keaslian|keabsahan|asli|palsu|verifikasi)\b")
# A message about a photo or a document while the request waits for one ("ini bu foto ktp ...").
PHOTO_WORDS = re.compile(r"\b(foto|fotonya|poto|potonya|photo|gambar|gambarnya|scan|scannya|lampiran|"
                         r"dokumen|dokumennya|berkas|berkasnya)\b")
DOCUMENT_WORDS = re.compile(r"\b(ktp|ktpnya|ektp|e-ktp|kk|kk nya|kartu keluarga|buku nikah|surat nikah|"
                            r"akta nikah|akta perkawinan|surat lahir|surat keterangan lahir|sptjm)\b")
QUESTION = re.compile(r"\?|\b(apa|apakah|berapa|brp|bagaimana|gimana|gmn|kapan|dimana|kenapa|syarat|syaratnya|"
                      r"biaya|jam|alamat)\b")


# "minta salinan data saya", "hapus data pribadi saya": the citizen's rights over their data (UU PDP).
DATA_MINE = re.compile(r"\bdata (?:saya|sy|aku|ku|pribadi|diri)\b")
DATA_ERASE = re.compile(r"\b(?:hapus|hapuskan|dihapus|menghapus|delete)\b")
DATA_EXPORT = re.compile(r"\b(?:salinan|copy|kopi|unduh|download|ekspor|export|minta|lihat)\b")


def command_in(said: str) -> str | None:
    """fix | cancel | resend | verify | status | data_erase | data_export, when the (cleaned) text
    asks for one of them."""
    ticket = TICKET.search(said)
    if DATA_MINE.search(said) and not ticket:
        if DATA_ERASE.search(said):
            return "data_erase"
        if DATA_EXPORT.search(said):
            return "data_export"
    if FIX.match(said):
        return "fix"
    if CANCEL.match(said) and (ticket or CANCEL_WHAT.search(said)):
        return "cancel"
    resend = RESEND.search(said)
    if resend and not PHOTO.search(said, resend.end()):
        return "resend"
    if VERIFY.search(said) and not ticket:
        return "verify"
    if ticket and (STATUS.match(said) or said == ticket.group(1)):
        return "status"
    return None
