"""Where the book is and what it holds: its root, found from the working directory (or given),
and its chapters in the order of the table of contents. A table of contents that is empty,
malformed, lists a page that is missing or outside ``book/``, or lists none, is refused with
the file and the entry named: the tooling never runs a part of the book in silence."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from vaebook.errors import VaebookError

TOC = "_toc.yml"
FOLDER = "book"
SUFFIXES = (".ipynb", ".md")  # the pages the book is made of; .ipynb ones are its chapters
LIST_KEYS = ("parts", "chapters", "sections")  # where _toc.yml (jb-book) nests its entries


class BookError(VaebookError, ValueError):
    """No book where one was looked for, or a table of contents that cannot be trusted."""


@dataclass(frozen=True)
class Book:
    """A checkout's book: ``root`` holds the table of contents (``_toc.yml``) and ``book/``."""

    root: Path

    @classmethod
    def at(cls, root: str | Path) -> Book:
        """The book whose root is ``root``; BookError if that folder does not hold one."""
        if not str(root).strip():
            raise BookError(
                "--root is empty: give the book's root (the folder holding _toc.yml and book/), "
                "or leave --root out to find it from the working directory"
            )
        path = Path(root).expanduser().resolve()
        if not cls._holds_a_book(path):
            raise BookError(f"{str(root)!r} is not a book's root: it must hold {TOC} and {FOLDER}/")
        return cls(path)

    @classmethod
    def find(cls, start: str | Path | None = None) -> Book:
        """The book around ``start`` (default: the working directory): the nearest folder, from
        ``start`` up to the checkout's root (the first folder holding ``.git``), that holds
        ``_toc.yml`` and ``book/``; BookError, naming the folders looked in, if there is none."""
        here = Path(start or Path.cwd()).resolve()
        looked = []
        for folder in (here, *here.parents):
            looked.append(folder)
            if cls._holds_a_book(folder):
                return cls(folder)
            if (folder / ".git").exists():
                break  # a checkout's root: a book above it is not this checkout's
        top = f", up to {looked[-1]}" if len(looked) > 1 else ""
        raise BookError(
            f"no book found in {here} or above it{top} (a folder holding {TOC} and {FOLDER}/): run "
            "from the repository's checkout, or give its root with --root"
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

    def pages(self) -> list[Path]:
        """Every page the table of contents lists (its root first), in its order: BookError if it
        cannot be read, lists none, or lists one that is missing or outside ``book/``."""
        toc = self.root / TOC
        entries = _read(toc)
        files = [entries["root"]] if "root" in entries else []
        files += _files(entries, toc)
        if not files:
            raise BookError(f"{toc} lists no chapter: list pages as `- file: NAME` under parts or chapters")
        return [self._page(name, toc) for name in files]

    def chapters(self) -> list[Path]:
        """The executable chapters (.ipynb files) of the table of contents, in its order."""
        return [page for page in self.pages() if page.suffix == ".ipynb"]

    def _page(self, name: object, toc: Path) -> Path:
        """The file of the entry ``file: name``, which must be in ``book/`` and exist."""
        if not isinstance(name, str) or not name.strip():
            raise BookError(f"{toc}: the entry `file: {name!r}` names no file")
        folder = self.folder.resolve()
        base = (folder / name).resolve()
        if folder not in base.parents:
            raise BookError(f"{toc}: the entry `file: {name}` is outside the book's folder {folder}")
        candidates = [base] if base.suffix in SUFFIXES else [base.with_name(base.name + s) for s in SUFFIXES]
        found = next((path for path in candidates if path.is_file()), None)
        if found is None:
            tried = ", ".join(path.name for path in candidates)
            raise BookError(f"{toc}: the entry `file: {name}` names a missing page (no {tried} in {folder})")
        return found


def _read(toc: Path) -> dict:
    """The table of contents as a mapping: BookError if it is missing, malformed, empty or not
    a mapping."""
    import yaml

    try:
        entries = yaml.safe_load(toc.read_text())
    except OSError as err:
        raise BookError(f"cannot read {toc}: {err.strerror or err}") from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise BookError(f"{toc} is not valid YAML{where}: {getattr(err, 'problem', None) or err}") from None
    if entries is None:
        raise BookError(f"{toc} is empty: it must give the book's root and its parts or chapters")
    if not isinstance(entries, dict):
        raise BookError(
            f"{toc} is a {type(entries).__name__}, not a mapping: it must start with `root:` and list "
            "its pages under `parts:` or `chapters:`"
        )
    return entries


def _files(node: dict, toc: Path) -> list[object]:
    """The ``file`` of every entry under ``node``'s parts, chapters and sections, in order."""
    files: list[object] = []
    for key in LIST_KEYS:
        items = node.get(key, [])
        if not isinstance(items, list):
            raise BookError(f"{toc}: `{key}` must be a list of entries, got {items!r}")
        for item in items:
            if not isinstance(item, dict):
                raise BookError(f"{toc}: an entry of `{key}` must be a mapping (`file: NAME`), got {item!r}")
            if "file" in item:
                files.append(item["file"])
            elif not ({"url", "glob"} & item.keys() or any(k in item for k in LIST_KEYS)):
                raise BookError(f"{toc}: the entry {item!r} of `{key}` names no file")
            files += _files(item, toc)
    return files
