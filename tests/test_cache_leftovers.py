"""The cache root is resolved once, dead processes' leftovers are cleared, and unwritable cache
locations fall back with a warning (issue 23 items 4, 5, 8 and 11's directory entry)."""

from __future__ import annotations

import gc
import gzip
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import protattn_widgets as paw
from protattn_widgets import config
from protattn_widgets.cache import AttentionCache, CacheKey
from protattn_widgets.config import cache_root, writable_cache_dir
from protattn_widgets.errors import CacheLocationError, CacheLocationWarning

DATA = Path(__file__).resolve().parent / "data"


def _key(sequence: str = "S") -> CacheKey:
    return CacheKey("m", "r", sequence)


def _spill_like_a_model(cache: AttentionCache, key: CacheKey, shape=(4, 4, 20, 20)) -> np.ndarray:
    """What ``ProteinLanguageModel.attention`` does: allocate, fill in place, put."""
    buffer = cache.allocate(key, shape)
    buffer[...] = 0.25
    return cache.put(key, buffer)


def _python(code: str, env: dict | None = None, **kwargs) -> subprocess.Popen:
    full_env = {**os.environ, **(env or {})}
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], env=full_env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kwargs)


# -- item 4: a relative PROTATTN_CACHE_DIR ---------------------------------------------------------

_SEGMENT = st.sampled_from(["cache", "c d", "x-y", "ü", ".", "..", "a.b", "_"])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(segments=st.lists(_SEGMENT, min_size=1, max_size=4), move=st.booleans())
def test_spill_files_are_removed_whatever_the_form_of_the_cache_root(tmp_path_factory, monkeypatch, segments, move):
    base = tmp_path_factory.mktemp("cwd")
    work = base / "a" / "b" / "c" / "d"  # deep enough for four ".."
    work.mkdir(parents=True)
    relative = os.path.join(*segments) + os.sep
    config._resolved.clear()  # each example is a fresh process's first reading
    monkeypatch.chdir(work)
    monkeypatch.setenv("PROTATTN_CACHE_DIR", relative)
    root = cache_root()
    assert root.is_absolute() and root == Path(os.path.abspath(work / relative))
    cache = AttentionCache(max_bytes=100)
    first = _spill_like_a_model(cache, _key("A"))
    if move:  # the working directory changes between spills: the root stays where it was
        monkeypatch.chdir(base)
    second = _spill_like_a_model(cache, _key("B"))
    assert isinstance(first, np.memmap) and isinstance(second, np.memmap)
    spill = root / "attention-spill"
    assert len(list(spill.glob("*.npy"))) == 2
    cache.clear()
    assert not list(spill.glob("*.npy"))
    _spill_like_a_model(cache, _key("C"))
    del cache, first, second
    gc.collect()  # the finalizer (also what runs at exit)
    assert not list(spill.glob("*.npy"))


def test_a_relative_cache_root_leaves_no_spill_file_after_exit(tmp_path):
    code = """
        import numpy as np
        from protattn_widgets.cache import AttentionCache, CacheKey
        cache = AttentionCache(max_bytes=100)
        for n in range(6):
            buffer = cache.allocate(CacheKey("m", "r", str(n)), (1000, 100))
            buffer[...] = n
            cache.put(CacheKey("m", "r", str(n)), buffer)
    """
    process = _python(code, {"PROTATTN_CACHE_DIR": "relative-cache"}, cwd=tmp_path)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    assert (tmp_path / "relative-cache" / "attention-spill").is_dir()
    assert not list((tmp_path / "relative-cache").rglob("*.npy"))


# -- item 5: leftovers after crashes ---------------------------------------------------------------

