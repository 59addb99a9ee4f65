"""Executing the book's chapters, each with papermill in a kernel of its own, and stopping every
kernel with the processes it started (a sweep's workers) when a chapter ends or the command is
stopped: by SIGTERM, by Ctrl-C, or by a timeout.

A kernel runs in a process group of its own (jupyter_client starts it in a new session), so
killing the group stops the processes it started; a process that left the group (a new
session of its own) is found as a descendant with psutil and stopped too."""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import subprocess
import threading
import time
from collections.abc import Iterator, MutableMapping
from pathlib import Path

from vaebook.book.provenance import APPENDIX
from vaebook.errors import VaebookError

# From an empty cache these chapters train most of the book's runs: started first (by vaebook
# build and check, and by pytest --nbval book/), they keep both cores busy while the others
# find their runs in the cache or wait on a run's lock.
TRAIN_MOST = ("09_original_code", "08_design")
# Chapters that read the other executed chapters (the provenance appendix): executed after them,
# with the folder they were executed into as their parameter ``executed``.
READ_THE_OTHERS = (APPENDIX,)
THREADS_ENV = "VAEBOOK_TF_THREADS"
CACHE_ENV = "VAEBOOK_CACHE"

_LIVE: dict[int, list[int]] = {}  # each running kernel's pid -> [its process group]
_LOCK = threading.Lock()


class Stopped(VaebookError):
    """The command was stopped (a signal) before its chapters ended; their kernels are stopped.
    ``status`` is the shell's for that signal (128 + its number)."""

    def __init__(self, message: str, signum: int = signal.SIGINT) -> None:
        super().__init__(message)
        self.status = 128 + int(signum)


def share_cores(env: MutableMapping[str, str], workers: int) -> None:
    """Where ``workers`` kernels (or pytest workers) share the cores, each gets one TensorFlow
    thread, unless VAEBOOK_TF_THREADS says otherwise; the numbers do not depend on the count."""
    if workers > 1:
        env.setdefault(THREADS_ENV, "1")


def xdist_workers() -> int:
    """How many pytest-xdist workers this pytest run has (1 without xdist)."""
    return int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))


def kernel_env(base: MutableMapping[str, str] | None = None, workers: int = 1) -> dict[str, str]:
    """The environment of the chapters' kernels: ``base`` (default: this process's) with one
    TensorFlow thread each where ``workers`` share the cores, and VAEBOOK_CACHE made absolute
    (kernels start in book/, where a relative folder would be another cache)."""
    env = dict(os.environ if base is None else base)
    share_cores(env, workers)
    if env.get(CACHE_ENV):
        env[CACHE_ENV] = os.path.abspath(os.path.expanduser(env[CACHE_ENV]))
    return env


def descendants(pid: int) -> list:
    """The processes ``pid`` started, and those they started (psutil.Process objects)."""
    import psutil

    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def kill_tree(pid: int, group: int | None = None, timeout: float = 30) -> None:
    """Kill ``pid``, every process it started and, if given, its process ``group``; wait until
    they are gone (at most ``timeout`` seconds)."""
    import psutil

    try:
        tree = [psutil.Process(pid), *descendants(pid)]
    except psutil.NoSuchProcess:
        tree = descendants(pid)
    if group is not None:
        with contextlib.suppress(OSError):
            os.killpg(group, signal.SIGKILL)
    for process in tree:
        with contextlib.suppress(psutil.NoSuchProcess):
            process.kill()
    psutil.wait_procs(tree, timeout=timeout)


def stop_all() -> None:
    """Kill every kernel this process started that is still running, with its processes."""
    with _LOCK:
        live = list(_LIVE.items())
    for pid, (group,) in live:
        kill_tree(pid, group)


@contextlib.contextmanager
def stoppable(command: str) -> Iterator[None]:
    """Run the block so that SIGTERM or Ctrl-C stops every kernel started in it, with its
    processes, and ends the block with ``Stopped``. Signal handlers are set only in the main
    thread (elsewhere the block runs as it is)."""

    def stopped(signum: int) -> Stopped:
        name = signal.Signals(signum).name
        return Stopped(f"{command}: stopped by {name}; its kernels and their workers are stopped", signum)

    def on_signal(signum, frame) -> None:
        raise stopped(signum)

    main = threading.current_thread() is threading.main_thread()
    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)} if main else {}
    try:
        yield
    except KeyboardInterrupt:
        stop_all()
        raise stopped(signal.SIGINT) from None
    except BaseException:
        stop_all()
        raise
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def run(command: list[str], cwd: Path) -> int:
    """Run ``command`` (jupyter-book, pytest) and return its exit status; if this process is
    stopped meanwhile, the command's processes are stopped too."""
    process = subprocess.Popen(command, cwd=cwd)
    try:
        return process.wait()
    except BaseException:
        kill_tree(process.pid)
        raise


