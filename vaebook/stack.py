"""The software and hardware stack that computes the book's numbers: ``fingerprint()`` describes
this process's, ``differences()`` names the fields in which two stacks differ that can move a
digit, and ``stack_key()`` is the part that a run's numbers depend on, which names the run's file
in the cache (a run trained by another TensorFlow or XLA instruction set is trained again, not
loaded).

This module loads no TensorFlow and nothing else of the package, so that a process that only
compares stacks (the book's test configuration) starts at once.
"""

from __future__ import annotations

import functools
import os
import platform
import re
import subprocess
import sys
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path

# What a fingerprint holds, in order, and the names it is shown under.
FIELDS = {
    "cpu": "CPU model",
    "isa": "instruction set XLA compiles for",
    "isa_from": "read from",
    "os": "operating system",
    "python": "Python",
    "tensorflow": "TensorFlow",
    "keras": "Keras",
    "numpy": "NumPy",
    "numpy_simd": "NumPy's SIMD extensions",
    "scipy": "SciPy",
    "blas": "NumPy's BLAS",
    "blas_kernel": "BLAS kernel",
    "xla_flags": "XLA_FLAGS",
    "threads": "TensorFlow threads",
}
# The fields that cannot move a digit of the book, each for its reason (a machine that differs
# from the reference stack only in them computes its numbers):
# - cpu: XLA compiles for the instruction set (isa), numpy's loops for its SIMD extensions
#   (numpy_simd); the CPU model adds nothing to them.
# - isa_from: where isa was read; isa itself is compared.
# - blas, blas_kernel: no number of the book goes through BLAS (vaebook.arithmetic writes the
#   products out), so neither the library nor the kernel it picks for the CPU (which
#   OPENBLAS_CORETYPE can name) moves a digit; tests/test_data.py and test_metrics.py pin the bits.
# - threads: the runs are the same at any thread count (tests/test_training.py checks it).
# The others are compared: isa (XLA's code), os (its C library, whose exp and log numpy calls
# without AVX-512, and SciPy calls), python, tensorflow (XLA), keras (the initial weights), numpy
# (the draws, sums and sorts), numpy_simd (with AVX-512, numpy's float64 exp and log round
# otherwise than the C library; the chapters' log-scale statistics use them), scipy (the
# chapters' t quantiles) and xla_flags (XLA's other options).
NOT_NUMERIC = ("cpu", "isa_from", "blas", "blas_kernel", "threads")
# XLA's --xla_cpu_max_isa levels on x86-64, oldest first, with the /proc/cpuinfo flag of each.
X86_LEVELS = (("SSE4_2", "sse4_2"), ("AVX", "avx"), ("AVX2", "avx2"), ("AVX512", "avx512f"))


def requested_isa(xla_flags: str) -> str | None:
    """The level that ``--xla_cpu_max_isa`` in ``xla_flags`` asks for, upper case, or None."""
    found = re.findall(r"--xla_cpu_max_isa=(\S+)", xla_flags)
    return found[-1].upper() if found else None  # XLA, like any flag parser, keeps the last


def best_x86_isa(cpu_flags: Iterable[str]) -> str | None:
    """The newest of SSE4_2, AVX, AVX2, AVX512 whose instructions the CPU flags include."""
    flags, best = set(cpu_flags), None
    for level, flag in X86_LEVELS:
        if flag in flags:
            best = level
    return best


@functools.lru_cache(maxsize=1)
def _host_cpu() -> tuple[str, str, str]:
    """(CPU model, the best XLA level of the host, where both were read)."""
    machine = platform.machine().lower()
    if machine in ("arm64", "aarch64"):
        # XLA's default on AArch64 is NEON (it leaves SVE off); there is no level to detect.
        return _cpu_model(), "NEON", "XLA's default on AArch64"
    if sys.platform.startswith("linux") and Path("/proc/cpuinfo").exists():
        text = Path("/proc/cpuinfo").read_text(errors="replace")
        model = re.search(r"^model name\s*:\s*(.+)$", text, re.M)
        flags = re.search(r"^flags\s*:\s*(.+)$", text, re.M)
        level = best_x86_isa(flags.group(1).split()) if flags else None
        return (model.group(1).strip() if model else _cpu_model()), level or "unknown", "/proc/cpuinfo"
    if sys.platform == "darwin":  # an Intel Mac: the CPUID feature lists, as sysctl names them
        features = _run(["sysctl", "-n", "machdep.cpu.features", "machdep.cpu.leaf7_features"]).lower()
        names = {"sse4.2": "sse4_2", "avx1.0": "avx", "avx2": "avx2", "avx512f": "avx512f"}
        level = best_x86_isa(names.get(f, f) for f in features.split())
        return _cpu_model(), level or "unknown", "sysctl machdep.cpu"
    if sys.platform == "win32":  # IsProcessorFeaturePresent: 39 AVX, 40 AVX2, 41 AVX512F
        import ctypes

        present = ctypes.windll.kernel32.IsProcessorFeaturePresent
        codes = ((39, "avx"), (40, "avx2"), (41, "avx512f"))
        flags = ["sse4_2"] + [flag for code, flag in codes if present(code)]
        return _cpu_model(), best_x86_isa(flags) or "unknown", "IsProcessorFeaturePresent"
    return _cpu_model(), "unknown", "nowhere (unsupported OS)"


