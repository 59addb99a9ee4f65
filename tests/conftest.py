"""Every test gets its own empty cache folder, so no test reads or writes the user's runs; the
tests that only read a run get it from ``trained``, a cache the whole session shares."""

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


class TrainedRuns:
    """``train(config)`` in a cache folder that the session shares: each small run the tests read
    is trained once per session, by whichever process asks first (the run's lock makes the
    others wait and load it). Only for tests that read a run: a test that writes to a cache, or
    needs an empty one, trains in its own (``cache``)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def __call__(self, config):
        from vaebook import train
        from vaebook.transport import redirected

        with redirected(self.folder):
            return train(config, progress=False)

    def file(self, config) -> bytes:
        """The bytes of the run's finished file (trained first if it is not yet)."""
        from vaebook.store import RunFile
        from vaebook.transport import redirected

        self(config)
        with redirected(self.folder):
            return RunFile.of(config).path.read_bytes()


@pytest.fixture(scope="session")
def trained(tmp_path_factory) -> TrainedRuns:
    """The session's trained runs. Under pytest-xdist every worker's temporary folder lies in the
    session's own (``getbasetemp().parent``), so the workers share one cache; alone, the
    session's temporary folder holds it."""
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent
    folder = base / "trained-runs"
    folder.mkdir(exist_ok=True)
    return TrainedRuns(folder)
