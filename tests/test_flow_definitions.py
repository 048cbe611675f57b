"""Flow files are well-formed, and their committed diagrams match them."""
from datetime import date
from pathlib import Path

import pytest

from flows.__main__ import diagram
from flows.definition import KINDS, available_flows, load_flow, texts
from flows.modes import SIDE_STATES, Mode, State
from flows.placeholders import fill

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


# ---- conversation modes ----------------------------------------------------------------------
@pytest.mark.parametrize("stored, mode, back_to, service", [
    ("idle", Mode.IDLE, Mode.COLLECT, None),
    ("collect", Mode.COLLECT, Mode.COLLECT, None),
    ("confirm", Mode.CONFIRM, Mode.COLLECT, None),
    ("cancel_confirm:collect", Mode.CANCEL_CONFIRM, Mode.COLLECT, None),
    ("cancel_confirm:confirm", Mode.CANCEL_CONFIRM, Mode.CONFIRM, None),
    ("cancel_confirm:", Mode.CANCEL_CONFIRM, Mode.COLLECT, None),
    ("resume_offer:confirm", Mode.RESUME_OFFER, Mode.CONFIRM, None),
    ("edit_pick:collect", Mode.EDIT_PICK, Mode.COLLECT, None),
    ("switch_offer:confirm:akta_kematian", Mode.SWITCH_OFFER, Mode.CONFIRM, "akta_kematian"),
    (None, Mode.IDLE, Mode.COLLECT, None),
    ("", Mode.IDLE, Mode.COLLECT, None),
    ("something_old", Mode.IDLE, Mode.COLLECT, None),
])
def test_stored_modes_of_existing_rows_still_read(stored, mode, back_to, service):
    state = State.read(stored)
    assert (state.mode, state.back_to, state.service) == (mode, back_to, service)


@pytest.mark.parametrize("state", [State(Mode.IDLE), State(Mode.CONFIRM), State(Mode.EDIT_PICK, Mode.CONFIRM),
                                   State(Mode.SWITCH_OFFER, Mode.COLLECT, "akta_kematian")])
def test_a_mode_is_stored_in_the_old_format_and_reads_back(state):
    assert State.read(state.stored()) == state
    assert len(state.stored()) <= 60  # Conversation.mode is String(60)


def test_every_mode_has_a_handler():
    from flows.engine import HANDLERS
    assert set(HANDLERS) == set(Mode)


@pytest.mark.parametrize("name", available_flows())
def test_the_diagram_shows_the_side_states(name):
    drawn = diagram(name)
    assert "subgraph side_states" in drawn
    for mode in SIDE_STATES:
        assert f"mode_{mode.value}" in drawn


# ---- service rules live in the flow files ---------------------------------------------------------
def test_the_birth_deadline_counts_60_days_from_the_birth_date():
    (deadline,) = load_flow("akta_kelahiran").deadlines
    assert (deadline.step, deadline.days) == ("anak_tgl_lahir", 60)
    today = date(2026, 3, 31)
    assert deadline.passed({"anak_tgl_lahir": "2026-01-05"}, today)   # 85 days
    assert not deadline.passed({"anak_tgl_lahir": "2026-02-15"}, today)
    assert not deadline.passed({}, today)
    assert fill(deadline.flag, days=deadline.days) == "Pelaporan lewat 60 hari"


def test_the_subject_label_comes_from_the_flow():
    assert load_flow("akta_kelahiran").submit.subject_label == "Nama anak"


def test_no_python_file_of_the_dialogue_names_a_service():
    files = [*FLOW_DIR.glob("*.py"), FLOW_DIR.parent / "delivery" / "documents.py",
             FLOW_DIR.parent / "delivery" / "receipt.py"]
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert "akta_kelahiran" not in text and "service ==" not in text, path
