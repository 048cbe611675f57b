"""Time build_receipt: median and p95 ms per receipt over 50 builds, and the PDF size.

Run from the repository root: .venv/bin/python bench/receipt_bench.py
"""
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from delivery.receipt import build_receipt  # noqa: E402

RUNS = 50

DATA = {
    "office": {
        "name": "Dinas Kependudukan dan Pencatatan Sipil Kabupaten Kutai Timur",
        "short_name": "Disdukcapil Kutim",
        "address": "Jl. Soekarno-Hatta, Kawasan Perkantoran Bukit Pelangi, Sangatta, Kutai Timur",
        "phone": "(0549) 000000",
        "whatsapp": "+62 811-0000-0000",
        "email": "disdukcapil@kutaitimurkab.go.id",
        "website": "https://disdukcapil.kutaitimurkab.go.id",
    },
    "ticket": "AKL-0001",
    "service_title": "Akta Kelahiran",
    "submitted_at": datetime(2026, 11, 29, 2, 45, tzinfo=timezone.utc),
    "applicant_name": "Siti Aminah",
    "applicant_nik": "6408015505900001",
    "applicant_relation": "Ibu",
    "subject_label": "Nama anak",
    "subject_name": "Muhammad Rizky Pratama",
    "channel": "WhatsApp",
    "documents_received": ["Surat keterangan lahir", "Kartu Keluarga", "KTP-el ayah", "KTP-el ibu"],
    "documents_missing": ["Buku nikah / akta perkawinan orang tua"],
    "next_steps": ["Petugas memeriksa berkas (1–2 hari kerja).", "Akta dikirim lewat chat ini."],
    "duration": "Biasanya 3–5 hari kerja setelah berkas lengkap.",
    "verify_url": "https://disdukcapil.kutaitimurkab.go.id/v/8f3k2m9q",
    "notes": ["Layanan ini GRATIS. Jangan berikan uang kepada siapa pun."],
}


def main() -> None:
    """Build one warm-up receipt, then RUNS timed ones, and print the figures."""
    start = time.perf_counter()
    pdf = build_receipt(DATA)
    first_ms = (time.perf_counter() - start) * 1000
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        pdf = build_receipt(DATA)
        times.append((time.perf_counter() - start) * 1000)
    p95 = statistics.quantiles(times, n=20, method="inclusive")[18]
    print(f"first build (imports warm, cold caches): {first_ms:.1f} ms")
    print(f"{RUNS} receipts: median {statistics.median(times):.1f} ms, p95 {p95:.1f} ms")
    print(f"PDF size: {len(pdf) / 1024:.1f} KiB ({len(pdf)} bytes, 1 page)")


if __name__ == "__main__":
    main()
