"""The release the book is built from, for its title page: the package's version, and that
version's date as the changelog gives it (``## 0.3.0 — 2026-12-05``), or none for a version the
changelog has not released yet."""

from __future__ import annotations

import datetime
import re

CHANGELOG = "CHANGELOG.md"  # at the book's root


def version() -> str:
    """The package's version (``vaebook.__version__``)."""
    import vaebook

    return vaebook.__version__


def release_date(changelog: str, release: str) -> datetime.date | None:
    """The date of ``release``'s heading in the changelog's text, or None if it has none."""
    heading = re.search(rf"^## {re.escape(release)}\s+\S+\s+(\d{{4}}-\d{{2}}-\d{{2}})\s*$", changelog, re.M)
    return datetime.date.fromisoformat(heading.group(1)) if heading else None


def title_date(release: str, date: datetime.date | None) -> str:
    """The title page's date line: "5 December 2026", or "unreleased, built 7 December 2026"."""
    if date is not None:
        return f"{date.day} {date:%B %Y}"
    today = datetime.date.today()
    return f"unreleased, built {today.day} {today:%B %Y}"
