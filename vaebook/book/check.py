"""``vaebook check``: does the published book hold on this machine? Two tiers.

- ``strict`` is ``pytest --nbval book/``: every committed output equal to its re-execution, digit
  for digit. Only the reference stack (printed in the appendix "How these numbers were made")
  reproduces every digit.
- ``portable`` re-executes every chapter with papermill (two at a time, into _build/check/; book/
  is never touched) and compares each output with the committed one (``vaebook.book.compare``):
  every text exactly, the verdicts included, and every number within the relative tolerance
  ``RTOL``. Every cell must run: an error in an assert cell or a figure cell fails the check, and
  so does a missing figure.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import nbformat

from vaebook.book import build, kernels, provenance
from vaebook.book import tier as tier_choice
from vaebook.book.compare import RTOL, Comparison, Number, compare_notebooks, sanitizers
from vaebook.book.parameters import by_chapter
from vaebook.book.toc import Book
from vaebook.errors import VaebookError
from vaebook.stack import fingerprint

__all__ = ["RTOL", "TIERS", "check", "output_folder", "portable", "summary"]

TIERS = {
    "portable": "re-execute every chapter; text and verdicts exact, numbers within RTOL",
    "strict": "pytest --nbval book/: every committed output equal (the reference stack only)",
    tier_choice.AUTO: "strict on the reference stack, else portable (vaebook.book.tier.choose)",
}
SANITIZE = "nbval_sanitize.cfg"  # in book/: what both tiers leave out of the comparison


class CheckError(VaebookError, ValueError):
    """A check asked for wrongly: an unknown tier or chapter, or options the tier does not take."""


def output_folder(book: Book) -> Path:
    """Where the portable tier executes the chapters: ``_build/check/``."""
    return book.build_folder / "check"


def portable(
    book: Book, chapters: list[Path] | None = None, parameters: dict | None = None, workers: int = 2
) -> Comparison:
    """Re-execute ``chapters`` (default: all) into ``output_folder(book)`` and compare them with
    their committed notebooks in book/, which nothing here changes. ``parameters`` (papermill's)
    go to the chapters whose parameters cell has them; a name none has is refused first."""
    todo, out = chapters or book.chapters(), output_folder(book)
    values = by_chapter(parameters or {}, todo)
    shutil.rmtree(out, ignore_errors=True)  # no stale chapter of an earlier check is compared
    out.mkdir(parents=True)
    count = f"{len(todo)} chapter{'s' * (len(todo) != 1)}"
    print(f"executing {count} with papermill ({workers} at a time) into {out}", flush=True)
    logs = book.build_folder / "kernels"
    failure = kernels.execute_all(
        todo, out, workers, values, command="vaebook check", logs=logs, after=build.scrub
    )
    found = Comparison()
    if failure:
        found.mismatches.append(failure)
        return found
    clean = sanitizers(book.folder / SANITIZE)
    for chapter in todo:
        committed, executed = (nbformat.read(path, as_version=4) for path in (chapter, out / chapter.name))
        compare_notebooks(committed, executed, chapter.stem, found, clean)
    return found


def summary(found: Comparison) -> list[str]:
    """The largest relative difference of each kind of number, for the check's last lines."""
    kinds: dict[str, list[Number]] = {}
    for n in found.numbers:
        kind = "glued" if "glue '" in n.where else "printed (stdout)" if "stdout" in n.where else "displayed"
        kinds.setdefault(kind, []).append(n)
    lines = [f"{len(found.numbers)} numbers compared, {sum(n.relative > 0 for n in found.numbers)} differ"]
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
        raise CheckError(f"tier must be one of {', '.join(map(repr, TIERS))}, got {tier!r}: {listing}")
    if tier == "strict" and (chapters or parameters):
        raise CheckError("the strict tier checks the committed chapters as they are: no --chapter, no -p")
    book = book or Book.find()
    known = {p.stem: p for p in book.chapters()}
    unknown = [c for c in chapters or [] if c not in known]
    if unknown:
        raise CheckError(f"unknown chapter(s) {', '.join(unknown)}; the chapters are {', '.join(known)}")
    todo = [known[c] for c in chapters] if chapters else list(known.values())
    by_chapter(parameters or {}, todo)  # an unknown name stops here, before anything runs
    reference = provenance.reference_stack(book.folder / f"{provenance.APPENDIX}.ipynb")
    if reference is not None:
        note = provenance.stack_note(reference, fingerprint())
        print(f"vaebook check: {note or 'this machine has the reference stack of the committed outputs'}")
    if tier == tier_choice.AUTO:
        tier = "portable" if chapters or parameters else tier_choice.choose(reference, fingerprint())
        print(tier_choice.announcement(tier), flush=True)
    if tier == "strict":
        with kernels.stoppable("vaebook check"):
            return kernels.run([sys.executable, "-m", "pytest", "--nbval", str(book.folder)], book.root)
    found = portable(book, todo, parameters)
    for line in found.mismatches:
        print(line)
    for line in summary(found):
        print(line)
    if found.passed:
        print(f"vaebook check: the book holds here (portable tier, relative tolerance {RTOL:g})")
        return 0
    print(
        f"vaebook check: FAILED: {len(found.mismatches)} output(s) contradict the published book "
        f"(portable tier, relative tolerance {RTOL:g}); the re-executed chapters are in "
        f"{output_folder(book)}",
        file=sys.stderr,
    )
    return 1
