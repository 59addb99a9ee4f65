"""Train many configurations at once: one process per core, each run exactly ``train(config)``.

Each worker trains whole runs into the cache, so a run from the sweep is bit-identical to the
same Config trained alone (the trainer's numbers depend on the Config only), and the parent
reads every result back from the cache.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor, as_completed

from tqdm import tqdm

from vaebook.config import Config
from vaebook.training import Run, is_cached, train


def _train_quietly(config: Config) -> None:
    train(config, progress=False)


@contextlib.contextmanager
def one_thread_each():
    """Processes started inside inherit VAEBOOK_TF_THREADS=1: with one process per core, two
    threads each would only compete for the cores (the numbers do not depend on the count)."""
    before = os.environ.get("VAEBOOK_TF_THREADS")
    os.environ["VAEBOOK_TF_THREADS"] = "1"
    try:
        yield
    finally:
        if before is None:
            del os.environ["VAEBOOK_TF_THREADS"]
        else:
            os.environ["VAEBOOK_TF_THREADS"] = before


def default_workers() -> int:
    """One worker per core (at most 2 on the book's target laptop unless told otherwise)."""
    return int(os.environ.get("VAEBOOK_WORKERS", os.cpu_count() or 1))


def train_many(configs: list[Config], workers: int | None = None, progress: bool = True) -> list[Run]:
    """The runs of ``configs``, in order; those not in the cache are trained ``workers`` at a time."""
    workers = workers or default_workers()
    missing = list(dict.fromkeys(c for c in configs if not is_cached(c)))
    if missing and workers > 1 and len(missing) > 1:
        context = multiprocessing.get_context("spawn")  # a fresh TensorFlow per worker
        with one_thread_each(), ProcessPoolExecutor(min(workers, len(missing)), mp_context=context) as pool:
            jobs = [pool.submit(_train_quietly, c) for c in missing]
            for job in tqdm(
                as_completed(jobs),
                total=len(jobs),
                disable=not progress,
                unit="run",
                desc="training runs",
                leave=False,
            ):
                job.result()
    else:
        for config in tqdm(missing, disable=not progress, unit="run", desc="training runs", leave=False):
            train(config, progress=False)
    return [train(c, progress=False) for c in configs]