def test_a_kill_9_during_a_disk_cache_write_leaves_nothing_after_the_next_open(tmp_path):
    code = f"""
        import os, signal
        import numpy as np
        from protattn_widgets.cache import AttentionCache, CacheKey

        def killed_midway(handle, values, allow_pickle=False):
            handle.write(b"\\x93NUMPY half of an array")
            handle.flush()
            os.kill(os.getpid(), signal.SIGKILL)

        np.save = killed_midway
        AttentionCache(directory={str(tmp_path)!r}).put(CacheKey("m", "r", "S"), np.zeros(1000, np.float32))
    """
    process = _python(code)
    process.communicate(timeout=120)
    assert process.returncode == -signal.SIGKILL
    left = list(tmp_path.glob(".tmp-*"))
    assert len(left) == 1  # what kill -9 leaves
    live = tmp_path / left[0].name.replace(left[0].name.split("-")[1], str(os.getpid()), 1)
    live.write_bytes(b"a write in progress in a live process")
    fresh_anonymous = tmp_path / ".tmp-abc123.npy"  # an older version's name: no pid, judged by age
    fresh_anonymous.write_bytes(b"maybe in progress")
    other_host = tmp_path / f".tmp-1-another_host-xyz.npy"
    other_host.write_bytes(b"another machine's write")
    cache = AttentionCache(directory=tmp_path)
    assert cache.get(_key("S")) is None
    assert not left[0].exists()
    assert live.exists() and fresh_anonymous.exists() and other_host.exists()
    old = tmp_path / ".tmp-def456.npy"
    old.write_bytes(b"abandoned long ago")
    os.utime(old, (0, 0))
    AttentionCache(directory=tmp_path).get(_key("S"))
    assert not old.exists() and fresh_anonymous.exists()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_spill_files_left_by_sigterm_or_sighup_are_removed_when_a_cache_is_opened(tmp_path, signum):
    spill = tmp_path / "spill"
    code = f"""
        import sys, time
        import numpy as np
        from protattn_widgets.cache import AttentionCache, CacheKey
        cache = AttentionCache(max_bytes=100, spill_directory={str(spill)!r})
        kept = cache.put(CacheKey("m", "r", "S"), np.ones((100, 100), np.float32))
        print("spilled", flush=True)
        time.sleep(60)
    """
    process = _python(code)
    assert process.stdout.readline().strip() == "spilled"
    assert len(list(spill.glob("*.npy"))) == 1
    process.send_signal(signum)
    process.communicate(timeout=60)
    assert process.returncode == -signum
    assert len(list(spill.glob("*.npy"))) == 1  # the signal killed it before any cleanup
    mine = spill / f"{'2' * 32}-{os.getpid()}-abc.npy"
    mine.write_bytes(b"a live process's spill file")
    AttentionCache(spill_directory=spill).get(_key("anything"))  # opening a cache, no spilling
    assert [p.name for p in spill.glob("*.npy")] == [mine.name]


# -- item 8: unwritable cache locations --------------------------------------------------------------

@pytest.fixture(params=["a file", "under a file", "read-only"])
def unwritable_root(request, tmp_path, monkeypatch):
    """PROTATTN_CACHE_DIR where nothing can be written; the fallback goes to a private temp folder."""
    monkeypatch.setattr("protattn_widgets.config._warned", set())
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the cache folder should be")
    if request.param == "a file":
        root = blocker
    elif request.param == "under a file":
        root = blocker / "cache"
    else:
        if os.geteuid() == 0:  # root writes through permissions: a read-only file system instead
            fs = _read_only_mount(tmp_path / "ro")
            if fs is None:
                pytest.skip("cannot mount a read-only file system here (needs root and mount)")
            root = fs / "cache"
        else:
            root = tmp_path / "ro"
            root.mkdir()
            root.chmod(0o500)
    monkeypatch.setenv("PROTATTN_CACHE_DIR", str(root))
    yield root


def _read_only_mount(path: Path) -> Path | None:
    path.mkdir()
    if shutil.which("mount") is None:
        return None
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(path)], capture_output=True)
    if done.returncode != 0:
        return None
    return path


