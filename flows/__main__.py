"""`python -m flows diagram NAME`: a Mermaid diagram of a flow, drawn from its definition."""
import sys

from flows.definition import available_flows, load_flow


def diagram(name: str) -> str:
    """Mermaid flowchart: one box per step, conditions on the arrows into conditional steps."""
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
              "    summary -- Ubah --> edit[/Pilih nomor jawaban/]", "    edit --> summary"]
    return "\n".join(lines) + "\n"


def _describe(condition) -> str:
    """A condition in words for an arrow label."""
    if isinstance(condition, dict):
        return ", ".join(f"{k} = {v}" for k, v in condition.items()).replace('"', "'")
    return str(condition).replace('"', "'").replace("{", "").replace("}", "")


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "diagram" or sys.argv[2] not in available_flows():
        sys.exit(f"usage: python -m flows diagram {{{'|'.join(available_flows())}}}")
    sys.stdout.write(diagram(sys.argv[2]))