def _run(command: list[str]) -> str:
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return ""


def _cpu_model() -> str:
    if sys.platform == "darwin":
        return _run(["sysctl", "-n", "machdep.cpu.brand_string"]).strip() or platform.processor()
    return platform.processor() or platform.machine() or "unknown"


def _operating_system() -> str:
    """The OS and its C library, without the kernel's release, which no number depends on."""
    machine = platform.machine()
    if sys.platform == "darwin":
        return f"macOS {platform.mac_ver()[0]} ({machine})"
    if sys.platform == "win32":
        return f"Windows {platform.release()} ({machine})"
    libc, version = platform.libc_ver()
    return f"{platform.system()} ({machine}{f', {libc} {version}' if libc else ''})"


@functools.cache
def _version(*distributions: str) -> str:
    """The installed version of the first of ``distributions`` that is installed."""
    for name in distributions:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return "not installed"


def _threads() -> int | None:
    """TensorFlow's intra-op thread count, if TensorFlow is loaded (vaebook.backend sets it)."""
    tf = sys.modules.get("tensorflow")
    return tf.config.threading.get_intra_op_parallelism_threads() if tf is not None else None


def _numpy_simd() -> str:
    """The SIMD extensions numpy's loops run with here beyond its build's baseline (numpy's own
    report, as ``numpy.show_runtime`` prints it), e.g. "X86_V3 X86_V4 AVX512_ICL"."""
    from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__

    return " ".join(f for f in __cpu_dispatch__ if __cpu_features__.get(f)) or "(baseline only)"


@functools.cache
def _numpy_blas() -> tuple[str, str]:
    """(numpy's BLAS library and version, the kernel it runs), as threadpoolctl reads them:
    read-only, with the environment put back after threadpoolctl's import, which sets an OpenMP
    variable for Intel's runtime."""
    import numpy  # noqa: F401  (its BLAS is loaded with it)

    unset = "KMP_DUPLICATE_LIB_OK" not in os.environ
    try:
        from threadpoolctl import threadpool_info
    finally:
        if unset:
            os.environ.pop("KMP_DUPLICATE_LIB_OK", None)
    found = [lib for lib in threadpool_info() if lib.get("user_api") == "blas"]
    if not found:
        return "none found", "none"
    lib = next((lib for lib in found if "numpy" in lib.get("filepath", "")), found[0])
    version = lib.get("version") or "(version unknown)"
    return f"{lib['internal_api']} {version}", lib.get("architecture") or "n/a"


def fingerprint() -> dict[str, object]:
    """This process's stack: the CPU, the instruction set XLA compiles for, the OS, the versions
    that compute the book's numbers, numpy's SIMD extensions and BLAS. Keys and their names are
    ``FIELDS``; ``NOT_NUMERIC`` says which can move a digit."""
    cpu, host_isa, source = _host_cpu()
    flags = os.environ.get("XLA_FLAGS", "")
    isa = requested_isa(flags)
    blas, kernel = _numpy_blas()
    return {
        "cpu": cpu,
        "isa": isa or host_isa,
        "isa_from": "XLA_FLAGS" if isa else f"the host's best ({source})",
        "os": _operating_system(),
        "python": platform.python_version(),
        "tensorflow": _version("tensorflow-cpu", "tensorflow", "tensorflow-macos"),
        "keras": _version("keras"),
        "numpy": _version("numpy"),
        "numpy_simd": _numpy_simd(),
        "scipy": _version("scipy"),
        "blas": blas,
        "blas_kernel": kernel,
        "xla_flags": flags,
        "threads": _threads(),
    }


def stack_key(stack: dict[str, object] | None = None) -> str:
    """The part of the stack a run's numbers depend on, as a file-name-safe tag: the versions
    of TensorFlow (XLA), Keras (the initial weights) and NumPy (the data and the distances),
    and the instruction set XLA compiles for."""
    s = stack or fingerprint()
    tag = f"tf{s['tensorflow']}-keras{s['keras']}-np{s['numpy']}-{s['isa']}"
    return re.sub(r"[^A-Za-z0-9_.+-]", "_", tag)


def differences(reference: dict[str, object], stack: dict[str, object]) -> dict[str, tuple[object, object]]:
    """The fields that can change the numbers in which ``stack`` differs from ``reference``:
    name -> (reference value, this value). A field the reference does not record (a fingerprint
    older than the field) is not compared."""
    return {
        name: (reference.get(key), stack.get(key))
        for key, name in FIELDS.items()
        if key not in NOT_NUMERIC and key in reference and reference.get(key) != stack.get(key)
    }
