"""The PDF holds every figure and Table 1."""

import shutil
import subprocess

import pytest

from .conftest import PDF
from .test_html import FIGURES


@pytest.fixture(scope="module")
def pdf():
    if not PDF.exists():
        pytest.fail(f"no PDF at {PDF}: run `jupyter-book build book/ --builder pdflatex` first")
    for tool in ("pdfimages", "pdftotext"):
        if not shutil.which(tool):
            pytest.fail(f"{tool} (poppler-utils) is needed: `make setup` installs it")
    return PDF


def test_every_figure_is_in_the_pdf(pdf):
    listing = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True)
    images = [line for line in listing.stdout.splitlines()[2:] if line.split()[2] == "image"]
    assert len(images) >= sum(FIGURES.values())


def test_table_1_is_in_the_pdf(pdf):
    command = ["pdftotext", "-layout", str(pdf), "-"]
    text = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    assert "Table 1" in text
    for row in ("z dimension", "Batch size", "Learning rate", "Number of Swiss-roll points", "100 units"):
        assert row in text, row
