"""The package's own code on the loss, architecture and training pages is the package's current
source: every line of each listed function, verbatim, in the built page, in the HTML and the
PDF."""

import ast
import html
import inspect
import re
import subprocess

import nbformat
import pytest
from listings import included

import vaebook.data
import vaebook.loss
import vaebook.model
import vaebook.step

from .conftest import HTML, PDF, ROOT

LISTED = {
    "01_data": [vaebook.data.roll_points],
    "02_loss": [vaebook.loss.loss_terms, vaebook.loss.objective, vaebook.loss.reparameterize],
    "03_architecture": [vaebook.model.mlp, vaebook.model.encode, vaebook.model.decode, vaebook.model.forward],
    "04_training": [  # the whole model: the network, then its training step
        vaebook.model.affine,
        vaebook.model.mlp,
        vaebook.model.encode,
        vaebook.model.decode,
        vaebook.model.forward,
        vaebook.step.adam_update,
        vaebook.step.gradients,
        vaebook.step.train_step,
    ],
}


def _code_blocks(page: str) -> str:
    """The text of every highlighted code block of a built page, markup removed."""
    blocks = re.findall(r'<div class="highlight"><pre>(.*?)</pre>', (HTML / f"{page}.html").read_text(), re.S)
    return "\n".join(html.unescape(re.sub(r"<[^>]+>", "", block)) for block in blocks)


def _lines(function) -> list[str]:
    return [line for line in inspect.getsource(function).splitlines() if line.strip()]


@pytest.mark.parametrize("page", sorted(LISTED))
def test_each_listing_is_the_package_s_current_source(page):
    shown = _code_blocks(page).splitlines()
    for function in LISTED[page]:
        lines = _lines(function)
        assert len(lines) >= 3, function.__name__
        start = next((i for i, line in enumerate(shown) if line == lines[0]), None)
        assert start is not None, f"{page}: no listing of {function.__name__}"
        assert [line for line in shown[start:] if line.strip()][: len(lines)] == lines, function.__name__


def test_the_loss_architecture_and_training_pages_show_at_least_five_lines_of_vaebook():
    for page in ("02_loss", "03_architecture", "04_training"):
        assert max(len(_lines(f)) for f in LISTED[page]) >= 5, page


def test_the_listed_functions_are_the_ones_the_chapters_include():
    """LISTED above names what the chapters include (tests/test_chapters.py checks the includes)."""
    for page, functions in LISTED.items():
        cells = nbformat.read(ROOT / "book" / f"{page}.ipynb", as_version=4).cells
        markdown = "\n".join(c.source for c in cells if c.cell_type == "markdown")
        shown = {name for _, names in included(markdown) for name in names}
        assert shown == {f.__name__ for f in functions}, page
        for f in functions:
            assert isinstance(ast.parse(inspect.getsource(f)).body[0], ast.FunctionDef)


def test_the_pdf_prints_the_listings_too():
    command = ["pdftotext", "-layout", str(PDF), "-"]
    text = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    for functions in LISTED.values():
        for function in functions:
            assert f"def {function.__name__}(" in text, function.__name__
