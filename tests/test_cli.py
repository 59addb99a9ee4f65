import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner
from papermill.cli import papermill

from vaebook.book.parameters import papermill_value
from vaebook.cli import main

# Texts that papermill's -p reads as other types, and some it keeps as text.
VALUES = [
    "True", "False", "None", "true", "none", "1", "-3", "007", "1_000", " 42 ", "2.5", "1e-3", "-1E3",
    ".5", "nan", "inf", "-Infinity", "1,5", "0x10", "1j", "relu", "", "True ", "'x'",
]  # fmt: skip


def test_train_writes_the_cache_and_says_where(cache, capsys):
    assert main(["train", "--epochs", "2", "--n-points", "200", "--hidden-units", "8", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "run stored in" in out and str(cache) in out
    assert list(cache.rglob("*.npz"))


@pytest.mark.parametrize(
    ("flag", "value", "words"),
    [
        ("--latent-dim", "0", "latent_dim must be an integer >= 1"),
        ("--activation", "foo", "activation must be one of"),
        ("--epochs", "ten", "epochs must be an integer"),
        ("--learning-rate", "nan", "learning_rate must be"),
    ],
)
@pytest.mark.quick
def test_bad_flags_fail_naming_the_field(flag, value, words, capsys):
    assert main(["train", flag, value, "--no-progress"]) == 2
    assert words in capsys.readouterr().err


def test_the_command_line_exits_with_the_error_before_tensorflow_loads():
    """The same through the installed entry point's module, in a process of its own: the error
    comes at once, with TensorFlow (4 s to import) never loaded."""
    code = (
        "import sys; from vaebook.cli import main; status = main(sys.argv[1:]); "
        "assert 'tensorflow' not in sys.modules; sys.exit(status)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, "train", "--latent-dim", "0", "--no-progress"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2 and "latent_dim must be an integer >= 1" in result.stderr, result.stderr


def test_the_package_loads_tensorflow_with_its_first_computing_name():
    """``import vaebook``, its configs and the report's constants load no TensorFlow (a process of
    their own); in this one, which trains, TensorFlow came set up: deterministic ops."""
    code = """
import os
import sys
before = dict(os.environ)
import vaebook
from vaebook import report
assert dict(os.environ) == before, "import vaebook changed the environment"
assert vaebook.Config(latent_dim=3).latent_dim == 3 and report.EPOCHS == 1000
assert vaebook.comparison.__name__ == "vaebook.comparison"
assert "tensorflow" not in sys.modules, "import vaebook loaded TensorFlow"
try:
    vaebook.no_such_name
except AttributeError as err:
    assert "no_such_name" in str(err)
else:
    raise AssertionError("vaebook.no_such_name")
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    from tensorflow.python.framework.config import is_op_determinism_enabled

    import vaebook

    assert all(getattr(vaebook, name) is not None for name in vaebook.__all__)  # each one loads
    assert is_op_determinism_enabled()  # TensorFlow came through vaebook.backend


def test_loading_tensorflow_through_vaebook_leaves_the_environment_as_it_was():
    """vaebook.backend sets TensorFlow's log level and oneDNN switch for TensorFlow's import only,
    and the trainer's BLAS limit imports threadpoolctl, which sets an OpenMP variable, with the
    environment put back: none of these is left set (TensorFlow's own variables aside)."""
    code = """
import json, os
before = dict(os.environ)
from vaebook import training
training._blas()
print(json.dumps(sorted(k for k in set(before) | set(os.environ) if before.get(k) != os.environ.get(k))))
"""
    ours = {"TF_CPP_MIN_LOG_LEVEL", "TF_ENABLE_ONEDNN_OPTS", "KMP_DUPLICATE_LIB_OK", "OPENBLAS_NUM_THREADS"}
    env = {k: v for k, v in os.environ.items() if k not in ours}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    changed = set(json.loads(out.stdout.splitlines()[-1]))
    assert not changed & ours and changed <= {
        "TF2_BEHAVIOR",
        "TPU_ML_PLATFORM",
        "TPU_ML_PLATFORM_VERSION",
        "ENABLE_RUNTIME_UPTIME_TELEMETRY",
        "HDF5_PLUGIN_PATH",
    }, changed


@pytest.mark.quick
def test_the_parameter_values_are_read_as_papermill_reads_them(tmp_path, monkeypatch):
    """Each value through papermill's own command line (without executing): the parameters it
    injects are ``papermill_value``'s, type for type."""
    import nbformat

    monkeypatch.chdir(tmp_path)
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell("")]
    nb.cells[0].metadata["tags"] = ["parameters"]
    nbformat.write(nb, "in.ipynb")
    args = [flag for i, value in enumerate(VALUES) for flag in ("-p", f"v{i}", value)]
    result = CliRunner().invoke(papermill, ["in.ipynb", "out.ipynb", *args, "--prepare-only"])
    assert result.exit_code == 0, result.output
    out = nbformat.read("out.ipynb", as_version=4)
    (injected,) = [c for c in out.cells if "injected-parameters" in c.metadata.get("tags", [])]
    passed: dict = {}
    exec(injected.source, {"nan": float("nan"), "inf": float("inf")}, passed)
    ours = {f"v{i}": papermill_value(value) for i, value in enumerate(VALUES)}
    assert {k: type(v) for k, v in passed.items()} == {k: type(v) for k, v in ours.items()}
    assert {k: repr(v) for k, v in passed.items()} == {k: repr(v) for k, v in ours.items()}


def test_check_and_build_find_the_book_or_name_the_root(tmp_path, capsys, monkeypatch):
    assert main(["check", "--root", str(tmp_path)]) == 2
    assert "is not a book's root: it must hold _toc.yml and book/" in capsys.readouterr().err
    monkeypatch.chdir(tmp_path)
    assert main(["build"]) == 2
    assert "no book found in" in capsys.readouterr().err


def test_noise_draw_is_a_flag(capsys):
    assert main(["train", "--noise-draw", "never", "--no-progress"]) == 2
    assert "noise_draw must be one of 'step', 'once'" in capsys.readouterr().err
    argv = ["train", "--epochs", "1", "--n-points", "200", "--hidden-units", "8", "--noise-std", "1"]
    assert main([*argv, "--noise-draw", "once", "--no-progress"]) == 0


def test_divergence_is_an_error(capsys):
    code = main(["train", "--epochs", "3", "--n-points", "200", "--learning-rate", "10000", "--no-progress"])
    assert code == 1 and "diverged" in capsys.readouterr().err
