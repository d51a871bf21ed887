"""Attention arrays kept so that no forward pass runs twice.

Entries are keyed by ``(model name, model revision, sequence)``.  Where an
array lives depends on its size (:meth:`AttentionCache.placement`):

* **dtype** - attention whose float32 size is at most ``float16_above``
  (64 MiB: AntiBERTy up to ~500 residues, ESM-2 650M up to ~160) is kept in
  float32; anything larger is kept in float16 (half the memory; weights
  in [0, 1] keep ~3 significant digits).  Statistics never count from the
  float16 copy (see ``ProteinLanguageModel.iter_layer_attention``).
* **memory** - arrays that fit ``max_bytes`` (by default an eighth of the
  machine's physical memory, at least 1 GiB: 3 GiB on 24 GB) live in a
  least-recently-used store bounded by bytes.
* **spill** - an array larger than the memory budget is never dropped: it is
  written to a memory-mapped ``.npy`` under ``spill_directory``
  (``cache_root()/"attention-spill"``), read back a head at a time in
  milliseconds.  Spill files belong to one process and are deleted when it
  exits (or when the entry is evicted from the ``max_spill_bytes`` budget).
  When that folder cannot be written (read-only, a file in the way) spills go
  to a temp folder, with a :class:`~protattn_widgets.errors.CacheLocationWarning`
  (:func:`~protattn_widgets.config.writable_cache_dir`), and failing that stay
  in memory.

Leftovers of processes that died without cleaning up (``kill -9`` during a
disk-cache write leaves ``.tmp-*`` files; SIGTERM or SIGHUP leaves spill
files) are deleted when a cache first uses a folder.  Every such file is
named after its process (pid and host): only files of processes of this host
that no longer run are deleted, never a live process's.

Optionally arrays are also written to a directory (the *disk cache*) as plain
``.npy`` files with a ``.json`` sidecar (never pickle): atomic writes, and each
entry verified on read (key, shape, dtype, size and a sha256 of the data
written at store time).  A damaged entry is warned about, deleted and
recomputed.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import socket
import tempfile
import time
import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .config import cache_root, fallback_root, usable_directory, writable_cache_dir
from .errors import CacheLocationError, CacheLocationWarning
from .errors import warn as warn_user

__all__ = ["CacheKey", "CACHE_KINDS", "AttentionCache", "attention_cache", "DEFAULT_MAX_BYTES", "FLOAT16_ABOVE",
           "default_max_bytes"]

MIN_DEFAULT_MAX_BYTES = 1 << 30  # 1 GiB: 16 AntiBERTy proteins of 500 residues


def default_max_bytes(physical: int | None = None) -> int:
    """The default memory budget: an eighth of physical memory (``physical`` bytes), at least 1 GiB.

    On 24 GB that keeps ESM-2 3B's float16 attention of 1,022 residues (2.8 GiB)
    in memory; on 16 GB it is 2 GiB and that array is spilled to disk.
    """
    if physical is None:
        try:
            physical = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (AttributeError, ValueError, OSError):  # not POSIX (Windows): the floor
            physical = 0
    return max(MIN_DEFAULT_MAX_BYTES, int(physical) // 8)


DEFAULT_MAX_BYTES = default_max_bytes()
#: Attention whose float32 size is above this many bytes is stored as float16.
FLOAT16_ABOVE = 64 << 20
DEFAULT_MAX_SPILL_BYTES = 64 << 30


#: What a cache entry holds.  ``"attention"``: ``(n_layers, n_heads, L, L)``; ``"hidden_states"``:
#: ``(n_layers, L, hidden)``; companions of an attention entry, captured in its forward pass:
#: ``"strong_pairs"`` (``StrongPairs.to_array``, ``option`` = its floor) and ``"token_masses"``
#: (``(2, n_layers, n_heads, L)``: special-token and unobserved-residue mass).
CACHE_KINDS: tuple[str, ...] = ("attention", "hidden_states", "strong_pairs", "token_masses")
#: Kinds that ride along an attention entry: they neither count as hits/misses nor spill to disk
#: (over the memory budget they are returned but not kept; the reader then does without them).
COMPANION_KINDS = frozenset({"strong_pairs", "token_masses"})


@dataclass(frozen=True)
class CacheKey:
    """What identifies a cached array: the model, its revision, the residues, what kind of array it is.

    ``model`` names the model and how it ran (``"antiberty:antiberty"``, ``"esm:<name>@bfloat16"``);
    ``sequence`` is what it read (with a hash of the observed positions when not all are observed);
    ``kind`` is one of :data:`CACHE_KINDS`; ``option`` a parameter of the kind (the strong-pair floor).
    """

    model: str
    revision: str
    sequence: str
    kind: str = "attention"
    option: str = ""

    def __post_init__(self) -> None:
        if self.kind not in CACHE_KINDS:
            raise ValueError(f"cache key kind must be one of {CACHE_KINDS}, got {self.kind!r}")

    @property
    def companion(self) -> bool:
        """Whether this entry rides along an attention entry (see :data:`COMPANION_KINDS`)."""
        return self.kind in COMPANION_KINDS

    def digest(self) -> str:
        # attention keys hash as before typed keys existed: disk caches written then stay valid
        fields = [self.model, self.revision, self.sequence]
        if self.kind != "attention" or self.option:
            fields = [self.kind, self.option, *fields]
        return hashlib.sha256(json.dumps(fields).encode()).hexdigest()


class CacheEntryError(Exception):
    """A disk-cache entry that does not hold what its sidecar promises (internal)."""


class AttentionCache:
    """A byte-bounded LRU store of attention arrays, spilling to memory-mapped files, optionally backed by disk.

    Parameters
    ----------
    max_bytes : int
        Memory budget (default :func:`default_max_bytes`: an eighth of
        physical memory, at least 1 GiB).  Lowering it evicts at once.  An array larger than the
        budget is spilled to a memory-mapped file, not dropped.
    directory : path or None
        Where to also keep arrays across processes (the disk cache); ``None``
        keeps them for this process only.
    spill_directory : path or None
        Where over-budget arrays go; default ``cache_root()/"attention-spill"``
        (used even when the disk cache is off).
    float16_above : int
        Float32 size (bytes) above which attention is stored as float16.
    max_spill_bytes : int
        Bytes of spill files this process keeps (least recently used go first).
    """

    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES, directory: str | os.PathLike | None = None, *,
                 spill_directory: str | os.PathLike | None = None, float16_above: int = FLOAT16_ABOVE,
                 max_spill_bytes: int = DEFAULT_MAX_SPILL_BYTES):
        self.directory = Path(directory) if directory is not None else None
        self._spill_directory = Path(spill_directory) if spill_directory is not None else None
        self.float16_above = int(float16_above)
        self.max_spill_bytes = int(max_spill_bytes)
        self._entries: OrderedDict[CacheKey, np.ndarray] = OrderedDict()
        self._mapped: OrderedDict[CacheKey, tuple[np.ndarray, Path | None]] = OrderedDict()
        self._bytes = 0
        self._mapped_bytes = 0
        self._lock = threading.RLock()
        self._max_bytes = int(max_bytes)
        self.hits = 0
        self.disk_hits = 0
        self.misses = 0
        # Every spill file this cache made (absolute paths), from allocation on: only these are ours to delete.
        self._spill_files: set[Path] = set()
        self._swept: set[Path] = set()  # folders already cleared of dead processes' leftovers
        # At exit or when the cache is collected: the finalizer holds the set, not the cache.
        weakref.finalize(self, _remove_files, self._spill_files)

    def __repr__(self) -> str:
        return (
            f"AttentionCache({len(self._entries)} arrays, {self._bytes / 2**20:.1f} of "
            f"{self.max_bytes / 2**20:.0f} MiB in memory; {len(self._mapped)} memory-mapped "
            f"({self._mapped_bytes / 2**20:.1f} MiB, spill={self.spill_directory}); float16 above "
            f"{self.float16_above / 2**20:.0f} MiB; disk={self.directory}, hits={self.hits}, "
            f"disk_hits={self.disk_hits}, misses={self.misses})"
        )

    @property
    def max_bytes(self) -> int:
        """Memory budget in bytes; setting a lower value evicts at once."""
        return self._max_bytes

    @max_bytes.setter
    def max_bytes(self, value: int) -> None:
        with self._lock:
            self._max_bytes = int(value)
            self._evict()

    @property
    def nbytes(self) -> int:
        """Bytes held in memory now (memory-mapped arrays not included)."""
        return self._bytes

    @property
    def mapped_nbytes(self) -> int:
        """Bytes of arrays served from memory-mapped files."""
        return self._mapped_bytes

    @property
    def spill_directory(self) -> Path:
        """Where arrays larger than the memory budget are memory-mapped."""
        return self._spill_directory or cache_root() / "attention-spill"

    def __contains__(self, key: CacheKey) -> bool:
        with self._lock:
            return key in self._entries or key in self._mapped

    def enable_disk(self, directory: str | os.PathLike | None = None) -> Path:
        """Also keep arrays on disk, by default under ``cache_root()/"attention"``
        (a temp folder, with a warning, when that cannot be written)."""
        self.directory = Path(directory) if directory is not None else writable_cache_dir("attention")
        return self.directory

    def disable_disk(self) -> None:
        """Keep arrays in memory only (files already written stay)."""
        self.directory = None

    def storage_dtype(self, shape: tuple[int, ...]) -> np.dtype:
        """float32, or float16 when the float32 array would exceed ``float16_above`` bytes."""
        return np.dtype(np.float16 if 4 * int(np.prod(shape)) > self.float16_above else np.float32)

    def placement(self, shape: tuple[int, ...], dtype=None) -> tuple[np.dtype, str]:
        """``(dtype, "memory" | "spill")`` an array of ``shape`` will be stored with."""
        dtype = np.dtype(dtype) if dtype is not None else self.storage_dtype(shape)
        nbytes = dtype.itemsize * int(np.prod(shape))
        return dtype, ("memory" if nbytes <= self.max_bytes else "spill")

    def allocate(self, key: CacheKey, shape: tuple[int, ...], dtype=None) -> np.ndarray:
        """A writable buffer for ``key``'s array, where :meth:`placement` says it goes.

        Fill it, then hand it to :meth:`put`: a spilled buffer is then already
        on disk, so it is never held in memory whole.
        """
        dtype, where = self.placement(shape, dtype)
        folder = self._spill_folder() if where == "spill" else None
        if folder is None:  # fits the budget, or no folder can take a spill file: memory
            return np.empty(shape, dtype=dtype)
        path = folder / self._spill_name(key)
        with self._lock:
            self._spill_files.add(path)  # from now on: deleted at exit, whatever happens to the buffer
        try:
            return np.lib.format.open_memmap(path, mode="w+", dtype=dtype, shape=tuple(shape))
        except BaseException:
            self._forget_spill_file(path)
            raise

    def discard(self, buffer: np.ndarray) -> None:
        """Give back a buffer from :meth:`allocate` that will not be stored (its spill file is deleted)."""
        if isinstance(buffer, np.memmap) and buffer.filename:
            path = Path(os.path.abspath(buffer.filename))
            if path in self._spill_files:
                self._forget_spill_file(path)

    def get(self, key: CacheKey) -> np.ndarray | None:
        """Return the array for ``key`` (read-only) or ``None``.

        A companion kind (``key.companion``: strong pairs, token masses) leaves
        ``hits``/``misses`` alone.
        """
        count = not key.companion
        self._sweep_leftovers()
        with self._lock:
            for store in (self._entries, self._mapped):
                if key in store:
                    store.move_to_end(key)
                    self.hits += count
                    return self._entries[key] if store is self._entries else self._mapped[key][0]
        values = self._read_disk(key)
        with self._lock:
            if values is None:
                self.misses += count
                return None
            self.disk_hits += count
            if isinstance(values, np.memmap):
                self._remember_mapped(key, values, None)  # the disk cache's own file: not ours to delete
            else:
                self._remember(key, values)
            return values

    def put(self, key: CacheKey, values: np.ndarray) -> np.ndarray:
        """Store ``values`` under ``key``; return the stored array (read-only; a memmap when spilled).

        A companion kind (``key.companion``) over the memory budget is returned
        but not kept (it is never spilled).
        """
        if key.companion and not isinstance(values, np.memmap) and np.asarray(values).nbytes > self.max_bytes:
            stored = np.asarray(values)
            stored.setflags(write=False)
            return stored
        self._sweep_leftovers()
        if isinstance(values, np.memmap) and values.filename:
            values.flush()
            path = Path(os.path.abspath(values.filename))
            stored = np.load(path, mmap_mode="r", allow_pickle=False)
            with self._lock:
                self._remember_mapped(key, stored, path if path in self._spill_files else None)
        elif np.asarray(values).nbytes > self.max_bytes:
            stored = self._spill(key, np.asarray(values))
        else:
            stored = np.asarray(values)
            stored.setflags(write=False)
            with self._lock:
                self._remember(key, stored)
        if self.directory is not None:
            try:
                self._write_disk(key, stored)
            except OSError as error:  # a full or read-only disk must not lose the computed attention
                warn_user(f"attention not written to the disk cache {self.directory}: {error}")
        return stored

    def clear(self, disk: bool = False) -> None:
        """Forget every array in memory (and spill files), and on disk too if ``disk``."""
        with self._lock:
            self._entries.clear()
            self._bytes = 0
            while self._mapped:
                self._drop_mapped()
        if disk and self.directory is not None and self.directory.is_dir():
            for path in self.directory.glob("*.npy"):
                for part in (path, path.with_suffix(".json")):
                    if not part.is_dir():  # a folder there is someone else's
                        part.unlink(missing_ok=True)

    # -- memory and spill stores -------------------------------------------------------------

    def _remember(self, key: CacheKey, values: np.ndarray) -> None:
        old = self._entries.pop(key, None)
        if old is not None:
            self._bytes -= old.nbytes
        self._entries[key] = values
        self._bytes += values.nbytes
        self._evict()

    def _evict(self) -> None:
        while self._bytes > self.max_bytes and self._entries:
            _, evicted = self._entries.popitem(last=False)
            self._bytes -= evicted.nbytes

    def _remember_mapped(self, key: CacheKey, values: np.ndarray, path: Path | None) -> None:
        if key in self._mapped:
            self._drop_mapped(key)
        self._mapped[key] = (values, path)
        if path is not None:
            self._spill_files.add(path)
        self._mapped_bytes += values.nbytes
        while self._mapped_bytes > self.max_spill_bytes and len(self._mapped) > 1:
            self._drop_mapped()

    def _drop_mapped(self, key: CacheKey | None = None) -> None:
        if key is None:
            key = next(iter(self._mapped))
        values, path = self._mapped.pop(key)
        self._mapped_bytes -= values.nbytes
        if path is not None:  # arrays already handed out stay readable: the mapping outlives the name
            self._forget_spill_file(path)

    def _forget_spill_file(self, path: Path) -> None:
        path.unlink(missing_ok=True)
        with self._lock:
            self._spill_files.discard(path)

    def _spill_name(self, key: CacheKey) -> str:
        """``<digest>-<pid>-<cache id>-<host>.npy``: whose file it is, for :func:`_remove_orphans`."""
        return f"{key.digest()[:32]}-{os.getpid()}-{id(self):x}-{_HOST}.npy"

    def _spill_folder(self) -> Path | None:
        """The spill directory, created (absolute); a temp folder, with a warning, when it cannot be
        written; ``None`` (keep in memory, with a warning) when no folder can be."""
        try:
            if self._spill_directory is None:
                folder = writable_cache_dir("attention-spill")
            else:
                folder = Path(os.path.abspath(self._spill_directory))
                problem = usable_directory(folder)
                if problem is not None:
                    fallback = fallback_root() / "attention-spill"
                    if usable_directory(fallback) is not None:
                        raise CacheLocationError(f"cannot write the spill folder {folder} ({problem})")
                    warn_user(f"cannot write the spill folder {folder} ({problem.strerror or problem}); "
                              f"spilling to {fallback}", CacheLocationWarning)
                    folder = fallback
        except CacheLocationError as error:
            warn_user(f"{error}; the array stays in memory, over the budget", CacheLocationWarning)
            return None
        self._sweep_folder(folder)
        return folder

    def _sweep_leftovers(self) -> None:
        """Once per folder: delete what dead processes left in the spill folder and the disk cache."""
        nominal = self.spill_directory
        for folder in (nominal, self.directory):
            if folder is not None and Path(os.path.abspath(folder)) not in self._swept:
                self._sweep_folder(Path(os.path.abspath(folder)))

    def _sweep_folder(self, folder: Path) -> None:
        if folder in self._swept:
            return
        self._swept.add(folder)
        _remove_orphans(folder)

    def _spill(self, key: CacheKey, values: np.ndarray) -> np.ndarray:
        buffer = self.allocate(key, values.shape, values.dtype)
        if not isinstance(buffer, np.memmap):
            if values.nbytes <= self.max_bytes:  # fits after all (budget raised meanwhile)
                buffer[...] = values
                return self.put(key, buffer)
            stored = np.asarray(values)  # no folder takes it (warned): handed back, not kept
            stored.setflags(write=False)
            return stored
        buffer[...] = values
        buffer.flush()
        path = Path(os.path.abspath(buffer.filename))
        del buffer
        stored = np.load(path, mmap_mode="r", allow_pickle=False)
        with self._lock:
            self._remember_mapped(key, stored, path)
        return stored

    # -- disk cache --------------------------------------------------------------------------

    def _paths(self, key: CacheKey) -> tuple[Path, Path]:
        assert self.directory is not None
        stem = self.directory / key.digest()
        return stem.with_suffix(".npy"), stem.with_suffix(".json")

    def _read_disk(self, key: CacheKey) -> np.ndarray | None:
        if self.directory is None:
            return None
        array_path, meta_path = self._paths(key)
        if not meta_path.exists():  # never stored, or a write interrupted before its sidecar
            return None
        folders = [path.name for path in (array_path, meta_path) if path.is_dir()]
        if folders:  # someone's folder where an entry belongs: not ours to delete
            warn_user(f"disk cache entry {' and '.join(folders)} in {self.directory} is a folder, not a file; "
                      f"left alone, recomputing (and not stored there)")
            return None
        try:
            return self._verified(key, array_path, meta_path)
        except (CacheEntryError, OSError, ValueError, EOFError, MemoryError, TypeError, KeyError) as error:
            warn_user(f"disk cache entry {array_path.name} is damaged ({error}); deleted, recomputing")
            for path in (array_path, meta_path):
                try:
                    path.unlink(missing_ok=True)
                except OSError:  # unwritable folder, or it became a folder meanwhile
                    pass
            return None

    def _verified(self, key: CacheKey, array_path: Path, meta_path: Path) -> np.ndarray:
        """The entry's array, after checking it against its sidecar; raises CacheEntryError."""
        meta = json.loads(meta_path.read_text())
        if not isinstance(meta, dict):
            raise CacheEntryError(f"sidecar holds a {type(meta).__name__}, not an object")
        if ([meta.get("model"), meta.get("revision"), meta.get("sequence"), meta.get("kind", "attention"),
             meta.get("option", "")] != [key.model, key.revision, key.sequence, key.kind, key.option]):
            raise CacheEntryError("sidecar is for another model or sequence")
        shape, dtype, digest = meta.get("shape"), meta.get("dtype"), meta.get("sha256")
        if not (isinstance(shape, list) and all(isinstance(n, int) and n >= 0 for n in shape)
                and dtype in ("float32", "float16", "float64") and isinstance(digest, str)):
            raise CacheEntryError("sidecar lacks a valid shape, dtype or sha256")
        with open(array_path, "rb") as handle:
            version = np.lib.format.read_magic(handle)
            header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                      else np.lib.format.read_array_header_2_0)(handle, max_header_size=10_000)
            offset = handle.tell()
        file_shape, fortran, file_dtype = header
        if list(file_shape) != shape or str(file_dtype) != dtype or fortran:
            raise CacheEntryError(f"file holds {file_dtype}{list(file_shape)}, sidecar says {dtype}{shape}")
        expected = offset + np.dtype(dtype).itemsize * int(np.prod(shape, dtype=np.int64))
        if array_path.stat().st_size != expected:
            raise CacheEntryError(f"file is {array_path.stat().st_size} bytes, its header needs {expected}")
        nbytes = expected - offset
        values = np.load(array_path, mmap_mode="r" if nbytes > self.max_bytes else None, allow_pickle=False)
        if _sha256(values) != digest:
            raise CacheEntryError("content hash does not match")
        if not isinstance(values, np.memmap):
            values.setflags(write=False)
        return values

    def _write_disk(self, key: CacheKey, values: np.ndarray) -> None:
        array_path, meta_path = self._paths(key)
        array_path.parent.mkdir(parents=True, exist_ok=True)
        meta = {"model": key.model, "revision": key.revision, "sequence": key.sequence, "kind": key.kind,
                "option": key.option,
                "shape": list(values.shape), "dtype": str(values.dtype), "sha256": _sha256(values)}
        # The sidecar is written last: an array without it is never read.
        _atomic_write(array_path, lambda f: np.save(f, values, allow_pickle=False))
        _atomic_write(meta_path, lambda f: f.write(json.dumps(meta).encode()))


