"""Flow definitions: one YAML file per service, checked (flows/schema.py) and loaded into plain objects."""
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

from flows import repeats
from flows.schema import (FLOW_DIR, KINDS, TEXTS_FILE, FlowError, check_flow, check_texts, display_name,
                          read_yaml)

__all__ = ["FLOW_DIR", "KINDS", "FlowError", "Step", "Flow", "Deadline", "Submission", "Booking", "Check", "FollowUp",
           "load_flow", "read_flow", "is_unknown", "live_answers",
           "available_flows", "texts", "condition_holds", "applies", "birthday"]


@dataclass(frozen=True)
class Step:
    """One question: what it collects, how it asks, how the answer is checked, when it is skipped."""
    id: str
    kind: str
    ask: str
    label: str
    choices: tuple = ()
    when: dict | None = None
    when_any: tuple = ()
    optional: bool = False
    missing_ok: bool = False
    document: str | None = None
    options: dict = field(default_factory=dict)
    after: tuple = ()
    decline: str | None = None
    section: str | None = None


def is_unknown(value) -> bool:
    """Whether an answer is 'tidak tahu' (a step with unknown_ok stores {"unknown": true})."""
    return isinstance(value, dict) and value.get("unknown") is True


@dataclass(frozen=True)
class Check:
    """A rule between two or more answers (a date later than another, NIKs that must differ)."""
    rule: str
    steps: tuple            # every step the rule reads; it runs when the last of them is answered
    message: str
    than_nik: bool = False  # `later`: the second step is a NIK, compared by the birth date in it
    years: int = 0
    min_days: int = 0
    soft: bool = False
    flag: str | None = None


@dataclass(frozen=True)
class FollowUp:
    """Another request offered after the ticket, started with some of this one's answers."""
    service: str
    title: str
    text: str
    when: dict | None = None
    carry: dict = field(default_factory=dict)
    preset: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Deadline:
    """A legal deadline counted from a date answer: a note for the citizen, a flag for the officer."""
    step: str
    days: int
    flag: str
    note: str | None = None

    def passed(self, answers: dict, today: date) -> bool:
        """Whether the date answered at `step` is more than `days` days before today."""
        return condition_holds({self.step: {"older_than_days": self.days}}, answers, today)


@dataclass(frozen=True)
class Submission:
    """How a finished flow is filed: whose request it is and about whom."""
    subject_label: str
    subject: str
    subject_nik: str | None = None
    applicant_by: str | None = None
    applicant: dict = field(default_factory=dict)
    contact_email: str | None = None

    def applicant_for(self, answers: dict) -> dict:
        """{name, nik, relation} step ids/text for the applicant these answers describe."""
        return self.applicant.get(answers.get(self.applicant_by), {}) if self.applicant_by else {}


@dataclass(frozen=True)
class Booking:
    """A flow that ends in a visit booked (flows/booking.py): the code's prefix (default the
    service's) and what to bring, each item with an optional condition on the answers."""
    prefix: str | None = None
    bring: tuple = ()
    before_age: dict | None = None   # {born: <date step>, years: N}: visit days before the N-th birthday only
    from_age: dict | None = None     # {born, years: N, when?}: visit days from the N-th birthday only (when `when` holds)


@dataclass(frozen=True)
class Flow:
    """A service's dialogue: its steps in order, its intro, and how a submission is filed."""
    name: str
    service: str
    title: str
    intro: str
    steps: tuple
    submit: Submission
    done: str
    deadlines: tuple = ()
    receipt_next_steps: tuple = ()
    receipt_notes: tuple = ()
    checks: tuple = ()
    follow_ups: tuple = ()
    booking: Booking | None = None

    def step(self, step_id: str) -> Step:
        """The step with this id."""
        for s in self.steps:
            if s.id == step_id:
                return s
        raise KeyError(step_id)


# Keys a Step keeps as its own fields; every other kind option goes to Step.options.
_STEP_FIELDS = {"id", "kind", "ask", "label", "choices", "when", "when_any", "optional", "missing_ok",
                "document", "after", "decline", "section"}


def _step(raw: dict) -> Step:
    """Build one (already checked) step from its YAML mapping."""
    return Step(
        id=raw["id"], kind=raw["kind"], ask=raw["ask"].strip(), label=raw.get("label", raw["id"]),
        choices=tuple(raw.get("choices", ())), when=raw.get("when"),
        when_any=tuple(raw.get("when_any", ())), optional=bool(raw.get("optional")),
        missing_ok=bool(raw.get("missing_ok")), document=raw.get("document"),
        options={k: v for k, v in raw.items() if k not in _STEP_FIELDS},
        after=tuple(raw.get("after", ())), decline=raw.get("decline"), section=raw.get("section"),
    )


def _check(raw: dict) -> Check:
    """Build one (already checked) cross-field check."""
    if raw["rule"] == "later":
        steps = (raw["step"], raw.get("than") or raw["than_nik"])
    else:
        steps = tuple(raw["steps"])
    return Check(rule=raw["rule"], steps=steps, message=raw["message"].strip(), than_nik="than_nik" in raw,
                 years=raw.get("years", 0), min_days=raw.get("min_days", 0), soft=bool(raw.get("soft")),
                 flag=raw.get("flag"))


