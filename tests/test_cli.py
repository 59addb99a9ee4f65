import errno
import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from click.testing import CliRunner
from papermill.cli import papermill
from small_runs import TINY_FLAGS

from vaebook import Config
from vaebook.book.parameters import papermill_value
from vaebook.cli import flag_value, main, parser, train_config
from vaebook.errors import (
    CacheUnusable,
    ClimbingLoss,
    SettingError,
    TrainingDiverged,
    TrainingInterrupted,
)

# Texts that papermill's -p reads as other types, and some it keeps as text.
VALUES = [
    "True", "False", "None", "true", "none", "1", "-3", "007", "1_000", " 42 ", "2.5", "1e-3", "-1E3",
    ".5", "nan", "inf", "-Infinity", "1,5", "0x10", "1j", "relu", "", "True ", "'x'",
]  # fmt: skip


def test_train_writes_the_cache_and_says_where(cache, capsys):
    assert main(["train", "--epochs", "2", *TINY_FLAGS]) == 0
    out = capsys.readouterr().out
    assert "run stored in" in out and str(cache) in out
    assert list(cache.rglob("*.npz"))


@pytest.mark.quick
def test_train_hands_config_typed_values():
    """Each flag's text is read as its field's type before Config sees it: ints, floats (an
    integral one for an int field, as ``1e3``), and snapshots' epochs as a tuple."""
    assert flag_value("epochs", "1_000") == 1000 and flag_value("epochs", "1e3") == 1000.0
    assert flag_value("learning_rate", "5e-4") == 5e-4 and flag_value("snapshots", "5,1 9") == (5, 1, 9)
    assert flag_value("activation", "relu") == "relu" and flag_value("epochs", "ten") == "ten"
    args = parser().parse_args(["train", "--snapshots", "5,1", "--epochs", "1e3", "--seed", "3"])
    assert train_config(args) == Config(snapshots=(1, 5), epochs=1000, seed=3)
    with pytest.raises(SettingError, match="snapshots must be positive integer epochs, got '1,x'"):
        flag_value("snapshots", "1,x")


@pytest.mark.integration
def test_the_command_line_exits_with_the_error_before_tensorflow_loads():
    """A bad setting, through the installed entry point's module in a process of its own: one
    line, at once, with TensorFlow never loaded (which settings are bad is test_config's)."""
    code = (
        "import sys; from vaebook.cli import main; status = main(sys.argv[1:]); "
        "assert 'tensorflow' not in sys.modules; sys.exit(status)"
    )
    flags = ["train", "--n-points", "1000000", "--hidden-units", "4096", "--no-progress"]
    result = subprocess.run([sys.executable, "-c", code, *flags], capture_output=True, text=True)
    assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("vaebook train: error: ") and "more than the 24 GiB" in result.stderr


@pytest.mark.integration
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


@pytest.mark.integration
def test_loading_tensorflow_through_vaebook_leaves_the_environment_as_it_was():
    """vaebook.backend sets TensorFlow's log level and oneDNN switch for TensorFlow's import only,
    and the trainer's BLAS limit imports threadpoolctl, which sets an OpenMP variable, with the
    environment put back: none of these is left set (TensorFlow's own variables aside)."""
    code = """
import json, os
before = dict(os.environ)
from vaebook import evaluation
evaluation._blas()
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


def raising(error: BaseException):
    def train(*args, **kwargs):
        raise error

    return train


TINY = ["train", "--epochs", "3", *TINY_FLAGS]


@pytest.mark.quick
@pytest.mark.parametrize(
    ("error", "status", "words"),
    [
        (TrainingDiverged("training diverged in epoch 2 of 3"), 1, "training diverged in epoch 2 of 3"),
        (CacheUnusable(Path("/c"), OSError(errno.EROFS, "Read-only")), 1, "the run cache /c cannot be used"),
        (OSError(errno.ENOSPC, "No space left on device", "/c/x"), 1, "No space left on device: /c/x; free"),
        (PermissionError(errno.EACCES, "Permission denied", "/c"), 1, "Permission denied: /c; check"),
        (KeyboardInterrupt(), 130, "interrupted"),
        (TrainingInterrupted(2, 3), 130, "interrupted at epoch 2 of 3; the checkpoint is kept"),
        (SettingError("seeds must be an integer <= 100, got 101"), 2, "seeds must be"),
    ],
)
def test_what_a_user_can_cause_is_one_line_and_a_status(error, status, words, monkeypatch, capsys):
    monkeypatch.setattr("vaebook.training.train", raising(error))
    assert main(TINY) == status
    err = capsys.readouterr().err
    assert err.startswith("vaebook train: error: ") and words in err and err.count("\n") == 1, err


@pytest.mark.quick
def test_a_bug_and_debug_show_the_traceback(monkeypatch):
    monkeypatch.setattr("vaebook.training.train", raising(ZeroDivisionError("a bug")))
    with pytest.raises(ZeroDivisionError):
        main(TINY)
    monkeypatch.setattr("vaebook.training.train", raising(OSError(errno.EIO, "I/O error")))
    with pytest.raises(OSError):
        main(TINY)  # not an error a user can mend by a setting or a folder
    monkeypatch.setattr("vaebook.training.train", raising(TrainingDiverged("diverged")))
    with pytest.raises(TrainingDiverged):
        main(["--debug", *TINY])


def test_ctrl_c_while_training_says_what_was_kept(monkeypatch, capsys):
    """Ctrl-C during the second compiled call: one line, status 130, naming the checkpoint kept
    (that the run resumes from it is test_training's)."""
    from vaebook.training import EpochLoop

    trained = EpochLoop.train
    calls = []

    def interrupted(self, *args):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return trained(self, *args)

    monkeypatch.setattr(EpochLoop, "train", interrupted)
    assert main([*TINY, "--eval-every", "1"]) == 130
    err = capsys.readouterr().err
    assert err == (
        "vaebook train: error: interrupted at epoch 1 of 3; the checkpoint is kept: run the same "
        "command to resume\n"
    )


def test_a_climbing_loss_is_one_line_of_warning_and_the_run_is_kept(monkeypatch, capsys, trained):
    from vaebook import training

    def climbing(config, progress):
        run = trained(config)
        warnings.warn("vaebook: the loss climbed: its last epoch's mean is 41", ClimbingLoss, stacklevel=2)
        return run

    monkeypatch.setattr(training, "train", climbing)
    assert main(TINY) == 0
    err = capsys.readouterr().err
    assert err == "vaebook train: warning: the loss climbed: its last epoch's mean is 41\n"
