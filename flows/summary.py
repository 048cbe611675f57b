"""Showing answers back to the citizen: the summary, single values, masked numbers."""
from datetime import date

from bot.core.privacy import mask_nik
from flows.definition import Flow, Step, applies, is_unknown, live_answers, texts
from flows.placeholders import fill
from flows.validators import format_date_id
from nlu.faq import HARI


def format_value(step: Step, value) -> str:
    """One answer as the citizen should see it (NIK and KK masked)."""
    words = texts()["values"]
    if value is None:
        return words["none"]
    if is_unknown(value):
        return words["unknown"]
    if step.kind in ("nik", "kk"):
        return mask_nik(value)
    if step.kind == "date":
        return format_date_id(date.fromisoformat(value))
    if step.kind == "choice":
        return next((c["title"] for c in step.choices if c["id"] == value), str(value))
    if step.kind == "multi_choice":
        return ", ".join(c["title"] for c in step.choices if c["id"] in value)
    if step.kind in ("yes_no", "consent"):
        return words["yes"] if value else words["no"]
    if step.kind == "photo":
        return words["photo_missing"] if value.get("missing") else words["photo_received"]
    if step.kind == "visit_day":
        day = date.fromisoformat(value)
        return f"{HARI[day.weekday()]}, {format_date_id(day)}"
    if step.kind == "visit_place":
        return value.get("name", "")
    if step.kind == "visit_slot":
        return value.get("label", "")
    if step.kind == "number" and step.options.get("unit"):
        return fill(words["with_unit"], value=value, unit=step.options["unit"])
    return str(value)


def answered_steps(flow: Flow, answers: dict, today: date, window=None) -> list[Step]:
    """The steps that apply and have an answer, in flow order but each section kept together (the
    reporter's NIK asked late still shows under *Pelapor*); the summary numbers them in this order.
    `window`: the booking window of a flow that books visits (flows.definition.condition_holds)."""
    live = live_answers(flow.steps, answers, today, window)
    steps = [s for s in flow.steps if s.id in live]
    first = {}
    for i, s in enumerate(steps):
        first.setdefault(s.section, i)
    return sorted(steps, key=lambda s: first[s.section])


def summary_lines(flow: Flow, answers: dict, today: date, section: str | None = None, window=None) -> list[str]:
    """Numbered lines 'N. Label: value' under their section headings, a blank line between sections
    (the numbers are what *ubah* refers to); only one section's lines when `section` is given."""
    lines, current = [], None
    for i, s in enumerate(answered_steps(flow, answers, today, window), 1):
        if section is not None and s.section != section:
            continue
        if s.section and s.section != current:
            if lines:
                lines.append("")
            lines.append(fill(texts()["summary_section"], section=s.section))
            current = s.section
        lines.append(f"{i}. {_short_label(s)}: {format_value(s, answers[s.id])}")
    return lines


def _short_label(step: Step) -> str:
    """The label without the section a repeat copy adds to it ('Nama (Anggota 2)' under 'Anggota 2')."""
    suffix = f" ({step.section})"
    return step.label[:-len(suffix)] if step.section and step.label.endswith(suffix) else step.label


def sections(flow: Flow, answers: dict, today: date, window=None) -> list[tuple[str, int]]:
    """(section, number of answers) in order, for the answered steps that have a section."""
    counts: dict[str, int] = {}
    for s in answered_steps(flow, answers, today, window):
        if s.section:
            counts[s.section] = counts.get(s.section, 0) + 1
    return list(counts.items())


def documents(flow: Flow, answers: dict, today: date) -> tuple[list[str], list[str]]:
    """(received, missing) document names from the photo steps that apply."""
    received, missing = [], []
    live = live_answers(flow.steps, answers, today)
    for s in flow.steps:
        if s.kind != "photo" or not applies(s, live, today):
            continue
        value = answers.get(s.id) or {"missing": True}
        (missing if value.get("missing") else received).append(s.document or s.label)
    return received, missing
