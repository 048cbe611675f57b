"""Flow files are well-formed, and their committed diagrams match them."""
from pathlib import Path

import pytest

from flows.__main__ import diagram
from flows.definition import KINDS, available_flows, load_flow, texts

FLOW_DIR = Path(__file__).resolve().parent.parent / "flows"


@pytest.mark.parametrize("name", available_flows())
def test_every_step_is_complete(name):
    flow = load_flow(name)
    for step in flow.steps:
        assert step.kind in KINDS and step.ask and step.label
        if step.kind == "choice":
            assert step.choices and all("id" in c and "title" in c for c in step.choices)
        if step.kind == "photo":
            assert step.document, f"{step.id} must name the document for the receipt"


@pytest.mark.parametrize("name", available_flows())
def test_the_committed_diagram_is_current(name):
    assert (FLOW_DIR / f"{name}.mmd").read_text(encoding="utf-8") == diagram(name), \
        f"run: python -m flows diagram {name} > flows/{name}.mmd"


def test_every_button_label_exists():
    assert {"yes", "no", "agree", "disagree", "submit", "edit", "cancel"} <= set(texts()["buttons"])
