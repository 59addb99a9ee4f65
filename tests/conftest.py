"""Every test gets its own empty cache folder, so no test reads or writes the user's runs."""

import os

import pytest

if int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")) > 1:
    os.environ.setdefault("VAEBOOK_TF_THREADS", "1")  # a worker per core: one thread each


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("VAEBOOK_CACHE", str(folder))
    return folder
