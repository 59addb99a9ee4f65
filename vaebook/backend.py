"""TensorFlow as vaebook runs it, set up when a module that computes first imports it:
deterministic ops, the thread count of ``VAEBOOK_TF_THREADS`` (else two: the trainer runs
each batch as two independent halves, one per core, 1.3x in benchmarks/speed.py; more would only
contend). If the caller already initialised TensorFlow, its thread settings stay. And how
vaebook compiles a function into an XLA program."""

from __future__ import annotations

import os
from collections.abc import Callable

import tensorflow as tf

from vaebook.threads import set_tf_threads

tf.config.experimental.enable_op_determinism()
set_tf_threads(int(os.environ.get("VAEBOOK_TF_THREADS", min(2, os.cpu_count() or 1))))

__all__ = ["tf", "xla_program"]


def xla_program(function: Callable) -> tf.types.experimental.PolymorphicFunction:
    """``function`` compiled by XLA, traced as plain Python: no autograph, whose rewriting of
    the source cost about 2 s per process and per program family, since the only loop of vaebook's
    programs is an explicit ``tf.while_loop`` (the traced graph, and so the numbers, are the same)."""
    return tf.function(function, jit_compile=True, autograph=False)
