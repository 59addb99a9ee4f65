"""Are two Python environments' numbers (or two versions of the code) bit-identical?
(CONTRIBUTING.md, "Platforms".)

    python benchmarks/bits.py save /tmp/bits-3.12.npz      # in each environment, from an empty cache
    python benchmarks/bits.py compare /tmp/bits-3.11.npz /tmp/bits-3.12.npz
    OPENBLAS_CORETYPE=Haswell python benchmarks/bits.py save --small /tmp/bits-haswell.npz

``save`` trains the report's configuration (1,000 epochs) and a small one and stores every array
of both runs: losses, weights, each snapshot's points, every distance. ``save --quick`` trains,
instead, 30 epochs of the report's configuration and of the original script's (its coded loss,
the input noise drawn once): enough to compare two versions of the trainer. ``compare`` names
the arrays that are not equal bit for bit, with their largest relative difference.
"""

from __future__ import annotations

import sys

import numpy as np


def configs(quick: bool) -> dict:
    """The runs that ``save`` stores, by name."""
    from vaebook import Config, report

    if quick:
        return {"report30": Config(epochs=30), "script30": report.ORIGINAL_CODE.replace(epochs=30)}
    small = Config(n_points=1000, batch_size=100, epochs=30, hidden_units=32, eval_every=10)
    return {"small": small, "report": Config()}


def save(path: str, quick: bool = False) -> None:
    """Train the runs of ``configs`` (from this environment's cache) and save every array they
    hold under ``path``."""
    from vaebook import train

    arrays = {}
    for name, config in configs(quick).items():
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
    args = sys.argv[1:]
    if args[:1] == ["save"] and len(args) in (2, 3) and args[2:] in ([], ["--quick"]):
        save(args[1], quick=args[2:] == ["--quick"])
    elif args[:1] == ["compare"] and len(args) == 3:
        sys.exit(compare(args[1], args[2]))
    else:
        sys.exit(__doc__)
