"""Charts drawn on the server as inline SVG: no script, no library, readable without either."""
from markupsafe import Markup, escape

COLOURS = ("#0b5394", "#e69138", "#3c9d5d", "#c0392b")


def _nice_max(value: float) -> float:
    """A round top for the axis (1, 2, 5 × 10^n) at or above the largest value."""
    if value <= 0:
        return 1
    step = 1
    while step * 10 <= value:
        step *= 10
    for factor in (1, 2, 5, 10):
        if step * factor >= value:
            return step * factor
    return step * 10


def grouped_bars(title: str, labels: list[str], series: list[tuple[str, list[float]]], testid: str) -> Markup:
    """Vertical bars per label (a day), one bar per series side by side, with a legend and the
    numbers in each bar's tooltip; the SVG scales to its container's width."""
    width, height, left, bottom, top = 720, 240, 36, 40, 28
    plot_w, plot_h = width - left - 8, height - bottom - top
    # Counts: at least 0–4 on the axis, so a quiet range shows whole numbers, not 0.25 citizens.
    peak = max(_nice_max(max((v for _, values in series for v in values), default=0)), 4)
    slot = plot_w / max(len(labels), 1)
    bar = max(min(slot * 0.8 / max(len(series), 1), 24), 1)
    parts = [f'<svg viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" data-testid="{escape(testid)}" '
             f'class="chart" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>']
    for i in range(5):  # grid lines and the axis numbers
        value = peak * i / 4
        y = top + plot_h - plot_h * i / 4
        parts.append(f'<line x1="{left}" x2="{width - 8}" y1="{y:.1f}" y2="{y:.1f}" stroke="#dde1e6"/>'
                     f'<text x="{left - 4}" y="{y + 4:.1f}" font-size="11" text-anchor="end">{value:g}</text>')
    every = max(1, round(len(labels) / 10))  # at most about ten labels under the axis
    for i, label in enumerate(labels):
        x0 = left + slot * i + (slot - bar * len(series)) / 2
        for j, (name, values) in enumerate(series):
            value = values[i]
            h = plot_h * value / peak
            parts.append(f'<rect x="{x0 + j * bar:.1f}" y="{top + plot_h - h:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                         f'fill="{COLOURS[j % len(COLOURS)]}"><title>{escape(label)} — {escape(name)}: {value:g}</title></rect>')
        if i % every == 0:
            parts.append(f'<text x="{left + slot * i + slot / 2:.1f}" y="{height - bottom + 16}" font-size="11" '
                         f'text-anchor="middle">{escape(label)}</text>')
    x = left
    for j, (name, _) in enumerate(series):  # the legend, above the plot
        parts.append(f'<rect x="{x}" y="6" width="12" height="12" fill="{COLOURS[j % len(COLOURS)]}"/>'
                     f'<text x="{x + 16}" y="16" font-size="12">{escape(name)}</text>')
        x += 24 + 7 * len(name)
    parts.append("</svg>")
    return Markup("".join(parts))


def horizontal_bars(title: str, items: list[tuple[str, float]], testid: str, unit: str = "") -> Markup:
    """One horizontal bar per item (a service), its value written at its end."""
    width, row_h, label_w = 720, 26, 260
    height = row_h * max(len(items), 1) + 8
    peak = max((v for _, v in items), default=0) or 1
    parts = [f'<svg viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" data-testid="{escape(testid)}" '
             f'class="chart" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>']
    for i, (label, value) in enumerate(items):
        y = 4 + i * row_h
        w = (width - label_w - 70) * value / peak
        parts.append(f'<text x="{label_w - 6}" y="{y + 16}" font-size="12" text-anchor="end">{escape(label)}</text>'
                     f'<rect x="{label_w}" y="{y + 4}" width="{w:.1f}" height="{row_h - 8}" fill="{COLOURS[0]}"/>'
                     f'<text x="{label_w + w + 4:.1f}" y="{y + 16}" font-size="12">{value:g}{escape(unit)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
