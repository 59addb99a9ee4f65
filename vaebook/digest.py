"""The digest of the code that decides a run's numbers, part of every run's cache key: a cached
run is served only to the code that would compute it.

The digest covers the modules in ``COMPUTING``, read from the installed package and parsed with
``ast``: comments, docstrings and layout are not part of it, so editing them trains nothing
again; any other change (a constant, an operation, a stored array's name) does. The tree is
written out field by field, leaving out the empty fields that some Python versions add or omit,
so that every supported Python gives the same digest.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import json
from collections.abc import Mapping
from importlib import resources
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

# The modules whose code decides a run's numbers or what its file holds: its settings and their
# validation, the data, the loss, TensorFlow's set-up, the random draws, the network, the
# training step and loop, the evaluations and their distances, the run's state and its file on
# disk. Left out: what only reads runs (report, plots, convergence, comparison, original_log, the
# Keras model keras_model, whose fit is the benchmark's baseline), carries or schedules them
# (transport, sweep: a swept run is the run trained alone), describes the machine (stack) or
# names the failures (errors).
COMPUTING = (
    "config",
    "arithmetic",  # the data's and the distances' products, written out without BLAS
    "data",
    "loss",
    "backend",
    "draws",
    "model",
    "step",
    "training",
    "evaluation",
    "results",
    "metrics",
    "state",
    "store",
    "cache",
)


def _without_docstrings(tree: ast.AST) -> ast.AST:
    """``tree`` with the docstring of the module and of every class and function removed."""
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                if isinstance(body[0].value.value, str):
                    node.body = body[1:] or [ast.Pass()]
    return tree


def _as_json(node: object) -> object:
    """An AST as plain JSON-able values: each node's type and non-empty fields, no positions."""
    if isinstance(node, ast.AST):
        fields = {name: _as_json(value) for name, value in ast.iter_fields(node) if value not in (None, [])}
        return [type(node).__name__, fields]
    if isinstance(node, list):
        return [_as_json(item) for item in node]
    return repr(node)  # a constant: str, bytes, int, float, complex, bool, Ellipsis


def source_digest(sources: Mapping[str, str]) -> str:
    """The digest of modules given as name -> source text."""
    digest = hashlib.sha256()
    for name in sorted(sources):
        tree = _without_docstrings(ast.parse(sources[name]))
        digest.update(json.dumps([name, _as_json(tree)], separators=(",", ":")).encode())
    return digest.hexdigest()[:16]


def package_digest(package: Traversable) -> str:
    """The digest of the ``COMPUTING`` modules of the package in the folder ``package``."""
    return source_digest({name: (package / f"{name}.py").read_text(encoding="utf-8") for name in COMPUTING})


@functools.cache
def code_digest() -> str:
    """The digest of this installed vaebook's ``COMPUTING`` modules."""
    return package_digest(resources.files("vaebook"))
