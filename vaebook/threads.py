"""How many threads TensorFlow uses: two for a run alone (the trainer's two half-batches, one per
core), one each for processes that share the cores. The numbers do not depend on the count."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator


def set_tf_threads(threads: int) -> bool:
    """Give TensorFlow ``threads`` intra- and inter-op threads; False (and its count stays) if
    TensorFlow is already initialised in this process."""
    import tensorflow as tf  # here: the helpers below serve processes that never load it

    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    except RuntimeError:
        return False
    return True


@contextlib.contextmanager
def environment(name: str, value: str) -> Iterator[None]:
    """``name=value`` in the environment, for the processes and kernels started inside."""
    before = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if before is None:
            del os.environ[name]
        else:
            os.environ[name] = before


def one_thread_each() -> contextlib.AbstractContextManager[None]:
    """Processes started inside inherit VAEBOOK_TF_THREADS=1: with one process per core, two
    threads each would only compete for the cores."""
    return environment("VAEBOOK_TF_THREADS", "1")
