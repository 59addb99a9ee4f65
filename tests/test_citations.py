"""The bibliography's labels (vaebook.book.citations): author and year, as the text cites them."""

import pytest
from pybtex.database import parse_string
from pybtex.plugin import find_plugin

from vaebook.book import citations

BIB = r"""
@misc{one, author = {Sz{\'e}kely, G{\'a}bor}, title = {T}, year = {2013}}
@misc{two, author = {Kingma, Diederik P. and Welling, Max}, title = {T}, year = {2014}}
@misc{three, author = {Rezende, D. and Mohamed, S. and Wierstra, D.}, title = {T}, year = {2014}}
@misc{again, author = {Kingma, Diederik P. and Welling, Max}, title = {U}, year = {2014}}
@misc{von, author = {van der Maaten, Laurens}, title = {T}, year = {2008}}
"""


@pytest.mark.quick
def test_labels_read_as_author_year_citations_and_stay_unique():
    entries = parse_string(BIB, "bibtex").entries
    citations.register()
    style = find_plugin("pybtex.style.formatting", citations.STYLE)()
    labels = {entry.key: entry.label for entry in style.format_entries(entries.values())}
    assert labels == {
        "one": "Székely, 2013",
        "two": "Kingma and Welling, 2014a",
        "three": "Rezende et al., 2014",
        "again": "Kingma and Welling, 2014b",
        "von": "van der Maaten, 2008",
    }
