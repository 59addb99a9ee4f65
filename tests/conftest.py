"""Every test gets its own empty cache folder, so no test reads or writes the user's runs."""

import os
from pathlib import Path

import pytest

from vaebook.book.kernels import share_cores, xdist_workers

share_cores(os.environ, xdist_workers())  # a worker per core: one TensorFlow thread each


BROWSER = Path(__file__).resolve().parent / "browser"


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """`pytest tests/` is the unit tests: the browser tests read the built book and run only when
    named (`pytest tests/browser`, as `make browser` does)."""
    if collection_path != BROWSER:
        return None
    named = [Path(arg.split("::")[0]).resolve() for arg in config.args]
    if any(path == BROWSER or BROWSER in path.parents for path in named):
        return None  # pytest's default: collected
    return True


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("VAEBOOK_CACHE", str(folder))
    return folder
