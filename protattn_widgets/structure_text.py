"""Structure files as text: bounded gunzip, decoding, binary detection, format sniffing.

Every structure source (a file, bytes, a download) becomes text here, once.
Gzip is expanded in chunks and stopped at :data:`MAX_STRUCTURE_BYTES`, so a
small compressed file holding gigabytes (a gzip bomb) is refused after reading
at most that much, with a :class:`~protattn_widgets.errors.StructureError`
that says so; the first megabyte is checked for binary data before any more
is expanded.

Text rules: UTF-8, else Latin-1 (an accented REMARK); NUL or other control
bytes in the first MiB mean a binary file.
"""

from __future__ import annotations

import re
import zlib
from pathlib import Path

from .errors import StructureError

__all__ = ["MAX_STRUCTURE_BYTES", "read_text", "decode", "looks_like_cif"]

#: Largest structure text accepted (after decompression).  The largest mmCIF entries in the
#: PDB are a few hundred MB; above this Biopython would need many GB and minutes.
MAX_STRUCTURE_BYTES = 512 * 2**20
_CHUNK = 1 << 20
_GZIP_MAGIC = b"\x1f\x8b"
_CONTROL = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f]")


def _mib(n: int) -> str:
    return f"{n / 2**20:.0f} MiB"


def looks_like_cif(text: str) -> bool:
    """Whether ``text`` reads as mmCIF rather than PDB."""
    return text.lstrip().startswith("data_") or "_atom_site." in text


def read_text(path: Path) -> str:
    """The text of a (possibly gzipped) structure file, bounded by :data:`MAX_STRUCTURE_BYTES`."""
    size = path.stat().st_size
    if size > MAX_STRUCTURE_BYTES:
        raise StructureError(f"{path} is {_mib(size)}, more than the {_mib(MAX_STRUCTURE_BYTES)} "
                             "a structure may hold")
    return decode(path.read_bytes(), str(path))


def decode(data: bytes, origin: str) -> str:
    """Text of a (possibly gzipped) file: UTF-8, else Latin-1; binary data is an error.

    Raises
    ------
    StructureError
        Corrupt gzip, more than :data:`MAX_STRUCTURE_BYTES` once expanded,
        binary data.
    """
    if data[:2] == _GZIP_MAGIC:
        data = _gunzip(data, origin)
    elif len(data) > MAX_STRUCTURE_BYTES:
        raise StructureError(f"{origin} is {_mib(len(data))}, more than the {_mib(MAX_STRUCTURE_BYTES)} "
                             "a structure may hold")
    _check_text(data, origin)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")  # e.g. an accented name in a REMARK of an old file


def _check_text(head: bytes, origin: str) -> None:
    if _CONTROL.search(head[:_CHUNK]):  # NUL or other control bytes: not a text file
        raise StructureError(f"{origin} is not a text PDB/mmCIF file (binary data)")


def _gunzip(data: bytes, origin: str) -> bytes:
    """Expand every gzip member of ``data``, at most :data:`MAX_STRUCTURE_BYTES` in all."""
    limit = MAX_STRUCTURE_BYTES
    parts: list[bytes] = []
    total = 0
    rest = data
    try:
        while rest:
            member = zlib.decompressobj(wbits=31)  # one gzip member, header and CRC checked
            pending = rest
            while not member.eof:
                piece = member.decompress(pending, _CHUNK)
                pending = member.unconsumed_tail
                if not piece and not pending:
                    raise StructureError(f"{origin} is a corrupt gzip file: it ends before the end of "
                                         "its compressed data (truncated?)")
                if total < _CHUNK:  # the first MiB decides text or binary, before expanding more
                    _check_text(piece, origin)
                total += len(piece)
                if total > limit:
                    raise StructureError(
                        f"{origin} expands to more than {_mib(limit)} (the most a structure may hold); "
                        "stopped decompressing. Is it a structure file?")
                parts.append(piece)
            rest = member.unused_data.lstrip(b"\x00")  # gzip allows zero padding after a member
            if rest and rest[:2] != _GZIP_MAGIC:
                raise StructureError(f"{origin} is a corrupt gzip file: data after the end of its "
                                     "compressed stream")
    except zlib.error as exc:
        raise StructureError(f"{origin} is a corrupt gzip file: {exc}") from None
    return b"".join(parts)
