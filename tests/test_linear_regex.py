"""Every regular expression that may see citizen text runs in linear time.

A chat message is whatever someone chooses to send, and one pattern that backtracks
quadratically pins a worker for minutes on a long message (an e-mail pattern once took 12.5 s
on 65,536 characters). So every module-level compiled pattern in bot, delivery, flows and nlu
is fed adversarial strings of 10,000 and 100,000 characters, built from generic troublemakers
and from the pattern's own characters and words, through search, findall and sub; and the whole
understanding layer reads 100,000-character messages.

No absolute time limits (machines differ): the 100,000-character run must take less than 25×
the 10,000-character one plus a small floor. Linear work grows ~10×, quadratic ~100×. Times are
CPU times of the calling thread, each the best of up to three runs, so a busy machine does not
fail the suite.
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

try:
    from re import _parser as sre_parse  # Python 3.11+
except ImportError:  # pragma: no cover
    import sre_parse

PACKAGES = ("bot", "delivery", "flows", "nlu")
SMALL, LARGE = 10_000, 100_000
GROWTH = 25      # allowed time(LARGE) / time(SMALL): linear is ~10, quadratic ~100
FLOOR = 0.005    # seconds of slack, so timer noise on microsecond runs cannot fail a test

# Strings that make careless patterns rescan: long runs of word characters, digits, separators,
# and the "almost an e-mail / almost a number" shapes, each repeated to the wanted length.
GENERIC_UNITS = (
    "a", "A", "1", "0", " ", "-", ".", "_", "@", "\n", "a@", "a.", "a-", "a ", "a1", "1 ",
    "1.", "1-", "1 - ", "08", "+62", "a@a.", "ab1-@.+_: ",
)
# What sits between the words of a pattern when its words are packed into one input.
WORD_FILLERS = (" ", "-", ".", "1", "a", " - ", ":", ", ")
# The long run after a pattern's own character or word at the start of the text: the shape
# that made r"^\s*(\d{1,2})\s*[.)]?\s*$" quadratic ("1", 100,000 spaces, "~").
START_FILLERS = (" ", "1", "a")


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

_CATEGORY_SAMPLES = {  # one character each class escape matches
    "CATEGORY_DIGIT": "1", "CATEGORY_NOT_DIGIT": "a", "CATEGORY_WORD": "a",
    "CATEGORY_NOT_WORD": " ", "CATEGORY_SPACE": " ", "CATEGORY_NOT_SPACE": "a",
}


def _subpatterns(arg):
    """The parsed sub-patterns inside one node's argument (groups, branches, repeats, asserts)."""
    if isinstance(arg, sre_parse.SubPattern):
        yield arg
    elif isinstance(arg, (list, tuple)):
        for item in arg:
            yield from _subpatterns(item)


def own_characters_and_words(pattern: re.Pattern) -> tuple[set[str], list[str]]:
    """The characters a pattern can match literally (one per class escape or range end), and
    its runs of two or more literal letters ("kartu", "kk", "desa")."""
    chars: set[str] = set()
    words: set[str] = set()

    def walk(parsed) -> None:
        word = ""
        for op, arg in parsed:
            if str(op) == "LITERAL" and chr(arg).isalpha():
                word += chr(arg)
                chars.add(chr(arg))
                continue
            if len(word) >= 2:
                words.add(word)
            word = ""
            if str(op) == "LITERAL":
                chars.add(chr(arg))
            elif str(op) == "IN":
                for item_op, item in arg:
                    if str(item_op) == "LITERAL":
                        chars.add(chr(item))
                    elif str(item_op) == "RANGE":
                        chars.update(map(chr, item))
                    elif str(item_op) == "CATEGORY":
                        chars.add(_CATEGORY_SAMPLES.get(str(item), ""))
            else:
                for sub in _subpatterns(arg):
                    walk(sub)
        if len(word) >= 2:
            words.add(word)

    walk(sre_parse.parse(pattern.pattern, pattern.flags))
    chars.discard("")
    return chars, sorted(words)


