"""Checking a file of the office's texts (flows/texts.yml, nlu/faq.yml) against the keys the
code reads: unknown and missing keys, values that are not texts, stray braces, and {placeholders}
a text uses where nothing fills them. One checker, so both files say their problems alike."""
import difflib
import string


def placeholder_names(text: str) -> set[str] | None:
    """The {names} a text uses, or None when a brace is unbalanced (format syntax fails)."""
    try:
        return {field.split(".")[0].split("[")[0]
                for _, field, _, _ in string.Formatter().parse(text) if field}
    except ValueError:
        return None


def unknown(key, allowed, where: str = "") -> str:
    """'unknown key' with the likely intended key, if one is close."""
    close = difflib.get_close_matches(str(key), sorted(allowed), n=1, cutoff=0.75)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return f"{where}unknown key '{key}'{hint}"


def check_texts(data, texts: dict, groups: dict | None = None, lists: dict | None = None) -> list[str]:
    """The problems of a texts file's parsed data.

    `texts`: key → the placeholders its text may use; `groups`: key → {sub key → placeholders};
    `lists`: key → how many texts its list holds (no placeholders).
    """
    groups, lists = groups or {}, lists or {}
    if not isinstance(data, dict):
        return ["the file must be a mapping of text key: text"]
    problems = []

    def one(where: str, value, allowed) -> None:
        if not isinstance(value, str) or not value.strip():
            problems.append(f"{where} must be a non-empty text")
            return
        names = placeholder_names(value)
        if names is None:
            problems.append(f"{where} has a stray {{ or }} (write {{{{ or }}}} for a brace)")
            return
        for name in sorted(names - set(allowed)):
            problems.append(f"{where}: placeholder {{{name}}} is not filled there "
                            f"(available: {', '.join(sorted(allowed)) or 'none'})")

    for key, value in data.items():
        if key in texts:
            one(f"key '{key}'", value, texts[key])
        elif key in groups:
            group = groups[key]
            if not isinstance(value, dict):
                problems.append(f"key '{key}' must be a mapping of {', '.join(group)}")
                continue
            for sub, text in value.items():
                if sub in group:
                    one(f"{key}: key '{sub}'", text, group[sub])
                else:
                    problems.append(unknown(sub, group, f"{key}: "))
            problems += [f"{key}: missing required key '{sub}'" for sub in group if sub not in value]
        elif key in lists:
            if not isinstance(value, list) or len(value) != lists[key]:
                problems.append(f"key '{key}' must be a list of {lists[key]} names")
                continue
            for i, item in enumerate(value):
                one(f"key '{key}' item {i + 1}", item, ())
        else:
            problems.append(unknown(key, set(texts) | set(groups) | set(lists)))
    problems += [f"missing required key '{key}'" for key in [*texts, *groups, *lists] if key not in data]
    return problems
