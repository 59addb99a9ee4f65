"""Speed of vaebook's trainer against plain Keras ``model.fit``, measured in one run and written,
with the machine that ran it, to ``benchmarks/PERFORMANCE.md`` (each run overwrites it).

    python benchmarks/speed.py            # about two minutes on 2 cores (make bench)
    python benchmarks/speed.py --quick    # fewer epochs, a smoke test: printed, not written
    python benchmarks/speed.py --isa AVX2,AVX512 --repeat 5   # XLA instruction sets: printed, not written

Measures steps per second of ``vaebook.train`` (the whole-epoch XLA loop) and of ``model.fit``
(the same VAE, data, loss and optimizer, with Keras's default ``jit_compile="auto"``), their
ratio, the wall time of the report's full run in a new process (1,000 epochs, 100,000 steps,
compilation and the distance evaluations included), the sweep's throughput in model-steps per
second (one by one, on the local pool of one process per core, and through a dask LocalCluster of
2 worker processes with 1 thread each), and peak memory.

``--isa`` compares the instruction sets XLA compiles for instead: the trainer's steady state and
the report's run in a new process, in wall time and in CPU time (which other processes' load
changes far less), measured in a process of its own per instruction set
(``XLA_FLAGS=--xla_cpu_max_isa=LEVEL``), the sets taking turns ``--repeat`` times, so that a
change in the machine's load falls on all of them alike; it prints each set's medians.
"""

from __future__ import annotations

import argparse
import atexit
import datetime
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import vaebook
from vaebook.keras_model import VAE  # the baseline: the same network under Keras's fit
from vaebook.stack import fingerprint
from vaebook.sweep import train_many


def scratch_cache() -> str:
    """An empty cache folder, removed when this process exits: the measurements train, not load."""
    folder = tempfile.mkdtemp(prefix="vaebook-bench-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def fit_steps_per_second(config: vaebook.Config, epochs: int) -> float:
    """Steps/s of ``model.fit`` on the report's data, after one warm-up epoch that compiles."""
    import keras

    x = vaebook.swiss_roll(config.n_points, config.seed, config.data)
    model = VAE(config)  # the network and initial weights of train(config)
    model.compile(optimizer=keras.optimizers.Adam(config.learning_rate, epsilon=1e-8))
    model.fit(x, batch_size=config.batch_size, epochs=1, shuffle=False, verbose=0)
    start = time.perf_counter()
    model.fit(x, batch_size=config.batch_size, epochs=epochs, shuffle=False, verbose=0)
    return epochs * config.steps_per_epoch / (time.perf_counter() - start)


def cpu_seconds(who: int = resource.RUSAGE_SELF) -> float:
    """The CPU time (user and system, every thread) of this process, or of its finished children."""
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def train_steps_per_second(config: vaebook.Config) -> tuple[float, float]:
    """Steady-state steps/s of ``vaebook.train``, and its CPU time per step in microseconds (every
    thread's, which other processes' load changes far less than the wall time): after a warm-up run
    that compiles (the compiled functions are shared by runs of one design), a long run minus a
    short one cancels what every run pays once (its first evaluations, the final save)."""
    quiet = config.replace(eval_every=10_000)
    vaebook.train(quiet.replace(epochs=2, seed=config.seed + 1), progress=False)  # compiles
    before = cpu_seconds()
    short = vaebook.train(quiet.replace(epochs=2), progress=False).seconds
    middle = cpu_seconds()
    long = vaebook.train(quiet, progress=False).seconds
    steps = (config.epochs - 2) * config.steps_per_epoch
    return steps / (long - short), 1e6 * ((cpu_seconds() - middle) - (middle - before)) / steps


def fresh_process_run(config: vaebook.Config) -> tuple[float, float, float]:
    """``train(config)``'s own seconds, the wall time of the whole command and its CPU seconds, in
    a new Python process with an empty cache: what a user's first ``vaebook train`` of it costs."""
    code = f"import vaebook; print(vaebook.train(vaebook.{config!r}, progress=False).seconds)"
    env = dict(os.environ, VAEBOOK_CACHE=scratch_cache())
    start, cpu = time.perf_counter(), cpu_seconds(resource.RUSAGE_CHILDREN)
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True)
    wall, cpu = time.perf_counter() - start, cpu_seconds(resource.RUSAGE_CHILDREN) - cpu
    return float(out.stdout.split()[-1]), wall, cpu


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


