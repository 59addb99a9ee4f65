"""`pytest --nbval book/` compares the chapters through book/nbval_sanitize.cfg unless told
otherwise, so the plain command works as the README says."""

from pathlib import Path

SANITIZE = Path(__file__).with_name("nbval_sanitize.cfg")


def pytest_configure(config):
    if getattr(config.option, "nbval_sanitize_with", "unset") is None:
        config.option.nbval_sanitize_with = str(SANITIZE)
