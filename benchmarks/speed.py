"""Speed of vaebook's trainer against plain Keras ``model.fit``, measured in one run.

    python benchmarks/speed.py            # about two minutes on 2 cores
    python benchmarks/speed.py --quick    # fewer epochs, for a smoke test

Prints steps per second of ``vaebook.train`` (the whole-epoch XLA loop) and of ``model.fit``
(the same VAE, data, loss and optimizer, with Keras's default ``jit_compile="auto"``), their
ratio, the wall time of the report's full run in a new process (1,000 epochs, 100,000 steps,
compilation and the distance evaluations included), peak memory, and the sweep's throughput in
model-steps per second: one by one, on the local pool (one process per core) and through a dask
LocalCluster of 2 worker processes with 1 thread each (``train_many(..., executor=...)``).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time

import vaebook
from vaebook.sweep import train_many


def fit_steps_per_second(config: vaebook.Config, epochs: int) -> float:
    """Steps/s of ``model.fit`` on the report's data, after one warm-up epoch that compiles."""
    import keras

    x = vaebook.swiss_roll(config.n_points, config.seed, config.data)
    model = vaebook.VAE(config)  # the network and initial weights of train(config)
    model.compile(optimizer=keras.optimizers.Adam(config.learning_rate, epsilon=1e-8))
    model.fit(x, batch_size=config.batch_size, epochs=1, shuffle=False, verbose=0)
    start = time.perf_counter()
    model.fit(x, batch_size=config.batch_size, epochs=epochs, shuffle=False, verbose=0)
    return epochs * config.steps_per_epoch / (time.perf_counter() - start)


def train_steps_per_second(config: vaebook.Config) -> float:
    """Steady-state steps/s of ``vaebook.train``: after a warm-up run that compiles (the compiled
    functions are shared by runs of one design), a long run minus a short one cancels what
    every run pays once (its first evaluations, the final save)."""
    quiet = config.replace(eval_every=10_000)
    vaebook.train(quiet.replace(epochs=2, seed=config.seed + 1), progress=False)  # compiles
    short = vaebook.train(quiet.replace(epochs=2), progress=False).seconds
    long = vaebook.train(quiet, progress=False).seconds
    return (config.epochs - 2) * config.steps_per_epoch / (long - short)


def fresh_process_run(config: vaebook.Config) -> tuple[float, float]:
    """``train(config)``'s own seconds and the wall time of the whole command, in a new Python
    process with an empty cache: what a user's first ``vaebook train`` of it costs."""
    code = f"import vaebook; print(vaebook.train(vaebook.{config!r}, progress=False).seconds)"
    env = dict(os.environ, VAEBOOK_CACHE=tempfile.mkdtemp(prefix="vaebook-bench-"))
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True)
    return float(out.stdout.split()[-1]), time.perf_counter() - start


def cluster_sweep_steps_per_second(configs: list[vaebook.Config]) -> float | None:
    """Model-steps/s of ``train_many`` through a dask LocalCluster (2 worker processes x 1 thread),
    None without dask. The cluster is started before the clock, as one a user already has; its
    workers' TensorFlow start-up and compilation count, as the local pool's processes' do."""
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        return None
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=":0") as cluster,
        Client(cluster) as client,
    ):
        start = time.perf_counter()
        train_many(configs, executor=client.get_executor(), progress=False)
        return sum(c.epochs * c.steps_per_epoch for c in configs) / (time.perf_counter() - start)


def main() -> None:
    """Print each measurement and its ratio to the baseline measured in the same run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer epochs: a smoke test, not a measurement")
    args = parser.parse_args()
    os.environ["VAEBOOK_CACHE"] = tempfile.mkdtemp(prefix="vaebook-bench-")  # measure training, not the cache
    epochs = 20 if args.quick else 200
    config = vaebook.Config(epochs=epochs)

    fit = fit_steps_per_second(config, epochs=max(2, epochs // 10))
    ours = train_steps_per_second(config)
    print(f"model.fit          {fit:8.0f} steps/s")
    print(f"vaebook.train      {ours:8.0f} steps/s   ({ours / fit:.1f}x model.fit)")

    full = vaebook.Config(epochs=100 if args.quick else 1000)
    seconds, wall = fresh_process_run(full)
    print(
        f"report's run       {seconds:8.1f} s for {full.epochs * full.steps_per_epoch:,} steps, new process "
        f"(compilation and distance evaluations included; {wall:.1f} s with Python and TensorFlow's start-up)"
    )

    # Four runs like the design chapter's (300 epochs, one snapshot): one by one, two at a time, on dask.
    length = 30 if args.quick else 300
    sweep = [vaebook.Config(epochs=length, snapshots=(length,), seed=seed) for seed in range(100, 104)]
    model_steps = sum(c.epochs * c.steps_per_epoch for c in sweep)
    start = time.perf_counter()
    train_many(sweep, workers=1, progress=False)
    one_by_one = model_steps / (time.perf_counter() - start)
    start = time.perf_counter()
    train_many([c.replace(seed=c.seed + 100) for c in sweep], workers=2, progress=False)
    parallel = model_steps / (time.perf_counter() - start)
    cluster = cluster_sweep_steps_per_second([c.replace(seed=c.seed + 200) for c in sweep])
    print(f"sweep, one by one  {one_by_one:8.0f} model-steps/s")
    print(f"sweep, 2 workers   {parallel:8.0f} model-steps/s   ({parallel / one_by_one:.2f}x one by one)")
    if cluster is None:
        print('sweep, dask        skipped: pip install -e ".[dask]"')
    else:
        print(f"sweep, dask 2x1    {cluster:8.0f} model-steps/s   ({cluster / parallel:.2f}x the local pool)")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak memory        {peak:8.0f} MiB (this process), {children:.0f} MiB (largest child process)")


if __name__ == "__main__":
    main()
