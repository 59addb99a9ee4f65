"""``vaebook check``: does the published book hold on this machine? Two tiers.

- ``strict`` is ``pytest --nbval book/``: every committed output equal to its re-execution, digit
  for digit. Only the reference stack (printed in the appendix "How these numbers were made")
  reproduces every digit.
- ``portable`` re-executes every chapter with papermill (two at a time, into _build/check/; book/
  is never touched) and compares each output with the committed one: every text exactly, the
  verdicts included, and every number within the relative tolerance ``RTOL`` (but for cells
  tagged ``SEED_LIKE_TAG``, whose numbers vary as a seed's do). Every cell must run: an error in
  an assert cell or a figure cell fails the check, and so does a missing figure.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from vaebook.book import build, provenance
from vaebook.book import tier as tier_choice
from vaebook.book.toc import Book
from vaebook.stack import fingerprint

TIERS = {
    "portable": "re-execute every chapter; text and verdicts exact, numbers within RTOL",
    "strict": "pytest --nbval book/: every committed output equal (the reference stack only)",
    tier_choice.AUTO: "strict on the reference stack, else portable (vaebook.book.tier.choose)",
}
# The one tolerance of the portable tier: a number passes if it is within this relative
# difference of the committed one (plus one unit of its last printed digit, which rounding of a
# nearly equal value can move). It is a few times the largest difference of the book's
# continuous numbers between the reference stack and XLA's oldest instruction set (SSE4.2).
RTOL = 0.05
SANITIZE = "nbval_sanitize.cfg"  # in book/: what both tiers leave out of the comparison
# Cells whose output describes the machine that executed them (the appendix's stack): the
# portable tier shows how this machine differs instead of comparing them.
STACK_TAG = "machine-stack"
# Cells whose numbers vary from one instruction set to another as from one seed to another (the
# original code's late epochs, whose runs learn fixed noisy copies of the points and spike): the
# portable tier compares their words (the verdicts among them), not their numbers, which the
# chapter reads against its own seeds' spread instead; the strict tier compares them all.
SEED_LIKE_TAG = "varies-like-a-seed"
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
class Report:
    """What the portable tier found: mismatches (each fails the check) and every number compared."""

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


def compare_text(expected: str, got: str, where: str, report: Report, numbers: bool = True) -> None:
    """Add to ``report`` every number of the two texts, and a mismatch if their words differ or
    a number is out of tolerance (if ``numbers``: else only the words are compared)."""
    words_e, numbers_e = split_numbers(expected)
    words_g, numbers_g = split_numbers(got)
    if words_e != words_g:
        a, b = _differing_lines(expected, got)
        report.mismatches.append(f"{where}: expected {_excerpt(a, b)}, got {_excerpt(b, a)}")
        return
    if not numbers:
        return
    pairs = [Number(where, a, b) for a, b in zip(numbers_e, numbers_g)]
    report.numbers += pairs
    for pair in pairs:
        if not pair.holds:
            report.mismatches.append(
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
        name = out.get("metadata", {}).get("scrapbook", {}).get("name")
        return f"glue {name!r}" if name else "+".join(sorted(out.data))
    return out.output_type


def _ignored(cell) -> bool:
    tags = cell.metadata.get("tags", [])
    return any(m in cell.source for m in IGNORE_MARKERS) or any(t in tags for t in IGNORE_TAGS)


def compare_notebooks(
    committed: nbformat.NotebookNode,
    executed: nbformat.NotebookNode,
    chapter: str,
    report: Report | None = None,
    clean: Sequence[tuple[str, str]] = (),
) -> Report:
    """Compare a re-executed chapter with its committed notebook (NotebookNodes), both sanitized
    by the (regex, replacement) pairs ``clean``; the report."""
    report = report or Report()

    def sanitized(text: str) -> str:
        for regex, replacement in clean:
            text = re.sub(regex, replacement, text)
        return text

    cells = [c for c in executed.cells if "injected-parameters" not in c.metadata.get("tags", [])]
    if [c.source for c in cells] != [c.source for c in committed.cells]:
        report.mismatches.append(f"{chapter}: the executed notebook's cells are not the committed chapter's")
        return report
    for index, (old, new) in enumerate(zip(committed.cells, cells)):
        if old.cell_type != "code":
            continue
        cell = f"{chapter} cell [{old.execution_count or index}]"
        if new.execution_count is None:
            report.mismatches.append(f"{cell}: not executed")
            continue
        if _ignored(old):
            continue
        expected, got = [_signature(o) for o in old.outputs], [_signature(o) for o in new.outputs]
        if expected != got:
            report.mismatches.append(f"{cell}: expected the outputs {expected}, got {got}")
            continue
        numbers = SEED_LIKE_TAG not in old.metadata.get("tags", [])
        for a, b in zip(old.outputs, new.outputs):
            where = f"{cell}, {_signature(a)}"
            if a.output_type == "stream":
                compare_text(sanitized(a.text), sanitized(b.text), where, report, numbers)
                continue
            for mime, value in a.get("data", {}).items():
                if "image/" not in mime:  # a figure's pixels are not compared; its presence is
                    texts = sanitized(_text(value)), sanitized(_text(b.data[mime]))
                    compare_text(*texts, where, report, numbers)
    return report


def output_folder(book: Book) -> Path:
    """Where the portable tier executes the chapters: ``_build/check/``."""
    return book.build_folder / "check"


def portable(
    book: Book, chapters: list[Path] | None = None, parameters: dict | None = None, workers: int = 2
) -> Report:
    """Re-execute ``chapters`` (default: all) into ``output_folder(book)`` and compare them with
    their committed notebooks in book/, which nothing here changes."""
    todo, out = chapters or book.chapters(), output_folder(book)
    shutil.rmtree(out, ignore_errors=True)  # no stale chapter of an earlier check is compared
    out.mkdir(parents=True)
    print(f"executing {len(todo)} chapters with papermill ({workers} at a time) into {out}", flush=True)
    logs = book.build_folder / "kernels"
    failure = build.execute_all(todo, out, workers, parameters=parameters, command="vaebook check", logs=logs)
    report = Report()
    if failure:
        report.mismatches.append(failure)
        return report
    clean = sanitizers(book.folder / SANITIZE)
    for chapter in todo:
        committed, executed = (nbformat.read(path, as_version=4) for path in (chapter, out / chapter.name))
        compare_notebooks(committed, executed, chapter.stem, report, clean)
    return report


def summary(report: Report) -> list[str]:
    """The largest relative difference of each kind of number, for the check's last lines."""
    kinds: dict[str, list[Number]] = {}
    for n in report.numbers:
        kind = "glued" if "glue '" in n.where else "printed (stdout)" if "stdout" in n.where else "displayed"
        kinds.setdefault(kind, []).append(n)
    lines = [f"{len(report.numbers)} numbers compared, {sum(n.relative > 0 for n in report.numbers)} differ"]
    for kind, numbers in kinds.items():
        worst = max(numbers, key=lambda n: n.relative)
        lines.append(
            f"  {kind}: largest relative difference {worst.relative:.2g} "
            f"({worst.where}: {worst.expected} -> {worst.got})"
        )
    return lines


