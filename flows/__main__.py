"""`python -m flows diagram NAME`: a Mermaid diagram of a flow, drawn from its definition."""
import sys

from flows.definition import available_flows, load_flow
from flows.modes import DIAGRAM_EDGES, DIAGRAM_NODES, Mode


def diagram(name: str) -> str:
    """Mermaid flowchart: one box per step, conditions on the arrows, then the side-states."""
    flow = load_flow(name)
    lines = ["flowchart TD", f'    start(["{flow.title}: mulai"])']
    previous = "start"
    for step in flow.steps:
        label = step.label.replace('"', "'")
        lines.append(f'    {step.id}["{label}<br/><i>{step.kind}</i>"]')
        condition = step.when or (" atau ".join(str(c) for c in step.when_any) if step.when_any else None)
        arrow = f' -- "{_describe(condition)}" --> ' if condition else " --> "
        lines.append(f"    {previous}{arrow}{step.id}")
        previous = step.id
    lines += ['    summary{{"Ringkasan: Kirim / Ubah / Batal"}}', f"    {previous} --> summary",
              '    summary -- Kirim --> done(["Tiket + tanda terima PDF"])',
              f"    summary -- Ubah --> {_node(Mode.EDIT_PICK)}"]
    return "\n".join(lines + _side_states()) + "\n"


def _node(key) -> str:
    """The diagram id of a side-state node (prefixed so it never meets a step id)."""
    return "mode_" + (key.value if isinstance(key, Mode) else key)


def _side_states() -> list[str]:
    """The modes a citizen can step into from any question or the summary, and out of again."""
    lines = ['    subgraph side_states["Dari pertanyaan mana pun atau ringkasan"]', "        direction TB"]
    lines += [f"        {_node(key)}{shape}" for key, shape in DIAGRAM_NODES.items()]
    lines += [f'        {_node(src)} -- "{label}" --> {_node(dst)}' for src, label, dst in DIAGRAM_EDGES]
    return lines + ["    end"]


def _describe(condition) -> str:
    """A condition in words for an arrow label."""
    if isinstance(condition, dict):
        return ", ".join(f"{k} = {v}" for k, v in condition.items()).replace('"', "'")
    return str(condition).replace('"', "'").replace("{", "").replace("}", "")


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "diagram" or sys.argv[2] not in available_flows():
        sys.exit(f"usage: python -m flows diagram {{{'|'.join(available_flows())}}}")
    sys.stdout.write(diagram(sys.argv[2]))
