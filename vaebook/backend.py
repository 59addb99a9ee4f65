"""TensorFlow (and Keras on it) as vaebook runs it, set up when a module that computes first
imports it:
deterministic ops, oneDNN's custom operations off and the C++ start-up logs quiet (unless the
caller set either), and the thread count of ``VAEBOOK_TF_THREADS``, else two: the trainer runs
each batch as two independent halves, one per core; more threads would only contend. If the
caller already initialised TensorFlow, its settings stay. And how vaebook compiles a function
into an XLA program."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator

# TensorFlow reads these when it loads and keeps what it read: they are set for its import
# only, so that the process's environment (and its child processes') stays the caller's.
_WHILE_LOADING = {"TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0"}


@contextlib.contextmanager
def _loading_environment() -> Iterator[None]:
    unset = [name for name in _WHILE_LOADING if name not in os.environ]
    os.environ.update({name: _WHILE_LOADING[name] for name in unset})
    try:
        yield
    finally:
        for name in unset:
            os.environ.pop(name, None)


with _loading_environment():
    import keras
    import tensorflow as tf

__all__ = ["keras", "set_tf_threads", "tf", "xla_program"]


def set_tf_threads(threads: int) -> bool:
    """Give TensorFlow ``threads`` intra- and inter-op threads; False (and its count stays) if
    TensorFlow is already initialised in this process. The numbers do not depend on the count."""
    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    except RuntimeError:
        return False
    return True


tf.config.experimental.enable_op_determinism()
set_tf_threads(int(os.environ.get("VAEBOOK_TF_THREADS", min(2, os.cpu_count() or 1))))


def xla_program(function: Callable) -> tf.types.experimental.PolymorphicFunction:
    """``function`` compiled by XLA, traced as plain Python: no autograph, whose rewriting of
    the source costs time in every process and adds nothing here, since the only loop of
    vaebook's programs is an explicit ``tf.while_loop`` (the traced graph is the same)."""
    return tf.function(function, jit_compile=True, autograph=False)
