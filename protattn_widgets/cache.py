"""Attention arrays kept so that no forward pass runs twice.

Entries are keyed by ``(model name, model revision, sequence)``.  In memory
they live in a least-recently-used store bounded by bytes; optionally they are
also written to a directory as plain ``.npy`` arrays with a ``.json`` sidecar
(never pickle), with atomic writes so that a crash leaves no half file.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
import warnings
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .config import cache_root

__all__ = ["CacheKey", "AttentionCache", "attention_cache"]

DEFAULT_MAX_BYTES = 1 << 30  # 1 GiB: 16 AntiBERTy proteins of 500 residues


@dataclass(frozen=True)
class CacheKey:
    """What identifies an attention array: model, its revision, the residues."""

    model: str
    revision: str
    sequence: str

    def digest(self) -> str:
        text = json.dumps([self.model, self.revision, self.sequence])
        return hashlib.sha256(text.encode()).hexdigest()


class AttentionCache:
    """A byte-bounded LRU store of attention arrays, optionally backed by disk.

    Parameters
    ----------
    max_bytes : int
        Memory budget.  An array larger than the budget is not kept in memory.
    directory : path or None
        Where to also keep arrays on disk; ``None`` keeps them in memory only.
    """

    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES, directory: str | os.PathLike | None = None):
        self.max_bytes = int(max_bytes)
        self.directory = Path(directory) if directory is not None else None
        self._entries: OrderedDict[CacheKey, np.ndarray] = OrderedDict()
        self._bytes = 0
        self._lock = threading.RLock()
        self.hits = 0
        self.disk_hits = 0
        self.misses = 0

    def __repr__(self) -> str:
        return (
            f"AttentionCache({len(self._entries)} arrays, {self._bytes / 2**20:.1f} of "
            f"{self.max_bytes / 2**20:.0f} MiB, disk={self.directory}, hits={self.hits}, "
            f"disk_hits={self.disk_hits}, misses={self.misses})"
        )

    @property
    def nbytes(self) -> int:
        """Bytes held in memory now."""
        return self._bytes

    def enable_disk(self, directory: str | os.PathLike | None = None) -> Path:
        """Also keep arrays on disk, by default under ``cache_root()/"attention"``."""
        self.directory = Path(directory) if directory is not None else cache_root() / "attention"
        return self.directory

    def disable_disk(self) -> None:
        """Keep arrays in memory only (files already written stay)."""
        self.directory = None

    def get(self, key: CacheKey) -> np.ndarray | None:
        """Return the array for ``key`` (read-only) or ``None``."""
        with self._lock:
            values = self._entries.get(key)
            if values is not None:
                self._entries.move_to_end(key)
                self.hits += 1
                return values
        values = self._read_disk(key)
        with self._lock:
            if values is None:
                self.misses += 1
                return None
            self.disk_hits += 1
            self._remember(key, values)
            return values

    def put(self, key: CacheKey, values: np.ndarray) -> np.ndarray:
        """Store ``values`` under ``key``; return them as a read-only array."""
        values = np.asarray(values)
        values.setflags(write=False)
        with self._lock:
            self._remember(key, values)
        if self.directory is not None:
            try:
                self._write_disk(key, values)
            except OSError as error:  # a full or read-only disk must not lose the computed attention
                warnings.warn(f"attention not written to the disk cache {self.directory}: {error}", stacklevel=3)
        return values

    def clear(self, disk: bool = False) -> None:
        """Forget every array in memory, and on disk too if ``disk``."""
        with self._lock:
            self._entries.clear()
            self._bytes = 0
        if disk and self.directory is not None and self.directory.is_dir():
            for path in self.directory.glob("*.npy"):
                path.unlink(missing_ok=True)
                path.with_suffix(".json").unlink(missing_ok=True)

    def _remember(self, key: CacheKey, values: np.ndarray) -> None:
        if values.nbytes > self.max_bytes:
            return
        old = self._entries.pop(key, None)
        if old is not None:
            self._bytes -= old.nbytes
        self._entries[key] = values
        self._bytes += values.nbytes
        while self._bytes > self.max_bytes:
            _, evicted = self._entries.popitem(last=False)
            self._bytes -= evicted.nbytes

    def _paths(self, key: CacheKey) -> tuple[Path, Path]:
        assert self.directory is not None
        stem = self.directory / key.digest()
        return stem.with_suffix(".npy"), stem.with_suffix(".json")

    def _read_disk(self, key: CacheKey) -> np.ndarray | None:
        if self.directory is None:
            return None
        array_path, meta_path = self._paths(key)
        try:
            meta = json.loads(meta_path.read_text())
            if [meta["model"], meta["revision"], meta["sequence"]] != [key.model, key.revision, key.sequence]:
                return None
            values = np.load(array_path, allow_pickle=False)
        except (OSError, ValueError, KeyError):
            return None  # absent or damaged: recompute, and the next put rewrites it
        values.setflags(write=False)
        return values

    def _write_disk(self, key: CacheKey, values: np.ndarray) -> None:
        array_path, meta_path = self._paths(key)
        array_path.parent.mkdir(parents=True, exist_ok=True)
        meta = {"model": key.model, "revision": key.revision, "sequence": key.sequence,
                "shape": list(values.shape), "dtype": str(values.dtype)}
        # The sidecar is written last: an array without it is never read.
        _atomic_write(array_path, lambda f: np.save(f, values, allow_pickle=False))
        _atomic_write(meta_path, lambda f: f.write(json.dumps(meta).encode()))


def _atomic_write(path: Path, write) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


#: The process-wide cache every model uses unless given another.
attention_cache = AttentionCache()