def execute(
    chapter: Path,
    output: Path,
    parameters: dict | None = None,
    log: Path | None = None,
    env: dict[str, str] | None = None,
) -> None:
    """Run one chapter with papermill in a kernel of its own, started in the chapter's folder
    with the environment ``env`` (default: ``kernel_env()``) and its stderr sent to ``log``
    (default: discarded). When the chapter ends, the kernel and every process it started stop."""
    import papermill
    from jupyter_client.manager import KernelManager

    km = KernelManager(kernel_name="python3")
    with open(log if log is not None else os.devnull, "ab") as sink:
        km.start_kernel(cwd=str(chapter.parent), env=env or kernel_env(), stderr=sink)
        pid = km.provisioner.process.pid
        with _LOCK:
            _LIVE[pid] = [os.getpgid(pid)]
        try:
            papermill.execute_notebook(
                str(chapter),
                str(output),
                parameters=parameters or {},
                kernel_name="python3",
                progress_bar=False,
                log_output=False,
                km=km,
            )
        finally:
            workers = descendants(pid)
            km.shutdown_kernel(now=True)
            with _LOCK:
                group = _LIVE.pop(pid, [None])[0]
            kill_tree(pid, group)
            for process in workers:
                kill_tree(process.pid)


def _failure(chapter: Path, err: Exception, command: str) -> str:
    """The chapter's name and the failing cell's error, from papermill's exception."""
    ename, evalue = getattr(err, "ename", type(err).__name__), getattr(err, "evalue", str(err))
    cell = getattr(err, "exec_count", None)
    where = f" in cell [{cell}]" if cell is not None else ""
    return f"{command}: chapter {chapter.stem} failed{where}: {ename}: {evalue}".rstrip()


def order(chapters: list[Path]) -> tuple[list[Path], list[Path]]:
    """The chapters in the order they are executed: those that train most first, then the
    others in the TOC's order; and, apart, those that read the others (run last)."""
    first = sorted(
        (c for c in chapters if c.stem not in READ_THE_OTHERS),
        key=lambda c: TRAIN_MOST.index(c.stem) if c.stem in TRAIN_MOST else len(TRAIN_MOST),
    )
    return first, [c for c in chapters if c.stem in READ_THE_OTHERS]


def _threads(function, jobs: list[tuple], workers: int) -> Iterator[tuple]:
    """(first argument, result or exception) of ``function(*job)`` for each job, as they end,
    ``workers`` at a time. The threads are daemons: a kernel killed under one may leave it
    waiting for a message that never comes, which must not keep the command from exiting."""
    todo: queue.Queue = queue.Queue()
    for job in jobs:
        todo.put(job)
    ended: queue.Queue = queue.Queue()

    def work() -> None:
        while True:
            try:
                job = todo.get_nowait()
            except queue.Empty:
                return
            try:
                ended.put((job[0], function(*job)))
            except Exception as err:
                ended.put((job[0], err))

    for _ in range(min(workers, len(jobs))):
        threading.Thread(target=work, daemon=True).start()
    for _ in jobs:
        yield ended.get()


def execute_all(
    todo: list[Path],
    folder: Path,
    workers: int,
    parameters: dict[str, dict] | None = None,
    command: str = "vaebook build",
    logs: Path | None = None,
    after=None,
) -> str | None:
    """Execute the chapters into ``folder``, ``workers`` at a time, each with its papermill
    ``parameters`` (chapter name -> values), printing a line as each ends; the first failure's
    message, or None. The chapters that train most start first; those that read the others
    (READ_THE_OTHERS) run last and read them from ``folder``. ``after``
    (a function of the executed notebook's path) runs on each as it ends. Each kernel's stderr
    goes to ``logs``/NAME.log. Stopped (SIGTERM, Ctrl-C), every kernel stops with its processes
    and ``Stopped`` is raised."""
    env = kernel_env(workers=workers)
    if logs is not None:
        logs.mkdir(parents=True, exist_ok=True)

    def one(chapter: Path, values: dict) -> float:
        start = time.perf_counter()
        log = logs / f"{chapter.stem}.log" if logs is not None else None
        execute(chapter, folder / chapter.name, values, log, env)
        if after is not None:
            after(folder / chapter.name)
        return time.perf_counter() - start

    first, last = order(todo)
    done = 0
    with stoppable(command):
        try:
            for batch in (first, last):
                values = {c.stem: dict((parameters or {}).get(c.stem, {})) for c in batch}
                for chapter in batch if batch is last else ():
                    values[chapter.stem]["executed"] = str(folder)
                for chapter, result in _threads(one, [(c, values[c.stem]) for c in batch], workers):
                    if isinstance(result, Exception):  # papermill's own errors and the kernel's
                        return _failure(chapter, result, command)
                    done += 1
                    print(f"[{done}/{len(todo)}] {chapter.stem} done in {result:.1f}s", flush=True)
        finally:
            stop_all()  # the kernels of chapters still running after a failure or a signal
    return None
