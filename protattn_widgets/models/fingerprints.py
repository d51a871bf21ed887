"""Content fingerprints of local checkpoint folders, memoised on disk.

A local model folder has no hub commit; its attention cache entries are keyed
by :func:`directory_fingerprint` instead, a hash of its files' contents.  Each
file's sha256 is memoised by ``(size, mtime, ctime, inode)`` in this process
and in ``cache_root()/"fingerprints.json"``, so a large checkpoint is hashed
once, not on every load.  The memo is advisory: an entry that is not exactly
``[[size, mtime_ns, ctime_ns, inode], "<64 hex digits>"]`` is ignored (the file
is hashed again and the entry rewritten), never trusted or fatal.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import threading
from pathlib import Path

__all__ = ["directory_fingerprint"]

_SHA256 = re.compile(r"[0-9a-f]{64}")
_HASHES: dict[str, tuple[tuple[int, ...], str]] = {}
_HASHES_LOCK = threading.Lock()
_HASHES_LOADED = False


def directory_fingerprint(directory: str | os.PathLike) -> str:
    """``"local-<hash>"`` of the contents of a checkpoint folder's files (weights, config, tokenizer).

    Content-based: a copy with the same names, sizes and modification times
    but other weights (tar, docker layers, nix copies) gets another
    fingerprint; any rewrite of a file changes its ctime and so forces a new
    hash.
    """
    files = sorted(p for p in Path(directory).iterdir() if p.is_file() and not p.name.startswith("."))
    digest = hashlib.sha256()
    for path in files:
        digest.update(json.dumps([path.name, _file_sha256(path)]).encode())
    return "local-" + digest.hexdigest()[:16]


def _memo_path() -> Path:
    from ..config import cache_root

    return cache_root() / "fingerprints.json"


def _valid_entry(name, entry) -> tuple[tuple[int, ...], str] | None:
    """A memo entry as ``(stamp, sha256)``, or None when it is not exactly what :func:`_save_memo` writes."""
    if not (isinstance(name, str) and isinstance(entry, list) and len(entry) == 2):
        return None
    stamp, sha = entry
    if not (isinstance(stamp, list) and len(stamp) == 4
            and all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in stamp)):
        return None
    if not (isinstance(sha, str) and _SHA256.fullmatch(sha)):
        return None
    return tuple(stamp), sha


def _load_memo() -> None:
    """Read the on-disk memo once per process, keeping only its valid entries."""
    global _HASHES_LOADED
    _HASHES_LOADED = True
    try:
        stored = json.loads(_memo_path().read_text())
    except (OSError, ValueError):  # missing, unreadable or not JSON: start afresh
        return
    if isinstance(stored, dict):
        for name, entry in stored.items():
            valid = _valid_entry(name, entry)
            if valid is not None:
                _HASHES[name] = valid


def _file_sha256(path: Path) -> str:
    """sha256 of one file, memoised by its (size, mtime, ctime, inode)."""
    stat = path.stat()
    stamp = (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino)
    name = str(path.resolve())
    with _HASHES_LOCK:
        if not _HASHES_LOADED:
            _load_memo()
        known = _HASHES.get(name)
        if known is not None and known[0] == stamp:
            return known[1]
    sha = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 22):
            sha.update(chunk)
    value = sha.hexdigest()
    with _HASHES_LOCK:
        _HASHES[name] = (stamp, value)
        _save_memo()
    return value


def _save_memo() -> None:
    memo = _memo_path()
    try:
        memo.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=memo.parent, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "w") as handle:
                json.dump({k: [list(v[0]), v[1]] for k, v in _HASHES.items()}, handle)
            os.replace(tmp, memo)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError:  # a read-only cache only costs re-hashing next time
        pass
