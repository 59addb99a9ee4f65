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
    computing = {"config", "data", "loss", "draws", "model", "step", "training", "evaluation", "metrics"}
    assert computing | {"state", "store", "cache"} <= set(digest.COMPUTING)
    assert all((PACKAGE / f"{name}.py").exists() for name in digest.COMPUTING)


@pytest.mark.quick
def test_the_keras_baseline_and_the_sweep_s_transport_are_not_digested(tmp_path):
    """Editing the Keras model (the benchmark's fit baseline) or the transport of a sweep's run
    files leaves the digest as it is, so no cached run is trained again; editing the step does not."""
    from vaebook import VAE, sweep

    assert VAE.__module__ == "vaebook.keras_model" and sweep.transport.__name__ == "vaebook.transport"
    copy = tmp_path / "vaebook"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    before = digest.package_digest(copy)
    assert before == digest.code_digest()
    for module, function in (("keras_model", "train_step"), ("transport", "export_run")):
        path = copy / f"{module}.py"
        source = path.read_text()
        assert f"def {function}(" in source
        path.write_text(source.replace(f"def {function}(", f"def {function}_edited("))
    assert digest.package_digest(copy) == before
    step = copy / "step.py"
    step.write_text(step.read_text().replace(STEP, STEP.replace("0.9,", "0.8,")))
    assert digest.package_digest(copy) != before


def train_in(package: Path, cache: Path, config: Config) -> subprocess.Popen:
    """``train(config)`` started in a new process importing ``package``, which prints the run's
    seconds and last objective (run from the cache's folder: ``python -c`` would import the
    package of its working directory)."""
    run = f"vaebook.train(vaebook.{config!r}, progress=False)"
    code = f"import vaebook; r = {run}; print(r.seconds, r.objective[-1])"
    env = dict(os.environ, PYTHONPATH=str(package.parent), VAEBOOK_CACHE=str(cache))
    cache.mkdir(exist_ok=True)
    return subprocess.Popen(
        [sys.executable, "-c", code], env=env, cwd=cache, stdout=subprocess.PIPE, text=True
    )


def result(process: subprocess.Popen) -> tuple[float, float]:
    """(seconds, last objective) that a ``train_in`` process printed."""
    out, _ = process.communicate()
    assert process.returncode == 0
    seconds, last = map(float, out.split()[-2:])
    return seconds, last


@pytest.mark.integration
def test_a_changed_constant_of_the_trainer_trains_again_and_restored_loads(tmp_path):
    """Two copies of the package, one with Adam's beta1 0.9 (as it is), one with 0.5, train into
    one cache side by side; then the first copy, its comment edited, loads its run."""
    copies = {}
    for name, beta1 in (("as-is", "0.9,"), ("changed", "0.5,")):
        copies[name] = tmp_path / name / "vaebook"
        shutil.copytree(PACKAGE, copies[name], ignore=shutil.ignore_patterns("__pycache__"))
        step = copies[name] / "step.py"
        assert STEP in step.read_text()
        step.write_text(step.read_text().replace(STEP, STEP.replace("0.9,", beta1)))
    config = Config(n_points=200, epochs=3, hidden_units=8, snapshots=(3,), eval_every=3)
    cache = tmp_path / "cache"

    (trained, first), (changed, other) = map(result, [train_in(copies[n], cache, config) for n in copies])
    assert trained > 0 and changed > 0 and other != first  # each trained, to other numbers
    step = copies["as-is"] / "step.py"
    step.write_text(
        step.read_text().replace("# TF 1's AdamOptimizer defaults", "# The defaults of TF 1's Adam")
    )
    loaded, same = result(train_in(copies["as-is"], cache, config))
    assert loaded == 0.0 and same == first  # a comment changed: the cached run loads