def _repeat(unit: str, n: int) -> str:
    """unit repeated to exactly n characters."""
    return (unit * (n // len(unit) + 1))[:n]


def _packed(pieces: list[str], filler: str, n: int) -> str:
    """Each piece followed by a run of filler, the runs long enough that the whole is n chars.

    A pattern like "ak\\s*-?\\s*1" is only slow right after its own word; packing every piece
    with a run that grows with n keeps a quadratic pattern ~100× slower at 10× the size.
    """
    run = max(1, n // (2 * len(pieces) * len(filler)))
    return _repeat("".join(piece + filler * run for piece in pieces), n)


def _anchored(pattern: re.Pattern) -> bool:
    """Whether the pattern starts with ^ or \\A (only its start of the text matters)."""
    parsed = sre_parse.parse(pattern.pattern, pattern.flags)
    return len(parsed) > 0 and str(parsed[0][0]) == "AT" and "BEGINNING" in str(parsed[0][1])


def adversarial_inputs(pattern: re.Pattern) -> dict[str, callable]:
    """Name -> builder(n) of the strings to feed a pattern: the generic ones; each of its own
    non-letter characters alone and after a letter or digit; its words and characters with runs
    between; and each of them at the start of one long run (what .match() and ^ look at)."""
    chars, words = own_characters_and_words(pattern)
    units = list(GENERIC_UNITS)
    own = sorted(ch for ch in chars if not ch.isalpha())
    for ch in own:
        units += [ch, "a" + ch, "1" + ch]
    units.append("".join(own) + "a1")
    builders: dict[str, callable] = {}
    for unit in dict.fromkeys(units):
        builders[f"{unit!r} repeated"] = lambda n, unit=unit: _repeat(unit, n)
    pieces = words + own
    if words:
        builders["its words, space-separated"] = lambda n: _repeat(" ".join(words), n)
    for filler in WORD_FILLERS if pieces else ():
        builders[f"its words and characters, each followed by a run of {filler!r}"] = (
            lambda n, filler=filler: _packed(pieces, filler, n))
    for first in (pieces if _anchored(pattern) else own):
        for filler in START_FILLERS:
            builders[f"{first!r} then a run of {filler!r} and a stray character"] = (
                lambda n, first=first, filler=filler: first + filler * (n - len(first) - 1) + "~")
    return builders


# --- Measuring growth ---------------------------------------------------------------------------

def _seconds(fn, text) -> float:
    """CPU time of one call in this thread, without the GC.

    Thread time, not process time: the model's numeric library keeps helper threads that spin
    while they wait, and process time counted their spinning (a 1,000-character message read
    as 2.8 ms or 15 ms from one call to the next, which failed CI)."""
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        started = time.thread_time()
        fn(text)
        return time.thread_time() - started
    finally:
        if gc_was_enabled:
            gc.enable()


def _best(fn, text, runs: int = 3) -> float:
    """The fastest of a few runs: noise only ever adds time."""
    return min(_seconds(fn, text) for _ in range(runs))


def _compare(fn, small, t_small: float, large, growth: float) -> tuple[str | None, float]:
    """(None, time) when fn(large) < growth × t_small + FLOOR, else (what grew how, time);
    a failure is re-timed twice (small too) before it counts."""
    t_large = float("inf")
    for _ in range(3):
        t_large = min(t_large, _seconds(fn, large))
        limit = growth * t_small + FLOOR
        if t_large < limit:
            return None, t_large
        if t_large > 10 * limit:
            break  # clearly super-linear: a retry would only take longer
        t_small = min(t_small, _seconds(fn, small))
    return (f"{t_small * 1000:.1f} ms at {len(small):,} chars, {t_large * 1000:.1f} ms at "
            f"{len(large):,} (×{t_large / max(t_small, 1e-9):.0f}; allowed ×{growth:.0f} + "
            f"{FLOOR * 1000:.0f} ms)"), t_large


def growth_problem(fn, build) -> str | None:
    """None when fn's time grows linearly with its input, else what grew how.

    The criterion: time(LARGE) < GROWTH × time(SMALL) + FLOOR. Inputs from SMALL/100 up go
    first, each √10 longer than the last and allowed √GROWTH more time, so a pattern far worse
    than quadratic (three \\s* in a row are quartic under search) fails in seconds instead of
    running for hours at SMALL; when SMALL is already slow, SMALL×√10 goes before LARGE.
    """
    root = (LARGE / SMALL) ** 0.5
    ladder = [round(SMALL / root ** k) for k in (4, 3, 2, 1, 0)]  # 100 … SMALL characters
    texts = {n: build(n) for n in ladder}
    base, t_base = ladder[0], _best(fn, texts[ladder[0]])
    for n in ladder[1:]:
        problem, t = _compare(fn, texts[base], t_base, texts[n], GROWTH ** 0.5)
        if problem:
            return problem
        base, t_base = n, min(t, _best(fn, texts[n], runs=2))
    if GROWTH * t_base > 0.5:
        problem, _ = _compare(fn, texts[SMALL], t_base, build(round(SMALL * root)), GROWTH ** 0.5)
        if problem:
            return problem
    return _compare(fn, texts[SMALL], t_base, build(LARGE), GROWTH)[0]


def _methods(pattern: re.Pattern, sample) -> dict[str, callable]:
    """The ways code runs a pattern over text; findall and sub only where something matches
    (where nothing matches, all three make the same failing attempt at every start)."""
    empty = pattern.pattern[:0]
    if pattern.search(sample) is None:
        return {"search": pattern.search}
    return {"search": pattern.search, "findall": pattern.findall,
            "sub": lambda text: pattern.sub(empty, text)}


def test_the_walk_imports_every_package_and_finds_their_patterns():
    assert {module.__name__.split(".")[0] for module in _our_modules()} == set(PACKAGES)
    patterns = module_patterns()
    assert {"flows", "nlu"} <= {where.split(".")[0] for where, _ in patterns.values()}
    assert len(patterns) >= 30, sorted(where for where, _ in patterns.values())


def test_every_pattern_runs_in_linear_time():
    slow = []
    for where, pattern in module_patterns().values():
        for name, build in adversarial_inputs(pattern).items():
            if isinstance(pattern.pattern, bytes):
                build = lambda n, build=build: build(n).encode("utf-8")[:n]
            problem = None
            for method, fn in _methods(pattern, build(SMALL // 100)).items():
                problem = growth_problem(fn, build)
                if problem:
                    slow.append(f"{where} /{pattern.pattern}/ {method} on {name}: {problem}")
                    break
            if problem:
                break  # one slow input condemns a pattern; more would only take longer
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
    problem = growth_problem(read, lambda n: _repeat(unit, n))
    assert problem is None, f"{name}: {problem}"
    assert read(_repeat(unit, LARGE)).intent  # and it is understood, not just survived