@pytest.fixture(autouse=True)
def _unmount(tmp_path):
    yield
    ro = tmp_path / "ro"
    if ro.is_dir() and os.path.ismount(ro):
        subprocess.run(["umount", str(ro)], check=False)


def test_spilling_into_an_unwritable_cache_root_warns_and_uses_a_temp_folder(unwritable_root, tmp_path):
    cache = AttentionCache(max_bytes=100)
    with pytest.warns(CacheLocationWarning, match="PROTATTN_CACHE_DIR"):
        stored = _spill_like_a_model(cache, _key("A"))
    assert isinstance(stored, np.memmap) and float(stored[0, 0, 0, 0]) == 0.25
    assert Path(stored.filename).is_relative_to(tmp_path / "tmp")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # said once, not at every spill
        cache.put(_key("B"), np.ones((50, 50), np.float32))
    cache.clear()
    assert not list((tmp_path / "tmp").rglob("*.npy"))


def test_the_disk_cache_in_an_unwritable_root_warns_and_uses_a_temp_folder(unwritable_root, tmp_path):
    cache = AttentionCache()
    with pytest.warns(CacheLocationWarning, match="PROTATTN_CACHE_DIR"):
        folder = cache.enable_disk()
    assert folder.is_relative_to(tmp_path / "tmp")
    cache.put(_key("A"), np.ones(10, np.float32))
    np.testing.assert_array_equal(AttentionCache(directory=folder).get(_key("A")), np.ones(10))


def test_a_pdb_download_into_an_unwritable_root_warns_and_still_loads(unwritable_root, tmp_path, monkeypatch):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / "4AKI.cif").write_bytes(gzip.decompress((DATA / "1aki.cif.gz").read_bytes()))
    monkeypatch.setenv("PROTATTN_PDB_URL", mirror.as_uri() + "/{pdb_id}.cif")
    with pytest.warns(CacheLocationWarning, match="PROTATTN_CACHE_DIR"):
        structure = paw.load_structure("4AKI")
    assert len(structure["A"]) == 129
    assert any((tmp_path / "tmp").glob("*/pdb/4aki.cif"))


def test_when_no_folder_can_be_written_the_error_names_the_variable(unwritable_root, tmp_path, monkeypatch):
    monkeypatch.setattr("protattn_widgets.config.fallback_root", lambda: tmp_path / "blocker" / "fallback")
    with pytest.raises(CacheLocationError, match="PROTATTN_CACHE_DIR"):
        writable_cache_dir("pdb")
    cache = AttentionCache(max_bytes=100)
    with pytest.warns(CacheLocationWarning, match="stays in memory"):
        stored = cache.put(_key("A"), np.ones((50, 50), np.float32))
    assert not isinstance(stored, np.memmap) and stored.shape == (50, 50)


# -- item 11: a disk-cache entry that is a folder ------------------------------------------------------

@pytest.mark.parametrize("which", [".npy", ".json", "both"])
def test_a_disk_cache_entry_that_is_a_folder_is_warned_about_and_left_alone(tmp_path, which):
    writer = AttentionCache(directory=tmp_path)
    writer.put(_key("A"), np.ones(10, np.float32))
    (entry,) = tmp_path.glob("*.npy")
    for suffix in ([".npy", ".json"] if which == "both" else [which]):
        path = entry.with_suffix(suffix)
        path.unlink()
        path.mkdir()
        (path / "someone's file").write_text("keep me")
    reader = AttentionCache(directory=tmp_path)
    with pytest.warns(UserWarning, match="folder"):
        assert reader.get(_key("A")) is None
    with pytest.warns(UserWarning, match="not written to the disk cache"):
        reader.put(_key("A"), np.ones(10, np.float32))
    reader.clear(disk=True)
    assert all((entry.with_suffix(s) / "someone's file").exists() or not entry.with_suffix(s).is_dir()
               for s in (".npy", ".json"))
