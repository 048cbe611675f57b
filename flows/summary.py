"""Showing answers back to the citizen: the summary, single values, masked numbers."""
from datetime import date

from bot.core.privacy import mask_nik
from flows.definition import Flow, Step, applies, texts
from flows.placeholders import fill
from flows.validators import format_date_id


def format_value(step: Step, value) -> str:
    """One answer as the citizen should see it (NIK and KK masked)."""
    words = texts()["values"]
    if value is None:
        return words["none"]
    if step.kind in ("nik", "kk"):
        return mask_nik(value)
    if step.kind == "date":
        return format_date_id(date.fromisoformat(value))
    if step.kind == "choice":
        return next((c["title"] for c in step.choices if c["id"] == value), str(value))
    if step.kind in ("yes_no", "consent"):
        return words["yes"] if value else words["no"]
    if step.kind == "photo":
        return words["photo_missing"] if value.get("missing") else words["photo_received"]
    if step.kind == "number" and step.options.get("unit"):
        return fill(words["with_unit"], value=value, unit=step.options["unit"])
    return str(value)


def answered_steps(flow: Flow, answers: dict, today: date) -> list[Step]:
    """The steps that apply and have an answer, in flow order."""
    return [s for s in flow.steps if s.id in answers and applies(s, answers, today)]


def summary_lines(flow: Flow, answers: dict, today: date) -> list[str]:
    """Numbered lines 'N. Label: value' (the numbers are what *ubah* refers to)."""
    return [f"{i}. {s.label}: {format_value(s, answers[s.id])}"
            for i, s in enumerate(answered_steps(flow, answers, today), 1)]


def documents(flow: Flow, answers: dict, today: date) -> tuple[list[str], list[str]]:
    """(received, missing) document names from the photo steps that apply."""
    received, missing = [], []
    for s in flow.steps:
        if s.kind != "photo" or not applies(s, answers, today):
            continue
        value = answers.get(s.id) or {"missing": True}
        (missing if value.get("missing") else received).append(s.document or s.label)
    return received, missing
