"""Downloading PDB entries: the URL template, and a fetch bounded in total time and in size.

``urllib``'s ``timeout`` bounds each socket operation, not the download: a
server that trickles a byte every few seconds never trips it.  :func:`download`
therefore streams the body in chunks to a temporary file, with a deadline for
the whole transfer (each read waits at most until the deadline) and a byte cap
checked against ``Content-Length`` before reading and against the bytes read
while reading, so a huge or endless body neither hangs nor fills memory.

``PROTATTN_PDB_URL`` overrides :data:`DEFAULT_PDB_URL`; it is a template in
which ``{pdb_id}`` is replaced (any other braces are kept as they are).
"""

from __future__ import annotations

import os
import socket
import tempfile
import time
import urllib.error
import urllib.request

from .errors import StructureDownloadError

__all__ = ["DEFAULT_PDB_URL", "pdb_url", "download", "DOWNLOAD_TIMEOUT_S", "DOWNLOAD_MAX_BYTES"]

DEFAULT_PDB_URL = "https://files.rcsb.org/download/{pdb_id}.cif"
#: Seconds the whole download may take (connection, headers and body).
DOWNLOAD_TIMEOUT_S = 60.0
#: Largest body accepted.  The largest mmCIF files in the PDB are a few hundred MB.
DOWNLOAD_MAX_BYTES = 512 * 2**20
_CHUNK = 1 << 16


def pdb_url(pdb_id: str) -> str:
    """The URL of ``pdb_id``: ``PROTATTN_PDB_URL`` (or :data:`DEFAULT_PDB_URL`) with ``{pdb_id}`` filled in."""
    template = os.environ.get("PROTATTN_PDB_URL") or DEFAULT_PDB_URL
    if "{pdb_id}" not in template:
        raise StructureDownloadError(
            f"PROTATTN_PDB_URL={template!r} has no '{{pdb_id}}' placeholder, e.g. "
            f"{DEFAULT_PDB_URL!r}")
    return template.replace("{pdb_id}", pdb_id)


def _mib(n: int) -> str:
    return f"{n / 2**20:.0f} MiB"


def download(url: str, what: str, *, timeout_s: float | None = None, max_bytes: int | None = None) -> bytes:
    """The body of ``url``, or :class:`StructureDownloadError`.

    Parameters
    ----------
    url : str
    what : str
        Named in messages, e.g. ``"PDB entry '1CRN'"``.
    timeout_s : float, optional
        Bound on the whole download; default :data:`DOWNLOAD_TIMEOUT_S`.
    max_bytes : int, optional
        Bound on the body; default :data:`DOWNLOAD_MAX_BYTES`.
    """
    timeout_s = DOWNLOAD_TIMEOUT_S if timeout_s is None else float(timeout_s)
    max_bytes = DOWNLOAD_MAX_BYTES if max_bytes is None else int(max_bytes)
    deadline = time.monotonic() + timeout_s
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as response, \
                tempfile.TemporaryFile(prefix="protattn-download-") as spool:
            length = response.headers.get("Content-Length")
            if length is not None and length.strip().isdigit() and int(length) > max_bytes:
                raise StructureDownloadError(
                    f"{what} from {url} is {_mib(int(length))}, more than the {_mib(max_bytes)} accepted")
            size = 0
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError
                _set_read_timeout(response, remaining)
                chunk = response.read1(_CHUNK)
                if not chunk:
                    break
                size += len(chunk)
                if size > max_bytes:
                    raise StructureDownloadError(
                        f"{what} from {url} is larger than the {_mib(max_bytes)} accepted; stopped reading")
                spool.write(chunk)
            spool.seek(0)
            return spool.read()
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            raise StructureDownloadError(f"{what} not found at RCSB ({url})") from None
        raise StructureDownloadError(f"could not download {what} from {url}: HTTP {exc.code}") from None
    except (TimeoutError, socket.timeout):
        raise StructureDownloadError(
            f"could not download {what} from {url}: no complete answer within {timeout_s:g} s. "
            "Pass the path of a local .pdb/.cif file instead.") from None
    except StructureDownloadError:
        raise
    except (OSError, ValueError) as exc:  # URLError, refused connection, malformed URL, reset
        reason = getattr(exc, "reason", exc)
        raise StructureDownloadError(
            f"could not download {what} from {url} (offline?): {reason}. "
            "Pass the path of a local .pdb/.cif file instead.") from None


def _set_read_timeout(response, seconds: float) -> None:
    """Let the next socket read wait at most ``seconds`` (the time left before the deadline)."""
    sock = getattr(getattr(getattr(response, "fp", None), "raw", None), "_sock", None)
    if sock is not None:
        sock.settimeout(max(seconds, 0.001))
