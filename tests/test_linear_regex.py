"""Every regular expression that may see citizen text runs in linear time.

A chat message is whatever someone chooses to send, and one pattern that backtracks
quadratically pins a worker for minutes on a long message (an e-mail pattern once took 12.5 s
on 65,536 characters). So every module-level compiled pattern in bot, delivery, flows and nlu
is fed adversarial strings of 10,000 and 100,000 characters, built from generic troublemakers
and from the pattern's own characters and words, through search, findall and sub.

No absolute time limits (machines differ): the 100,000-character run must take less than 25×
the 10,000-character one plus a small floor. Linear work grows ~10×, quadratic ~100×. Each
measurement is the best of up to three, so a noisy moment does not fail the suite.
"""
from __future__ import annotations

import gc
import importlib
import pkgutil
import re
import time
from datetime import date
from types import ModuleType

import pytest

PACKAGES = ("bot", "delivery", "flows", "nlu")
SMALL, LARGE = 10_000, 100_000
GROWTH = 25      # allowed time(LARGE) / time(SMALL): linear is ~10, quadratic ~100
FLOOR = 0.005    # seconds of slack, so timer noise on microsecond runs cannot fail a test

# Strings that make careless patterns rescan: long runs of word characters, digits, separators,
# and the "almost an e-mail / almost a number" shapes, each repeated to the wanted length.
GENERIC_UNITS = (
    "a", "A", "1", "0", " ", "-", ".", "_", "@", "\n", "a@", "a.", "a-", "a ", "a1", "a+",
    "aa.", "1 ", "1.", "1-", "1 - ", "1/", "0 ", "08", "+62", "a@a.", "a.a@", "ab1-@. ",
    "ab1-@.+_: ",
)
# What sits between the words of a pattern when its words are packed into one input.
WORD_FILLERS = (" ", "-", ".", "1", "a", " - ", ":", ", ")


# --- Collecting the patterns --------------------------------------------------------------------

def _our_modules() -> list[ModuleType]:
    """Every importable module of the four packages (migrations and __main__ scripts skipped)."""
    modules: list[ModuleType] = []
    for package_name in PACKAGES:
        package = importlib.import_module(package_name)
        modules.append(package)
        for info in pkgutil.walk_packages(package.__path__, package_name + ".",
                                          onerror=lambda name: None):
            parts = info.name.split(".")
            if "migrations" in parts or parts[-1] == "__main__":
                continue
            try:
                modules.append(importlib.import_module(info.name))
            except ModuleNotFoundError as exc:
                if exc.name and exc.name.split(".")[0] not in PACKAGES:
                    continue  # an optional third-party dependency this machine lacks
                raise
    return modules


def _patterns_in(value, depth: int = 0):
    """Compiled patterns in a module-level value, looking inside dicts, lists, tuples and sets."""
    if isinstance(value, re.Pattern):
        yield value
    elif depth < 4 and isinstance(value, dict):
        for key, item in value.items():
            yield from _patterns_in(key, depth + 1)
            yield from _patterns_in(item, depth + 1)
    elif depth < 4 and isinstance(value, (list, tuple, set, frozenset)):
        for item in value:
            yield from _patterns_in(item, depth + 1)


def module_patterns() -> dict[tuple, tuple[str, re.Pattern]]:
    """(pattern text, flags) -> (where it was found, the pattern), without duplicates."""
    found: dict[tuple, tuple[str, re.Pattern]] = {}
    for module in _our_modules():
        for name, value in vars(module).items():
            if isinstance(value, ModuleType):
                continue
            for pattern in _patterns_in(value):
                found.setdefault((pattern.pattern, pattern.flags),
                                 (f"{module.__name__}.{name}", pattern))
    return found


# --- Building adversarial inputs ------------------------------------------------------------------

_CLASS_ESCAPES = {"d": "1", "D": "a", "w": "a", "W": " ", "s": " ", "S": "a", "n": "\n", "t": "\t"}
_ZERO_WIDTH_ESCAPES = set("bBAZ")


def _literal_source(source: str) -> str:
    """The pattern source with escapes replaced by a character they match (\\d -> 1, \\. -> .)."""
    out, i = [], 0
    while i < len(source):
        ch = source[i]
        if ch != "\\" or i + 1 == len(source):
            out.append(ch)
            i += 1
            continue
        nxt = source[i + 1]
        if nxt in _CLASS_ESCAPES:
            out.append(_CLASS_ESCAPES[nxt])
        elif nxt in "xuU":
            width = {"x": 2, "u": 4, "U": 8}[nxt]
            try:
                out.append(chr(int(source[i + 2:i + 2 + width], 16)))
            except ValueError:
                pass
            i += width
        elif nxt in _ZERO_WIDTH_ESCAPES or nxt.isdigit():
            out.append(" ")  # \b, \A, back-references: nothing to type
        else:
            out.append(nxt)
        i += 2
    return "".join(out)


