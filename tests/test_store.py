"""A run's file in the cache: one handle per run, a loader that neither crashes nor swells on a
file it did not write, and a cache folder that cannot be used named as such."""

import errno
import io
import os
import zipfile

import numpy as np
import pytest
from small_runs import TINY

from vaebook import Config, cache, train
from vaebook.errors import CacheUnusable, DamagedRunFile
from vaebook.state import expected_entries
from vaebook.store import RunFile, is_cached, run_key

pytestmark = pytest.mark.quick


@pytest.fixture
def tiny(trained):
    """TINY's run and the bytes of its finished file, from the session's trained runs."""
    return trained(TINY), trained.file(TINY)


def planted(blob: bytes) -> RunFile:
    """TINY's handle in this test's cache, with ``blob`` as its finished file."""
    run_file = RunFile.of(TINY)
    run_file.path.parent.mkdir(parents=True)
    run_file.path.write_bytes(blob)
    return run_file


def test_the_handle_names_every_file_of_the_run_once(cache):
    run_file = RunFile.of(TINY)
    assert run_file.key == run_key(TINY) and run_file.folder == cache
    assert run_file.path.parent == cache / "runs" and run_file.path.name.startswith(run_file.key)
    stem = run_file.path.name.removesuffix(".npz")
    assert run_file.checkpoint_path.name == f"{stem}.partial.npz"
    assert run_file.lock_path.name == f"{stem}.lock"


def test_the_run_key_changes_with_any_field_and_the_code_digest():
    keys = {
        run_key(TINY, "1"),
        run_key(TINY, "2"),
        run_key(TINY.replace(seed=1), "1"),
        run_key(TINY.replace(latent_dim=3), "1"),
    }
    assert len(keys) == 4 and run_key(Config.from_dict(TINY.to_dict()), "1") == run_key(TINY, "1")


