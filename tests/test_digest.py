"""The cache is keyed by the code that computes a run: a change to that code trains again, a
change to its comments or docstrings does not."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from vaebook import Config, digest

PACKAGE = Path(__file__).resolve().parent.parent / "vaebook"
STEP = "ADAM_BETA1, ADAM_BETA2, ADAM_EPSILON = 0.9, 0.999, 1e-8"

MODULE = '''"""A module."""

RATE = 0.9  # a constant


def f(x):
    """Twice x."""
    return 2 * x
'''


@pytest.mark.quick
def test_comments_docstrings_and_layout_do_not_count_and_code_does():
    base = digest.source_digest({"m": MODULE})
    reworded = MODULE.replace('"""A module."""', '"""Another text."""').replace("# a constant", "")
    reworded = reworded.replace('"""Twice x."""', '"""Two times x,\n    said otherwise."""')
    relaid = reworded.replace("return 2 * x", "return (2 *\n            x)")
    assert digest.source_digest({"m": relaid}) == base
    assert digest.source_digest({"m": MODULE.replace("0.9", "0.5")}) != base
    assert digest.source_digest({"m": MODULE.replace("2 * x", "x * 2")}) != base
    assert digest.source_digest({"other": MODULE}) != base  # a module's name counts
    without = MODULE.replace('    """Twice x."""\n', "")
    assert digest.source_digest({"m": without}) == base


@pytest.mark.quick
def test_the_digest_covers_the_modules_that_compute_a_run():
    assert {"config", "data", "loss", "draws", "model", "step", "training", "metrics", "store"} <= set(
        digest.COMPUTING
    )
    assert all((PACKAGE / f"{name}.py").exists() for name in digest.COMPUTING)
    assert len(digest.code_digest()) == 16


def train_in(package: Path, cache: Path, config: Config) -> tuple[float, float]:
    """(seconds, last objective) of ``train(config)`` in a new process importing ``package`` (run
    from the cache's folder: ``python -c`` would import the package of its working directory)."""
    run = f"vaebook.train(vaebook.{config!r}, progress=False)"
    code = f"import vaebook; r = {run}; print(r.seconds, r.objective[-1])"
    env = dict(os.environ, PYTHONPATH=str(package.parent), VAEBOOK_CACHE=str(cache))
    cache.mkdir(exist_ok=True)
    command = [sys.executable, "-c", code]
    out = subprocess.run(command, env=env, cwd=cache, check=True, capture_output=True, text=True)
    seconds, last = map(float, out.stdout.split()[-2:])
    return seconds, last


def test_a_changed_constant_of_the_trainer_trains_again_and_restored_loads(tmp_path):
    copy = tmp_path / "copy" / "vaebook"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    step = copy / "step.py"
    original = step.read_text()
    assert STEP in original
    config = Config(n_points=200, epochs=3, hidden_units=8, snapshots=(3,), eval_every=3)
    cache = tmp_path / "cache"

    trained, first = train_in(copy, cache, config)
    step.write_text(original.replace(STEP, STEP.replace("0.9,", "0.5,")))
    changed, other = train_in(copy, cache, config)
    assert trained > 0 and changed > 0 and other != first  # trained again, to other numbers
    step.write_text(original.replace("# TF 1's AdamOptimizer defaults", "# The defaults of TF 1's Adam"))
    loaded, same = train_in(copy, cache, config)
    assert loaded == 0.0 and same == first  # a comment changed: the cached run loads