PERFORMANCE = Path(__file__).with_name("PERFORMANCE.md")


def load_average() -> str:
    """The system's load average over the last minute ("unknown" where the OS has none): on a
    shared machine, the work of other processes that the measurements competed with."""
    try:
        return f"{os.getloadavg()[0]:.1f}"
    except (AttributeError, OSError):
        return "unknown"


def machine(load_before: str) -> list[tuple[str, str]]:
    """What the measurements depend on: the CPU and its cores, how busy it was, the OS, the
    versions, the date."""
    stack = fingerprint()
    return [
        ("CPU", f"{stack['cpu']}, {os.cpu_count()} cores"),
        ("load average (1 minute), before and after the run", f"{load_before}, {load_average()}"),
        ("instruction set XLA compiles for", f"{stack['isa']}, read from {stack['isa_from']}"),
        ("OS", str(stack["os"])),
        ("Python", str(stack["python"])),
        ("TensorFlow, Keras, NumPy", f"{stack['tensorflow']}, {stack['keras']}, {stack['numpy']}"),
        ("date", datetime.date.today().isoformat()),
    ]


def markdown(rows: list[tuple[str, str, str]], machine: list[tuple[str, str]]) -> str:
    """The performance file: one run's measurements and the machine that made them."""
    lines = [
        "# Performance",
        "",
        "Written by `python benchmarks/speed.py` (`make bench`), which overwrites this file on every",
        "run: the measurements of one run, on the machine below.",
        "",
        "| measurement | result | compared with |",
        "| --- | --- | --- |",
        *(f"| {what} | {result} | {against} |" for what, result, against in rows),
        "",
        "## The machine",
        "",
        "| | |",
        "| --- | --- |",
        *(f"| {name} | {value} |" for name, value in machine),
    ]
    return "\n".join(lines) + "\n"


# What --isa measures in each instruction set's process, by name.
MEASURED = (
    "vaebook.train, steady state (steps/s)",
    "vaebook.train, steady state (CPU microseconds per step)",
    "the report's run in a new process (s)",
    "the report's run in a new process (CPU s)",
)


def trainer_measurements(quick: bool) -> dict[str, float]:
    """The trainer's steady state and the report's run in a new process, in wall and CPU time:
    what an instruction set changes (``--isa``'s child process)."""
    steady = train_steps_per_second(vaebook.Config(epochs=20 if quick else 200))
    seconds, _, cpu = fresh_process_run(vaebook.Config(epochs=100 if quick else 1000))
    return dict(zip(MEASURED, (*steady, seconds, cpu)))


def compare_isas(levels: list[str], repeat: int, quick: bool) -> None:
    """Measure ``trainer_measurements`` under each XLA instruction set ``repeat`` times, the sets
    taking turns, each in a new process with an empty cache; print every measurement and the
    medians, and each set's median relative to the first set's."""
    results: dict[str, list[dict[str, float]]] = {level: [] for level in levels}
    command = [sys.executable, __file__, "--measure-trainer"] + (["--quick"] if quick else [])
    for round_ in range(1, repeat + 1):
        for level in levels:
            env = dict(os.environ, XLA_FLAGS=f"--xla_cpu_max_isa={level}", VAEBOOK_CACHE=scratch_cache())
            out = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
            measured = json.loads(out.stdout.splitlines()[-1])
            results[level].append(measured)
            print(f"round {round_}/{repeat}, {level}: "
                  + "; ".join(f"{what} {value:,.1f}" for what, value in measured.items()), flush=True)
    print(f"medians of {repeat} rounds (load average now {load_average()}):")
    first = levels[0]
    for what in MEASURED:
        medians = {level: statistics.median(r[what] for r in results[level]) for level in levels}
        shown = (f"{level} {v:,.1f} ({v / medians[first]:.3f}x {first})" for level, v in medians.items())
        print(f"  {what}: " + "; ".join(shown))


