import subprocess
import sys

import pytest

from vaebook.cli import main


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
import sys
import vaebook
from vaebook import report
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


def test_noise_draw_is_a_flag(capsys):
    assert main(["train", "--noise-draw", "never", "--no-progress"]) == 2
    assert "noise_draw must be one of 'step', 'once'" in capsys.readouterr().err
    argv = ["train", "--epochs", "1", "--n-points", "200", "--hidden-units", "8", "--noise-std", "1"]
    assert main([*argv, "--noise-draw", "once", "--no-progress"]) == 0


def test_divergence_is_an_error(capsys):
    code = main(["train", "--epochs", "3", "--n-points", "200", "--learning-rate", "10000", "--no-progress"])
    assert code == 1 and "diverged" in capsys.readouterr().err
