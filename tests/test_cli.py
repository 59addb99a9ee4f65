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


def test_the_command_line_exits_with_the_error():
    """The same through the installed entry point's module, in a process of its own."""
    result = subprocess.run(
        [sys.executable, "-m", "vaebook.cli", "train", "--latent-dim", "0", "--no-progress"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2 and "latent_dim must be an integer >= 1" in result.stderr


def test_noise_draw_is_a_flag(capsys):
    assert main(["train", "--noise-draw", "never", "--no-progress"]) == 2
    assert "noise_draw must be one of 'step', 'once'" in capsys.readouterr().err
    argv = ["train", "--epochs", "1", "--n-points", "200", "--hidden-units", "8", "--noise-std", "1"]
    assert main([*argv, "--noise-draw", "once", "--no-progress"]) == 0


def test_divergence_is_an_error(capsys):
    code = main(["train", "--epochs", "3", "--n-points", "200", "--learning-rate", "10000", "--no-progress"])
    assert code == 1 and "diverged" in capsys.readouterr().err
