"""The README's sentences that quote the book's numbers, generated from the executed chapters'
glued values so that they cannot drift from them: ``vaebook build`` rewrites them after executing
the chapters, and a test checks that the committed README is current.

Each generated block sits between two HTML comments naming it (``<!-- vaebook.readme: NAME -->``
and ``<!-- /vaebook.readme: NAME -->``); the text around the blocks is the README's own.
"""

from __future__ import annotations

import inspect
import re
import textwrap
from pathlib import Path

import nbformat

from vaebook.provenance import BOOK, ROOT, glued_objects

README = ROOT / "README.md"
CHAPTERS = ("05_results", "06_convergence", "08_design", "09_original_code")
WIDTH = 100


def chapter_values(folder: Path = BOOK) -> dict[str, dict[str, object]]:
    """The glued values of the chapters the README quotes, read from their executed notebooks in
    ``folder``: chapter -> glue name -> value (strings without their quotes)."""
    return {
        chapter: glued_objects(nbformat.read(folder / f"{chapter}.ipynb", as_version=4))
        for chapter in CHAPTERS
    }


def quality(v: dict[str, dict[str, object]]) -> str:
    """The README's paragraph on the quality of the report's run and on the original script."""
    from vaebook.metrics import sliced_wasserstein

    r, c, d, o = (v[name] for name in CHAPTERS)
    projections = inspect.signature(sliced_wasserstein).parameters["n_projections"].default
    text = (
        f"**Quality.** With the report's settings, the reconstructions at epoch {r['match-epoch']} are at a "
        f"sliced Wasserstein distance ({projections} projections) of {r['sw-match']:.3f} from an "
        f"independent real sample of {r['n-points']:,} points; two independent real samples of that size "
        f"are {r['sw-floor']:.3f} apart (the noise floor). At epoch {r['first-epoch']} the distance is "
        f"{r['sw-first']:.2f}, at epoch {r['last-epoch']:,} {r['sw-last']:.3f}. So by epoch "
        f"{r['match-epoch']} the model has closed {r['gap-closed']} of the gap between its first epoch and "
        f"the noise floor and is still {r['sw-ratio']:.1f} times the floor, a {r['match-grade']} match by "
        f"the results chapter's rule; the convergence chapter finds that, by its stated rule, the "
        f"reconstructions {c['recon-settles']}, so the report's claim that they had settled by epoch "
        f"{c['claimed-epoch']} {c['verdict']}. With {d['n-seeds']} seeds per design, two tanh layers get to "
        f"{d['threshold-factor']} times the noise floor first in {d['claim-wins']} of {d['claim-pairs']} "
        f"seed pairs against one ReLU layer: the report's claim that they converge faster {d['claim']}. "
        f"The original script's log ({o['n-log']} epoch means, from {o['log-total-first']:,.0f} at epoch 0 "
        f"to {o['log-total-last']:,.0f} at epoch {o['log-last-epoch']:,}) is reproduced by its "
        f"configuration with the input noise {o['nearer-way']}, to within {o['gap-nearer']} at every logged "
        f"epoch (with the noise {o['other-way']}, {o['gap-other']}; that run ends at "
        f"{o['step-total-last']:,.0f}): {o['trained-verdict']}."
    )
    return textwrap.fill(text, WIDTH)


def seeds_limit(v: dict[str, dict[str, object]]) -> str:
    """The README's known limit on the original script's missing seed."""
    o = v["09_original_code"]
    text = (
        "- The original script set no seed, so its log is one draw among many: this book's run of its "
        f"configuration (noise {o['nearer-way']}) is within {o['gap-nearer']} of every logged epoch "
        f"mean, and {o['n-seeds']} seeds of that run differ from each other by up to {o['seed-spread']}; "
        "closer agreement than the seeds' cannot be expected (see the chapter on the original code)."
    )
    return textwrap.fill(text, WIDTH, subsequent_indent="  ")


BLOCKS = {"quality": quality, "seeds-limit": seeds_limit}


def render(readme: str, values: dict[str, dict[str, object]]) -> str:
    """``readme`` with every generated block rewritten from the chapters' ``values``."""
    for name, make in BLOCKS.items():
        tag = re.escape(name)
        begin, end = rf"<!-- vaebook\.readme: {tag} -->\n", rf"\n<!-- /vaebook\.readme: {tag} -->"
        pattern = re.compile(f"({begin}).*?({end})", re.DOTALL)
        if not pattern.search(readme):
            raise ValueError(f"README.md has no generated block {name!r} (see vaebook/readme.py)")
        text = make(values)
        readme = pattern.sub(lambda m, text=text: m.group(1) + text + m.group(2), readme)
    return readme


def update(readme: Path = README, folder: Path = BOOK) -> bool:
    """Rewrite the README's generated blocks from the executed chapters in ``folder``; whether
    anything changed."""
    before = readme.read_text()
    after = render(before, chapter_values(folder))
    if after != before:
        readme.write_text(after)
    return after != before
