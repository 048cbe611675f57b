"""Time the issued birth certificate: render, sign, and both, in documents a second on one core.

Fonts and the signer are loaded once (as in a worker process) before the timed passes. Each pass
times --docs documents three ways (render only, sign only, render+sign), plus a ceiling: a minimal
fpdf2 page with a core font, unsigned, so the figures can be read as a ratio on this machine.
Prints the median and spread (min–max) across passes. Rates are per CPU-second of this thread,
so other processes on the machine do not count; each pass also shows its wall-clock rate.

Run from the repository root: PYTHONPATH=. .venv/bin/python bench/sign_bench.py [--passes 5] [--docs 50]
(without SIGNING_P12 a development certificate is made in $INSTANCE_PATH or ./instance)
"""
import argparse
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fpdf import FPDF  # noqa: E402

from bench.receipt_bench import DATA  # noqa: E402
from delivery import certificates, signing  # noqa: E402

ANSWERS = {
    "hubungan": "ibu",
    "anak_nama": "Muhammad Rizky Pratama",
    "anak_jk": "L",
    "anak_tgl_lahir": "2026-01-05",
    "anak_kota_lahir": "Sangatta, Kutai Timur",
    "anak_ke": 2,
    "ayah_nama": "Budi Santoso",
    "ayah_wn": "WNI",
    "ibu_nama": "Siti Aminah",
    "ibu_wn": "WNI",
}


def render(i: int) -> bytes:
    """One certificate; the number and link differ per document, as they would in production."""
    return certificates.render(
        "akta_kelahiran", ANSWERS, document_number=f"6408-LT-05012026-{i:04d}", issued_on=date(2026, 2, 12),
        verify_url=f"https://disdukcapil.kutaitimurkab.go.id/v/8f3k{i:04d}", office=DATA["office"],
        specimen=signing.is_specimen(),
    )


def ceiling_page(i: int) -> bytes:
    """The least fpdf2 can do for a page: core font, one line, no embedding, no signature."""
    pdf = FPDF(format="A4")
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(0, 10, f"KUTIPAN AKTA KELAHIRAN {i}")
    return bytes(pdf.output())


CLOCK = time.thread_time


def rate(n: int, seconds: float) -> float:
    """Documents a second."""
    return n / seconds if seconds else float("inf")


def one_pass(docs: int) -> dict[str, float]:
    """Docs/s for render, sign, render+sign and the ceiling, over `docs` documents.

    The four are interleaved document by document, so a noisy neighbour slows them alike, and
    timed in this thread's CPU time (time.thread_time): "documents a second on one core".
    """
    spent = {"render": 0.0, "sign": 0.0, "ceiling": 0.0}
    wall = time.perf_counter()
    for i in range(docs):
        t0 = CLOCK()
        pdf = render(i)
        t1 = CLOCK()
        signing.sign_pdf(pdf)
        t2 = CLOCK()
        ceiling_page(i)
        t3 = CLOCK()
        spent["render"] += t1 - t0
        spent["sign"] += t2 - t1
        spent["ceiling"] += t3 - t2
    wall = time.perf_counter() - wall
    return {"render": rate(docs, spent["render"]), "sign": rate(docs, spent["sign"]),
            "both": rate(docs, spent["render"] + spent["sign"]), "ceiling": rate(docs, spent["ceiling"]),
            "wall_both": rate(docs, wall - spent["ceiling"])}


def spread(values: list[float]) -> str:
    """"median (min–max)"."""
    return f"{statistics.median(values):.1f} ({min(values):.1f}–{max(values):.1f})"


def main() -> None:
    """Warm up (fonts cut, signer loaded), run the passes and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passes", type=int, default=5)
    parser.add_argument("--docs", type=int, default=50)
    args = parser.parse_args()

    start = time.perf_counter()
    first = signing.sign_pdf(render(0))
    print(f"first document (fonts cut, signer loaded): {(time.perf_counter() - start) * 1000:.0f} ms, "
          f"{len(first) / 1024:.1f} KiB signed, specimen={signing.is_specimen()}")
    assert signing.signature_intact(first)

    passes = [one_pass(args.docs) for _ in range(args.passes)]
    col = {key: [p[key] for p in passes] for key in passes[0]}
    for n, p in enumerate(passes, start=1):
        print(f"pass {n}: render {p['render']:.1f}/s, sign {p['sign']:.1f}/s, render+sign {p['both']:.1f}/s, "
              f"ceiling {p['ceiling']:.0f}/s (ratio {p['both'] / p['ceiling']:.4f}); "
              f"wall clock render+sign {p['wall_both']:.1f}/s")
    print(f"{args.passes} passes × {args.docs} documents, median (min–max), documents per CPU-second:")
    print(f"  render only   {spread(col['render'])}")
    print(f"  sign only     {spread(col['sign'])}")
    print(f"  render+sign   {spread(col['both'])}")
    print(f"  ceiling       {spread(col['ceiling'])}")
    both, ceiling = statistics.median(col["both"]), statistics.median(col["ceiling"])
    render_ms, sign_ms = 1000 / statistics.median(col["render"]), 1000 / statistics.median(col["sign"])
    print(f"sign docs/s={both:.1f} render_ms={render_ms:.1f} sign_ms={sign_ms:.1f} ceiling_docs/s={ceiling:.0f}")


if __name__ == "__main__":
    main()
