"""A flow's cross-field checks (`checks:` in its file): dates in the right order, NIKs that differ."""
from datetime import date, timedelta

from flows.definition import Check, Flow, birthday, is_unknown
from flows.validators import Invalid, parse_nik


def _date_of(check: Check, step_id: str, answers: dict, today: date) -> date | None:
    """A date answer, or the birth date a NIK answer encodes (`than_nik`); None when unusable."""
    value = answers.get(step_id)
    if not isinstance(value, str):
        return None
    if check.than_nik and step_id == check.steps[1]:
        try:
            return parse_nik(value, today=today).birth_date
        except Invalid:
            return None
    return date.fromisoformat(value)


def holds(check: Check, answers: dict, today: date) -> bool:
    """Whether the rule holds; an answer missing or 'tidak tahu' leaves nothing to check."""
    if check.rule == "later":
        later, earlier = (_date_of(check, s, answers, today) for s in check.steps)
        if later is None or earlier is None:
            return True
        return later >= birthday(earlier, check.years) + timedelta(days=check.min_days)
    first = answers.get(check.steps[0])
    if not first or is_unknown(first):
        return True
    return all(answers.get(other) != first for other in check.steps[1:])


def failed(flow: Flow, answers: dict, today: date, step_id: str | None = None) -> list[Check]:
    """The checks that do not hold (only those reading `step_id` when it is given)."""
    return [c for c in flow.checks if (step_id is None or step_id in c.steps) and not holds(c, answers, today)]