def _repeat(unit: str, n: int) -> str:
    """unit repeated to exactly n characters."""
    return (unit * (n // len(unit) + 1))[:n]


def _packed(words: list[str], filler: str, n: int) -> str:
    """Each word followed by a run of filler, the runs long enough that the whole is n chars.

    A pattern like "ak\\s*-?\\s*1" is only slow right after its own word; packing every word
    with a run that grows with n keeps a quadratic pattern ~100× slower at 10× the size.
    """
    run = max(1, n // (2 * len(words) * len(filler)))
    return _repeat("".join(word + filler * run for word in words), n)


def adversarial_inputs(pattern: re.Pattern) -> dict[str, callable]:
    """Name -> builder(n) of the strings to feed a pattern."""
    source = pattern.pattern
    if isinstance(source, bytes):
        source = source.decode("latin-1")
    literal = _literal_source(source)
    builders: dict[str, callable] = {}
    units = list(GENERIC_UNITS)
    own = sorted({ch for ch in literal if not ch.isalpha() and ch.isprintable() or ch in "\n\t"})
    for ch in own:
        units += [ch, "a" + ch, "1" + ch, ch + " ", "a" + ch + "1" + " "]
    units.append("".join(own) + "a1")
    for unit in dict.fromkeys(units):
        builders[f"{unit!r} repeated"] = lambda n, unit=unit: _repeat(unit, n)
    words = sorted(set(re.findall(r"[^\W\d_]{2,}", literal)))
    if words:
        builders["its words, space-separated"] = lambda n: _repeat(" ".join(words), n)
        for filler in WORD_FILLERS:
            builders[f"its words, each followed by a run of {filler!r}"] = (
                lambda n, filler=filler: _packed(words, filler, n))
    return builders


# --- Measuring growth ---------------------------------------------------------------------------

def _seconds(fn, text) -> float:
    """Wall time of one call, with the garbage collector out of the way."""
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        started = time.perf_counter()
        fn(text)
        return time.perf_counter() - started
    finally:
        if gc_was_enabled:
            gc.enable()


def linear_growth(fn, small: str, large: str) -> tuple[bool, float, float]:
    """Whether fn(large) stays under GROWTH × fn(small) + FLOOR (best of up to three tries)."""
    t_small = min(_seconds(fn, small) for _ in range(3))
    t_large = float("inf")
    for _ in range(3):
        t_large = min(t_large, _seconds(fn, large))
        limit = GROWTH * t_small + FLOOR
        if t_large < limit:
            return True, t_small, t_large
        if t_large > 10 * limit:
            break  # clearly super-linear: a retry would only take minutes more
        t_small = min(t_small, _seconds(fn, small))
    return False, t_small, t_large


def _methods(pattern: re.Pattern) -> dict[str, callable]:
    """The ways the code runs a pattern over text that fail slowest when they fail."""
    empty = pattern.pattern[:0]
    return {"search": pattern.search, "findall": pattern.findall,
            "sub": lambda text: pattern.sub(empty, text)}


def test_the_walk_finds_the_patterns_of_every_package():
    patterns = module_patterns()
    packages = {where.split(".")[0] for where, _ in patterns.values()}
    assert {"flows", "nlu"} <= packages, packages
    assert len(patterns) >= 30, sorted(where for where, _ in patterns.values())


def test_every_pattern_runs_in_linear_time():
    slow = []
    for where, pattern in module_patterns().values():
        encode = (lambda s: s.encode("latin-1", "replace")) if isinstance(pattern.pattern, bytes) \
            else (lambda s: s)
        failed = False
        for name, build in adversarial_inputs(pattern).items():
            small, large = encode(build(SMALL)), encode(build(LARGE))
            for method, fn in _methods(pattern).items():
                ok, t_small, t_large = linear_growth(fn, small, large)
                if not ok:
                    slow.append(f"{where} /{pattern.pattern}/ {method} on {name}: "
                                f"{t_small * 1000:.1f} ms at {SMALL:,} chars, "
                                f"{t_large * 1000:.1f} ms at {LARGE:,} (×{t_large / t_small:.0f})")
                    failed = True
                    break
            if failed:
                break  # one slow input is enough to condemn a pattern; more would take minutes
    assert not slow, "super-linear patterns:\n" + "\n".join(slow)


# --- End to end: the understanding layer on a huge message --------------------------------------

HUGE_MESSAGES = {
    "a realistic message": "Assalamualaikum min, mau urus akta kelahiran anak saya di desa Sangatta "
                           "Utara, nik 6408014506900001 kk 6408010101010001, email budi.s@gmail.com, "
                           "hp 0812-3456-7890, lahir 5 Januari 2026 jam 2 siang, tiket AKL-20260101. ",
    "'a@' repeated": "a@",
    "'a' repeated": "a",
    "'1 ' repeated": "1 ",
    "'kk-' repeated": "kk-",
    "'makasih kk ' repeated": "makasih kk ",
    "'muara ' repeated": "muara ",
    "'a.b@c.co ' repeated": "a.b@c.co ",
    "'5/1/2026 ' repeated": "5/1/2026 ",
    "'desa ' repeated": "desa ",
}


@pytest.fixture(scope="module")
def understand(tmp_path_factory):
    """flows.understand on a local model trained for this module (not instance/)."""
    from nlu import classifier
    path = tmp_path_factory.mktemp("nlu") / "model.pkl"
    classifier.save(classifier.train(), path)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NLU_BACKEND", "local")
        mp.delenv("RASA_URL", raising=False)
        mp.setenv("NLU_MODEL_PATH", str(path))
        from flows import understand as module
        module.warm()
        yield module


@pytest.mark.parametrize("name", list(HUGE_MESSAGES))
def test_understanding_a_huge_message_takes_linear_time(understand, name):
    today = date(2026, 3, 11)

    def read(text):
        understand.looks_like_question(text)
        return understand.interpret(text, today)

    unit = HUGE_MESSAGES[name]
    small, large = _repeat(unit, SMALL), _repeat(unit, LARGE)
    assert read(large).text == large
    ok, t_small, t_large = linear_growth(read, small, large)
    assert ok, (f"{name}: {t_small * 1000:.0f} ms at {SMALL:,} chars, "
                f"{t_large * 1000:.0f} ms at {LARGE:,} (×{t_large / t_small:.0f})")
