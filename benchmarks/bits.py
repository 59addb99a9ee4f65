"""Are two Python environments' numbers bit-identical? (CONTRIBUTING.md, "Platforms".)

    python benchmarks/bits.py save /tmp/bits-3.12.npz      # in each environment, from an empty cache
    python benchmarks/bits.py compare /tmp/bits-3.11.npz /tmp/bits-3.12.npz
    OPENBLAS_CORETYPE=Haswell python benchmarks/bits.py save --small /tmp/bits-haswell.npz

``save`` trains the report's configuration (1,000 epochs) and a small one (``--small``: the small
one only, a minute's check) and stores every array of both runs: losses, weights, each snapshot's
points, every distance. ``compare`` names the arrays that are not equal bit for bit, with their
largest relative difference.
"""

from __future__ import annotations

import sys

import numpy as np


def save(path: str, small_only: bool = False) -> None:
    """Train a small run and the report's run (from this environment's cache) and save every
    array they hold under ``path``; only the small run if ``small_only``."""
    from vaebook import Config, train

    small = Config(n_points=1000, batch_size=100, epochs=30, hidden_units=32, eval_every=10)
    arrays = {}
    for name, config in (("small", small), ("report", Config()))[: 1 if small_only else 2]:
        run = train(config, progress=False)
        arrays[f"{name}_objective"] = run.objective
        arrays |= {f"{name}_weight{i}": w for i, w in enumerate(run.weights)}
        for epoch, snap in run.snapshots.items():
            arrays[f"{name}_recon{epoch}"] = snap.reconstructions
            arrays[f"{name}_prior{epoch}"] = snap.prior_samples
        for epoch, values in run.distance_records.items():
            for (metric, source), value in values.items():
                arrays[f"{name}_dist{epoch}_{source}_{metric}"] = np.array(value)
    np.savez(path, **arrays)
    print(f"{len(arrays)} arrays saved to {path}")


def compare(first: str, second: str) -> int:
    """Print which arrays of two saved files differ, and by how much; 1 if any does."""
    a, b = np.load(first), np.load(second)
    if set(a.files) != set(b.files):
        print(f"different arrays: {sorted(set(a.files) ^ set(b.files))}")
        return 1
    differ = [k for k in a.files if not np.array_equal(a[k], b[k])]
    print(f"{len(a.files)} arrays, {len(differ)} not bit-identical")
    for k in differ:
        x, y = a[k].astype(np.float64), b[k].astype(np.float64)
        relative = np.max(np.abs(x - y) / np.maximum(np.maximum(np.abs(x), np.abs(y)), 1e-300))
        print(f"  {k}: largest relative difference {relative:.3g}")
    return 1 if differ else 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "save":
        save(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1:3] == ["save", "--small"]:
        save(sys.argv[3], small_only=True)
    elif len(sys.argv) == 4 and sys.argv[1] == "compare":
        sys.exit(compare(sys.argv[2], sys.argv[3]))
    else:
        sys.exit(__doc__)
