"""Time a receipt: build_receipt alone, and build + sign_pdf as ensure_receipt does, in wall and CPU ms.

PASSES passes of RUNS receipts each; per pass the median, then the median of those and their
spread (min–max), since the machine is shared. Signing uses the development certificate (made in
a temporary instance folder, as the tests do), an EC P-256 key.

Run from the repository root: .venv/bin/python bench/receipt_bench.py [passes] [runs]
"""
import base64
import hashlib
import itertools
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from delivery.receipt import build_receipt  # noqa: E402
from delivery.signing import sign_pdf  # noqa: E402

PASSES, RUNS = 3, 50

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


def receipt(n: int, sign: bool) -> bytes:
    """Receipt n, with its own ticket and a 16-character code like secrets.token_urlsafe(12)'s
    (as in production, no two receipts alike: the link and footer change every time)."""
    code = base64.urlsafe_b64encode(hashlib.sha256(str(n).encode()).digest())[:16].decode()
    data = {**DATA, "ticket": f"AKL-{n:04d}", "verify_url": DATA["verify_url"].rsplit("/", 1)[0] + "/" + code}
    pdf = build_receipt(data)
    return sign_pdf(pdf, reason="Tanda terima permohonan") if sign else pdf


def one_pass(sign: bool, runs: int, numbers: itertools.count) -> tuple[float, float]:
    """Median wall ms and median CPU ms per receipt over runs receipts, each a new number."""
    wall, cpu = [], []
    for n in itertools.islice(numbers, runs):
        w0, c0 = time.perf_counter(), time.process_time()
        receipt(n, sign)
        wall.append((time.perf_counter() - w0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def summary(values: list[float]) -> str:
    """Median of the passes' medians and their range."""
    return f"{statistics.median(values):6.1f} ms (passes {min(values):.1f}–{max(values):.1f})"


def main() -> None:
    """Warm up (fonts, signer), then alternate build-only and build+sign passes and print the figures."""
    passes = int(sys.argv[1]) if len(sys.argv) > 1 else PASSES
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else RUNS
    os.environ.pop("SIGNING_P12", None)
    with tempfile.TemporaryDirectory(prefix="receipt-bench-") as instance:
        os.environ["INSTANCE_PATH"] = instance
        numbers = itertools.count()
        start = time.perf_counter()
        receipt(next(numbers), sign=True)
        first_ms = (time.perf_counter() - start) * 1000
        for n in itertools.islice(numbers, 5):
            receipt(n, sign=True)
        results = {False: [], True: []}
        for _ in range(passes):
            for sign in (False, True):  # alternated, so a noisy spell hits both
                results[sign].append(one_pass(sign, runs, numbers))
        pdf, signed = receipt(next(numbers), sign=False), receipt(next(numbers), sign=True)
    print(f"first receipt (key made, fonts cut and parsed): {first_ms:.0f} ms")
    print(f"{passes} passes of {runs} receipts; median per receipt, median of the passes (their range):")
    for sign, label in ((False, "build_receipt      "), (True, "build + sign_pdf   ")):
        wall, cpu = zip(*results[sign])
        print(f"  {label} wall {summary(list(wall))}   CPU {summary(list(cpu))}")
    print(f"PDF size: {len(pdf)} bytes unsigned, {len(signed)} signed, 1 page")


if __name__ == "__main__":
    main()