def check(
    tier: str, chapters: list[str] | None = None, parameters: dict | None = None, book: Book | None = None
) -> int:
    """Run one tier on ``book`` (default: the one around the working directory); 0 when the book
    holds. ``chapters`` (names) and ``parameters`` (papermill's) are for the portable tier: the
    strict one compares the committed chapters as they are."""
    if tier not in TIERS:
        listing = "; ".join(f"{name} ({what})" for name, what in TIERS.items())
        raise ValueError(f"tier must be one of {', '.join(map(repr, TIERS))}, got {tier!r}: {listing}")
    if tier == "strict" and (chapters or parameters):
        raise ValueError("the strict tier checks the committed chapters as they are: no --chapter, no -p")
    book = book or Book.find()
    known = {p.stem: p for p in book.chapters()}
    unknown = [c for c in chapters or [] if c not in known]
    if unknown:
        raise ValueError(f"unknown chapter(s) {', '.join(unknown)}; the chapters are {', '.join(known)}")
    reference = provenance.reference_stack(book.folder / f"{provenance.APPENDIX}.ipynb")
    if reference is not None:
        note = provenance.stack_note(reference, fingerprint())
        print(f"vaebook check: {note or 'this machine has the reference stack of the committed outputs'}")
    if tier == tier_choice.AUTO:
        tier = "portable" if chapters or parameters else tier_choice.choose(reference, fingerprint())
        print(tier_choice.announcement(tier), flush=True)
    if tier == "strict":
        return subprocess.call([sys.executable, "-m", "pytest", "--nbval", str(book.folder)], cwd=book.root)
    report = portable(book, [known[c] for c in chapters] if chapters else None, parameters)
    for line in report.mismatches:
        print(line)
    for line in summary(report):
        print(line)
    if report.passed:
        print(f"vaebook check: the book holds here (portable tier, relative tolerance {RTOL:g})")
        return 0
    print(
        f"vaebook check: FAILED: {len(report.mismatches)} output(s) contradict the published book "
        f"(portable tier, relative tolerance {RTOL:g}); the re-executed chapters are in "
        f"{output_folder(book)}",
        file=sys.stderr,
    )
    return 1
