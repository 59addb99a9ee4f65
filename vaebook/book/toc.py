"""Where the book is and what it holds: its root, found from the working directory (or given),
and its chapters in the order of the table of contents."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

TOC = "_toc.yml"
FOLDER = "book"


@dataclass(frozen=True)
class Book:
    """A checkout's book: ``root`` holds the table of contents (``_toc.yml``) and ``book/``."""

    root: Path

    @classmethod
    def at(cls, root: str | Path) -> Book:
        """The book whose root is ``root``; ValueError if that folder does not hold one."""
        path = Path(root).resolve()
        if not cls._holds_a_book(path):
            raise ValueError(f"{str(root)!r} is not a book's root: it must hold {TOC} and {FOLDER}/")
        return cls(path)

    @classmethod
    def find(cls, start: str | Path | None = None) -> Book:
        """The book around ``start`` (default: the working directory): the nearest folder, from
        ``start`` up, that holds ``_toc.yml`` and ``book/``; ValueError if there is none."""
        here = Path(start or Path.cwd()).resolve()
        for folder in (here, *here.parents):
            if cls._holds_a_book(folder):
                return cls(folder)
        raise ValueError(
            f"no book found in {here} or above it (a folder holding {TOC} and {FOLDER}/): run from "
            "the repository's checkout, or give its root with --root"
        )

    @staticmethod
    def _holds_a_book(folder: Path) -> bool:
        return (folder / TOC).is_file() and (folder / FOLDER).is_dir()

    @property
    def folder(self) -> Path:
        """``book/``: the chapters, and the folder they are executed in."""
        return self.root / FOLDER

    @property
    def build_folder(self) -> Path:
        """``_build/``: the HTML, the PDF and the tooling's scratch files."""
        return self.root / "_build"

    def chapters(self) -> list[Path]:
        """The executable chapters (.ipynb files) listed in the table of contents, in its order."""
        import yaml

        entries = yaml.safe_load((self.root / TOC).read_text())
        files: list[str] = []

        def walk(node: object) -> None:
            if isinstance(node, dict):
                if "file" in node:
                    files.append(node["file"])
                for value in node.values():
                    walk(value)
            elif isinstance(node, list):
                for item in node:
                    walk(item)

        walk(entries.get("parts", entries.get("chapters", [])))
        paths = [self.folder / f"{name}.ipynb" for name in files]
        return [path for path in paths if path.exists()]
