"""The portable tier's comparison of a re-executed chapter with its committed notebook, with no
execution: numbers are read from the text as the chapters print them, the words between them
must be equal and each number within the relative tolerance ``RTOL`` (but in cells tagged
``SEED_LIKE_TAG``, whose numbers vary as a seed's do). ``vaebook.book.check`` runs it."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from vaebook.book.glue import glued_name
from vaebook.book.parameters import INJECTED_TAG

# The one tolerance of the portable tier: a number passes if it is within this relative
# difference of the committed one (plus one unit of its last printed digit, which rounding of a
# nearly equal value can move). It is a few times the largest difference of the book's
# continuous numbers between the reference stack and XLA's oldest instruction set (SSE4.2).
RTOL = 0.05
# Cells whose output describes the machine that executed them (the appendix's stack): the
# portable tier shows how this machine differs instead of comparing them.
STACK_TAG = "machine-stack"
# Cells whose numbers vary from one instruction set to another as from one seed to another (the
# original code's late epochs, whose runs learn fixed noisy copies of the points and spike): the
# portable tier compares their words (the verdicts among them), not their numbers, which the
# chapter reads against its own seeds' spread instead; the strict tier compares them all.
SEED_LIKE_TAG = "varies-like-a-seed"
# Cells that hold only a verdict's robustness details (its leave-one-out column, an uncorrected
# test, the interval a value falls in, the settling epochs of a tolerance sweep), whose words too
# change from one instruction set to another as from one seed to another: the portable tier checks
# that they run and give the same kinds of output; the verdicts themselves stay in cells it
# compares; the strict tier compares them all.
DETAIL_TAG = "detail-varies-like-a-seed"
IGNORE_MARKERS = ("# NBVAL_IGNORE_OUTPUT", "# NBVAL_SKIP")
IGNORE_TAGS = ("nbval-ignore-output", "nbval-skip", STACK_TAG)
# A number as the chapters print it: signed, with thousands separators, a fraction and an
# exponent; not a digit inside a word ("Layer1", a hexadecimal cache key, "tf2.21").
NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?(?:[eE][-+]?\d+)?(?!\w)")


@dataclass(frozen=True)
class Number:
    """A number of a committed output and the re-executed one at the same place."""

    where: str
    expected: str
    got: str

    @property
    def relative(self) -> float:
        """|a - b| / max(|a|, |b|), 0 for two zeros."""
        a, b = _value(self.expected), _value(self.got)
        return abs(a - b) / max(abs(a), abs(b)) if a != b else 0.0

    @property
    def holds(self) -> bool:
        """Within RTOL, plus one unit of the coarser of the two last printed digits."""
        a, b = _value(self.expected), _value(self.got)
        return abs(a - b) <= RTOL * max(abs(a), abs(b)) + max(_unit(self.expected), _unit(self.got))


@dataclass
class Comparison:
    """What comparing re-executed chapters with the committed ones found: mismatches (each fails
    the check) and every number compared."""

    mismatches: list[str] = field(default_factory=list)
    numbers: list[Number] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """Whether nothing differed."""
        return not self.mismatches


def _value(token: str) -> float:
    return float(token.replace(",", ""))


def _unit(token: str) -> float:
    """One unit in the last printed place of a number: 0.01 for "0.27", 1 for "1,000"."""
    mantissa, _, exponent = token.replace(",", "").lower().partition("e")
    decimals = len(mantissa.partition(".")[2])
    return 10.0 ** (int(exponent or 0) - decimals)


def split_numbers(text: str) -> tuple[list[str], list[str]]:
    """The text between the numbers, and the numbers. Whitespace next to a number is layout
    (numpy pads a column to its widest number), so it is stripped; other runs become one space."""
    parts = NUMBER.split(text)
    numbers = NUMBER.findall(text)
    words = [re.sub(r"\s+", " ", p) for p in parts]
    last = len(words) - 1
    words = [w.rstrip() if i == 0 else w.lstrip() if i == last else w.strip() for i, w in enumerate(words)]
    return words, numbers


def compare_text(expected: str, got: str, where: str, found: Comparison, numbers: bool = True) -> None:
    """Add to ``found`` every number of the two texts, and a mismatch if their words differ or
    a number is out of tolerance (if ``numbers``: else only the words are compared)."""
    words_e, numbers_e = split_numbers(expected)
    words_g, numbers_g = split_numbers(got)
    if words_e != words_g:
        a, b = _differing_lines(expected, got)
        found.mismatches.append(f"{where}: expected {_excerpt(a, b)}, got {_excerpt(b, a)}")
        return
    if not numbers:
        return
    pairs = [Number(where, a, b) for a, b in zip(numbers_e, numbers_g)]
    found.numbers += pairs
    for pair in pairs:
        if not pair.holds:
            found.mismatches.append(
                f"{where}: expected {pair.expected}, got {pair.got} "
                f"(relative difference {pair.relative:.2g} > {RTOL:g})"
            )


def _differing_lines(expected: str, got: str) -> tuple[str, str]:
    """The first line whose words differ, in each text (the whole texts if none does)."""
    for a, b in zip(expected.splitlines(), got.splitlines()):
        if split_numbers(a)[0] != split_numbers(b)[0]:
            return a, b
    return expected, got


def _excerpt(text: str, other: str, width: int = 110) -> str:
    """``text`` for a message: whole if short and on one line, else around where it first differs
    from ``other``."""
    if len(text) <= width and "\n" not in text.rstrip("\n"):
        return text.rstrip("\n")
    start = next((i for i, (a, b) in enumerate(zip(text, other)) if a != b), min(len(text), len(other)))
    lo = max(0, start - width // 2)
    return f"...{text[lo : lo + width]!r}..."


def sanitizers(path: Path) -> list[tuple[str, str]]:
    """The (regex, replacement) pairs of nbval's sanitize file, read by nbval itself, so that
    both tiers compare the same text."""
    from nbval.plugin import get_sanitize_patterns

    return get_sanitize_patterns(path.read_text())


def _text(value) -> str:
    if isinstance(value, list):
        return "".join(value)
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def _signature(out) -> str:
    """What an output is, without its content: a stream's name, or a display's MIME types."""
    if out.output_type == "stream":
        return out.name
    if out.output_type in ("display_data", "execute_result"):
        name = glued_name(out)
        return f"glue {name!r}" if name else "+".join(sorted(out.data))
    return out.output_type


def _ignored(cell) -> bool:
    tags = cell.metadata.get("tags", [])
    return any(m in cell.source for m in IGNORE_MARKERS) or any(t in tags for t in IGNORE_TAGS)


def compare_notebooks(
    committed: nbformat.NotebookNode,
    executed: nbformat.NotebookNode,
    chapter: str,
    found: Comparison | None = None,
    clean: Sequence[tuple[str, str]] = (),
) -> Comparison:
    """Compare a re-executed chapter with its committed notebook (NotebookNodes), both sanitized
    by the (regex, replacement) pairs ``clean``; what was found (added to ``found`` if given)."""
    found = found or Comparison()

    def sanitized(text: str) -> str:
        for regex, replacement in clean:
            text = re.sub(regex, replacement, text)
        return text

    cells = [c for c in executed.cells if INJECTED_TAG not in c.metadata.get("tags", [])]
    if [c.source for c in cells] != [c.source for c in committed.cells]:
        found.mismatches.append(f"{chapter}: the executed notebook's cells are not the committed chapter's")
        return found
    for index, (old, new) in enumerate(zip(committed.cells, cells)):
        if old.cell_type != "code":
            continue
        cell = f"{chapter} cell [{old.execution_count or index}]"
        if new.execution_count is None:
            found.mismatches.append(f"{cell}: not executed")
            continue
        if _ignored(old):
            continue
        expected, got = [_signature(o) for o in old.outputs], [_signature(o) for o in new.outputs]
        if expected != got:
            found.mismatches.append(f"{cell}: expected the outputs {expected}, got {got}")
            continue
        if DETAIL_TAG in old.metadata.get("tags", []):
            continue
        numbers = SEED_LIKE_TAG not in old.metadata.get("tags", [])
        for a, b in zip(old.outputs, new.outputs):
            where = f"{cell}, {_signature(a)}"
            if a.output_type == "stream":
                compare_text(sanitized(a.text), sanitized(b.text), where, found, numbers)
                continue
            for mime, value in a.get("data", {}).items():
                if "image/" not in mime:  # a figure's pixels are not compared; its presence is
                    texts = sanitized(_text(value)), sanitized(_text(b.data[mime]))
                    compare_text(*texts, where, found, numbers)
    return found
