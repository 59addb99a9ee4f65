"""Where the book's numbers come from: the software and hardware stack that computed them, and
the runs behind every figure and table.

``fingerprint()`` describes this machine's stack; ``stack_key()`` is the part of it that a run's
numbers depend on, which names the run's file in the cache (a run trained by another TensorFlow
or XLA instruction set is retrained, not loaded). ``glue_figure`` and ``glue_table`` glue a
chapter's figure or table together with a record of the runs behind it, which the appendix
"How these numbers were made" reads back from the executed chapters.

This module imports nothing of TensorFlow or of the rest of the package at load time, so that
``book/conftest.py`` can load it on its own to compare this machine with the reference stack.
"""

from __future__ import annotations

import ast
import functools
import json
import os
import platform
import re
import subprocess
import sys
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"
APPENDIX = BOOK / "appendix_provenance.ipynb"
# The appendix reads the chapters from this folder when it is set (``vaebook build`` and
# ``vaebook check`` point it at the freshly executed ones), else from book/.
EXECUTED_ENV = "VAEBOOK_EXECUTED"
# What the appendix prints, in order, and the names it prints them under.
FIELDS = {
    "cpu": "CPU model",
    "isa": "instruction set XLA compiles for",
    "isa_from": "read from",
    "os": "operating system",
    "python": "Python",
    "tensorflow": "TensorFlow",
    "keras": "Keras",
    "numpy": "NumPy",
    "xla_flags": "XLA_FLAGS",
    "threads": "TensorFlow threads",
}
# The runs' numbers do not depend on the thread count (tests/test_training.py checks it), so
# a machine that differs only there is the reference stack.
NOT_NUMERIC = ("threads",)
# XLA's --xla_cpu_max_isa levels on x86-64, oldest first, with the /proc/cpuinfo flag of each.
X86_LEVELS = (("SSE4_2", "sse4_2"), ("AVX", "avx"), ("AVX2", "avx2"), ("AVX512", "avx512f"))
RECORD_SUFFIX = ".runs"  # a figure glued as NAME has its record glued as NAME.runs


def requested_isa(xla_flags: str) -> str | None:
    """The level that ``--xla_cpu_max_isa`` in ``xla_flags`` asks for, upper case, or None."""
    found = re.findall(r"--xla_cpu_max_isa=(\S+)", xla_flags)
    return found[-1].upper() if found else None  # XLA, like any flag parser, keeps the last


def best_x86_isa(cpu_flags: Iterable[str]) -> str | None:
    """The newest of SSE4_2, AVX, AVX2, AVX512 whose instructions the CPU flags include."""
    flags, best = set(cpu_flags), None
    for level, flag in X86_LEVELS:
        if flag in flags:
            best = level
    return best


@functools.lru_cache(maxsize=1)
def _host_cpu() -> tuple[str, str, str]:
    """(CPU model, the best XLA level of the host, where both were read)."""
    machine = platform.machine().lower()
    if machine in ("arm64", "aarch64"):
        # XLA's default on AArch64 is NEON (it leaves SVE off); there is no level to detect.
        return _cpu_model(), "NEON", "XLA's default on AArch64"
    if sys.platform.startswith("linux") and Path("/proc/cpuinfo").exists():
        text = Path("/proc/cpuinfo").read_text(errors="replace")
        model = re.search(r"^model name\s*:\s*(.+)$", text, re.M)
        flags = re.search(r"^flags\s*:\s*(.+)$", text, re.M)
        level = best_x86_isa(flags.group(1).split()) if flags else None
        return (model.group(1).strip() if model else _cpu_model()), level or "unknown", "/proc/cpuinfo"
    if sys.platform == "darwin":  # an Intel Mac: the CPUID feature lists, as sysctl names them
        features = _run(["sysctl", "-n", "machdep.cpu.features", "machdep.cpu.leaf7_features"]).lower()
        names = {"sse4.2": "sse4_2", "avx1.0": "avx", "avx2": "avx2", "avx512f": "avx512f"}
        level = best_x86_isa(names.get(f, f) for f in features.split())
        return _cpu_model(), level or "unknown", "sysctl machdep.cpu"
    if sys.platform == "win32":  # IsProcessorFeaturePresent: 39 AVX, 40 AVX2, 41 AVX512F
        import ctypes

        present = ctypes.windll.kernel32.IsProcessorFeaturePresent
        codes = ((39, "avx"), (40, "avx2"), (41, "avx512f"))
        flags = ["sse4_2"] + [flag for code, flag in codes if present(code)]
        return _cpu_model(), best_x86_isa(flags) or "unknown", "IsProcessorFeaturePresent"
    return _cpu_model(), "unknown", "nowhere (unsupported OS)"


