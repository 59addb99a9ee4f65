"""The README's generated sentences: current with the committed chapters, and rewritten in place."""

import pytest

from vaebook import readme


def test_the_readme_quotes_the_committed_chapters():
    text = readme.README.read_text()
    assert readme.render(text, readme.chapter_values()) == text, (
        "README.md's generated sentences differ from the committed chapters' numbers: run vaebook build"
    )


def test_only_the_blocks_are_rewritten(monkeypatch):
    monkeypatch.setattr(readme, "BLOCKS", {"a": lambda values: f"new {values['x']}"})
    text = "before\n<!-- vaebook.readme: a -->\nold\ntext\n<!-- /vaebook.readme: a -->\nafter\n"
    expected = "before\n<!-- vaebook.readme: a -->\nnew 1\n<!-- /vaebook.readme: a -->\nafter\n"
    assert readme.render(text, {"x": 1}) == expected
    with pytest.raises(ValueError, match="no generated block 'a'"):
        readme.render("no blocks here", {"x": 1})
