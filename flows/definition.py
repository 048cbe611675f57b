"""Flow definitions: one YAML file per service, loaded into plain objects the engine walks."""
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

import yaml

FLOW_DIR = Path(__file__).resolve().parent

KINDS = {"text", "name", "date", "time", "nik", "kk", "choice", "yes_no", "photo", "email",
         "phone", "number", "consent"}


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


@dataclass(frozen=True)
class Flow:
    """A service's dialogue: its steps in order, its intro, and how a submission is filed."""
    name: str
    service: str
    title: str
    intro: str
    steps: tuple
    submit: dict
    done: str

    def step(self, step_id: str) -> Step:
        """The step with this id."""
        for s in self.steps:
            if s.id == step_id:
                return s
        raise KeyError(step_id)


def _step(raw: dict) -> Step:
    """Build and check one step from its YAML mapping."""
    kind = raw["kind"]
    if kind not in KINDS:
        raise ValueError(f"step {raw['id']}: unknown kind {kind!r}")
    known = {"id", "kind", "ask", "label", "choices", "when", "when_any", "optional", "missing_ok",
             "document", "after", "decline"}
    return Step(
        id=raw["id"], kind=kind, ask=raw["ask"].strip(), label=raw.get("label", raw["id"]),
        choices=tuple(raw.get("choices", ())), when=raw.get("when"),
        when_any=tuple(raw.get("when_any", ())), optional=bool(raw.get("optional")),
        missing_ok=bool(raw.get("missing_ok")), document=raw.get("document"),
        options={k: v for k, v in raw.items() if k not in known},
        after=tuple(raw.get("after", ())), decline=raw.get("decline"),
    )


@lru_cache(maxsize=None)
def load_flow(name: str) -> Flow:
    """Load flows/<name>.yml (cached: flows change with a deploy, not at run time)."""
    with open(FLOW_DIR / f"{name}.yml", encoding="utf-8") as fh:
        raw = yaml.safe_load(fh)
    steps = tuple(_step(s) for s in raw["steps"])
    ids = [s.id for s in steps]
    if len(ids) != len(set(ids)):
        raise ValueError(f"flow {name}: duplicate step ids")
    return Flow(name=name, service=raw["service"], title=raw["title"], intro=raw["intro"].strip(),
                steps=steps, submit=raw.get("submit", {}), done=raw.get("done", "").strip())


def available_flows() -> list[str]:
    """Names of every flow defined in flows/."""
    return sorted(p.stem for p in FLOW_DIR.glob("*.yml") if p.stem != "texts")


@lru_cache(maxsize=None)
def texts() -> dict:
    """The engine's own messages (flows/texts.yml), editable by office staff."""
    with open(FLOW_DIR / "texts.yml", encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def condition_holds(cond: dict, answers: dict, today: date) -> bool:
    """True when every `field: expected` pair in cond matches the answers."""
    for key, expected in cond.items():
        value = answers.get(key)
        if isinstance(expected, list):
            if value not in expected:
                return False
        elif isinstance(expected, dict):
            if not _operator_holds(expected, value, today):
                return False
        elif value != expected:
            return False
    return True


def _operator_holds(spec: dict, value, today: date) -> bool:
    """Evaluate the few operators flows may use: older_than_days, not."""
    for op, arg in spec.items():
        if op == "older_than_days":
            if not value or date.fromisoformat(value) >= today - timedelta(days=arg):
                return False
        elif op == "not":
            if value == arg or (isinstance(arg, list) and value in arg):
                return False
        else:
            raise ValueError(f"unknown operator {op!r}")
    return True


def applies(step: Step, answers: dict, today: date) -> bool:
    """Whether a step is asked, given the answers so far."""
    if step.when is not None and not condition_holds(step.when, answers, today):
        return False
    if step.when_any and not any(condition_holds(c, answers, today) for c in step.when_any):
        return False
    return True