def _run(command: list[str]) -> str:
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return ""


def _cpu_model() -> str:
    if sys.platform == "darwin":
        return _run(["sysctl", "-n", "machdep.cpu.brand_string"]).strip() or platform.processor()
    return platform.processor() or platform.machine() or "unknown"


def _operating_system() -> str:
    """The OS and its C library, without the kernel's release, which no number depends on."""
    machine = platform.machine()
    if sys.platform == "darwin":
        return f"macOS {platform.mac_ver()[0]} ({machine})"
    if sys.platform == "win32":
        return f"Windows {platform.release()} ({machine})"
    libc, version = platform.libc_ver()
    return f"{platform.system()} ({machine}{f', {libc} {version}' if libc else ''})"


@functools.cache
def _version(*distributions: str) -> str:
    """The installed version of the first of ``distributions`` that is installed."""
    for name in distributions:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return "not installed"


def _threads() -> int | None:
    """TensorFlow's intra-op thread count, if TensorFlow is loaded (vaebook sets it on import)."""
    tf = sys.modules.get("tensorflow")
    return tf.config.threading.get_intra_op_parallelism_threads() if tf is not None else None


def fingerprint() -> dict[str, object]:
    """This process's stack: the CPU, the instruction set XLA compiles for, the OS and the
    versions that compute the book's numbers. Keys and their names are ``FIELDS``."""
    cpu, host_isa, source = _host_cpu()
    flags = os.environ.get("XLA_FLAGS", "")
    isa = requested_isa(flags)
    return {
        "cpu": cpu,
        "isa": isa or host_isa,
        "isa_from": "XLA_FLAGS" if isa else f"the host's best ({source})",
        "os": _operating_system(),
        "python": platform.python_version(),
        "tensorflow": _version("tensorflow-cpu", "tensorflow", "tensorflow-macos"),
        "keras": _version("keras"),
        "numpy": _version("numpy"),
        "xla_flags": flags,
        "threads": _threads(),
    }


def stack_key(stack: dict[str, object] | None = None) -> str:
    """The part of the stack a run's numbers depend on, as a file-name-safe tag: the versions
    of TensorFlow (XLA), Keras (the initial weights) and NumPy (the data and the distances),
    and the instruction set XLA compiles for."""
    s = stack or fingerprint()
    tag = f"tf{s['tensorflow']}-keras{s['keras']}-np{s['numpy']}-{s['isa']}"
    return re.sub(r"[^A-Za-z0-9_.+-]", "_", tag)


def differences(reference: dict[str, object], stack: dict[str, object]) -> dict[str, tuple[object, object]]:
    """The fields that can change the numbers in which ``stack`` differs from ``reference``:
    name -> (reference value, this value)."""
    return {
        name: (reference.get(key), stack.get(key))
        for key, name in FIELDS.items()
        if key not in NOT_NUMERIC and reference.get(key) != stack.get(key)
    }


def stack_note(reference: dict[str, object], stack: dict[str, object]) -> str | None:
    """What a reader must know when ``stack`` is not the ``reference`` that made the committed
    outputs (None when it is): how they differ, and which check tells whether the book holds."""
    diff = differences(reference, stack)
    if not diff:
        return None
    items = "; ".join(f"{name}: {a or '(none)'} there, {b or '(none)'} here" for name, (a, b) in diff.items())
    return (
        f"this machine's stack differs from the reference stack that made the committed outputs ({items}). "
        "The strict tier (pytest --nbval book/) may fail here on digits that only the reference stack "
        "reproduces; `make check` (the portable tier) tells whether the book's claims hold on this machine."
    )