#: This machine's name as it appears in file names (spill and temporary files say whose they are).
_HOST = re.sub(r"[^A-Za-z0-9_.]", "_", socket.gethostname()) or "localhost"
_SPILL_NAME = re.compile(r"[0-9a-f]{32}-(?P<pid>\d+)-[0-9a-f]+(?:-(?P<host>[A-Za-z0-9_.]+))?\.npy")
_TMP_NAME = re.compile(r"\.tmp-(?:(?P<pid>\d+)-(?P<host>[A-Za-z0-9_.]+)-)?[^-]+")
#: A temporary file named without its process (older versions) is deleted once this old.
_ANONYMOUS_TMP_AGE = 3600.0


def _remove_orphans(directory: Path) -> None:
    """Delete spill files and ``.tmp-*`` files of processes that no longer run (killed before they
    could clean up).  Files of live processes, of other hosts, and anything else are left alone."""
    try:
        names = os.listdir(directory)
    except OSError:
        return
    for name in names:
        spill, tmp = _SPILL_NAME.fullmatch(name), _TMP_NAME.fullmatch(name)
        match = spill or tmp
        if match is None:
            continue
        path = directory / name
        try:
            if match["pid"] is None:  # an older temporary file: by age
                if time.time() - path.stat().st_mtime < _ANONYMOUS_TMP_AGE:
                    continue
            elif _alive(int(match["pid"]), match["host"]):
                continue
            if path.is_file():
                path.unlink()
        except OSError:
            continue  # gone meanwhile, or not ours to delete


def _alive(pid: int, host: str | None) -> bool:
    """Whether process ``pid`` of ``host`` (``None``: this one) may still run."""
    if host is not None and host != _HOST:
        return True  # another machine's process: not ours to judge
    if pid == os.getpid():
        return True
    if os.name != "posix":
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: a live process of another user
        return True
    return True


def _remove_files(paths: set[Path]) -> None:
    for path in list(paths):
        path.unlink(missing_ok=True)
    paths.clear()


def _sha256(values: np.ndarray) -> str:
    """sha256 of the array's bytes in C order, hashed in 64 MiB pieces (no full copy of a memmap)."""
    digest = hashlib.sha256()
    flat = np.ascontiguousarray(values).reshape(-1) if values.ndim else values.reshape(1)
    step = max(1, (64 << 20) // max(1, flat.itemsize))
    for start in range(0, flat.size, step):
        digest.update(np.ascontiguousarray(flat[start:start + step]).data)
    return digest.hexdigest()


def _atomic_write(path: Path, write) -> None:
    # Named after this process: a later process deletes it if this one is killed mid-write.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".tmp-{os.getpid()}-{_HOST}-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


#: The process-wide cache every model uses unless given another.
attention_cache = AttentionCache()
