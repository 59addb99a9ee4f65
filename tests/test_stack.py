"""The fingerprint's numpy, SciPy and BLAS fields, which of its fields can move a digit, and the
tier of `vaebook check auto` that a stack gets."""

import os
import subprocess
import sys

import numpy as np
import pytest
from threadpoolctl import threadpool_info

from vaebook import stack
from vaebook.book import check, tier
from vaebook.book.compare import Comparison
from vaebook.book.toc import Book


@pytest.mark.quick
def test_the_fingerprint_names_numpy_s_blas_and_the_kernel_it_runs():
    here = stack.fingerprint()
    blas = [lib for lib in threadpool_info() if lib["user_api"] == "blas"]
    numpy_s = next(lib for lib in blas if "numpy" in lib["filepath"])
    assert here["blas"] == f"{numpy_s['internal_api']} {numpy_s['version']}"
    assert here["blas_kernel"] == numpy_s.get("architecture", "n/a")
    assert here["numpy"] == np.__version__ and here["scipy"] == __import__("scipy").__version__


def test_the_fingerprint_names_numpy_s_simd_extensions_as_numpy_reports_them():
    from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__

    found = [f for f in __cpu_dispatch__ if __cpu_features__[f]]
    assert stack.fingerprint()["numpy_simd"] == (" ".join(found) or "(baseline only)")


@pytest.mark.integration
def test_reading_the_blas_leaves_the_environment_as_it_was():
    """threadpoolctl's import sets KMP_DUPLICATE_LIB_OK; the fingerprint reads the BLAS without
    leaving it set (in a new process: this one may have imported threadpoolctl already)."""
    code = "import os, vaebook.stack as s; s.fingerprint(); print('KMP_DUPLICATE_LIB_OK' in os.environ)"
    env = {k: v for k, v in os.environ.items() if k != "KMP_DUPLICATE_LIB_OK"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False"]


@pytest.mark.quick
def test_only_the_fields_that_can_move_a_digit_are_differences():
    here = stack.fingerprint()
    other_machine = here | {
        "cpu": "Another CPU",
        "blas_kernel": "Haswell" if here["blas_kernel"] != "Haswell" else "SkylakeX",
        "blas": "openblas 0.3.99",
        "isa_from": "somewhere else",
        "threads": 7,
    }
    assert stack.differences(here, other_machine) == {}
    assert stack.differences(here, here | {"numpy_simd": "X86_V3"}) == {
        "NumPy's SIMD extensions": (here["numpy_simd"], "X86_V3")
    }
    assert set(stack.NOT_NUMERIC) < set(stack.FIELDS)


def test_a_field_the_reference_does_not_record_is_not_compared():
    here = stack.fingerprint()
    older = {k: v for k, v in here.items() if k not in ("numpy_simd", "scipy")}
    assert stack.differences(older, here) == {}
    assert stack.differences(older | {"numpy": "1.0"}, here).keys() == {"NumPy"}


@pytest.mark.quick
def test_auto_chooses_strict_on_the_reference_stack_and_portable_elsewhere():
    here = stack.fingerprint()
    assert tier.choose(here, here | {"blas_kernel": "Prescott", "cpu": "another"}) == "strict"
    assert tier.choose(here, here | {"tensorflow": "2.99.0"}) == "portable"
    assert tier.choose(None, here) == "portable"  # no committed record to compare with


@pytest.mark.parametrize("differs, runs", [(False, "strict"), (True, "portable")])
def test_vaebook_check_auto_runs_the_chosen_tier(monkeypatch, capsys, differs, runs):
    """check("auto") on the book, with a stack equal to the committed reference or not; what
    would run is recorded, nothing is executed."""
    book = Book.find()
    reference = check.provenance.reference_stack(book.folder / f"{check.provenance.APPENDIX}.ipynb")
    assert reference is not None
    here = reference | ({"tensorflow": "2.99.0"} if differs else {})
    ran = []
    monkeypatch.setattr(check, "fingerprint", lambda: here)
    monkeypatch.setattr(check.kernels, "run", lambda command, cwd: ran.append("strict") or 0)
    monkeypatch.setattr(check, "portable", lambda *args: ran.append("portable") or Comparison())
    assert check.check("auto", book=book) == 0
    assert ran == [runs]
    out = capsys.readouterr().out
    assert f"the {runs} tier" in out and ("2.99.0 here" in out) == differs

