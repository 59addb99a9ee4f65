"""The memory a process training one run holds at its peak, for small configurations that vary
one size at a time: what ``vaebook.config``'s ``MEMORY_*`` slopes were fitted to.

    python benchmarks/memory.py            # every probe, each in a fresh process, empty cache
    python benchmarks/memory.py n100k      # one probe

Each probe trains one configuration in a new Python process with one TensorFlow thread and an
empty cache, and prints the process's peak resident memory (``ru_maxrss``) and its estimate
(``Config.peak_memory``): the estimate must stay above the measurement.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile

EVERY = {"eval_every": 1}
ONE_EPOCH = {"epochs": 1, "snapshots": (1,), **EVERY}
WIDE = {"n_points": 100_000, "batch_size": 1000}  # 100,000 points
PROBES = {
    "base": {"n_points": 1000, "hidden_units": 8, **ONE_EPOCH},
    "n100k": {**WIDE, "hidden_units": 8, **ONE_EPOCH},
    "n200k": {"n_points": 200_000, "batch_size": 1000, "hidden_units": 8, **ONE_EPOCH},
    "n400k": {"n_points": 400_000, "batch_size": 1000, "hidden_units": 8, **ONE_EPOCH},
    "h1024": {"n_points": 1000, "hidden_units": 1024, **ONE_EPOCH},
    "h2048": {"n_points": 1000, "hidden_units": 2048, **ONE_EPOCH},
    "h512n100k": {**WIDE, "hidden_units": 512, **ONE_EPOCH},
    "h1024n100k": {**WIDE, "hidden_units": 1024, **ONE_EPOCH},
    "l256n100k": {**WIDE, "hidden_units": 8, "latent_dim": 256, **ONE_EPOCH},
    "l1024n100k": {**WIDE, "hidden_units": 8, "latent_dim": 1024, **ONE_EPOCH},
    "d32h256": {"n_points": 1000, "hidden_units": 256, "hidden_layers": 32, **ONE_EPOCH},
    "d32h256n100k": {**WIDE, "hidden_units": 256, "hidden_layers": 32, **ONE_EPOCH},
    "steps200k": {"n_points": 1000, "batch_size": 1, "epochs": 200, "hidden_units": 8, "eval_every": 1000},
    "snap20n100k": {**WIDE, "epochs": 20, "hidden_units": 8, "snapshots": tuple(range(1, 21)), **EVERY},
}


def peak_mib(settings: dict) -> float:
    """The peak resident memory, in MiB, of a fresh process training ``Config(**settings)``."""
    code = f"import vaebook; vaebook.train(vaebook.Config(**{settings!r}), progress=False)"
    with tempfile.TemporaryDirectory(prefix="vaebook-memory-") as folder:
        env = dict(os.environ, VAEBOOK_CACHE=folder, VAEBOOK_TF_THREADS="1")
        process = subprocess.Popen([sys.executable, "-c", code], env=env)
        _, status, usage = os.wait4(process.pid, 0)
    if status:
        raise SystemExit(f"training {settings} failed")
    return usage.ru_maxrss / 1024  # KiB on Linux


def main(names: list[str]) -> None:
    from vaebook import Config

    for name in names or PROBES:
        estimate = Config(**PROBES[name]).peak_memory / 2**20
        measured = peak_mib(PROBES[name])
        print(f"{name}: {measured:,.0f} MiB measured, {estimate:,.0f} MiB estimated", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
