"""`repeat` blocks of a flow file, expanded into plain steps before the flow is checked or loaded.

A block asks the same few questions for each of several people (the members added to a KK):

    - repeat: tambah
      max: 5
      more: Apakah ada anggota lain yang akan ditambahkan?
      section: Anggota baru {n}
      when: {perubahan: {has: tambah}}
      steps:
        - {id: nama, kind: name, ask: "Nama anggota ke-{n}?"}

Copy n's steps are `tambah_<n>_nama`, ...; after each copy but the last a yes/no `tambah_<n>_lagi`
asks whether there is another, and copy n+1 is asked only when it was answered yes. Inside a block,
`when` keys naming a sibling (`nama`) and placeholders naming one with the block's prefix
(`{tambah_nama}`) are rewritten to the copy's own step; `{n}` is the copy's number. Expanding before
the checks keeps one engine: it only ever sees plain steps.
"""
import copy
import re

BLOCK_KEYS = {"repeat", "max", "more", "more_label", "section", "when", "steps"}
MAX_COPIES = 20
_ID = re.compile(r"^[a-z_][a-z0-9_]*$")
_TEXT_KEYS = ("ask", "label", "decline", "document", "section", "unknown_ok")


def is_block(raw) -> bool:
    """Whether a steps entry is a repeat block rather than a step."""
    return isinstance(raw, dict) and "repeat" in raw


def expand(data):
    """(data with every repeat block replaced by its copies, problems of the blocks)."""
    if not isinstance(data, dict) or not isinstance(data.get("steps"), list):
        return data, []
    if not any(is_block(raw) for raw in data["steps"]):
        return data, []
    problems, steps = [], []
    for index, raw in enumerate(data["steps"]):
        if not is_block(raw):
            steps.append(raw)
            continue
        found = _block_problems(index, raw)
        if found:
            problems += found
            continue
        steps += _copies(raw)
    out = {**data, "steps": steps}
    if isinstance(data.get("checks"), list):
        out["checks"] = _expand_checks(data["checks"], {s.get("id") for s in steps if isinstance(s, dict)})
    return out, problems


def _expand_checks(checks: list, ids: set) -> list:
    """Checks naming a repeat block's steps with `*` for the copy number, one per copy:
    `different: [koreksi_*_baru, koreksi_*_lama]` checks each correction on its own, and
    `different: [tambah_*_nik, tambah_*_nik]` (the same step twice) says no two copies may share
    an answer: copy n's is compared with every earlier copy's. `{tambah_*_nama}` in the message
    names copy n."""
    out = []
    for check in checks:
        steps = check.get("steps") if isinstance(check, dict) else None
        if not (isinstance(steps, list) and any(isinstance(x, str) and "*" in x for x in steps)):
            out.append(check)
            continue
        for n in range(1, MAX_COPIES + 1):
            here = [x.replace("*", str(n)) if isinstance(x, str) else x for x in steps]
            if here[0] not in ids:
                break
            if len(steps) == 2 and steps[0] == steps[1]:  # distinct across copies
                here = [here[0]] + [steps[0].replace("*", str(k)) for k in range(1, n)]
                if n == 1:
                    continue
            elif not all(x in ids for x in here):
                continue
            copy_ = dict(check, steps=here)
            if isinstance(check.get("message"), str):
                copy_["message"] = check["message"].replace("_*_", f"_{n}_")
            out.append(copy_)
    return out


def _block_problems(index: int, raw: dict) -> list[str]:
    """What is wrong with one block's own keys (its steps are checked once expanded)."""
    block = raw.get("repeat")
    where = f"repeat '{block}'" if isinstance(block, str) else f"step #{index + 1}"
    problems = [f"{where}: unknown key '{k}' (known: {', '.join(sorted(BLOCK_KEYS))})"
                for k in raw if k not in BLOCK_KEYS]
    if not (isinstance(block, str) and _ID.match(block)):
        problems.append(f"{where}: key 'repeat' must be lower case letters, digits and _")
    most = raw.get("max")
    if not (isinstance(most, int) and not isinstance(most, bool) and 1 <= most <= MAX_COPIES):
        problems.append(f"{where}: key 'max' must be a whole number from 1 to {MAX_COPIES}")
    elif most > 1 and not (isinstance(raw.get("more"), str) and raw["more"].strip()):
        problems.append(f"{where}: missing required key 'more' (the question whether there is another)")
    if "when" in raw and not isinstance(raw["when"], dict):
        problems.append(f"{where}: key 'when' must be a mapping of step: expected answer")
    inner = raw.get("steps")
    if not (isinstance(inner, list) and inner and all(isinstance(s, dict) and isinstance(s.get("id"), str)
                                                       for s in inner)):
        problems.append(f"{where}: key 'steps' must be a non-empty list of steps with ids")
    elif any(is_block(s) for s in inner):
        problems.append(f"{where}: a repeat block cannot hold another repeat block")
    return problems


def _copies(raw: dict) -> list[dict]:
    """Every copy of a block's steps, with the 'another one?' question between them."""
    block, most = raw["repeat"], raw["max"]
    siblings = [s["id"] for s in raw["steps"]]
    out = []
    for n in range(1, most + 1):
        rename = {sid: f"{block}_{n}_{sid}" for sid in siblings}
        guard = dict(raw.get("when") or {})
        if n > 1:
            guard[f"{block}_{n - 1}_lagi"] = True
        section = _fill(raw.get("section"), block, rename, n)
        for inner in raw["steps"]:
            out.append(_copy_step(inner, block, rename, n, guard, section))
        if n < most:
            more = {"id": f"{block}_{n}_lagi", "kind": "yes_no", "ask": _fill(raw["more"], block, rename, n),
                    "label": _fill(raw.get("more_label") or "Ada lagi", block, rename, n)}
            if guard:
                more["when"] = dict(guard)
            if section:
                more["section"] = section
            out.append(more)
    return out


def _copy_step(inner: dict, block: str, rename: dict, n: int, guard: dict, section: str | None) -> dict:
    """One step of copy n: its id, conditions and texts pointed at copy n's siblings."""
    step = copy.deepcopy(inner)
    step["id"] = rename[inner["id"]]
    for key in _TEXT_KEYS:
        if isinstance(step.get(key), str):
            step[key] = _fill(step[key], block, rename, n)
    if "label" in step and section:
        step["label"] = f"{step['label']} ({section})"
    if section and "section" not in inner:
        step["section"] = section
    when = {rename.get(k, k): v for k, v in (step.get("when") or {}).items()}
    if guard or when:
        step["when"] = {**guard, **when}
    if isinstance(step.get("when_any"), list):
        step["when_any"] = [{rename.get(k, k): v for k, v in c.items()} if isinstance(c, dict) else c
                            for c in step["when_any"]]
    for note in step.get("after") or []:
        if isinstance(note, dict):
            if isinstance(note.get("text"), str):
                note["text"] = _fill(note["text"], block, rename, n)
            if isinstance(note.get("when"), dict):
                note["when"] = {rename.get(k, k): v for k, v in note["when"].items()}
    if isinstance(step.get("compare_nik"), str):
        step["compare_nik"] = rename.get(step["compare_nik"], step["compare_nik"])
    return step


def _fill(text, block: str, rename: dict, n: int):
    """A block's text for copy n: {n} and {<block>_<sibling>} placeholders pointed at the copy."""
    if not isinstance(text, str):
        return text
    text = text.replace("{n}", str(n))
    for sid, new in rename.items():
        text = text.replace("{" + f"{block}_{sid}" + "}", "{" + new + "}")
    return text
