"""Flow files from the command line.

    python -m flows check [FILE ...]   every problem in the flow files (all of flows/ and texts.yml
                                       when none are named), one per line; exit 1 on any problem
    python -m flows diagram NAME       a Mermaid diagram of a flow, drawn from its definition
"""
import argparse
import sys
from pathlib import Path

from flows.definition import load_flow
from flows.modes import DIAGRAM_EDGES, DIAGRAM_NODES, Mode
from flows.schema import FLOW_DIR, TEXTS_FILE, FlowError, check_file, flow_files


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
        for choice, spec in (step.options.get("redirect") or {}).items():
            target = spec.get("service") or "menu"
            lines.append(f'    {step.id} -- "{choice}" --> to_{target}(["Beralih ke {target}: tidak diajukan"])')
        previous = step.id
    lines += ['    summary{{"Ringkasan: Kirim / Ubah / Batal"}}', f"    {previous} --> summary",
              ('    summary -- Kirim --> done(["Kode jadwal + nomor antrean + yang perlu dibawa"])' if flow.booking
               else '    summary -- Kirim --> done(["Tiket + tanda terima PDF"])'),
              *[f'    done -. "{o.title}" .-> follow_{i}(["{o.service} (permohonan terkait)"])'
                for i, o in enumerate(flow.follow_ups)],
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
        return ", ".join(f"{k} {_operator(v)}" for k, v in condition.items()).replace('"', "'")
    return str(condition).replace('"', "'").replace("{", "").replace("}", "")


def _operator(expected) -> str:
    """'= x', 'memuat x', 'lebih dari N hari', 'bukan x' for one condition's expected value."""
    if not isinstance(expected, dict):
        return f"= {expected}"
    words = {"has": "memuat", "not": "bukan", "older_than_days": "lewat hari",
             "age_by_last_visit_day": "umur pada hari terakhir yang bisa dipesan ≥"}
    return " dan ".join(f"{words.get(op, op)} {arg}" for op, arg in expected.items())


def check(paths: list[str]) -> int:
    """Print every problem of the given files (all of flows/ when none); 1 when there is any."""
    files = [Path(p) for p in paths] or [*flow_files(), FLOW_DIR / TEXTS_FILE]
    problems = [p for path in files for p in check_file(path)]
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem(s) in {len(files)} file(s)", file=sys.stderr)
        return 1
    print(f"ok: {len(files)} flow file(s)")
    return 0


def main(argv: list[str] | None = None) -> int:
    """`check` or `diagram`, as in the module's docstring."""
    parser = argparse.ArgumentParser(prog="python -m flows", description="Check flow files or draw a flow.")
    sub = parser.add_subparsers(dest="command", required=True)
    check_p = sub.add_parser("check", help="list every problem in flow files (all of flows/ by default)")
    check_p.add_argument("files", nargs="*", metavar="FILE")
    diagram_p = sub.add_parser("diagram", help="print a flow's Mermaid diagram")
    diagram_p.add_argument("name", choices=sorted(p.stem for p in flow_files()))
    args = parser.parse_args(argv)
    if args.command == "check":
        return check(args.files)
    try:
        sys.stdout.write(diagram(args.name))
    except FlowError as err:
        print(err, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