def glued_values(nb: dict) -> dict[str, str]:
    """Every value glued in an executed notebook (a dict read from its JSON, or a NotebookNode):
    glue name -> its text/plain representation."""
    values = {}
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            name = out.get("metadata", {}).get("scrapbook", {}).get("name")
            text = out.get("data", {}).get("application/papermill.record/text/plain")
            if name is not None and text is not None:
                values[name] = "".join(text) if isinstance(text, list) else text
    return values


def glued_objects(nb: dict) -> dict[str, object]:
    """``glued_values`` read back as Python values (numbers, strings without their quotes); a
    figure or a table, which has no literal form, stays as its text."""
    values = {}
    for name, text in glued_values(nb).items():
        try:
            values[name] = ast.literal_eval(text)
        except (SyntaxError, ValueError):
            values[name] = text
    return values


def reference_stack(appendix: Path = APPENDIX) -> dict[str, object] | None:
    """The stack that made the committed outputs, as the committed appendix recorded it."""
    if not appendix.exists():
        return None
    glued = glued_values(json.loads(appendix.read_text()))
    return json.loads(ast.literal_eval(glued["stack"])) if "stack" in glued else None


def stack_table(stack: dict[str, object]) -> str:
    """The stack as a two-column Markdown table."""
    rows = ["| | |", "| --- | --- |"]
    for key, name in FIELDS.items():
        value = stack.get(key)
        rows.append(f"| {name} | {'(none)' if value in ('', None) else _cell(str(value))} |")
    return "\n".join(rows)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def runs_record(runs: Iterable) -> str:
    """The JSON record of the runs behind a glued figure or table: each run's cache key and the
    settings in which its Config differs from the defaults (the report's Table 1)."""
    from vaebook.config import Config
    from vaebook.store import run_key

    defaults = Config().to_dict()
    records = []
    for run in runs:
        config = getattr(run, "config", run)  # a Run or a Config
        settings = {k: v for k, v in config.to_dict().items() if v != defaults[k]}
        records.append({"key": run_key(config), "settings": settings})
    return json.dumps({"runs": records}, sort_keys=True)


def glue_figure(name: str, figure: object, runs: Iterable = ()) -> None:
    """Glue ``figure`` under ``name`` (as ``myst_nb.glue(name, figure, display=False)``) and,
    as ``name.runs``, the record of the runs (``Run`` or ``Config``) that it was drawn from."""
    from myst_nb import glue

    glue(name, figure, display=False)
    glue(name + RECORD_SUFFIX, runs_record(runs), display=False)


def glue_table(name: str, table: object, runs: Iterable = ()) -> None:
    """Glue a table (Markdown) with the record of the runs behind it, as ``glue_figure`` does."""
    glue_figure(name, table, runs)


_DIRECTIVE = re.compile(r"^\s*(`{3,}|:{3,})\{([\w:-]+)\}\s*(.*?)\s*$")
_NAME = re.compile(r"^\s*:name:\s*(\S+)")


def labelled_items(markdown: str) -> list[tuple[str, str, str]]:
    """(kind, label, glue name) of every labelled figure and table in a chapter's Markdown: a
    ``glue:figure`` directive, or a ``table`` directive around a ``glue:md`` or ``glue:figure``;
    and of every interactive view, a plain ``glue`` directive inside an ``only`` one (HTML only,
    unnumbered: its glue name is its label)."""
    items, stack = [], []  # stack: open directives as [fence, kind, argument, label]
    for line in markdown.splitlines():
        start = _DIRECTIVE.match(line)
        if start:
            stack.append([start.group(1), start.group(2), start.group(3), None])
            continue
        name = _NAME.match(line)
        if name and stack:
            stack[-1][3] = name.group(1)
            continue
        if stack and line.strip() == stack[-1][0]:
            fence, kind, argument, label = stack.pop()
            outer = next((d for d in reversed(stack) if d[1] == "table"), None)
            if kind.startswith("glue:") and outer is not None:
                items.append(("table", outer[3] or argument, argument))
            elif kind == "glue:figure":
                items.append(("figure", label or argument, argument))
            elif kind == "glue" and any(d[1] == "only" for d in stack):
                items.append(("view", argument, argument))
    return items