def read_flow(path: Path, name: str | None = None) -> Flow:
    """Check and load one flow file; raise FlowError listing every problem of a bad one."""
    path = Path(path)
    raw, problems = read_yaml(path)
    if raw is not None or not problems:
        problems += check_flow(raw)
        raw = repeats.expand(raw)[0]
    if problems:
        raise FlowError([f"{display_name(path)}: {p}" for p in problems])
    spec = raw["submit"]
    receipt = raw.get("receipt", {})
    return Flow(
        name=name or path.stem, service=raw["service"], title=raw["title"], intro=raw["intro"].strip(),
        steps=tuple(_step(s) for s in raw["steps"]),
        submit=Submission(subject_label=spec["subject_label"], subject=spec["subject"],
                          subject_nik=spec.get("subject_nik"), applicant_by=spec.get("applicant_by"),
                          applicant=spec.get("applicant", {}), contact_email=spec.get("contact_email")),
        done=raw["done"].strip(),
        deadlines=tuple(Deadline(step=d["from"], days=d["days"], flag=d["flag"].strip(),
                                 note=d["note"].strip() if d.get("note") else None)
                        for d in raw.get("deadlines", ())),
        receipt_next_steps=tuple(receipt.get("next_steps", ())), receipt_notes=tuple(receipt.get("notes", ())),
        checks=tuple(_check(c) for c in raw.get("checks", ())),
        follow_ups=tuple(FollowUp(service=f["service"], title=f["title"], text=f["text"].strip(), when=f.get("when"),
                                  carry=f.get("carry", {}), preset=f.get("preset", {}))
                         for f in raw.get("follow_ups", ())),
        booking=Booking(prefix=raw["booking"].get("prefix"), bring=tuple(raw["booking"].get("bring") or ()),
                        before_age=raw["booking"].get("before_age"), from_age=raw["booking"].get("from_age"))
        if "booking" in raw else None,
    )


@lru_cache(maxsize=None)
def load_flow(name: str) -> Flow:
    """Load flows/<name>.yml (cached: flows change with a deploy, not at run time)."""
    return read_flow(FLOW_DIR / f"{name}.yml", name)


def available_flows() -> list[str]:
    """Names of every flow defined in flows/; raises FlowError when one of them is bad."""
    names = sorted(p.stem for p in FLOW_DIR.glob("*.yml") if p.name != TEXTS_FILE)
    for name in names:
        load_flow(name)
    return names


@lru_cache(maxsize=None)
def texts() -> dict:
    """The engine's own messages (flows/texts.yml), editable by office staff; FlowError when it is bad."""
    path = FLOW_DIR / TEXTS_FILE
    data, problems = read_yaml(path)
    if data is not None or not problems:
        problems += check_texts(data)
    if problems:
        raise FlowError([f"{display_name(path)}: {p}" for p in problems])
    return data


def birthday(born: date, years: int) -> date:
    """The `years`-th birthday of someone born on `born` (29 February: 1 March in a common year)."""
    try:
        return born.replace(year=born.year + years)
    except ValueError:
        return date(born.year + years, 3, 1)


def condition_holds(cond: dict, answers: dict, today: date, window=None) -> bool:
    """True when every `field: expected` pair in cond matches the answers. `window` (a flow that
    books visits: flows.appointments.Window) gives `age_by_last_visit_day` the last bookable day."""
    for key, expected in cond.items():
        value = answers.get(key)
        if isinstance(expected, list):
            if value not in expected:
                return False
        elif isinstance(expected, dict):
            if not _operator_holds(expected, value, today, window):
                return False
        elif value != expected:
            return False
    return True


def _operator_holds(spec: dict, value, today: date, window=None) -> bool:
    """Evaluate the few operators flows may use: older_than_days, age_by_last_visit_day, not, known, has."""
    for op, arg in spec.items():
        if op == "older_than_days":
            if not isinstance(value, str) or date.fromisoformat(value) >= today - timedelta(days=arg):
                return False
        elif op == "age_by_last_visit_day":
            # Someone who is `arg` years old by the last day a visit can be booked (at every place)
            # can book a day from that birthday now; without the booking window nothing can be said.
            if window is None:
                raise ValueError("age_by_last_visit_day needs the booking window of a flow that books visits")
            last = window.last_day
            if not isinstance(value, str) or last is None or birthday(date.fromisoformat(value), arg) > last:
                return False
        elif op == "not":
            if value == arg or (isinstance(arg, list) and value in arg):
                return False
        elif op == "known":
            if is_unknown(value) == bool(arg) or (arg and value is None):
                return False
        elif op == "has":
            wanted = arg if isinstance(arg, list) else [arg]
            if not (isinstance(value, list) and any(w in value for w in wanted)):
                return False
        else:
            raise ValueError(f"unknown operator {op!r}")
    return True


def live_answers(steps, answers: dict, today: date, window=None) -> dict:
    """The answers of the steps that still apply, judged in order: an answer whose own step no
    longer applies (the damaged KK un-chosen) no longer decides what comes after it."""
    live = {}
    for step in steps:
        if step.id in answers and applies(step, live, today, window):
            live[step.id] = answers[step.id]
    return live


def applies(step: Step, answers: dict, today: date, window=None) -> bool:
    """Whether a step is asked, given the answers so far (and the booking window, where it books)."""
    if step.when is not None and not condition_holds(step.when, answers, today, window):
        return False
    if step.when_any and not any(condition_holds(c, answers, today, window) for c in step.when_any):
        return False
    return True
