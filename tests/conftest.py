"""Every test gets its own empty cache folder, so no test reads or writes the user's runs."""

import pytest


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("VAEBOOK_CACHE", str(folder))
    return folder