def chapter_notebooks(folder: str | Path | None = None) -> dict[str, Path]:
    """The book's chapters in TOC order, other than this appendix: name -> the executed notebook,
    read from ``folder`` (else $VAEBOOK_EXECUTED, where ``vaebook build`` executes them) where it
    holds the chapter, else from book/."""
    from vaebook.build import chapters

    folder = Path(folder or os.environ.get(EXECUTED_ENV) or BOOK)
    if not folder.is_dir():
        raise ValueError(f"executed must be a folder of executed chapters, got {str(folder)!r}")
    found = {}
    for chapter in chapters():
        if chapter.name != APPENDIX.name:
            fresh = folder / chapter.name
            found[chapter.stem] = fresh if fresh.exists() else chapter
    return found


def figures_and_tables(notebooks: dict[str, Path]) -> list[dict]:
    """Every labelled figure and table of the chapters, in order, with the runs behind it: dicts
    of kind, label, chapter, glue name and runs (None where the chapter glued no record)."""
    import nbformat

    rows = []
    for chapter, path in notebooks.items():
        nb = nbformat.read(path, as_version=4)
        glued = glued_values(nb)
        for cell in nb.cells:
            if cell.cell_type != "markdown":
                continue
            for kind, label, name in labelled_items(cell.source):
                record = glued.get(name + RECORD_SUFFIX)
                runs = json.loads(ast.literal_eval(record))["runs"] if record else None
                rows.append({"kind": kind, "label": label, "chapter": chapter, "glue": name, "runs": runs})
    return rows


def train_command(settings: dict[str, object]) -> str:
    """The ``vaebook train`` command that trains (or loads) the run with these settings."""
    flags = []
    for name, value in settings.items():
        text = ",".join(map(str, value)) if isinstance(value, list) else str(value)
        flags.append(f"--{name.replace('_', '-')} {text}")
    return " ".join(["vaebook train", *flags])


def chapter_command(chapter: str) -> str:
    """The command that re-executes a chapter, and so regenerates its figures and tables."""
    return f"papermill book/{chapter}.ipynb out.ipynb"


def _reference(row: dict) -> str:
    """A row's figure or table as the appendix names it: a numbered reference, or for an
    interactive view (unnumbered, in the HTML only) its glue name."""
    return f"`{row['label']}` (3-D, HTML only)" if row["kind"] == "view" else f"{{numref}}`{row['label']}`"


def made_label(label: str) -> str:
    """The label of a figure's or table's row in the appendix, which its caption links to."""
    return f"made-{label}"


def items_table(rows: list[dict]) -> str:
    """The appendix's table of figures and tables: label, chapter, runs, regenerating command.
    Each row is a link target, ``made_label`` of its figure's label."""
    lines = ["| | chapter | runs (cache keys) | regenerated by |", "| --- | --- | --- | --- |"]
    for row in rows:
        keys = ", ".join(f"`{r['key']}`" for r in row["runs"]) or "none (no training)"
        lines.append(
            f"| [{_reference(row)}]{{#{made_label(row['label'])}}} | {{doc}}`{row['chapter']}` | {keys} "
            f"| `{chapter_command(row['chapter'])}` |"
        )
    return "\n".join(lines)


def runs_table(rows: list[dict]) -> str:
    """The appendix's table of the runs behind the figures: key, the figures, and the command."""
    runs: dict[str, dict] = {}
    for row in rows:
        for run in row["runs"]:
            entry = runs.setdefault(run["key"], {"settings": run["settings"], "items": []})
            entry["items"].append(_reference(row))
    lines = ["| cache key | behind | trained (or loaded) by |", "| --- | --- | --- |"]
    for key, entry in runs.items():
        behind = ", ".join(dict.fromkeys(entry["items"]))
        lines.append(f"| `{key}` | {behind} | `{train_command(entry['settings'])}` |")
    return "\n".join(lines)
