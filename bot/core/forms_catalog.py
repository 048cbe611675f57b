"""The blank official forms the assistant can send as a PDF in the chat (flow files: `attach: <name>`).

Only names and words live here, so that flows/ (which must not import delivery/) can check a flow
file's `attach:` against FORM_NAMES; delivery/forms/ draws each form and refuses a name not listed.
"""

# name: (form code, title, file name the citizen sees, caption sent with the file)
FORMS: dict[str, tuple[str, str, str, str]] = {
    "f2_01": (
        "F-2.01",
        "Formulir Pelaporan Pencatatan Sipil di Dalam Wilayah NKRI",
        "F-2.01-Formulir-pelaporan-pencatatan-sipil.pdf",
        "Formulir F-2.01 (pelaporan pencatatan sipil). Silakan cetak dan isi dengan huruf cetak. "
        "Formulir ini gratis.",
    ),
    "f2_03": (
        "F-2.03",
        "Surat Pernyataan Tanggung Jawab Mutlak Kebenaran Data Kelahiran",
        "F-2.03-SPTJM-kelahiran.pdf",
        "Formulir F-2.03 (SPTJM kebenaran data kelahiran), untuk kelahiran tanpa surat keterangan "
        "lahir. Silakan cetak, isi, dan tanda tangani bersama 2 orang saksi. Formulir ini gratis.",
    ),
    "f2_04": (
        "F-2.04",
        "Surat Pernyataan Tanggung Jawab Mutlak Kebenaran sebagai Pasangan Suami Istri",
        "F-2.04-SPTJM-pasangan-suami-istri.pdf",
        "Formulir F-2.04 (SPTJM kebenaran sebagai pasangan suami istri), bila buku nikah/akta "
        "perkawinan tidak ada. Silakan cetak, isi, dan tanda tangani bersama 2 orang saksi. "
        "Formulir ini gratis.",
    ),
    "surat_kuasa": (
        "Surat Kuasa",
        "Surat Kuasa Pelaporan Pencatatan Sipil",
        "Surat-kuasa-pelaporan.pdf",
        "Surat kuasa pelaporan, bila yang melapor bukan anggota keluarga. Silakan cetak, isi, dan "
        "tanda tangani. Formulir ini gratis.",
    ),
    "sptjm_akta_hilang": (
        "SPTJM",
        "Surat Pernyataan Tanggung Jawab Mutlak Kutipan Akta Perkawinan Hilang",
        "SPTJM-kutipan-akta-perkawinan-hilang.pdf",
        "Formulir SPTJM kutipan akta perkawinan hilang. Silakan cetak, isi, dan tanda tangani. "
        "Formulir ini gratis.",
    ),
}

FORM_NAMES: tuple[str, ...] = tuple(FORMS)
# name: "F-2.03 Surat Pernyataan …" (what a flow check or the officer's screen may show)
FORM_TITLES: dict[str, str] = {name: f"{code} {title}" if code.startswith("F-") else title
                               for name, (code, title, _, _) in FORMS.items()}


def filename(name: str) -> str:
    """The file name a form is sent under."""
    return FORMS[name][2]


def caption(name: str) -> str:
    """The sentence sent with a form when the reply carrying it has no text of its own."""
    return FORMS[name][3]