def test_a_relative_cache_folder_is_made_absolute_once(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("VAEBOOK_CACHE", "relcache/../relcache")
    assert cache.cache_dir() == tmp_path / "relcache"
    assert RunFile.of(TINY).path.is_absolute()


def test_writing_without_the_lock_is_refused():
    with pytest.raises(RuntimeError, match="its lock must be held"):
        RunFile.of(TINY).discard()


def test_a_finished_run_loads_from_a_read_only_cache_without_its_lock(tiny, monkeypatch):
    """Nothing is written to load a finished run: with every write failing as on a read-only
    file system, the run loads; a run that must be trained names the folder."""
    run, blob = tiny
    run_file = planted(blob)

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system", str(run_file.lock_path))

    monkeypatch.setattr("filelock.FileLock.acquire", read_only)
    monkeypatch.setattr("pathlib.Path.mkdir", read_only)
    assert train(TINY, progress=False) == run
    with pytest.raises(CacheUnusable, match=r"the run cache .* read-only file system.*VAEBOOK_CACHE"):
        train(TINY.replace(seed=1), progress=False)


@pytest.mark.parametrize("where", ["cache", "runs"])
def test_a_file_where_the_cache_folder_should_be_is_named(where, cache):
    cache.parent.mkdir(exist_ok=True)
    if where == "runs":
        cache.mkdir()
    (cache / "runs" if where == "runs" else cache).write_text("not a folder")
    with pytest.raises(CacheUnusable, match=r"is a file, not a folder.*move that file"):
        train(TINY, progress=False)


def test_a_full_disk_is_named_and_leaves_no_file(monkeypatch, cache):
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("numpy.savez", full)
    with pytest.raises(CacheUnusable, match="its disk is full.*free space"):
        train(TINY, progress=False)
    assert [p.name for p in (cache / "runs").iterdir() if not p.name.endswith(".lock")] == []


def test_stale_temporary_files_of_a_run_go_when_its_lock_is_taken(cache):
    run_file = RunFile.of(TINY)
    run_file.path.parent.mkdir(parents=True)
    stale = [
        run_file.path.with_name(f".{run_file.path.name}.abc123.tmp"),
        run_file.path.with_name(f".{run_file.checkpoint_path.name}.def456.tmp"),
    ]
    other = run_file.path.with_name(".another-run.npz.xyz.tmp")
    for path in (*stale, other):
        path.write_bytes(b"half a file")
    with run_file.lock():
        assert not any(path.exists() for path in stale) and other.exists()


def npz(arrays: dict) -> bytes:
    out = io.BytesIO()
    np.savez(out, **arrays)
    return out.getvalue()


def with_checksum(arrays: dict) -> bytes:
    return npz(arrays | {"checksum": np.array(cache._checksum(arrays))})


def crafted_header(shape: tuple) -> bytes:
    """A stored .npy entry whose header claims ``shape`` float32 but which holds 16 bytes."""
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f4", "fortran_order": False, "shape": shape})
    return header.getvalue() + bytes(16)


def zipped(entries: dict, compression=zipfile.ZIP_STORED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


def damaged_files(blob: bytes) -> dict:
    """Files a loader could crash or swell on, by kind, from a real run file's bytes."""
    with np.load(io.BytesIO(blob)) as data:
        arrays = {name: data[name] for name in data.files if name != "checksum"}
    params = [name for name in arrays if name.startswith("adam_v_")]
    # 64 MiB of zeros, deflated to a few kilobytes
    bomb = zipped({"losses.npy": crafted_header((16 << 20,))[:-16] + bytes(64 << 20)}, zipfile.ZIP_DEFLATED)
    return {
        "truncated": blob[: len(blob) // 2],
        "flipped": blob[: len(blob) // 2] + bytes([blob[len(blob) // 2] ^ 1]) + blob[len(blob) // 2 + 1 :],
        "huge header": zipped({"losses.npy": crafted_header((10**12,)), "checksum.npy": crafted_header(())}),
        "missing keys, valid checksum": with_checksum({k: v for k, v in arrays.items() if k not in params}),
        "wrong shape, valid checksum": with_checksum(arrays | {"losses": np.zeros((2, 1, 3), np.float32)}),
        "unknown array, valid checksum": with_checksum(arrays | {"extra": np.zeros(10**5, np.float32)}),
        "zip bomb": bomb,
        "not a zip": b"hello",
        "empty": b"",
    }


@pytest.mark.parametrize(
    "kind",
    [
        "truncated", "flipped", "huge header", "missing keys, valid checksum",
        "wrong shape, valid checksum", "unknown array, valid checksum", "zip bomb", "not a zip", "empty",
    ],
)  # fmt: skip
def test_a_damaged_run_file_is_said_moved_aside_and_trained_again(kind, tiny):
    run, blob = tiny
    damaged = damaged_files(blob)[kind]
    run_file = planted(damaged)
    with pytest.warns(DamagedRunFile, match="unreadable"):
        again = train(TINY, progress=False)
    assert again == run and again.seconds > 0
    aside = run_file.path.with_name(run_file.path.name + ".damaged")
    assert aside.read_bytes() == damaged
    assert cache.load_arrays(run_file.path) is not None


def test_a_folder_in_the_run_file_s_place_is_moved_aside(tiny):
    run, _ = tiny
    run_file = RunFile.of(TINY)
    (run_file.path / "inside").mkdir(parents=True)
    run_file.path.with_name(run_file.path.name + ".damaged").write_text("an older damaged file")
    with pytest.warns(DamagedRunFile, match="a folder stands in its place"):
        assert train(TINY, progress=False) == run
    assert (run_file.path.with_name(run_file.path.name + ".damaged") / "inside").is_dir()


def test_sizes_are_checked_before_any_array_is_read(monkeypatch, tiny):
    """A file whose headers promise arrays the run cannot hold is refused before an array is
    read or the checksum computed."""
    _, blob = tiny
    files = damaged_files(blob)
    monkeypatch.setattr(np.lib.format, "read_array", pytest.fail)
    monkeypatch.setattr(cache, "_streamed_checksum", pytest.fail)
    for kind in ("huge header", "wrong shape, valid checksum", "unknown array, valid checksum", "zip bomb"):
        run_file = RunFile.of(TINY)
        run_file.path.parent.mkdir(parents=True, exist_ok=True)
        run_file.path.write_bytes(files[kind])
        with pytest.raises(cache.Damaged):
            cache.load_arrays(run_file.path, lambda entries: expected_entries(TINY, entries))


def test_the_checksum_streams_and_matches_the_whole_array_checksum():
    arrays = {"a": np.arange(12, dtype=np.float32).reshape(3, 4), "b": np.array(3), "c": np.array("text")}
    blob = with_checksum(arrays)
    loaded = cache.load_arrays(io.BytesIO(blob))
    assert set(loaded) == set(arrays) and all(np.array_equal(loaded[k], arrays[k]) for k in arrays)
    changed = npz(arrays | {"a": arrays["a"] + 1, "checksum": np.array(cache._checksum(arrays))})
    with pytest.raises(cache.Damaged, match="checksum mismatch"):
        cache.load_arrays(io.BytesIO(changed))  # a whole zip, its CRCs right, another checksum


def test_is_cached_names_only_a_finished_run(tiny):
    _, blob = tiny
    assert not is_cached(TINY)
    planted(blob)
    assert is_cached(TINY) and os.path.exists(RunFile.of(TINY).path)
