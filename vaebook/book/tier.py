"""Which tier of ``vaebook check`` tells whether the book holds on a machine (``vaebook check
auto``, which ``make test`` runs): the strict tier where the stack is the reference stack that made
the committed outputs, whose every digit it reproduces; the portable tier elsewhere, where digits
may move but the claims must hold.

This module loads no TensorFlow: it compares fingerprints (``vaebook.stack``).
"""

from __future__ import annotations

from vaebook.stack import differences

AUTO = "auto"


def choose(reference: dict[str, object] | None, stack: dict[str, object]) -> str:
    """"strict" if ``stack`` differs from ``reference`` in no field that can move a digit
    (``vaebook.stack.differences``), else "portable"; "portable" too without a reference."""
    return "strict" if reference is not None and not differences(reference, stack) else "portable"


def announcement(tier: str) -> str:
    """What ``vaebook check auto`` says it runs, after the stack note."""
    if tier == "strict":
        return "vaebook check auto: the strict tier (pytest --nbval book/), on the reference stack"
    return "vaebook check auto: the portable tier, in the strict tier's place (not the reference stack)"
