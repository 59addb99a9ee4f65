"""The bibliography's labels as the text cites them: "Karimi, 2017", "Kingma and Welling, 2014",
"Rezende et al., 2014" (sphinxcontrib-bibtex's author-year citations), not pybtex's alpha labels
("KW14"). ``register`` makes the style ``vaebook`` known to pybtex, for ``bibtex_default_style``:
pybtex's unsrt entries with these labels, sorted by author and year."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator

STYLE = "vaebook"  # the formatting style's name, for bibtex_default_style
LABELS = "author_year"  # the label style's name


def _last_name(person) -> str:
    from pybtex.richtext import Text

    return Text.from_latex(" ".join(person.prelast_names + person.last_names)).render_as("text")


def author_year(entry) -> str:
    """An entry's label: its authors' (else editors') last names, as the text cites them, and
    its year."""
    people = entry.persons.get("author") or entry.persons.get("editor") or []
    names = [_last_name(p) for p in people]
    if len(names) > 2:
        who = f"{names[0]} et al."
    else:
        who = " and ".join(names) or entry.fields.get("title", entry.key)
    return f"{who}, {entry.fields.get('year', 'n.d.')}"


def unique(labels: Iterable[str]) -> Iterator[str]:
    """The labels, with a, b, ... after the year of those that would otherwise be equal."""
    labels = list(labels)
    count, seen = Counter(labels), Counter()
    for label in labels:
        if count[label] > 1:
            seen[label] += 1
            yield f"{label}{chr(ord('a') + seen[label] - 1)}"
        else:
            yield label


def register() -> None:
    """Make the label style and the formatting style ``STYLE`` known to pybtex (once)."""
    from pybtex.plugin import find_plugin, register_plugin
    from pybtex.style.formatting.unsrt import Style as Unsrt
    from pybtex.style.labels import BaseLabelStyle

    try:
        find_plugin("pybtex.style.formatting", STYLE)
        return
    except Exception:  # pybtex's PluginNotFound
        pass

    class AuthorYearLabels(BaseLabelStyle):
        def format_labels(self, sorted_entries):
            return unique(author_year(entry) for entry in sorted_entries)

    class Style(Unsrt):
        default_label_style = LABELS
        default_sorting_style = "author_year_title"  # by author, as author-year labels are read

    register_plugin("pybtex.style.labels", LABELS, AuthorYearLabels)
    register_plugin("pybtex.style.formatting", STYLE, Style)