def main() -> None:
    """Measure, print each row as it comes, and write the performance file (not with --quick)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer epochs: a smoke test, not a measurement")
    parser.add_argument("--isa", metavar="LEVELS", help="compare XLA instruction sets: AVX2,AVX512 (printed)")
    parser.add_argument("--repeat", type=int, default=5, help="rounds of --isa (default 5)")
    parser.add_argument("--measure-trainer", action="store_true", help=argparse.SUPPRESS)  # --isa's child
    args = parser.parse_args()
    os.environ["VAEBOOK_CACHE"] = scratch_cache()
    if args.measure_trainer:
        print(json.dumps(trainer_measurements(args.quick)))
        return
    if args.isa:
        compare_isas(args.isa.split(","), args.repeat, args.quick)
        return
    load_before = load_average()
    epochs = 20 if args.quick else 200
    config = vaebook.Config(epochs=epochs)
    rows: list[tuple[str, str, str]] = []

    def row(what: str, result: str, against: str = "") -> None:
        rows.append((what, result, against))
        print(f"{what}: {result}" + (f"; {against}" if against else ""), flush=True)

    fit = fit_steps_per_second(config, epochs=max(2, epochs // 10))
    row("`model.fit` (Keras, the same VAE, data, loss and Adam)", f"{fit:,.0f} steps/s")
    ours, _ = train_steps_per_second(config)
    row("`vaebook.train`, steady state", f"{ours:,.0f} steps/s", f"{ours / fit:.1f}x `model.fit`")

    full = vaebook.Config(epochs=100 if args.quick else 1000)
    seconds, wall, _ = fresh_process_run(full)
    row(
        f"the report's run ({full.epochs:,} epochs, {full.epochs * full.steps_per_epoch:,} steps) in a new "
        "process, compilation and distance evaluations included",
        f"{seconds:.1f} s",
        f"{wall:.1f} s with Python's and TensorFlow's start-up",
    )

    # Four runs like the design chapter's (300 epochs, one snapshot): one by one, two at a time, on dask.
    length = 30 if args.quick else 300
    sweep = [vaebook.Config(epochs=length, snapshots=(length,), seed=seed) for seed in range(100, 104)]
    model_steps = sum(c.epochs * c.steps_per_epoch for c in sweep)
    what = f"a sweep of {len(sweep)} runs of {length} epochs"
    start = time.perf_counter()
    train_many(sweep, workers=1, progress=False)
    one_by_one = model_steps / (time.perf_counter() - start)
    row(f"{what}, one by one", f"{one_by_one:,.0f} model-steps/s")
    start = time.perf_counter()
    train_many([c.replace(seed=c.seed + 100) for c in sweep], workers=2, progress=False)
    parallel = model_steps / (time.perf_counter() - start)
    row(
        f"{what}, 2 worker processes", f"{parallel:,.0f} model-steps/s",
        f"{parallel / one_by_one:.2f}x one by one",
    )
    cluster = cluster_sweep_steps_per_second([c.replace(seed=c.seed + 200) for c in sweep])
    if cluster is None:
        row(f"{what}, dask LocalCluster", 'skipped: pip install -e ".[dask]"')
    else:
        row(
            f"{what}, dask LocalCluster (2 workers, 1 thread each)",
            f"{cluster:,.0f} model-steps/s",
            f"{cluster / parallel:.2f}x the local pool",
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    row("peak memory", f"{peak:,.0f} MiB (this process)", f"{children:,.0f} MiB (the largest child process)")

    if args.quick:
        print(f"--quick: {PERFORMANCE.name} not written")
    else:
        PERFORMANCE.write_text(markdown(rows, machine(load_before)))
        print(f"written: {PERFORMANCE}")


if __name__ == "__main__":
    main()
